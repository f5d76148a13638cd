"""Quizzes on the reference platform (EXAM-01, EXAM-02): the pure rules at their boundaries, and
the quiz gate, final answers and the supervision view over HTTP."""

from __future__ import annotations

import datetime as dt
import random
from fractions import Fraction
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from reference_platform.credit import Beat, PlaybackState, judge
from reference_platform.defects import ActiveDefects
from reference_platform.quizzes import (
    DEFAULT_RULES,
    QuizRules,
    accuracy_passes,
    hours_answered,
    question_bank,
    quiz_gate,
)
from tests.test_reference_study_support import (
    COURSE,
    LESSON_S,
    Player,
    enrolled,
)
from tests.test_reference_support import PlatformDriver, running_platform

COMPLIANT = ActiveDefects()


def test_the_pass_mark_is_sixty_percent_exactly_at_its_edges() -> None:
    cases = {(3, 5): True, (2, 5): False, (119, 200): False, (120, 200): True, (123, 205): True}
    for (correct, questions), passes in cases.items():
        assert accuracy_passes(correct, questions, DEFAULT_RULES, COMPLIANT) is passes
    assert accuracy_passes(0, 0, DEFAULT_RULES, COMPLIANT) is False


@given(st.integers(min_value=0, max_value=2000), st.integers(min_value=1, max_value=2000))
def test_the_pass_mark_agrees_with_exact_fractions(correct: int, questions: int) -> None:
    correct = min(correct, questions)
    expected = Fraction(correct, questions) >= Fraction(60, 100)
    assert accuracy_passes(correct, questions, DEFAULT_RULES, COMPLIANT) is expected


def test_the_pass_mark_defects_pass_below_sixty_percent() -> None:
    assert accuracy_passes(
        119, 200, DEFAULT_RULES, ActiveDefects(["rounds_accuracy_to_whole_percent"])
    )
    assert accuracy_passes(1, 2, DEFAULT_RULES, ActiveDefects(["passes_at_50_percent"]))


def test_every_hour_of_the_bank_has_five_questions_with_a_valid_key() -> None:
    bank = question_bank("l1", "第1课", 2, rng=random.Random(7))
    for hour in (0, 1):
        questions = [q for q in bank if q.hour == hour]
        assert len({q.question_id for q in questions}) == 5
        assert all(q.correct_option in ("A", "B", "C", "D") for q in questions)


def test_the_gate_holds_the_last_minutes_of_the_first_unanswered_hour() -> None:
    rules = QuizRules(gate_before_hour_end_s=300)
    gate = quiz_gate(0.0, 2700, 1, (), rules, COMPLIANT)
    assert (gate.ceiling_s, gate.due_hour) == (2400.0, None)
    assert quiz_gate(2400.0, 2700, 1, (), rules, COMPLIANT).due_hour == 0
    assert quiz_gate(2700.0, 5400, 2, (0,), rules, COMPLIANT).ceiling_s == 5100.0
    assert quiz_gate(2400.0, 2700, 1, (0,), rules, COMPLIANT).ceiling_s is None
    off = quiz_gate(2400.0, 2700, 1, (), rules, ActiveDefects(["credits_hour_without_quiz"]))
    assert off.ceiling_s is None


def test_each_hour_of_a_long_lesson_has_its_gate_inside_it() -> None:
    """Hour 0 of a 2-hour lesson is held 5 minutes before its own end (2700 s), not the
    lesson's; the defect saves every hour's quiz for the lesson's end."""
    rules = QuizRules(gate_before_hour_end_s=300)
    assert quiz_gate(0.0, 5400, 2, (), rules, COMPLIANT).ceiling_s == 2400.0
    assert quiz_gate(2400.0, 5400, 2, (), rules, COMPLIANT).due_hour == 0
    at_end = ActiveDefects(["quiz_gates_at_lesson_end"])
    assert quiz_gate(0.0, 5400, 2, (), rules, at_end).ceiling_s == 5100.0
    assert quiz_gate(2400.0, 5400, 2, (), rules, at_end).due_hour is None


def test_an_hour_counts_as_answered_only_with_every_question() -> None:
    asked = [(0, n) for n in range(1, 6)]
    assert hours_answered(asked, asked[:4]) == set()
    assert hours_answered(asked, asked) == {0}


