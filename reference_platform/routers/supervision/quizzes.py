"""Supervision of quizzes (EXAM-01, EXAM-02): every answer a learner gave, with its time and
whether it was right. Narrowed by the one scope rule, as every supervision view."""

from __future__ import annotations

from fastapi import APIRouter

from harness.spec.quizzes import SupQuizAnswer
from reference_platform import supervision_lists as lists
from reference_platform.dependencies import CurrentSupervisor, Db, Defects
from reference_platform.errors import responses
from reference_platform.models import QuizAnswer
from reference_platform.routers.supervision.filters import LearnerIdFilter, for_learner

router = APIRouter(responses=responses(401))


@router.get("/quiz-answers", response_model=list[SupQuizAnswer])
def quiz_answers(
    db: Db, account: CurrentSupervisor, defects: Defects, learner_id: LearnerIdFilter = None
) -> list[SupQuizAnswer]:
    query = for_learner(lists.quiz_answers(account, defects), QuizAnswer.learner_id, learner_id)
    return [lists.quiz_answer_row(row, account, defects) for row in db.scalars(query)]
