"""The credit rules (`reference_platform.credit`) on their own: each rule, its order, the defects'
switches, and properties that must hold for any sequence of heartbeats."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_platform.alternatives import ChosenAlternatives
from reference_platform.credit import (
    Beat,
    CreditRules,
    Outcome,
    PlaybackState,
    capture_points,
    hour_needing_capture,
    judge,
)
from reference_platform.defects import ActiveDefects

T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
LESSON = 2700.0


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def state(**changes: object) -> PlaybackState:
    base = PlaybackState(
        last_seq=None,
        last_credit_at=T0,
        furthest_s=0.0,
        credited_s=0.0,
        duration_s=LESSON,
        capture_points_s=(1000.0,),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def after(before: PlaybackState, outcome: Outcome) -> PlaybackState:
    """The state the platform stores after an outcome (as `study.record_heartbeat` does)."""
    return dataclasses.replace(
        before,
        last_seq=outcome.last_seq,
        last_credit_at=outcome.last_credit_at,
        furthest_s=outcome.furthest_s,
        credited_s=outcome.credited_s,
    )


def test_an_honest_heartbeat_earns_the_content_advance() -> None:
    outcome = judge(state(), Beat(1, 30.0, 1.0), at(30))
    assert (outcome.accepted, outcome.reason, outcome.credited_delta_s) == (True, "ok", 30.0)
    assert (outcome.furthest_s, outcome.credited_s, outcome.last_seq) == (30.0, 30.0, 1)
    assert outcome.last_credit_at == at(30) and outcome.challenge == "none"


def test_credit_is_capped_by_elapsed_time_and_by_the_duration() -> None:
    assert judge(state(), Beat(1, 50.0, 1.0), at(30)).credited_delta_s == 30.0
    near_end = state(furthest_s=2690.0, credited_s=2690.0)
    outcome = judge(near_end, Beat(1, 2700.0, 1.0), at(30))
    assert (outcome.credited_delta_s, outcome.furthest_s) == (10.0, LESSON)
    past_end = judge(near_end, Beat(1, 2710.0, 1.0), at(30))
    assert (past_end.credited_delta_s, past_end.credited_s) == (10.0, LESSON)


def test_each_refusal_reason_earns_nothing_and_keeps_the_furthest_point() -> None:
    watched = state(last_seq=3, furthest_s=300.0, credited_s=300.0)
    cases = {
        "duplicate": Beat(3, 330.0, 1.0),
        "paused": Beat(4, 330.0, 1.0, paused=True),
        "speed": Beat(4, 360.0, 2.0),
        "review": Beat(4, 120.0, 1.0),
        "seek": Beat(4, 300.0 + 30 + 30 + 0.5, 1.0),
    }
    for reason, beat in cases.items():
        outcome = judge(watched, beat, at(30))
        assert (outcome.reason, outcome.credited_delta_s) == (reason, 0.0), reason
        assert (outcome.furthest_s, outcome.credited_s) == (300.0, 300.0), reason
        assert outcome.accepted is (reason != "duplicate"), reason


def test_the_seek_threshold_is_elapsed_plus_one_interval() -> None:
    watched = state(last_seq=1, furthest_s=300.0, credited_s=300.0)
    edge = judge(watched, Beat(2, 360.0, 1.0), at(30))
    assert (edge.reason, edge.credited_delta_s) == ("ok", 30.0)
    assert judge(watched, Beat(2, 360.01, 1.0), at(30)).reason == "seek"
    assert judge(watched, Beat(2, 360.01, 1.0), at(30), interval_s=60).reason == "ok"


def test_rules_apply_in_the_documented_order() -> None:
    """duplicate → paused → speed → review → seek: the first that applies names the reason."""
    watched = state(last_seq=3, furthest_s=300.0, credited_s=300.0)
    assert judge(watched, Beat(2, 10.0, 4.0, paused=True), at(30)).reason == "duplicate"
    assert judge(watched, Beat(4, 10.0, 4.0, paused=True), at(30)).reason == "paused"
    assert judge(watched, Beat(4, 10.0, 4.0), at(30)).reason == "speed"
    assert judge(watched, Beat(4, 10.0, 1.0), at(30)).reason == "review"


def test_a_slow_rate_is_allowed() -> None:
    outcome = judge(state(), Beat(1, 15.0, 0.5), at(30))
    assert (outcome.reason, outcome.credited_delta_s) == ("ok", 15.0)


def test_elapsed_time_counts_from_the_last_accepted_heartbeat() -> None:
    """Time spent paused cannot be claimed afterwards by a jump forward."""
    paused = judge(state(), Beat(1, 0.0, 1.0, paused=True), at(600))
    assert paused.last_credit_at == at(600)
    jump = judge(after(state(), paused), Beat(2, 600.0, 1.0), at(630))
    assert (jump.reason, jump.credited_delta_s) == ("seek", 0.0)
    duplicate = judge(after(state(), paused), Beat(1, 30.0, 1.0), at(700))
    assert duplicate.last_credit_at == at(600), "a duplicate does not move the baseline"


def test_a_clock_behind_the_baseline_earns_nothing() -> None:
    outcome = judge(state(last_credit_at=at(60)), Beat(1, 30.0, 1.0), at(30))
    assert outcome.credited_delta_s == 0.0 and outcome.last_credit_at == at(60)


def test_a_challenge_is_issued_when_the_capture_point_is_passed() -> None:
    before = state(last_seq=1, furthest_s=990.0, credited_s=990.0)
    assert judge(before, Beat(2, 999.0, 1.0), at(30)).challenge == "none"
    outcome = judge(before, Beat(2, 1000.0, 1.0), at(30))
    assert (outcome.challenge, outcome.challenge_hour) == ("issue", 0)
    passed = dataclasses.replace(before, passed_hours=frozenset({0}))
    assert judge(passed, Beat(2, 1020.0, 1.0), at(30)).challenge == "none"


def test_credit_continues_while_a_challenge_is_open() -> None:
    open_ = state(
        last_seq=1,
        furthest_s=1010.0,
        credited_s=1010.0,
        challenge_deadline=at(60),
        challenge_hour=0,
    )
    outcome = judge(open_, Beat(2, 1040.0, 1.0), at(30))
    assert (outcome.reason, outcome.credited_delta_s, outcome.challenge) == ("ok", 30.0, "keep")
    at_deadline = judge(open_, Beat(2, 1040.0, 1.0), at(60))
    assert at_deadline.reason == "ok", "the deadline itself is still in time"


def test_an_overdue_challenge_stops_credit_and_is_replaced() -> None:
    open_ = state(
        last_seq=1,
        furthest_s=1010.0,
        credited_s=1010.0,
        challenge_deadline=at(60),
        challenge_hour=0,
    )
    outcome = judge(open_, Beat(2, 1040.0, 1.0), at(61))
    assert (outcome.reason, outcome.accepted, outcome.credited_delta_s) == (
        "capture_overdue",
        True,
        0.0,
    )
    assert (outcome.challenge, outcome.challenge_hour) == ("issue", 0)
    assert outcome.furthest_s == 1010.0 and outcome.last_credit_at == at(61)


def test_a_watched_hour_without_a_passed_capture_gets_a_new_challenge() -> None:
    """After a failed capture (no open challenge, no passed one) any heartbeat asks again."""
    watched = state(last_seq=90, furthest_s=LESSON, credited_s=LESSON)
    for beat in (Beat(91, LESSON, 1.0), Beat(91, 100.0, 1.0), Beat(91, LESSON, 1.0, paused=True)):
        assert judge(watched, beat, at(30)).challenge == "issue"
    assert judge(watched, Beat(90, LESSON, 1.0), at(30)).challenge == "none", "not a duplicate"


def test_hour_needing_capture_takes_the_first_passed_point_without_a_capture() -> None:
    points = (500.0, 3200.0, 6000.0)
    assert hour_needing_capture(400.0, points, frozenset()) is None
    assert hour_needing_capture(3300.0, points, frozenset()) == 0
    assert hour_needing_capture(3300.0, points, frozenset({0})) == 1
    assert hour_needing_capture(3300.0, points, frozenset({0, 1})) is None


def test_capture_points_lie_in_5_to_90_percent_of_each_hour_and_differ() -> None:
    rng = random.Random(7)
    drawn = [capture_points(LESSON, 1, rng=rng, all_in_first_hour=False)[0] for _ in range(500)]
    assert all(0.05 * LESSON <= point <= 0.90 * LESSON for point in drawn)
    assert len(set(drawn)) > 490 and max(drawn) - min(drawn) > 0.7 * LESSON
    two_hours = capture_points(2 * LESSON, 2, rng=rng, all_in_first_hour=False)
    assert 0.05 * LESSON <= two_hours[0] <= 0.9 * LESSON
    assert 1.05 * LESSON <= two_hours[1] <= 1.9 * LESSON
    assert capture_points(LESSON, 1, fixed_offset_s=600, all_in_first_hour=False) == [600.0]
    fixed = capture_points(2 * LESSON, 2, fixed_offset_s=600, all_in_first_hour=False)
    assert fixed == [600.0, LESSON + 600]
    first_hour_only = capture_points(2 * LESSON, 2, rng=rng, all_in_first_hour=True)
    assert all(0.05 * LESSON <= point <= 0.9 * LESSON for point in first_hour_only)
    # a fresh draw for every hour; the defect capture_offset_drawn_once_per_lesson draws once
    fresh = [capture_points(2 * LESSON, 2, rng=rng, all_in_first_hour=False) for _ in range(50)]
    assert sum(abs(b - LESSON - a) > 1 for a, b in fresh) > 45
    once = capture_points(2 * LESSON, 2, rng=rng, all_in_first_hour=False, one_offset=True)
    assert abs(once[1] - LESSON - once[0]) < 0.002


# ---- the defects' switches ---------------------------------------------------------------------
def test_credit_rules_are_read_from_the_defects() -> None:
    assert CreditRules.of(ActiveDefects(), ChosenAlternatives()) == CreditRules()
    assert CreditRules.of(
        ActiveDefects(["credits_fast_playback", "trusts_client_position"]), ChosenAlternatives()
    ) == (CreditRules(ignore_rate=True, trust_position=True))
    duplicates = ActiveDefects(["credits_duplicate_heartbeats"])
    assert CreditRules.of(duplicates, ChosenAlternatives()).pay_duplicates


def test_trusts_client_position_moves_the_furthest_point_on_a_jump() -> None:
    rules = CreditRules(trust_position=True)
    watched = state(last_seq=1, furthest_s=300.0, credited_s=300.0)
    outcome = judge(watched, Beat(2, 1800.0, 1.0), at(30), rules=rules)
    assert (outcome.reason, outcome.furthest_s, outcome.credited_delta_s) == ("ok", 1800.0, 30.0)
    assert judge(watched, Beat(2, 1800.0, 2.0), at(30), rules=rules).reason == "speed"
    normal = judge(watched, Beat(2, 330.0, 1.0), at(30), rules=rules)
    assert (normal.furthest_s, normal.credited_delta_s) == (330.0, 30.0)


def test_credits_fast_playback_ignores_the_rate_and_the_clock() -> None:
    rules = CreditRules(ignore_rate=True)
    outcome = judge(state(), Beat(1, 60.0, 2.0), at(30), rules=rules)
    assert (outcome.reason, outcome.credited_delta_s) == ("ok", 60.0)
    assert judge(state(), Beat(1, 600.0, 16.0), at(30), rules=rules).reason == "seek"


def test_credits_duplicate_heartbeats_pays_every_copy_one_interval() -> None:
    rules = CreditRules(pay_duplicates=True)
    first = judge(state(), Beat(1, 30.0, 1.0), at(30), rules=rules)
    replay = judge(after(state(), first), Beat(1, 30.0, 1.0), at(30), rules=rules)
    assert (replay.reason, replay.credited_delta_s, replay.credited_s) == ("ok", 30.0, 60.0)
    assert replay.furthest_s == 30.0
    honest = judge(after(state(), first), Beat(2, 60.0, 1.0), at(60), rules=rules)
    assert (honest.reason, honest.credited_delta_s) == ("ok", 30.0), "honest beats unchanged"
    assert judge(state(), Beat(1, 30.0, 2.0), at(30), rules=rules).reason == "speed"


# ---- properties --------------------------------------------------------------------------------
beats = st.lists(
    st.tuples(
        st.floats(0, 400),  # clock seconds before the heartbeat
        st.integers(-2, 3),  # seq step (≤ 0: a duplicate or replay)
        st.floats(-200, 1200),  # position step from the current furthest point
        st.sampled_from([0.5, 1.0, 1.0, 1.0, 2.0, 16.0]),
        st.booleans() | st.just(False),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(beats=beats, interval=st.sampled_from([10, 30, 60]))
def test_properties_of_any_heartbeat_sequence(beats: list, interval: int) -> None:
    """Credit never exceeds the clock time since opening; each heartbeat moves the furthest
    point by exactly its credit, never past the duration; duplicates change nothing."""
    current, now, total, seq = state(), T0, 0.0, 0
    for wait, seq_step, position_step, rate, paused in beats:
        now += dt.timedelta(seconds=wait)
        seq = max(0, seq + seq_step)
        beat = Beat(seq, max(0.0, current.furthest_s + position_step), rate, paused)
        outcome = judge(current, beat, now, interval_s=interval)
        assert outcome.credited_delta_s >= 0
        assert outcome.furthest_s == current.furthest_s + outcome.credited_delta_s
        assert outcome.furthest_s <= LESSON and outcome.credited_s <= LESSON
        assert outcome.credited_delta_s <= max(0.0, beat.position_s - current.furthest_s)
        if current.last_seq is not None and seq <= current.last_seq:
            assert outcome.reason == "duplicate" and after(current, outcome) == current
            assert judge(current, beat, now, interval_s=interval) == outcome
        total += outcome.credited_delta_s
        current = after(current, outcome)
        assert total <= (now - T0).total_seconds() + 1e-6
        assert current.credited_s == pytest.approx(total)