def test_the_quiz_gate_holds_the_hour_until_its_questions_are_answered(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        player = Player(platform, learner)
        player.answers_quizzes = False
        player.open()
        last: dict = {}
        while player.position < LESSON_S - 300:
            last = player.step(300)
            if player.challenge is not None:
                player.answer()
        last = player.step(300)
        assert (last["credited_s"], last["quiz_due"]) == (LESSON_S - 300, 0)
        assert player.progress()["hour_credited"] is False
        answers = player.take_quiz(0, right=3)
        assert [a["status"] for a in answers] == [200] * 5
        player.position = last["furthest_position_s"]
        last = player.step(300)
        if player.challenge is not None:
            player.answer()
            last = player.step(30)
        assert last["credited_s"] == LESSON_S and last["quiz_due"] is None
        assert player.progress()["hour_credited"] is True
        recorded = platform.supervise("quiz-answers", learner_id=learner.learner_id)
        assert sorted(r["question_id"] for r in recorded) == sorted(
            a["question_id"] for a in answers
        )
        assert sum(r["correct"] for r in recorded) == 3


def test_answers_are_final_and_bad_ones_are_refused_with_a_reason(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        client = platform.client
        questions = client.get(f"/api/v1/courses/{COURSE}/questions", headers=learner.headers)
        assert questions.status_code == 200
        first = questions.json()[0]["question_id"]
        url = f"/api/v1/questions/{first}/answer"
        assert client.post(url, json={"option": "A"}, headers=learner.headers).status_code == 200
        again = client.post(url, json={"option": "B"}, headers=learner.headers)
        assert again.status_code == 409 and again.json()["detail"] == "Question already answered"
        other = questions.json()[1]["question_id"]
        bad = client.post(
            f"/api/v1/questions/{other}/answer", json={"option": "Z"}, headers=learner.headers
        )
        assert bad.status_code == 422
        unknown = client.post(
            "/api/v1/questions/nope/answer", json={"option": "A"}, headers=learner.headers
        )
        assert unknown.status_code == 404
        stranger = platform.learner_headers(platform.register())  # not enrolled
        foreign = client.post(url, json={"option": "A"}, headers=stranger)
        assert foreign.status_code == 403
        listing = client.get(f"/api/v1/courses/{COURSE}/questions", headers=stranger)
        assert listing.status_code == 403


def _answer_after_logout(platform: PlatformDriver) -> tuple[int, list[str]]:
    """A learner signs out and answers a question with the ended token: the status, and the
    question ids a supervisor sees answered."""
    learner = enrolled(platform)
    client = platform.client
    questions = client.get(f"/api/v1/courses/{COURSE}/questions", headers=learner.headers)
    first = questions.json()[0]["question_id"]
    assert client.post("/api/v1/logout", headers=learner.headers).status_code == 204
    answer = client.post(
        f"/api/v1/questions/{first}/answer", json={"option": "A"}, headers=learner.headers
    )
    seen = client.get(
        "/api/v1/supervision/quiz-answers",
        params={"learner_id": learner.person.learner_id},
        headers=platform.supervisor_headers(),
    )
    return answer.status_code, [row["question_id"] for row in seen.json()]


def test_a_login_that_ended_answers_no_question(tmp_path: Path) -> None:
    """A second session must not answer the quiz for the learner (STUDY-03): 401, nothing kept;
    the defect takes the answer."""
    (tmp_path / "clean").mkdir()
    (tmp_path / "defect").mkdir()
    with running_platform(tmp_path / "clean") as platform:
        assert _answer_after_logout(platform) == (401, [])
    with running_platform(tmp_path / "defect", ("quiz_answers_from_ended_logins",)) as platform:
        status, kept = _answer_after_logout(platform)
        assert status == 200 and len(kept) == 1


def test_credit_stops_at_the_quiz_gate_and_resumes_past_it() -> None:
    start = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    state = PlaybackState(
        last_seq=1,
        last_credit_at=start,
        furthest_s=2100.0,
        credited_s=2100.0,
        duration_s=2700,
        ceiling_s=2400.0,
    )
    held = judge(state, Beat(2, 2700.0, 1.0), start + dt.timedelta(seconds=600))
    assert (held.reason, held.credited_delta_s, held.furthest_s) == ("ok", 300.0, 2400.0)
    free = judge(
        PlaybackState(1, start, 2400.0, 2400.0, 2700),
        Beat(2, 2700.0, 1.0),
        start + dt.timedelta(seconds=300),
    )
    assert (free.credited_delta_s, free.furthest_s) == (300.0, 2700.0)
