"""The load slice's parts without servers: reconciliation (LOAD-02), the capacity ramp, locust's
CSV files, the ledger's round trip."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from harness.load.capacity import MAX_STEPS, capacity_steps, find_capacity
from harness.load.cohort import hour_end_indices, hour_end_learners
from harness.load.integrity import Integrity, reconcile_learner
from harness.load.ledger import LearnerLedger, read_ledgers
from harness.load.runner import LoadPlan
from harness.load.session import LoadResult
from harness.load.stats import Operation, Totals, read_operations, read_totals

NOW = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)


def beat(seq: int, accepted: bool = True) -> SimpleNamespace:
    return SimpleNamespace(seq=seq, accepted=accepted)


class FakeSupervisor:
    """The supervision view of one learner, as the reconciliation reads it."""

    def __init__(self, *, beats, credited_s, captures_passed, captures, answers) -> None:
        self._beats, self._captures, self._answers = beats, captures, answers
        self._lesson = SimpleNamespace(
            lesson_id="l1", credited_s=credited_s, captures_passed=captures_passed
        )

    def heartbeats(self, playback_id: str):
        return self._beats

    def progress(self, learner_id: str):
        return [self._lesson]

    def captures(self, learner_id: str):
        return [
            SimpleNamespace(challenge_id=c, answered_at=NOW, passed=p)
            for c, p in self._captures.items()
        ]

    def quiz_answers(self, learner_id: str):
        return [SimpleNamespace(question_id=q) for q in self._answers]


def ledger() -> LearnerLedger:
    book = LearnerLedger("lrn_1", "pbk_1", "l1")
    book.heartbeat(1, {"accepted": True, "credited_delta_s": 2400.0, "credited_s": 2400.0})
    book.heartbeat(2, {"accepted": True, "credited_delta_s": 2.0, "credited_s": 2402.0})
    book.capture("cap_1", True)
    book.answer("q1")
    book.answer("q2")
    return book


def honest_view(**changes) -> FakeSupervisor:
    view = {
        "beats": [beat(1), beat(2)],
        "credited_s": 2402.0,
        "captures_passed": 1,
        "captures": {"cap_1": True},
        "answers": ["q1", "q2"],
    }
    return FakeSupervisor(**{**view, **changes})


def test_a_faithful_view_reconciles_every_record() -> None:
    result = reconcile_learner(honest_view(), ledger())
    assert (result.checked, result.lost, result.double) == (7, 0, 0)


def test_each_kind_of_loss_is_counted() -> None:
    cases = {
        "heartbeat": honest_view(beats=[beat(1)]),
        "credit": honest_view(credited_s=2400.0),
        "capture": honest_view(captures={}),
        "capture verdict": honest_view(captures={"cap_1": False}),
        "answer": honest_view(answers=["q1"]),
    }
    for what, view in cases.items():
        result = reconcile_learner(view, ledger())
        assert (result.lost, result.double) == (1, 0), what


def test_each_kind_of_double_count_is_counted() -> None:
    cases = {
        "heartbeat twice": honest_view(beats=[beat(1), beat(2), beat(2)]),
        "heartbeat never sent": honest_view(beats=[beat(1), beat(2), beat(3)]),
        "credit": honest_view(credited_s=2404.0),
        "capture": honest_view(captures_passed=2),
        "answer": honest_view(answers=["q1", "q2", "q2"]),
    }
    for what, view in cases.items():
        result = reconcile_learner(view, ledger())
        assert (result.lost, result.double) == (0, 1), what


def test_unknown_outcomes_are_neither_lost_nor_double() -> None:
    """A heartbeat or capture answer without an answer may or may not have been kept."""
    book = ledger()
    book.sending_heartbeat(3)  # sent, never answered (a timeout, a 5xx, the run's end)
    book.sending_capture("cap_2")
    view = honest_view(
        beats=[beat(1), beat(2), beat(3)],
        credited_s=2404.0,
        captures_passed=2,
        captures={"cap_1": True, "cap_2": True},
    )
    result = reconcile_learner(view, book)
    assert (result.lost, result.double) == (0, 0)


def test_an_attempt_is_unknown_from_its_sending_until_its_answer() -> None:
    """Written down before it is sent: a learner stopped with its request in flight (the run's
    end) leaves an unknown outcome, not nothing (the platform may have kept it: the 20,000-learner
    run counted such captures "double"); an answer, or a refusal, settles it."""
    book = ledger()
    book.sending_heartbeat(3)
    book.sending_capture("cap_2")
    book.sending_answer("q3")
    assert (book.heartbeats_unknown, book.captures_unknown, book.answers_unknown) == (
        [3],
        ["cap_2"],
        ["q3"],
    )
    kept_in_flight = honest_view(
        beats=[beat(1), beat(2), beat(3)],
        credited_s=2404.0,
        captures_passed=2,
        captures={"cap_1": True, "cap_2": True},
        answers=["q1", "q2", "q3"],
    )
    assert (reconcile_learner(kept_in_flight, book).double, book.records) == (0, 5)
    book.heartbeat(3, {"accepted": True, "credited_delta_s": 2.0, "credited_s": 2404.0})
    book.capture("cap_2", True)
    book.answer_refused("q3")
    assert (book.heartbeats_unknown, book.captures_unknown, book.answers_unknown) == ([], [], [])
    assert 3 in book.heartbeats and book.captures["cap_2"] and "q3" not in book.answers
    answered = honest_view(
        beats=[beat(1), beat(2), beat(3)],
        credited_s=2404.0,
        captures_passed=2,
        captures={"cap_1": True, "cap_2": True},
    )
    assert (reconcile_learner(answered, book).lost, reconcile_learner(answered, book).double) == (
        0,
        0,
    )
    book.sending_heartbeat(4)
    book.heartbeat_refused(4)
    book.sending_capture("cap_3")
    book.capture_refused("cap_3")
    assert (book.heartbeats_unknown, book.captures_unknown) == ([], [])


def test_refused_heartbeats_are_not_expected_in_the_view() -> None:
    book = ledger()
    book.heartbeat(3, {"accepted": False, "credited_delta_s": 0, "credited_s": 2402.0})
    assert reconcile_learner(honest_view(), book).lost == 0


def test_ledgers_round_trip_through_their_files(tmp_path: Path) -> None:
    book = ledger()
    (tmp_path / "ledger-1.jsonl").write_text(json.dumps(book.as_dict()) + "\n", encoding="utf-8")
    (read,) = read_ledgers(tmp_path)
    assert read == book


def test_capacity_steps_double_and_are_bounded() -> None:
    assert capacity_steps(10, 80) == [10, 20, 40, 80]
    assert capacity_steps(10, 50) == [10, 20, 40, 50]
    assert capacity_steps(5, 5) == [5]
    assert len(capacity_steps(1, 10**6)) == MAX_STEPS


def result_of(users: int, p95_ms: float) -> LoadResult:
    result = LoadResult(
        users=users,
        duration_s=5,
        workers=0,
        totals=Totals(100, 0, 20.0, 50.0, p95_ms, p95_ms),
        integrity=Integrity(checked=10, learners=users),
        thresholds={"p95_ms": 500, "max_error_rate": 0.001},
        prepared_learners=users,
    )
    result.reasons = [] if p95_ms <= 500 else [f"p95 {p95_ms:g} ms > 500 ms"]
    return result


def test_the_ramp_stops_at_the_first_step_that_breaks(tmp_path: Path) -> None:
    ran: list[int] = []

    def run(plan: LoadPlan, folder: Path) -> LoadResult:
        ran.append(plan.users)
        return result_of(plan.users, 100.0 if plan.users <= 20 else 900.0)

    plan = LoadPlan("http://127.0.0.1:1", 10, 5.0, 5)
    found = find_capacity(plan, 160, tmp_path, run)
    assert ran == [10, 20, 40]
    assert found.largest_held_users == 20
    assert [step["verdict"] for step in found.curve] == ["pass", "pass", "fail"]
    assert "40 users" in found.stopped_because


def test_no_step_held_is_no_capacity(tmp_path: Path) -> None:
    plan = LoadPlan("http://127.0.0.1:1", 10, 5.0, 5)
    found = find_capacity(plan, 40, tmp_path, lambda p, f: result_of(p.users, 900.0))
    assert found.largest_held_users is None and len(found.curve) == 1


STATS = """Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,\
Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,\
90%,95%,98%,99%,99.9%,99.99%,100%
POST,heartbeat,40,1,90,95,10,700,100,8.0,0.2,90,100,110,120,300,600,650,700,700,700,700
POST,quiz answer,60,0,40,45,5,200,80,12.0,0,40,50,60,70,90,120,150,200,200,200,200
,Aggregated,100,1,60,70,5,700,90,20.0,0.2,60,70,80,90,200,400,600,650,700,700,700
"""


def test_locust_totals_and_operations_are_read_from_its_csv(tmp_path: Path) -> None:
    (tmp_path / "locust_stats.csv").write_text(STATS, encoding="utf-8")
    totals = read_totals(tmp_path)
    assert totals == Totals(100, 1, 20.0, 60.0, 400.0, 650.0)
    assert totals.error_rate == 0.01
    operations = {op.name: op for op in read_operations(tmp_path)}
    assert operations["heartbeat"].p95_ms == 600.0 and operations["quiz answer"].failures == 0
    # The run holds 400 ms over all, but its heartbeats do not: LOAD-01 judges both.
    result = result_of(100, 400.0)
    result.operations = list(operations.values())
    assert result.slow_operations == {"heartbeat": 600.0}
    assert not result.latency_and_errors_hold


@pytest.mark.parametrize(("requests", "judged"), [(19, False), (20, True)])
def test_an_operation_is_judged_on_its_own_p95_from_twenty_requests_on(requests, judged) -> None:
    """Below 20 requests an operation's p95 is its slowest request: one request slowed by a busy
    machine must not decide LOAD-01 (it still counts in the whole run's p95)."""
    result = result_of(100, 400.0)
    result.operations = [Operation("capture answer", requests, 0, 90.0, 700.0, 700.0)]
    assert result.slow_operations == ({"capture answer": 700.0} if judged else {})
    assert result.latency_and_errors_hold is not judged


def test_learners_leave_within_the_runs_last_interval() -> None:
    from harness.load.crowd import leaving_moment

    # a 60 s run at 30 s pacing: the leaving moments fill the last 20 s (a third of the run)
    assert leaving_moment(100.0, 60, 30, 0.0) == 160.0
    assert leaving_moment(100.0, 60, 30, 1.0) == 140.0
    assert leaving_moment(0.0, 6, 2.0, 1.0) == 4.0  # certify's embedded run: its last interval
    # a run of many intervals: only the last one
    assert leaving_moment(0.0, 600, 30, 1.0) == 570.0
    assert leaving_moment(0.0, 600, 30, 0.5) == 585.0
    # unset duration: nobody leaves before the run is stopped
    assert leaving_moment(0.0, float("inf"), 30, 1.0) == float("inf")


def test_a_crowd_arrives_over_a_third_of_the_run_at_most_one_interval() -> None:
    from harness.load.crowd import crowd_window_s, spawn_rate

    assert spawn_rate(2000, 60, 30) == 100.0  # over 20 s
    assert spawn_rate(20_000, 600, 30) == pytest.approx(20_000 / 30)  # over one interval
    assert spawn_rate(10, 6, 2.0) == 5.0  # certify's embedded run: 10 learners over 2 s
    assert crowd_window_s(1, 30) == 1.0  # at least a second


def test_each_learner_beats_at_its_own_moment_of_the_interval() -> None:
    """Arrivals over 20 s of a 30 s interval: the first beats fall at the drawn moments of the
    interval, so the crowd's heartbeats spread evenly over the whole of it."""
    from harness.load.crowd import first_beat_delay

    # arrived 5 s in, its moment is 15 s into each interval: it waits 10 s
    assert first_beat_delay(5.0, 60, 30, 0.5) == pytest.approx(10.0)
    # its moment has passed (3 s in, arrived 5 s in): the next interval's, 28 s on
    assert first_beat_delay(5.0, 60, 30, 0.1) == pytest.approx(28.0)
    # always within one interval, never negative
    for arrived in (0.0, 7.3, 19.9):
        for draw in (0.0, 0.25, 0.999):
            assert 0.0 <= first_beat_delay(arrived, 60, 30, draw) < 30.0
    # the beats' moments (arrival + delay, modulo the interval) are the drawn ones
    moments = [(a + first_beat_delay(a, 60, 30, d)) % 30 for a, d in ((3, 0.2), (17, 0.9))]
    assert moments == pytest.approx([6.0, 27.0])
    # a crowd arriving over a whole interval (certify's 6 s run at 2 s) beats on arrival
    assert first_beat_delay(1.3, 6, 2.0, 0.7) == 0.0
    # a run shorter than two intervals (a 4 s smoke run at 30 s) too: no moment would come
    assert first_beat_delay(1.0, 4, 30, 0.7) == 0.0
    assert first_beat_delay(1.0, 59, 30, 0.7) == 0.0


def test_a_quiz_is_answered_one_question_at_a_time_each_tried_once() -> None:
    from harness.load.cohort import QuizQuestion
    from harness.load.crowd import next_question

    questions = [
        QuizQuestion("q1", "l1", 0, "A"),
        QuizQuestion("o1", "l2", 0, "A"),  # another lesson
        QuizQuestion("h1", "l1", 1, "A"),  # another hour
        QuizQuestion("q2", "l1", 0, "B"),
    ]
    tried: set[str] = set()
    asked = []
    while (question := next_question(questions, "l1", 0, tried)) is not None:
        tried.add(question.question_id)
        asked.append(question.question_id)
    assert asked == ["q1", "q2"]
    assert next_question(questions, "l1", 1, tried).question_id == "h1"


@pytest.mark.parametrize(
    ("users", "duration_s", "share", "expected"),
    [
        (20_000, 120, 0.0, 889),  # 120 s of a 45-min lesson: 4.4 % of the crowd, rounded up
        (2_000, 60, 0.0, 45),
        (10_000, 600, 0.0, 2_223),  # the profile's default run: 22.2 %
        (20_000, 120, 1.0, 20_000),  # the stress mix: everyone
        (20_000, 120, 0.01, 889),  # less than real study's share is not taken
        (100, 6, 0.0, 10),  # certify's short runs: at least ten learners, so that every run
        (7, 6, 0.0, 7),  # reconciles captures and answers (or all, when fewer)
        (10, 5_400, 0.0, 10),  # a run longer than a lesson: everyone
    ],
)
def test_learners_at_their_hours_end_follow_real_study(users, duration_s, share, expected) -> None:
    assert hour_end_learners(users, duration_s, 2_700.0, share) == expected


@pytest.mark.parametrize(
    ("users", "count"), [(20_000, 889), (20_000, 2_223), (10, 10), (7, 3), (2_000, 45), (100, 10)]
)
def test_learners_at_their_hours_end_are_spread_through_the_cohort(users, count) -> None:
    chosen = hour_end_indices(users, count)
    flags = [i in chosen for i in range(users)]
    assert sum(flags) == count
    for workers in (2, 3, 4):  # every worker's slice carries its share, within two learners
        for k in range(workers):
            assert abs(sum(flags[k::workers]) - count / workers) <= 2
    first_half = sum(flags[: users // 2])  # and the crowd's arrival order
    assert abs(first_half - count / 2) <= 2


def test_a_plan_past_the_open_file_limit_is_refused_naming_the_workers(monkeypatch) -> None:
    """One socket per learner: 20,000 learners in one locust process at a hard limit of 20,000
    open files would die mid-run; two workers fit, and the soft limit is raised to what they
    need."""
    import resource

    from harness.load.runner import FILES_BESIDES_USERS, LoadRunError, open_files_per_process

    monkeypatch.setattr(resource, "getrlimit", lambda _which: (1_024, 20_000))
    plan = LoadPlan("http://127.0.0.1:1", 20_000, 100.0, 120)
    with pytest.raises(LoadRunError, match="--workers 2"):
        open_files_per_process(plan)
    two = LoadPlan("http://127.0.0.1:1", 20_000, 100.0, 120, workers=2)
    assert open_files_per_process(two) == 10_000 + FILES_BESIDES_USERS
    small = LoadPlan("http://127.0.0.1:1", 10, 1.0, 6)
    assert open_files_per_process(small) == 1_024  # never lowered
