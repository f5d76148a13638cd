"""Supervision of certificates (POST-02): every certificate issued, whose and for which course."""

from __future__ import annotations

from fastapi import APIRouter

from harness.spec.certificates import SupCertificate
from reference_platform import supervision_lists as lists
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
    query = for_learner(lists.certificates(account, defects), Certificate.learner_id, learner_id)
    return [lists.certificate_row(row, account, defects) for row in db.scalars(query)]
