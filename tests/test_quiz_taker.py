"""The quiz taker's reading pause: a learner who reads each question answers it after the
pause, so its answers are as far apart as the pause (POST-06's honest side)."""

from __future__ import annotations

import datetime as dt
import itertools

from harness.scenarios.quiz import QuizTaker
from harness.spec.quizzes import QuestionOut, QuizAnswerOut, QuizOption

T0 = dt.datetime(2027, 1, 2, 9, 0, tzinfo=dt.UTC)


class _Clocked:
    """A platform whose answers carry the time of a clock the reading pause moves on."""

    def __init__(self) -> None:
        self.now = T0

    def questions(self, _token: str, course_id: str) -> list[QuestionOut]:
        return [
            QuestionOut(
                question_id=f"q{n}",
                course_id=course_id,
                lesson_id="l1",
                hour=0,
                text="?",
                options=[QuizOption(key="A", text="a"), QuizOption(key="B", text="b")],
            )
            for n in range(5)
        ]

    def answer_question(self, _token: str, question_id: str, option: str) -> QuizAnswerOut:
        return QuizAnswerOut(question_id=question_id, option=option, answered_at=self.now)


def test_answers_come_a_reading_pause_apart() -> None:
    platform = _Clocked()

    def read() -> None:
        platform.now += dt.timedelta(seconds=11)

    taker = QuizTaker(between_answers=read)
    made = taker.take(platform, "t", "crs", "l1", 0, lambda: platform.now)  # type: ignore[arg-type]
    times = [given.answered_at for given in made]
    assert len(times) == 5
    assert [(b - a).total_seconds() for a, b in itertools.pairwise(times)] == [11.0] * 4


def test_without_a_pause_the_answers_follow_at_once() -> None:
    platform = _Clocked()
    made = QuizTaker().take(platform, "t", "crs", "l1", 0, lambda: platform.now)  # type: ignore[arg-type]
    assert {given.answered_at for given in made} == {T0}


def test_a_taker_leaving_one_unanswered_never_answers_the_last() -> None:
    """EXAM-01's partly answered hour: the first four of five, then nothing however often the
    player asks again; with nothing left to leave, the last."""
    platform = _Clocked()
    taker = QuizTaker(leave_unanswered=1)
    first = taker.take(platform, "t", "crs", "l1", 0, lambda: platform.now)  # type: ignore[arg-type]
    again = taker.take(platform, "t", "crs", "l1", 0, lambda: platform.now)  # type: ignore[arg-type]
    assert [g.question_id for g in first] == ["q0", "q1", "q2", "q3"] and again == []
    taker.leave_unanswered = 0
    last = taker.take(platform, "t", "crs", "l1", 0, lambda: platform.now)  # type: ignore[arg-type]
    assert [g.question_id for g in last] == ["q4"]
