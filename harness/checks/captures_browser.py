"""STUDY-01 in a real browser: the lesson page answers the platform's capture challenge with a
picture from the learner's camera, and the platform keeps its time and image."""

from __future__ import annotations

import hashlib
import time
from contextlib import suppress

from harness.api import Refused
from harness.browser import BrowserLab
from harness.checks._browser import BrowserLearner, logged_in
from harness.checks._support import study, study_setup
from harness.failures import CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check


def _learner_with_open_challenge(probe: Probe, lab: BrowserLab) -> tuple[BrowserLearner, str]:
    """A learner who studied the first lesson through the API until the platform issued a
    capture challenge, left it unanswered past its deadline (so the lesson owes a capture and
    the next heartbeat, the browser's, gets a fresh challenge of its own playback), and whose
    API login is ended."""
    enrolled = study_setup(probe)
    session = study(probe, enrolled, 0)
    challenge = session.watch_until_challenge()
    if challenge is None:
        raise CannotProbe("a capture in the browser", "no challenge in a whole lesson hour")
    # Left overdue, then one heartbeat: the overdue one. A platform replaces the challenge
    # with it at once (the default) or with the heartbeat after it (docs/interface.md, either is
    # compliant); a replacement made now is left overdue too. Under either choice the next
    # heartbeat, the browser's, then brings a fresh challenge of the browser's own playback.
    overdue = probe.thresholds.capture_answer_seconds + 5
    probe.time.wait(overdue)
    session.beat(session.position)
    probe.time.wait(overdue)
    with suppress(Refused):  # closed as a player does on leaving; already ended: no matter
        probe.platform.close_playback(enrolled.token, session.playback_id)
    probe.platform.logout(enrolled.token)
    return BrowserLearner(enrolled, lab), challenge.challenge_id


@check("STUDY-01", kind="browser")
def player_answers_captures_from_camera(probe: Probe, browser_lab: BrowserLab) -> None:
    """When a lesson hour's capture is due, the real lesson page takes the picture with the
    learner's camera and sends it; the platform keeps its time and image, and it passes.

    Space probed: a lesson studied through the API until the platform issued its random
    capture challenge (left unanswered past its deadline, and so is any replacement the
    overdue heartbeat brought), then re-entered in the browser with the learner's live face on
    the camera and played: under either overdue choice of docs/interface.md the browser's
    heartbeat gets a fresh challenge of its own playback. Judged from the supervision view: a
    capture of this lesson answered after the browser took over, passed, with its answer time
    and an image whose sha256 matches the kept bytes; and from the page: it asked for the
    camera.
    """
    who, api_challenge = _learner_with_open_challenge(probe, browser_lab)
    started = probe.time.now()  # the platform's clock: the API study moved it ahead
    context, page = logged_in(probe, who)
    player = browser_lab.open_lesson(context, who.course_id, who.lesson_id(), page)
    player.play()
    player.watch(1.5)
    player.page.eval_on_selector(player.video, "v => v.pause()")  # a heartbeat goes with it
    deadline = time.monotonic() + browser_lab.pages.wait_seconds
    answered = []
    while time.monotonic() < deadline and not answered:
        player.page.wait_for_timeout(500)
        answered = [
            c
            for c in probe.supervisor.captures(who.learner_id)
            if c.answered_at is not None
            and c.answered_at >= started
            and c.lesson_id == who.lesson_id()
        ]
    player.screenshot("after-capture")
    camera_requests = browser_lab.camera_requests(player.page)
    kept = {c.challenge_id: probe.supervisor.capture_image(c.challenge_id) for c in answered}
    probe.evidence.attach_json(
        "captures",
        {"api_challenge": api_challenge, "camera_requests": camera_requests,
         "answered_in_browser": [c.model_dump(mode="json") for c in answered],
         "kept_image_sha256": {k: v and hashlib.sha256(v).hexdigest() for k, v in kept.items()}},
    )  # fmt: skip
    good = [
        c
        for c in answered
        if c.passed
        and kept[c.challenge_id]
        and hashlib.sha256(kept[c.challenge_id] or b"").hexdigest() == c.image_sha256
    ]
    if not good or camera_requests < 1:
        raise CheckFailure(
            "The lesson page did not answer the capture with a kept camera picture",
            received={
                "captures_answered_in_browser": len(answered),
                "passed_with_kept_image": len(good),
                "camera_requests": camera_requests,
            },
            expected="a passed capture answered from the camera, its time and image kept",
        )
    probe.evidence.note(f"capture {good[0].challenge_id} answered from the camera and kept")
