"""Read-only supervision (prefix `/supervision`): one router per concept, all narrowed by the one
scope rule of reference_platform/scope.py.

Supervisors see what is stored, not what a learner was told, so a defect shows here as it really
is. Lists can be narrowed to one learner by `learner_id` (some also by `id_number`).
"""

from __future__ import annotations

from fastapi import APIRouter

from reference_platform.routers.supervision import (
    access,
    auth,
    captures,
    certificates,
    export,
    learners,
    live,
    quizzes,
    self_check,
    sessions,
    study,
)

router = APIRouter(prefix="/supervision", tags=["supervision"])
for _concept in (
    auth,
    learners,
    sessions,
    study,
    captures,
    quizzes,
    certificates,
    access,
    live,
    export,
    self_check,
):
    router.include_router(_concept.router)
