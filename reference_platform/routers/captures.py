"""Answering a capture challenge (STUDY-01, STUDY-02): the route of `reference_platform.captures`.

Thin: the rule (who may answer, what passes, what is kept) is in `captures.py`.
"""

from __future__ import annotations

from fastapi import APIRouter

from harness.spec.study import CaptureIn, CaptureOut
from reference_platform.captures import NOT_FOUND, answer_challenge
from reference_platform.dependencies import (
    Alternatives,
    Db,
    Defects,
    PathId,
    PlatformClock,
    Province,
    StudyLogin,
)
from reference_platform.errors import responses

router = APIRouter(tags=["captures"])


@router.post(
    "/captures/{challenge_id}",
    response_model=CaptureOut,
    responses=responses(
        401,
        404,
        409,
        422,
        503,
        d404=NOT_FOUND,
        d409="Capture challenge already answered or expired, or its playback ended",
        d422="Not a PNG or JPEG image, or refused by the province",
    ),
)
def answer_capture(
    challenge_id: PathId,
    body: CaptureIn,
    login: StudyLogin,
    db: Db,
    clock: PlatformClock,
    province: Province,
    defects: Defects,
    alternatives: Alternatives,
) -> CaptureOut:
    return answer_challenge(
        db, login, challenge_id, body.image, clock, province, defects, alternatives
    )
