"""The honest crowd of the POST-06 check: a person's jitter, inside what the interface promises
never to flag, and the same crowd for the same seed."""

from __future__ import annotations

import itertools
import random
import statistics

import pytest

from harness import seeding
from harness.scenarios.crowd import SPREAD_S, natural_gaps

INTERVAL = 30.0
NEVER_FLAGGED_STDEV_S = 0.5  # docs/interface.md, Self-check: `regular_heartbeats`
RUN = 12


def gaps_for(seed: int, spread: float) -> list[float]:
    seeding.draws.seed(seed)
    return natural_gaps(INTERVAL, spread, 13 * INTERVAL)


def test_gaps_stay_between_half_and_twice_the_interval_and_fill_the_span():
    for seed in range(50):
        gaps = gaps_for(seed, SPREAD_S[1])
        assert all(INTERVAL / 2 <= g <= 2 * INTERVAL for g in gaps)
        assert sum(gaps) >= 13 * INTERVAL


def test_every_run_of_12_gaps_spreads_beyond_what_must_never_be_flagged():
    """Over many seeds at the narrowest spread the crowd draws, no run of 12 consecutive gaps
    falls to the 0.5 s below which a platform may call heartbeats machine-regular (measured:
    0.84 s at the narrowest over 500 seeds)."""
    narrowest = min(
        statistics.pstdev(gaps[i : i + RUN])
        for seed in range(500)
        for gaps in [gaps_for(seed, SPREAD_S[0])]
        for i in range(len(gaps) - RUN + 1)
    )
    assert narrowest > NEVER_FLAGGED_STDEV_S, narrowest


def test_the_same_seed_gives_the_same_crowd():
    assert gaps_for(7, 3.0) == gaps_for(7, 3.0)
    assert gaps_for(7, 3.0) != gaps_for(8, 3.0)
    assert isinstance(seeding.rng(), random.Random)


class _FakeStudy:
    """What `crowd.plan` reads of a study: where it is, the interval and the lesson's length."""

    position = 0.0
    interval = int(INTERVAL)

    class lesson:  # stands in for the LessonOut
        duration_s = 2700


def test_a_retrying_player_resends_its_last_report_just_before_the_next_heartbeat():
    """RESENDS resent reports, each RESEND_BEFORE_NEXT_S before a heartbeat and after the one
    it repeats: a rule measuring the next advance from the resend would see about a whole gap
    played in 4 s — far past the interface's 1.25 × elapsed + 2 s line."""
    from harness.scenarios.crowd import RESEND_BEFORE_NEXT_S, RESENDS, HonestJourney, plan

    seeding.draws.seed(11)
    journey = HonestJourney(study=_FakeStudy())  # type: ignore[arg-type]
    plan(journey, 13 * INTERVAL, [0], answers_quiz=False, resends=True)
    moves = sorted(journey.moves)
    kinds = [m.act.__name__ for m in moves]
    assert kinds.count("resend") == RESENDS
    for index, kind in enumerate(kinds):
        if kind != "resend":
            continue
        before, after = moves[index - 1], moves[index + 1]
        assert kinds[index - 1] == kinds[index + 1] == "beat"
        assert after.at_s - moves[index].at_s == pytest.approx(RESEND_BEFORE_NEXT_S)
        assert moves[index].at_s > before.at_s
        assert after.at_s - before.at_s > 1.25 * RESEND_BEFORE_NEXT_S + 2


def test_an_honest_player_resends_nothing_by_default():
    from harness.scenarios.crowd import HonestJourney, plan

    seeding.draws.seed(11)
    journey = HonestJourney(study=_FakeStudy())  # type: ignore[arg-type]
    plan(journey, 13 * INTERVAL, [0], answers_quiz=False)
    assert all(m.act.__name__ == "beat" for m in journey.moves)


def test_an_event_reporting_player_adds_honest_reports_soon_after_a_heartbeat():
    """EVENT_REPORTS extra heartbeats, each EVENT_AFTER_S after a regular one and advanced by
    exactly that: never ahead of the clock (the interface's line is 1.25 × 5 s + 2 s = 8.25 s),
    but past a line without its 2 s of slack (4.25 s), more than the 3 times that flag."""
    from harness.scenarios.crowd import EVENT_AFTER_S, EVENT_REPORTS, HonestJourney, plan

    seeding.draws.seed(11)
    journey = HonestJourney(study=_FakeStudy())  # type: ignore[arg-type]
    plan(journey, 13 * INTERVAL, [0], answers_quiz=False, event_reports=True)
    moves = sorted(journey.moves)
    gaps = [b.at_s - a.at_s for a, b in itertools.pairwise(moves)]
    soon = [gap for gap in gaps if gap < INTERVAL / 2]
    assert soon == [pytest.approx(EVENT_AFTER_S)] * EVENT_REPORTS
    assert EVENT_REPORTS > 3
    assert 1.25 * EVENT_AFTER_S + 2 > EVENT_AFTER_S > 1.25 * EVENT_AFTER_S - 2
    assert all(m.act.__name__ == "beat" for m in moves)


def test_a_timer_driven_player_is_one_gap_short_of_machine_regular():
    """One gap of two intervals, then ON_THE_DOT gaps of exactly one (one short of the
    interface's 12): its only run of 12 gaps spreads far past the 0.5 s below which a platform
    may flag, and the dots are the last gaps (a window sliding past the end meets 11 of them)."""
    from harness.scenarios.crowd import ON_THE_DOT, HonestJourney, plan

    seeding.draws.seed(11)
    journey = HonestJourney(study=_FakeStudy())  # type: ignore[arg-type]
    plan(journey, 13 * INTERVAL, [0], answers_quiz=False, timer_driven=True)
    moments = [m.at_s for m in sorted(journey.moves)]  # gaps between heartbeats, as judged
    gaps = [b - a for a, b in itertools.pairwise(moments)]
    assert ON_THE_DOT == RUN - 1
    assert gaps == [2 * INTERVAL] + [INTERVAL] * ON_THE_DOT
    assert statistics.pstdev(gaps[-RUN:]) > NEVER_FLAGGED_STDEV_S


class _RecordingStudy:
    """A player on the clock: records what was waited and reported, answers every report."""

    interval = int(INTERVAL)
    quiz_blocked = False
    open_challenge = None

    class lesson:  # stands in for the LessonOut
        duration_s = 2700

    def __init__(self, position: float) -> None:
        self.position, self.clock, self.reports = position, 0.0, []

    def wait(self, seconds: float) -> None:
        self.clock += seconds

    def beat(self, position: float) -> object:
        self.reports.append((self.clock, position))
        self.position = position
        return object()


def test_an_honest_learner_plays_on_to_the_lessons_end_never_ahead_of_the_clock():
    """The last report is the lesson's end; every advance is exactly the clock time since the
    previous report (never ahead of it: an honest end, never `forged_end_report`)."""
    from harness.scenarios.crowd import on_to_the_end

    seeding.draws.seed(11)
    study = _RecordingStudy(position=1234.5)
    outcome = on_to_the_end(study)  # type: ignore[arg-type]
    assert outcome == {"reached_s": 2700.0, "duration_s": 2700.0}
    points = [(0.0, 1234.5), *study.reports]
    for (at, position), (later_at, later_position) in itertools.pairwise(points):
        assert later_position - position <= later_at - at + 1e-9
        assert later_at - at >= INTERVAL / 2
    assert study.reports[-1][1] == 2700.0
