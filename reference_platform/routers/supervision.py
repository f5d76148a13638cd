"""Read-only supervision for the HR authority: learners, photos, enrolments, logins, liveness.

Lists can be narrowed to one learner by `learner_id` or `id_number`; supervisors see what is
stored, not what a learner was told, so a defect shows here as it really is.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from sqlalchemy import Select, select

from harness.spec.supervision import (
    SupEnrolment,
    SupervisorAccount,
    SupervisorTokenIn,
    SupervisorTokenOut,
    SupLearner,
    SupLivenessEvent,
    SupLogin,
)
from reference_platform.dependencies import Db, PlatformClock, Settings, get_current_supervisor
from reference_platform.errors import responses
from reference_platform.models import Enrolment, Learner, LivenessEvent, Login, SupervisorToken
from reference_platform.security import new_token, same_secret, token_hash

router = APIRouter(prefix="/supervision", tags=["supervision"])
protected = APIRouter(dependencies=[Depends(get_current_supervisor)], responses=responses(401))

AUTHORITY_SCOPE = "authority"
SUPERVISOR_TOKEN_TTL = dt.timedelta(hours=12)
LearnerIdFilter = Annotated[str | None, Query(max_length=64)]
IdNumberFilter = Annotated[str | None, Query(max_length=18)]


@router.post(
    "/token",
    response_model=SupervisorTokenOut,
    responses=responses(401, d401="Wrong username or password"),
)
def issue_token(
    body: SupervisorTokenIn, db: Db, clock: PlatformClock, settings: Settings
) -> SupervisorTokenOut:
    user_ok = same_secret(body.username, settings.authority_user)
    password_ok = same_secret(body.password, settings.authority_password.get_secret_value())
    if not (user_ok and password_ok):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Wrong username or password")
    token, now = new_token(), clock.now()
    db.add(
        SupervisorToken(
            token_hash=token_hash(token),
            username=body.username,
            scope=AUTHORITY_SCOPE,
            issued_at=now,
            expires_at=now + SUPERVISOR_TOKEN_TTL,
        )
    )
    db.commit()
    account = SupervisorAccount(username=body.username, scope=AUTHORITY_SCOPE)
    return SupervisorTokenOut(token=token, account=account)


def _for_learner(
    query: Select[Any], column: Any, learner_id: str | None, id_number: str | None
) -> Select[Any]:
    """Narrow a query whose `column` holds a learner id."""
    if learner_id is not None:
        query = query.where(column == learner_id)
    if id_number is not None:
        ids = select(Learner.id).where(Learner.id_number == id_number.strip().upper())
        query = query.where(column.in_(ids))
    return query


@protected.get("/learners", response_model=list[SupLearner])
def learners(
    db: Db, learner_id: LearnerIdFilter = None, id_number: IdNumberFilter = None
) -> list[SupLearner]:
    query = _for_learner(select(Learner), Learner.id, learner_id, id_number)
    return [
        SupLearner(
            learner_id=learner.id,
            name=learner.name,
            id_number=learner.id_number,
            registered_at=learner.registered_at,
            face_photo_sha256=learner.face_photo_sha256,
            id_card_photo_sha256=learner.id_card_photo_sha256,
        )
        for learner in db.scalars(query.order_by(Learner.registered_at, Learner.id))
    ]


_PHOTO = {"content": {"image/png": {}, "image/jpeg": {}}, "description": "The stored image"}


def _photo(data: bytes | None, media_type: str | None) -> Response:
    if data is None or media_type is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Photo not stored")
    return Response(content=data, media_type=media_type)


@protected.get(
    "/learners/{learner_id}/face-photo",
    response_class=Response,
    responses={200: _PHOTO, **responses(404, d404="Learner or photo not found")},
)
def face_photo(learner_id: str, db: Db) -> Response:
    learner = db.get(Learner, learner_id)
    if learner is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Learner not found")
    return _photo(learner.face_photo, learner.face_photo_type)


@protected.get(
    "/learners/{learner_id}/id-card-photo",
    response_class=Response,
    responses={200: _PHOTO, **responses(404, d404="Learner or photo not found")},
)
def id_card_photo(learner_id: str, db: Db) -> Response:
    learner = db.get(Learner, learner_id)
    if learner is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Learner not found")
    return _photo(learner.id_card_photo, learner.id_card_photo_type)


@protected.get("/enrolments", response_model=list[SupEnrolment])
def enrolments(
    db: Db, learner_id: LearnerIdFilter = None, id_number: IdNumberFilter = None
) -> list[SupEnrolment]:
    query = _for_learner(select(Enrolment), Enrolment.learner_id, learner_id, id_number)
    return [
        SupEnrolment(
            enrolment_id=enrolment.id,
            learner_id=enrolment.learner_id,
            course_id=enrolment.course_id,
            voucher_code=enrolment.voucher_code,
            enrolled_at=enrolment.enrolled_at,
        )
        for enrolment in db.scalars(query.order_by(Enrolment.enrolled_at, Enrolment.id))
    ]


@protected.get("/logins", response_model=list[SupLogin])
def logins(
    db: Db,
    clock: PlatformClock,
    learner_id: LearnerIdFilter = None,
    id_number: IdNumberFilter = None,
) -> list[SupLogin]:
    query = _for_learner(select(Login), Login.learner_id, learner_id, id_number)
    now = clock.now()
    return [
        SupLogin(
            login_id=login.id,
            learner_id=login.learner_id,
            device_id=login.device_id,
            started_at=login.started_at,
            ended_at=login.ended_at,
            end_reason=login.end_reason,
            active=login.ended_at is None and login.expires_at > now,
            liveness_verification_id=login.liveness_verification_id,
        )
        for login in db.scalars(query.order_by(Login.started_at, Login.id))
    ]


@protected.get("/liveness-events", response_model=list[SupLivenessEvent])
def liveness_events(
    db: Db, learner_id: LearnerIdFilter = None, id_number: IdNumberFilter = None
) -> list[SupLivenessEvent]:
    query = _for_learner(select(LivenessEvent), LivenessEvent.learner_id, learner_id, id_number)
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


router.include_router(protected)
