"""Supervision of certificates (POST-02): every certificate issued, whose and for which course."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from harness.spec.certificates import SupCertificate
from reference_platform.certificates import sweep
from reference_platform.dependencies import (
    CurrentSupervisor,
    Db,
    Defects,
    PlatformClock,
    Province,
    Settings,
)
from reference_platform.errors import responses
from reference_platform.models import Certificate
from reference_platform.routers.supervision.filters import LearnerIdFilter, for_learner
from reference_platform.scope import restrict

router = APIRouter(responses=responses(401))


@router.get("/certificates", response_model=list[SupCertificate])
def certificates(
    db: Db,
    clock: PlatformClock,
    settings: Settings,
    defects: Defects,
    province: Province,
    account: CurrentSupervisor,
    learner_id: LearnerIdFilter = None,
) -> list[SupCertificate]:
    sweep(db, clock.now(), settings, defects, province, learner_id)
    query = for_learner(select(Certificate), Certificate.learner_id, learner_id)
    query = restrict(query, account, Certificate.learner_id, Certificate.course_id)
    rows = db.scalars(query.order_by(Certificate.issued_on, Certificate.number))
    return [SupCertificate.model_validate(row, from_attributes=True) for row in rows]
