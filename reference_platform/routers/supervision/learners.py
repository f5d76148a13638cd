"""Supervision of learners: who registered, their stored photos, their enrolments."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy import Select, select
from sqlalchemy.orm import undefer

from harness.spec.supervision import SupEnrolment, SupLearner
from reference_platform import supervision_lists as lists
from reference_platform.dependencies import Context, CurrentSupervisor, Db, PathId
from reference_platform.errors import responses
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
    defects = context.defects
    query = for_learner(lists.learners(account, defects), Learner.id, learner_id, id_number)
    return [lists.learner_row(learner, account, defects) for learner in db.scalars(query)]


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
    context: Context,
    learner_id: LearnerIdFilter = None,
    id_number: IdNumberFilter = None,
) -> list[SupEnrolment]:
    query = lists.enrolments(account, context.defects)
    query = for_learner(query, Enrolment.learner_id, learner_id, id_number)
    return [lists.enrolment_row(row, account, context.defects) for row in db.scalars(query)]
