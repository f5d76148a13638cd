"""Supervision of quizzes (EXAM-01, EXAM-02): every answer a learner gave, with its time and
whether it was right. Narrowed by the one scope rule, as every supervision view."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from harness.spec.quizzes import SupQuizAnswer
from reference_platform.dependencies import CurrentSupervisor, Db
from reference_platform.errors import responses
from reference_platform.models import QuizAnswer
from reference_platform.routers.supervision.filters import LearnerIdFilter, for_learner
from reference_platform.scope import restrict

router = APIRouter(responses=responses(401))


@router.get("/quiz-answers", response_model=list[SupQuizAnswer])
def quiz_answers(
    db: Db, account: CurrentSupervisor, learner_id: LearnerIdFilter = None
) -> list[SupQuizAnswer]:
    query = for_learner(select(QuizAnswer), QuizAnswer.learner_id, learner_id)
    query = restrict(query, account, QuizAnswer.learner_id, QuizAnswer.course_id)
    return [
        SupQuizAnswer(
            learner_id=row.learner_id,
            course_id=row.course_id,
            lesson_id=row.lesson_id,
            hour=row.hour_index,
            question_id=row.question_id,
            option=row.option,
            correct=row.correct,
            answered_at=row.answered_at,
        )
        for row in db.scalars(query.order_by(QuizAnswer.answered_at, QuizAnswer.id))
    ]
