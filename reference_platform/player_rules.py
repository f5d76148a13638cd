"""What the learner's web pages enforce on their side, as one value the templates hand to the JS.

The server's credit rules (credit.py) stay the final word: these rules only make the page behave
as the policy asks a learner to see it (a seek is stopped where it is tried, a speed-up is undone,
a second window is told why it stops). Each field is normally on; a UI-only deliberate defect
switches one off, so that the browser checks can be shown to catch a player that lets a learner
do what the server will not credit anyway.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from reference_platform.defects import ActiveDefects


@dataclass(frozen=True)
class PlayerRules:
    block_forward_seek: bool  # a seek past the furthest watched point is sent back there
    reset_speed: bool  # any playbackRate above 1× is set back to 1×
    guard_second_window: bool  # a superseded or second playing window pauses and says why
    resume_at_breakpoint: bool  # the lesson opens at the furthest credited position
    camera_at_every_login: bool  # each login sends fresh camera frames for liveness
    answer_captures: bool  # a capture challenge is answered with a camera picture

    def as_json(self) -> dict[str, bool]:
        return asdict(self)


def player_rules(defects: ActiveDefects) -> PlayerRules:
    return PlayerRules(
        block_forward_seek=not defects.active("player_lets_seek_through"),
        reset_speed=not defects.active("player_keeps_speed"),
        guard_second_window=not defects.active("player_no_second_window_guard"),
        resume_at_breakpoint=not defects.active("player_no_resume"),
        camera_at_every_login=not defects.active("login_page_reuses_session"),
        answer_captures=not defects.active("player_skips_captures"),
    )
