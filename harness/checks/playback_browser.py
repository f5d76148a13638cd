"""STUDY-05, -06, -07 in a real browser: what the player lets a learner do with the video, and
what the platform credited for it (the supervision view), on the profile's own pages."""

from __future__ import annotations

import time
from typing import Any

from harness.browser import BrowserLab, Player
from harness.checks._browser import browser_learner, logged_in, open_playing, progress_row
from harness.failures import CheckFailure
from harness.probe import Probe
from harness.registry import check

SEEK_SLACK_S = 2.5  # a player may count its furthest point at timeupdate granularity
SETTLE_MS = 250  # time for the page's handlers to answer a seek or a rate change
CREDIT_SLACK_S = 2.0  # heartbeat timing between the browser and the platform clock
IN_USE_INTERVALS = 2  # docs/interface.md: a playback with a heartbeat this recent is in use


def _played(player: Player, seconds: float) -> float:
    """Let the video play `seconds` more of wall time, then pause it; answer the wall time
    since the play step (the most the platform may credit for it)."""
    player.watch(seconds)
    started = player.playing_since or time.monotonic()
    player.page.eval_on_selector(player.video, "v => v.pause()")
    return time.monotonic() - started


def _server_credit(probe: Probe, who: Any, played_s: float, furthest_s: float) -> dict[str, Any]:
    """The supervision view's credit for the lesson, judged against what really played."""
    row = progress_row(probe, who)
    seen = {"credited_s": row.credited_s, "furthest_position_s": row.furthest_position_s}
    if row.credited_s > played_s + CREDIT_SLACK_S or row.furthest_position_s > (
        furthest_s + CREDIT_SLACK_S
    ):
        raise CheckFailure(
            "The platform credited more than the browser really played",
            received={**seen, "played_s": round(played_s, 1), "watched_to_s": furthest_s},
            expected="credited ≤ wall time played, furthest ≤ the point really watched",
        )
    return seen


@check("STUDY-05", kind="browser")
def player_blocks_forward_seeking(probe: Probe, browser_lab: BrowserLab) -> None:
    """After honest playing, every way a learner seeks forward in the real player is sent back
    to the furthest watched point; reviewing backwards is allowed; nothing skipped is credited.

    Space probed: `currentTime` set by script just past the furthest point (beyond the player's
    slack), far ahead and to the end; the seek bar dragged with the mouse to 90 %; each of the
    profile's seek keys (`ArrowRight`, `l`, `End` by default); then `currentTime` set back (a
    review, which must go through). Judged from the video element after each attempt and from the
    supervision view's credit for the lesson.
    """
    who = browser_learner(probe, browser_lab)
    context, page = logged_in(probe, who)
    player = open_playing(who, context, page)
    played = _played(player, 2.5)
    watched_to = player.state()["currentTime"]
    duration = player.state()["duration"]
    attempts: list[tuple[str, Any]] = [
        ("currentTime just past furthest", lambda: player.set("currentTime", watched_to + 6)),
        ("currentTime far ahead", lambda: player.set("currentTime", duration / 2)),
        ("currentTime to the end", lambda: player.set("currentTime", duration - 1)),
        ("drag seek bar to 90 %", lambda: player.drag_progress(0.9)),
        *[(f"key {key}", lambda key=key: player.press(key)) for key in probe_keys(browser_lab)],
    ]
    outcomes = []
    for name, act in attempts:
        if act() is False:
            continue  # the profile names no seek bar: nothing to drag
        player.page.wait_for_timeout(SETTLE_MS)
        after = player.state()["currentTime"]
        through = after > watched_to + SEEK_SLACK_S
        outcomes.append({"attempt": name, "position_after_s": after, "got_through": through})
        if through:
            player.screenshot("seek-got-through")
            player.set("currentTime", watched_to)  # back, so the next attempt starts alike
            player.page.wait_for_timeout(SETTLE_MS)
    player.set("currentTime", max(0.0, watched_to - 1.5))
    player.page.wait_for_timeout(SETTLE_MS)
    review_to = player.state()["currentTime"]
    review_ok = abs(review_to - max(0.0, watched_to - 1.5)) <= 0.5
    player.screenshot("after-seek-attempts")
    probe.evidence.attach_json(
        "player",
        {"watched_to_s": watched_to, "played_s": played, "attempts": outcomes,
         "review_to_s": review_to, "events": player.events()},
    )  # fmt: skip
    through = [o for o in outcomes if o["got_through"]]
    if through:
        raise CheckFailure(
            "The player let a forward seek past the furthest watched point through",
            received=through,
            expected=f"position ≤ furthest watched ({watched_to:.1f} s) + {SEEK_SLACK_S} s",
        )
    if not review_ok:
        raise CheckFailure(
            "The player blocked a backward review",
            received={"asked_s": watched_to - 1.5, "position_after_s": review_to},
            expected="a seek backwards goes through",
        )
    seen = _server_credit(probe, who, played, watched_to)
    probe.evidence.note(
        f"{len(outcomes)} forward seeks sent back to {watched_to:.1f} s; credited "
        f"{seen['credited_s']:g} s of {played:.1f} s played"
    )


