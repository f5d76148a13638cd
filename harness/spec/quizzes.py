"""Quizzes (EXAM-01, EXAM-02): the questions of every lesson hour and the learner's answers.

Every lesson hour has at least 5 single-choice questions; the heartbeat answer's `quiz_due`
names the hour whose questions must be answered before its last minutes are credited. Answers
are final (a second answer to one question is refused) and kept with their time.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from harness.spec.base import In, Out


class QuizOption(Out):
    key: str  # "A", "B", …
    text: str


class QuestionOut(Out):
    question_id: str
    course_id: str
    lesson_id: str
    hour: int  # the lesson hour within the lesson, 0-based
    text: str
    options: list[QuizOption]


class QuizAnswerIn(In):
    option: str = Field(min_length=1, max_length=8)


class QuizAnswerOut(Out):
    question_id: str
    option: str
    answered_at: dt.datetime


class QuizKeyOut(Out):
    """The correct option of one question (a certification instance's test hook only)."""

    question_id: str
    option: str


class SupQuizAnswer(Out):
    learner_id: str
    course_id: str
    lesson_id: str
    hour: int
    question_id: str
    option: str
    correct: bool
    answered_at: dt.datetime
