"""STUDY-06 against the userscript cheats in a real browser: whatever a page script makes the
player do, the platform credits no more than the wall-clock time that really passed."""

from __future__ import annotations

import time
from typing import Any

from harness.browser import BrowserLab, Player
from harness.checks._browser import browser_learner, logged_in, progress_row
from harness.failures import CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios import userscripts

CHEAT_WALL_S = 7.0  # more than one of the player's heartbeats under the cheats
CREDIT_SLACK_S = 2.0


@check("STUDY-06", kind="browser")
def userscript_cheats_earn_only_real_watching(probe: Probe, browser_lab: BrowserLab) -> None:
    """With the circulating userscript cheats injected before the platform's page scripts, the
    lesson is credited no more than the wall time since it was opened.

    Space probed: all five cheats at once, in one browser profile — playbackRate forced back to
    16× after every ratechange, `video.pause` a no-op, `visibilitychange`/`blur` listeners
    stripped with `document.hidden` faked false, synthetic (`isTrusted = false`) mouse events
    every 300 ms, `currentTime` pushed 1.5 s every 0.5 s (small enough to pass a page's seek
    guard). The player runs under them for more than one heartbeat; the supervision view's
    credit for the lesson is compared with the wall time since the lesson page opened.
    """
    who = browser_learner(probe, browser_lab)
    context, page = logged_in(probe, who, userscripts=userscripts.ALL)
    opened = time.monotonic()
    player = browser_lab.open_lesson(context, who.course_id, who.lesson_id(), page)
    player.page.eval_on_selector(player.video, "v => v.play()")
    player.watch(CHEAT_WALL_S)
    state = _state(player)
    player.screenshot("under-userscripts")
    row = progress_row(probe, who)
    wall = time.monotonic() - opened
    probe.evidence.attach_json(
        "userscripts",
        {"cheats": list(userscripts.NAMES), "wall_s": wall, "video": state,
         "credited_s": row.credited_s, "furthest_position_s": row.furthest_position_s,
         "events": player.events()[-60:]},
    )  # fmt: skip
    if row.credited_s > wall + CREDIT_SLACK_S:
        raise CheckFailure(
            "Userscript cheats earned more credit than the time that passed",
            received={"credited_s": row.credited_s, "wall_s": round(wall, 1), "video": state},
            expected="credited ≤ wall time since the lesson opened",
        )
    probe.evidence.note(f"under 5 userscript cheats: credited {row.credited_s:g} s in {wall:.1f} s")


def _state(player: Player) -> dict[str, Any] | str:
    """The video's state, or why it could not be read: a page fighting an injected script may
    be too busy to answer, and the verdict rests on the platform's credit anyway."""
    try:
        return player.state()
    except Exception as exc:  # Playwright's TimeoutError or a crashed page
        return f"unreadable: {type(exc).__name__}"
