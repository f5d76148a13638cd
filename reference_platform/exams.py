"""Quizzes on the database (EXAM-01, EXAM-02): seeding the bank, listing and answering
questions, the answers behind the quiz gate, and a learner's accuracy in a course.

The rules (how many questions, where the gate is, the pass mark) are in `quizzes.py`; this module
only reads and writes rows, one transaction per request.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from fastapi import HTTPException, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from harness.spec.quizzes import QuestionOut, QuizAnswerOut, QuizKeyOut, QuizOption
from reference_platform.clock import Clock
from reference_platform.completion import CourseStanding, course_standing, credited_lessons
from reference_platform.defects import ActiveDefects
from reference_platform.logins import is_signed_in
from reference_platform.models import Lesson, LessonProgress, Login, QuizAnswer, QuizQuestion
from reference_platform.quizzes import (
    OPTION_KEYS,
    QuizRules,
    accuracy_passes,
    hours_answered,
    question_bank,
    questions_set,
)
from reference_platform.study import (
    NOT_ENROLLED,
    enrolment_in,
    existing_lesson_progress,
    lesson_progress,
)

QUESTION_NOT_FOUND = "Question not found"
ALREADY_ANSWERED = "Question already answered"
UNKNOWN_OPTION = "Not one of the question's options"
LOGIN_ENDED = "Token is unknown, expired or ended"


def seed_questions(session: Session, rules: QuizRules) -> None:
    """Give every lesson without questions its bank; safe to run on every start."""
    seeded = set(session.scalars(select(QuizQuestion.lesson_id).distinct()))
    for lesson in session.scalars(select(Lesson).order_by(Lesson.course_id, Lesson.seq)):
        if lesson.id in seeded:
            continue
        for question in question_bank(lesson.id, lesson.title, lesson.lesson_hours, rules):
            session.add(
                QuizQuestion(
                    id=question.question_id,
                    course_id=lesson.course_id,
                    lesson_id=lesson.id,
                    lesson_seq=lesson.seq,
                    hour_index=question.hour,
                    number=question.number,
                    text=question.text,
                    options=list(question.options),
                    correct_option=question.correct_option,
                )
            )


class BankEntry(Protocol):
    """What `asked` reads of a question: a mapped `QuizQuestion` or a row of these columns."""

    id: str
    lesson_seq: int
    hour_index: int
    number: int


Q = TypeVar("Q", bound=BankEntry)


def asked(questions: Iterable[Q], defects: ActiveDefects) -> list[Q]:
    """The questions of the bank that are put to learners (all of them when compliant)."""
    rows = list(questions)
    by_lesson: dict[int, list[Q]] = {}
    for row in rows:
        by_lesson.setdefault(row.lesson_seq, []).append(row)
    kept = set()
    for seq, members in by_lesson.items():
        pairs = questions_set(seq, ((q.hour_index, q.number) for q in members), defects)
        kept |= {q.id for q in members if (q.hour_index, q.number) in pairs}
    return [row for row in rows if row.id in kept]


def course_questions(db: Session, course_id: str) -> list[QuizQuestion]:
    return list(
        db.scalars(
            select(QuizQuestion)
            .where(QuizQuestion.course_id == course_id)
            .order_by(QuizQuestion.lesson_seq, QuizQuestion.hour_index, QuizQuestion.number)
        )
    )


def list_questions(
    db: Session, login: Login, course_id: str, defects: ActiveDefects
) -> list[QuestionOut]:
    if enrolment_in(db, login.learner_id, course_id) is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, NOT_ENROLLED)
    return [
        QuestionOut(
            question_id=q.id,
            course_id=q.course_id,
            lesson_id=q.lesson_id,
            hour=q.hour_index,
            text=q.text,
            options=[
                QuizOption(key=k, text=t) for k, t in zip(OPTION_KEYS, q.options, strict=False)
            ],
        )
        for q in asked(course_questions(db, course_id), defects)
    ]


def answer_question(
    db: Session,
    login: Login,
    question_id: str,
    option: str,
    clock: Clock,
    defects: ActiveDefects,
) -> QuizAnswerOut:
    """Keep the answer (final) with its time, and mark its hour answered once all are. Only a
    signed-in login answers: one ended by logout or a newer login is another session (STUDY-03),
    whose answers would count for the learner studying elsewhere (the route's login still names
    an ended one, as the study routes need it)."""
    now = clock.now()
    ended_may_answer = defects.active("quiz_answers_from_ended_logins")  # the defect
    if not ended_may_answer and not is_signed_in(login.ended_at, login.expires_at, now):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, LOGIN_ENDED, headers={"WWW-Authenticate": "Bearer"}
        )
    question = db.get(QuizQuestion, question_id)
    if question is None or not asked([question], defects):
        raise HTTPException(status.HTTP_404_NOT_FOUND, QUESTION_NOT_FOUND)
    if enrolment_in(db, login.learner_id, question.course_id) is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, NOT_ENROLLED)
    if option not in OPTION_KEYS[: len(question.options)]:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, UNKNOWN_OPTION)
    db.add(
        QuizAnswer(
            learner_id=login.learner_id,
            question_id=question.id,
            course_id=question.course_id,
            lesson_id=question.lesson_id,
            hour_index=question.hour_index,
            number=question.number,
            option=option,
            correct=option == question.correct_option,
            answered_at=now,
        )
    )
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, ALREADY_ANSWERED) from None
    progress = existing_lesson_progress(db, login.learner_id, question.lesson_id)
    if progress is None:  # answered before the lesson was first opened
        lesson = db.get(Lesson, question.lesson_id)
        assert lesson is not None
        progress = lesson_progress(db, login.learner_id, lesson, defects)
    progress.quiz_hours_done = sorted(
        lesson_hours_answered(db, login.learner_id, question.lesson_id, defects)
    )
    db.commit()
    return QuizAnswerOut(question_id=question.id, option=option, answered_at=now)


def lesson_hours_answered(
    db: Session, learner_id: str, lesson_id: str, defects: ActiveDefects
) -> set[int]:
    """The lesson's hours whose every question the learner answered. The bank is read as plain
    rows (the four columns `asked` reads), not as mapped objects: every answer asks this."""
    bank = select(
        QuizQuestion.id, QuizQuestion.lesson_seq, QuizQuestion.hour_index, QuizQuestion.number
    ).where(QuizQuestion.lesson_id == lesson_id)
    questions = asked(db.execute(bank), defects)
    answered = db.execute(
        select(QuizAnswer.hour_index, QuizAnswer.number).where(
            QuizAnswer.learner_id == learner_id, QuizAnswer.lesson_id == lesson_id
        )
    ).all()
    if defects.active("yields_the_hour_on_its_first_answer"):  # the defect: any answer will do
        return {h for h, _n in answered} & {q.hour_index for q in questions}
    return hours_answered(
        [(q.hour_index, q.number) for q in questions], [(h, n) for h, n in answered]
    )


def quiz_passed(
    db: Session,
    learner_id: str,
    course_id: str,
    credited_lessons: set[str],
    rules: QuizRules,
    defects: ActiveDefects,
) -> bool:
    """EXAM-02's accuracy over every question of the learner's credited lesson hours."""
    correct, questions = quiz_score(db, learner_id, course_id, credited_lessons, defects)
    return accuracy_passes(correct, questions, rules, defects)


def quiz_score(
    db: Session,
    learner_id: str,
    course_id: str,
    credited_lessons: set[str],
    defects: ActiveDefects,
) -> tuple[int, int]:
    """(right answers, questions) over the questions of the credited lesson hours."""
    bank = asked(course_questions(db, course_id), defects)
    ids = {q.id for q in bank if q.lesson_id in credited_lessons}
    correct = db.scalars(
        select(QuizAnswer.question_id).where(
            QuizAnswer.learner_id == learner_id,
            QuizAnswer.course_id == course_id,
            QuizAnswer.correct.is_(True),
        )
    )
    return sum(1 for q in correct if q in ids), len(ids)


def answer_key(db: Session, course_id: str, defects: ActiveDefects) -> list[QuizKeyOut]:
    return [
        QuizKeyOut(question_id=q.id, option=q.correct_option)
        for q in asked(course_questions(db, course_id), defects)
    ]


def learner_standing(
    db: Session,
    learner_id: str,
    course_id: str,
    level: str,
    rows: Sequence[LessonProgress],
    rules: QuizRules,
    defects: ActiveDefects,
) -> CourseStanding:
    """A learner's standing in a course: credited hours (COURSE-05) and accuracy (EXAM-02)."""
    hours_only = course_standing(level, rows, defects, quiz_passed=True)
    if not hours_only.completed:  # the accuracy cannot change the answer: spare the queries
        return hours_only
    lessons = credited_lessons(rows, defects)
    passed = quiz_passed(db, learner_id, course_id, lessons, rules, defects)
    return course_standing(level, rows, defects, passed)
