"""A learner who leaves a trail in every supervision view: registered, signed in (a liveness
event and a login), enrolled in a chosen course, one lesson opened and watched until the platform
asks for a capture, which is answered with a live image (a playback, heartbeats, lesson and course
progress, a capture with its image), and one quiz question of the lesson answered (a quiz answer).
The scope, enterprise and authorisation checks judge who sees such a trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from harness.failures import CannotProbe
from harness.probe import Probe
from harness.scenarios.study import Enrolled, Study, enrolled_learner
from harness.spec.courses import CourseOut
from harness.spec.quizzes import QuestionOut


@dataclass
class Trail:
    enrolled: Enrolled
    playback_id: str
    challenge_id: str
    question_id: str | None  # the quiz question answered; None when the lesson has none

    @property
    def learner_id(self) -> str:
        return self.enrolled.learner.learner_id or ""


def learner_with_trail(probe: Probe, course: CourseOut) -> Trail:
    """A fresh learner of `course` with one playback, heartbeats and one answered capture."""
    return trail_of(probe, enrolled_learner(probe.learners, probe.platform, course))


def trail_of(probe: Probe, enrolled: Enrolled) -> Trail:
    """`enrolled`'s trail from now: one playback, heartbeats, one answered capture and one answered
    quiz question of the lesson (signed in again first when its token would lapse within the
    lesson). A lesson without questions leaves no quiz answer: the checks that need one say so."""
    enrolled.renew_if_expiring(probe.clock.now(), dt.timedelta(hours=1))
    if not enrolled.lessons:
        raise CannotProbe("a learner's trail", f"course {enrolled.course.course_id} has no lesson")
    study = Study(probe.platform, probe.time, probe.province, enrolled, enrolled.lessons[0])
    study.open()
    challenge = study.watch_until_challenge()
    if challenge is None:
        raise CannotProbe("a learner's trail", "no capture challenge in the first lesson")
    study.answer("live")
    return Trail(enrolled, study.playback_id, challenge.challenge_id, _quiz_answer(probe, enrolled))


def lesson_questions(probe: Probe, enrolled: Enrolled) -> list[QuestionOut]:
    """The quiz questions of the learner's first lesson (the one a trail studies)."""
    lesson_id = enrolled.lessons[0].lesson_id
    questions = probe.platform.questions(enrolled.token, enrolled.course.course_id)
    return [q for q in questions if q.lesson_id == lesson_id and q.options]


def _quiz_answer(probe: Probe, enrolled: Enrolled) -> str | None:
    """The question of one of the learner's quiz answers: one its study gave already (a quiz gate
    met while waiting for the capture), else the first question of its lesson, answered now;
    None when the lesson has no question (the checks that need one say so)."""
    given = enrolled.quiz.answered()
    if given:
        return sorted(given)[0]
    question = next(iter(lesson_questions(probe, enrolled)), None)
    if question is None:
        return None
    probe.platform.answer_question(enrolled.token, question.question_id, question.options[0].key)
    return question.question_id
