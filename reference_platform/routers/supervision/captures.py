"""Supervision of biometric captures during study (STUDY-01, STUDY-02): every challenge with its
outcome, and the kept image (抓拍影像留存)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy import select
from sqlalchemy.orm import undefer

from harness.spec.supervision import SupCapture
from reference_platform import supervision_lists as lists
from reference_platform.dependencies import CurrentSupervisor, Db, Defects, ImageReader, PathId
from reference_platform.errors import responses
from reference_platform.models import CaptureChallenge
from reference_platform.routers.supervision.filters import LearnerIdFilter, for_learner
from reference_platform.scope import restrict

router = APIRouter(responses=responses(401))


@router.get("/captures", response_model=list[SupCapture])
def captures(
    db: Db, account: CurrentSupervisor, defects: Defects, learner_id: LearnerIdFilter = None
) -> list[SupCapture]:
    query = lists.captures(account, defects)
    query = for_learner(query, CaptureChallenge.learner_id, learner_id)
    return [lists.capture_row(row, account, defects) for row in db.scalars(query)]


_IMAGE = {"content": {"image/png": {}, "image/jpeg": {}}, "description": "The kept image"}


@router.get(
    "/captures/{challenge_id}/image",
    response_class=Response,
    responses={200: _IMAGE, **responses(404, d404="Capture or its image not found")},
)
def capture_image(challenge_id: PathId, db: Db, account: ImageReader) -> Response:
    """The kept image; 404 when none is kept, or the capture is outside the account's scope."""
    query = (
        select(CaptureChallenge)
        .where(CaptureChallenge.id == challenge_id)
        .options(undefer(CaptureChallenge.image))
    )
    if account is not None:  # None only under the capture_image_without_auth defect
        query = restrict(query, account, CaptureChallenge.learner_id, CaptureChallenge.course_id)
    row = db.scalar(query)
    if row is None or row.image is None or row.image_type is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Capture image not kept")
    return Response(content=row.image, media_type=row.image_type)
