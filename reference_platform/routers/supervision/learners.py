"""Supervision of learners: who registered, their stored photos, their enrolments."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy import Select, select
from sqlalchemy.orm import undefer

from harness.spec.supervision import SupEnrolment, SupLearner
from reference_platform.dependencies import Context, CurrentSupervisor, Db, PathId
from reference_platform.errors import responses
from reference_platform.masking import id_number_for
from reference_platform.models import Enrolment, Learner
from reference_platform.routers.supervision.filters import (
    IdNumberFilter,
    LearnerIdFilter,
    for_learner,
)
from reference_platform.scope import restrict

router = APIRouter(responses=responses(401))


@router.get("/learners", response_model=list[SupLearner])
def learners(
    db: Db,
    account: CurrentSupervisor,
    context: Context,
    learner_id: LearnerIdFilter = None,
    id_number: IdNumberFilter = None,
) -> list[SupLearner]:
    query = for_learner(select(Learner), Learner.id, learner_id, id_number)
    unscoped = account.kind == "enterprise" and context.defects.active(
        "enterprise_sees_every_learner"
    )
    if not unscoped:
        query = restrict(query, account, Learner.id)
    unmasked = context.defects.active("unmasked_id_numbers")
    return [
        SupLearner(
            learner_id=learner.id,
            name=learner.name,
            id_number=id_number_for(account.kind, learner.id_number, unmasked),
            registered_at=learner.registered_at,
            face_photo_sha256=learner.face_photo_sha256,
            id_card_photo_sha256=learner.id_card_photo_sha256,
        )
        for learner in db.scalars(query.order_by(Learner.registered_at, Learner.id))
    ]


_PHOTO = {"content": {"image/png": {}, "image/jpeg": {}}, "description": "The stored image"}


def _visible_learner(db: Db, account: CurrentSupervisor, learner_id: str, photo: Any) -> Learner:
    """The learner with `photo` loaded, if the account may see them; 404 otherwise (an
    out-of-scope learner is not found, so that its existence is not revealed)."""
    query: Select[Any] = select(Learner).where(Learner.id == learner_id).options(undefer(photo))
    learner = db.scalar(restrict(query, account, Learner.id))
    if learner is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Learner not found")
    return learner


def _photo(data: bytes | None, media_type: str | None) -> Response:
    if data is None or media_type is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Photo not stored")
    return Response(content=data, media_type=media_type)


@router.get(
    "/learners/{learner_id}/face-photo",
    response_class=Response,
    responses={200: _PHOTO, **responses(404, d404="Learner or photo not found")},
)
def face_photo(learner_id: PathId, db: Db, account: CurrentSupervisor) -> Response:
    learner = _visible_learner(db, account, learner_id, Learner.face_photo)
    return _photo(learner.face_photo, learner.face_photo_type)


@router.get(
    "/learners/{learner_id}/id-card-photo",
    response_class=Response,
    responses={200: _PHOTO, **responses(404, d404="Learner or photo not found")},
)
def id_card_photo(learner_id: PathId, db: Db, account: CurrentSupervisor) -> Response:
    learner = _visible_learner(db, account, learner_id, Learner.id_card_photo)
    return _photo(learner.id_card_photo, learner.id_card_photo_type)


@router.get("/enrolments", response_model=list[SupEnrolment])
def enrolments(
    db: Db,
    account: CurrentSupervisor,
    learner_id: LearnerIdFilter = None,
    id_number: IdNumberFilter = None,
) -> list[SupEnrolment]:
    query = for_learner(select(Enrolment), Enrolment.learner_id, learner_id, id_number)
    query = restrict(query, account, Enrolment.learner_id, Enrolment.course_id)
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
