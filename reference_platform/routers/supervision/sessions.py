"""Supervision of sign-ins: logins (active or how they ended) and liveness verifications."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from harness.spec.supervision import SupLivenessEvent, SupLogin
from reference_platform.dependencies import CurrentSupervisor, Db, Defects, PlatformClock
from reference_platform.errors import responses
from reference_platform.models import LivenessEvent, Login
from reference_platform.routers.supervision.filters import (
    IdNumberFilter,
    LearnerIdFilter,
    for_learner,
)
from reference_platform.scope import restrict

router = APIRouter(responses=responses(401))


@router.get("/logins", response_model=list[SupLogin])
def logins(
    db: Db,
    clock: PlatformClock,
    account: CurrentSupervisor,
    defects: Defects,
    learner_id: LearnerIdFilter = None,
    id_number: IdNumberFilter = None,
) -> list[SupLogin]:
    query = for_learner(select(Login), Login.learner_id, learner_id, id_number)
    # the defect: a look-up by ID number (the help desk's) answers whoever holds the number
    if id_number is None or not defects.active("login_lookup_by_id_number_skips_scope"):
        query = restrict(query, account, Login.learner_id)
    now = clock.now()
    return [
        SupLogin(
            login_id=login.id,
            learner_id=login.learner_id,
            device_id=login.device_id,
            started_at=login.started_at,
            ended_at=login.ended_at,
            end_reason=login.end_reason,
            active=login.ended_at is None
            and (login.expires_at > now or defects.active("expired_logins_shown_active")),
            liveness_verification_id=login.liveness_verification_id,
        )
        for login in db.scalars(query.order_by(Login.started_at, Login.id))
    ]


@router.get("/liveness-events", response_model=list[SupLivenessEvent])
def liveness_events(
    db: Db,
    account: CurrentSupervisor,
    learner_id: LearnerIdFilter = None,
    id_number: IdNumberFilter = None,
) -> list[SupLivenessEvent]:
    query = for_learner(select(LivenessEvent), LivenessEvent.learner_id, learner_id, id_number)
    query = restrict(query, account, LivenessEvent.learner_id)
    return [
        SupLivenessEvent(
            at=event.at,
            learner_id=event.learner_id,
            verification_id=event.verification_id,
            passed=event.passed,
            reason=event.reason,
            login_id=event.login_id,
        )
        for event in db.scalars(query.order_by(LivenessEvent.id))
    ]