def probe_keys(lab: BrowserLab) -> list[str]:
    return list(lab.pages.seek_keys)


@check("STUDY-06", kind="browser")
def player_resets_speed_up(probe: Probe, browser_lab: BrowserLab) -> None:
    """A playbackRate above 1× set on the real player (2× and 16×, as the speed-up scripts do) is
    set back to 1×, the video then advances no faster than the wall clock, and the platform
    credits no more than the wall time the video played.

    Space probed: the two rates the brushing scripts use (2 and 16), each set on the video
    element while it plays; the rate read back after the page had time to react; the video's
    advance over the following seconds of wall time; the supervision view's credit.
    """
    who = browser_learner(probe, browser_lab)
    context, page = logged_in(probe, who)
    player = open_playing(who, context, page)
    rates = []
    for rate in (2.0, 16.0):
        player.set("playbackRate", rate)
        player.page.wait_for_timeout(SETTLE_MS)
        rates.append({"set": rate, "read_back": player.state()["playbackRate"]})
    before = player.state()["currentTime"]
    played = _played(player, 2.5)
    advanced = player.state()["currentTime"] - before
    player.screenshot("after-speed-up")
    record = {"rates": rates, "advanced_s": advanced, "played_s": played, "events": player.events()}
    probe.evidence.attach_json("player", record)
    kept = [r for r in rates if r["read_back"] > 1.0]
    if kept or advanced > played + SEEK_SLACK_S:
        raise CheckFailure(
            "The player kept a playback rate above 1×",
            received={"rates": rates, "video_advanced_s": round(advanced, 1)},
            expected=f"rate back to 1×; video advances ≤ wall time ({played:.1f} s)",
        )
    seen = _server_credit(probe, who, played, player.state()["currentTime"])
    probe.evidence.note(
        f"rates 2× and 16× set back to 1×; credited {seen['credited_s']:g} s of {played:.1f} s"
    )


@check("STUDY-07", kind="browser")
def player_resumes_at_breakpoint(probe: Probe, browser_lab: BrowserLab) -> None:
    """A lesson studied earlier opens in the real player at its furthest credited point, and a
    reload after more watching opens at the new one, each within one heartbeat interval.

    Space probed: a breakpoint made through the learner API on an earlier (test-clock) day,
    five minutes into the lesson, then one made in the browser itself; both re-entries (a fresh
    login and page, and a reload of the page). The resume point is the supervision view's
    `furthest_position_s`; "within one heartbeat" is the profile's heartbeat interval. Before
    the reload the paused page's playback is left idle for two heartbeat intervals of test
    clock, so a platform refusing a second playback in use (docs/interface.md) lets the reloaded
    page play whether or not its player closed the old playback on leaving.
    """
    studied = 300.0
    who = browser_learner(probe, browser_lab, studied_s=studied)
    tolerance = float(probe.thresholds.heartbeat_interval_seconds)
    context, page = logged_in(probe, who)
    player = browser_lab.open_lesson(context, who.course_id, who.lesson_id(), page)
    entries = [_entry(probe, who, player, "fresh login and page")]
    player.play()
    _played(player, 2.0)
    player.page.wait_for_timeout(SETTLE_MS)  # the pause's heartbeat reaches the platform
    # A platform may refuse a new playback while another is in use (a heartbeat within two
    # intervals, docs/interface.md), and nothing obliges a player to close its playback when
    # the page goes: the paused page's playback is left idle past that on the test clock, so
    # that the reload is judged on where it resumes, under either choice.
    probe.clock.advance(IN_USE_INTERVALS * tolerance + 1)
    page = player.page
    browser_lab.navigate(page, page.reload)
    player = browser_lab.player_on(page, player.url)
    entries.append(_entry(probe, who, player, "reload"))
    player.screenshot("after-reload")
    playbacks = [
        p.model_dump(mode="json") for p in probe.supervisor.playbacks(who.learner_id)
    ]  # each re-entry's playback, and how the one before it ended
    probe.evidence.attach_json(
        "resume", {"entries": entries, "playbacks": playbacks, "events": player.events()}
    )
    wrong = [e for e in entries if not -tolerance <= e["opened_at_s"] - e["resume_s"] <= 2.0]
    if wrong or entries[0]["resume_s"] < studied - tolerance:
        raise CheckFailure(
            "The player did not resume at the breakpoint",
            received=wrong or entries,
            expected=f"opens within {tolerance:g} s before the furthest credited point",
        )
    probe.evidence.note(
        "resumed at " + ", ".join(f"{e['opened_at_s']:.0f} s ({e['entry']})" for e in entries)
    )


def _entry(probe: Probe, who: Any, player: Player, entry: str) -> dict[str, Any]:
    """Where the player opened, beside the supervision view's furthest point then."""
    player.page.wait_for_timeout(SETTLE_MS)  # a player may set its start after loading
    row = progress_row(probe, who)
    opened_at = player.state()["currentTime"]
    return {"entry": entry, "opened_at_s": opened_at, "resume_s": row.furthest_position_s}
