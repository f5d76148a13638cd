"""Quiz questions and answers (EXAM-01, EXAM-02): the routes of `reference_platform.exams`.

Thin: the rules (questions per hour, the gate, the pass mark) are in `quizzes.py`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from harness.spec.quizzes import QuestionOut, QuizAnswerIn, QuizAnswerOut
from reference_platform.dependencies import (
    CurrentLogin,
    Db,
    Defects,
    PathId,
    PlatformClock,
    StudyLogin,
)
from reference_platform.errors import responses
from reference_platform.exams import (
    ALREADY_ANSWERED,
    QUESTION_NOT_FOUND,
    answer_question,
    list_questions,
)
from reference_platform.study import NOT_ENROLLED

router = APIRouter(tags=["quizzes"])
# Question ids are `<lesson id>-h<hour>-q<number>` (the column holds 100 characters).
QuestionId = Annotated[str, Path(min_length=1, max_length=100)]


@router.get(
    "/courses/{course_id}/questions",
    response_model=list[QuestionOut],
    responses=responses(401, 403, d403=NOT_ENROLLED),
)
def questions(
    course_id: PathId, login: CurrentLogin, db: Db, defects: Defects
) -> list[QuestionOut]:
    """Every question of the course, by lesson and lesson hour (the correct options stay here)."""
    return list_questions(db, login, course_id, defects)


@router.post(
    "/questions/{question_id}/answer",
    response_model=QuizAnswerOut,
    responses=responses(
        401,
        403,
        404,
        409,
        422,
        d403=NOT_ENROLLED,
        d404=QUESTION_NOT_FOUND,
        d409=ALREADY_ANSWERED,
        d422="Not one of the question's options",
    ),
)
def answer(
    question_id: QuestionId,
    body: QuizAnswerIn,
    login: StudyLogin,
    db: Db,
    clock: PlatformClock,
    defects: Defects,
) -> QuizAnswerOut:
    """Answer one question, once: the answer is kept with its time."""
    return answer_question(db, login, question_id, body.option, clock, defects)
