"""Answering a lesson hour's quiz (EXAM-01, EXAM-02): the step a study journey takes when the
platform says an hour's questions are due (`quiz_due` in the heartbeat answer).

A `QuizTaker` belongs to one enrolled learner. It answers every question of the due hour, and
how many of them right is its `plan`'s choice (all, by default), so a check can make a learner
score exactly 3 of 5. Right and wrong are known from the answer key of the certification
instance's test hook; without a key (a load run under real time) it answers the first option and
leaves `correct` unknown. Every answer is recorded with the harness's own time before and after,
so a check judges accuracy and answer times from what it did, not from the platform's verdict.
Nothing here imports pytest or the plugin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from harness.api import Refused
from harness.driver import LearnerDriver
from harness.spec.quizzes import QuestionOut

KeySource = Callable[[str], dict[str, str]]  # course id → {question id: correct option}
Plan = Callable[[str, int, int], int]  # (lesson id, hour, questions) → how many to answer right


def all_right(_lesson_id: str, _hour: int, questions: int) -> int:
    return questions


def all_wrong(_lesson_id: str, _hour: int, _questions: int) -> int:
    return 0


@dataclass
class GivenAnswer:
    question_id: str
    lesson_id: str
    hour: int
    option: str
    correct: bool | None  # by the answer key; None without one
    sent_after: dt.datetime  # the time source just before the hour's answers were sent
    answered_at: dt.datetime | None = None  # the platform's time of the answer
    refused: str | None = None


@dataclass
class QuizTaker:
    key_source: KeySource | None = None
    plan: Plan = all_right
    ignoring: bool = False  # a learner who leaves the quiz unanswered (EXAM-01's gate probe)
    # how many of each due hour's questions stay unanswered, the last ones listed (EXAM-01's
    # partly answered hour: all of them are needed, not most)
    leave_unanswered: int = 0
    # called before every answer but an hour's first: a learner reading each question (the
    # self-check's honest side: answers 10 s or more apart are never `fast_quiz_answers`)
    between_answers: Callable[[], None] | None = None
    given: list[GivenAnswer] = field(default_factory=list)
    _questions: dict[str, list[QuestionOut]] = field(default_factory=dict)
    _keys: dict[str, dict[str, str]] = field(default_factory=dict)

    def questions(self, platform: LearnerDriver, token: str, course_id: str) -> list[QuestionOut]:
        """The course's questions as the learner is shown them (fetched once)."""
        if course_id not in self._questions:
            self._questions[course_id] = platform.questions(token, course_id)
        return self._questions[course_id]

    def key(self, course_id: str) -> dict[str, str]:
        if self.key_source is None:
            return {}
        if course_id not in self._keys:
            self._keys[course_id] = self.key_source(course_id)
        return self._keys[course_id]

    def answered(self) -> set[str]:
        return {g.question_id for g in self.given if g.refused is None}

    def take(
        self,
        platform: LearnerDriver,
        token: str,
        course_id: str,
        lesson_id: str,
        hour: int,
        now: Callable[[], dt.datetime],
    ) -> list[GivenAnswer]:
        """Answer the hour's questions not answered yet; `plan` decides how many right."""
        if self.ignoring:
            return []
        due = [
            q
            for q in self.questions(platform, token, course_id)
            if q.lesson_id == lesson_id and q.hour == hour and q.question_id not in self.answered()
        ]
        due = due[: max(0, len(due) - self.leave_unanswered)]
        key = self.key(course_id)
        right = self.plan(lesson_id, hour, len(due))
        made = []
        before = now() if due else None  # one reading for the hour: the answers follow at once
        for index, question in enumerate(due):
            if index and self.between_answers is not None:
                self.between_answers()
            options = [o.key for o in question.options]
            correct_option = key.get(question.question_id)
            if correct_option is None:
                option, correct = options[0], None
            elif index < right:
                option, correct = correct_option, True
            else:
                option = next((o for o in options if o != correct_option), correct_option)
                correct = option == correct_option
            assert before is not None
            given = GivenAnswer(question.question_id, lesson_id, hour, option, correct, before)
            try:
                given.answered_at = platform.answer_question(
                    token, question.question_id, option
                ).answered_at
            except Refused as refused:
                given.refused = f"{refused.status} {refused.detail}"
            self.given.append(given)
            made.append(given)
        return made
