"""STUDY-03 and STUDY-04 in a real browser: a second tab, window or device never plays a lesson
alongside the first, judged from the pages' videos and the supervision view."""

from __future__ import annotations

import time
from typing import Any

from harness.browser import BrowserLab, Player
from harness.checks._browser import (
    BrowserLearner,
    browser_learner,
    logged_in,
    open_playing,
)
from harness.failures import CheckFailure
from harness.probe import Probe
from harness.registry import check

SAMPLE_S = 1.0  # a video that advanced more than half of this in this much wall time plays
FIRST_LOOK_S = 1.5  # a page guard (a broadcast between tabs) acts within this


def playing(players: list[Player]) -> list[bool]:
    """Which of the videos advance over one sample of wall time (all sampled together)."""
    before = [p.state()["currentTime"] for p in players]
    players[0].page.wait_for_timeout(SAMPLE_S * 1000)
    after = [p.state()["currentTime"] for p in players]
    return [b - a > SAMPLE_S / 2 for a, b in zip(before, after, strict=True)]


def at_most_one_plays(probe: Probe, lab: BrowserLab, players: list[Player]) -> list[bool]:
    """Sample until at most one video plays, or one heartbeat interval (+2 s) has passed: a
    player may learn from its next heartbeat's answer that it was superseded."""
    deadline = time.monotonic() + probe.thresholds.heartbeat_interval_seconds + 2
    players[0].page.wait_for_timeout(FIRST_LOOK_S * 1000)
    while True:
        states = playing(players)
        if sum(states) <= 1 or time.monotonic() > deadline:
            return states


def stops_playing(probe: Probe, player: Player) -> bool:
    """Is `player` still playing after up to one heartbeat interval (+2 s)? A player superseded
    on the server learns it from its next heartbeat's answer; sampled until it stops."""
    deadline = time.monotonic() + probe.thresholds.heartbeat_interval_seconds + 2
    player.page.wait_for_timeout(FIRST_LOOK_S * 1000)
    while True:
        (still,) = playing([player])
        if not still or time.monotonic() > deadline:
            return still
        player.page.wait_for_timeout(500)


def active_playbacks(probe: Probe, who: BrowserLearner) -> list[dict[str, Any]]:
    return [
        p.model_dump(mode="json") for p in probe.supervisor.playbacks(who.learner_id) if p.active
    ]


@check("STUDY-04", kind="browser")
def second_tab_never_plays_alongside(probe: Probe, browser_lab: BrowserLab) -> None:
    """A lesson opened in a second tab, and then in a second window, while the first plays:
    at most one of them goes on playing, and the platform keeps at most one playback active.

    Space probed: a second tab of the same browser (another lesson of the course), then a
    window opened by script (`window.open`, the first lesson again); play is pressed in each.
    Both outcomes docs/interface.md allows are compliant: the newer playback ends the older (the
    older page stops, here or at its next heartbeat's answer), or the platform refuses the newer
    one while the older is in use (409: the newer page does not play). The pages are sampled for
    up to one heartbeat interval; the supervision view's active playbacks at the end, and how
    many playbacks the account opened (which outcome it was).
    """
    who = browser_learner(probe, browser_lab)
    context, page = logged_in(probe, who)
    first = open_playing(who, context, page)
    index = 1 if len(who.enrolled.lessons) > 1 else 0
    # The newer windows may be refused (they then never play): pressing play must not demand it.
    second = browser_lab.open_lesson(context, who.course_id, who.lesson_id(index))
    second.play(must_start=False)
    after_tab = at_most_one_plays(probe, browser_lab, [first, second])
    lesson_url = first.url
    with context.expect_page() as opened:
        second.page.evaluate("url => { window.open(url, '_blank', 'popup'); }", lesson_url)
    window = browser_lab.open_lesson(context, who.course_id, who.lesson_id(), opened.value)
    window.play(must_start=False)
    after_window = at_most_one_plays(probe, browser_lab, [first, second, window])
    for name, player in (("first-tab", first), ("second-tab", second), ("window", window)):
        player.screenshot(name)
    opened_playbacks = probe.supervisor.playbacks(who.learner_id)
    active = [p.model_dump(mode="json") for p in opened_playbacks if p.active]
    probe.evidence.attach_json(
        "windows",
        {"playing_after_second_tab": after_tab, "playing_after_window": after_window,
         "playbacks_opened": len(opened_playbacks), "active_playbacks": active,
         "events": [p.events() for p in (first, second, window)]},
    )  # fmt: skip
    if sum(after_tab) > 1 or sum(after_window) > 1 or len(active) > 1:
        raise CheckFailure(
            "Two windows of one account played a lesson at once",
            received={
                "playing [first, second tab]": after_tab,
                "playing [first, second tab, window]": after_window,
                "active_playbacks": len(active),
            },
            expected="at most one playing window, at most one active playback",
        )
    outcome = (
        "the newer windows were refused"
        if len(opened_playbacks) == 1
        else f"{len(opened_playbacks)} playbacks opened, each ending the one before"
    )
    probe.evidence.note(
        f"a second tab and a second window never played alongside the first ({outcome})"
    )


@check("STUDY-03", kind="browser")
def second_browser_login_stops_the_first(probe: Probe, browser_lab: BrowserLab) -> None:
    """The account logs in from a second browser (another device) while the first plays a
    lesson: either the second login is refused, or the first session's player stops; never do
    two sessions stay live or play at once.

    Space probed: both outcomes the policy allows (refuse the newcomer, or end the first), told
    apart by the second page's logged-in state and the supervision view's logins; the first
    page's video sampled for up to one heartbeat interval; active logins and playbacks.
    """
    who = browser_learner(probe, browser_lab)
    context, page = logged_in(probe, who)
    first = open_playing(who, context, page)
    learner = who.enrolled.learner
    second_context = browser_lab.context()
    second_page = browser_lab.login(
        second_context, learner.id_number, learner.password, expect=False
    )
    second_in = browser_lab.logged_in(second_page)
    states = [stops_playing(probe, first)] if second_in else playing([first])
    first.screenshot("first-browser")
    browser_lab.evidence.attach_file("second-browser.png", second_page.screenshot())
    logins = [
        x.model_dump(mode="json") for x in probe.supervisor.logins(who.learner_id) if x.active
    ]
    active = active_playbacks(probe, who)
    probe.evidence.attach_json(
        "two-browsers",
        {"second_logged_in": second_in, "first_still_playing": states[0],
         "active_logins": logins, "active_playbacks": active, "events": first.events()},
    )  # fmt: skip
    if len(logins) > 1 or len(active) > 1 or (second_in and states[0]):
        raise CheckFailure(
            "Two browsers of one account stayed live at once",
            received={
                "second_logged_in": second_in,
                "first_still_playing": states[0],
                "active_logins": len(logins),
                "active_playbacks": len(active),
            },
            expected="second login refused, or the first session stopped; ≤ 1 active login",
        )
    outcome = "first session stopped" if second_in else "second login refused"
    probe.evidence.note(f"second browser login: {outcome}")
