"""Answering a capture challenge (STUDY-01, STUDY-02): the province judges the face.

A capture passes only if the province's face match says so for the learner's own ID number; the
image is kept with its hash as the record the policy asks for (抓拍影像留存). The province is
asked before anything is written, so a province outage (503) leaves the challenge open.
"""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select, update

from harness.spec.study import CaptureIn, CaptureOut
from reference_platform.dependencies import (
    Db,
    Defects,
    PlatformClock,
    Province,
    StudyLogin,
)
from reference_platform.errors import responses
from reference_platform.images import decode_image
from reference_platform.models import CaptureChallenge, Learner, LessonProgress, Login, Playback
from reference_platform.province_client import ProvinceRefused
from reference_platform.study import PLAYBACK_ENDED, login_is_live

router = APIRouter(tags=["captures"])

NOT_FOUND = "Capture challenge not found"
ALREADY_ANSWERED = "Capture challenge already answered"
EXPIRED = "Capture challenge expired"


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
    challenge_id: str,
    body: CaptureIn,
    login: StudyLogin,
    db: Db,
    clock: PlatformClock,
    province: Province,
    defects: Defects,
) -> CaptureOut:
    challenge = db.get(CaptureChallenge, challenge_id)
    if challenge is None or challenge.learner_id != login.learner_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    if challenge.answered_at is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, ALREADY_ANSWERED)
    now = clock.now()
    if challenge.passed is not None or now > challenge.deadline:
        raise HTTPException(status.HTTP_409_CONFLICT, EXPIRED)
    owner = db.execute(
        select(Login.ended_at, Login.end_reason, Login.expires_at)
        .join(Playback, Playback.login_id == Login.id)
        .where(Playback.id == challenge.playback_id)
    ).one()
    if not (
        login_is_live(*owner, now, defects)
        and login_is_live(login.ended_at, login.end_reason, login.expires_at, now, defects)
    ):
        raise HTTPException(status.HTTP_409_CONFLICT, PLAYBACK_ENDED)
    image = decode_image(body.image)
    if image is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "Capture image must be a PNG or JPEG image"
        )
    if defects.active("accepts_any_capture_face"):
        passed, reason, match_id = True, "ok", None
    else:
        id_number = db.scalar(select(Learner.id_number).where(Learner.id == login.learner_id))
        try:
            match = province.match_face(id_number or "", body.image)
            passed, reason, match_id = match.passed, match.reason, match.match_id
        except ProvinceRefused as exc:
            if exc.status_code == 422:
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT,
                    "Capture image was refused by the province",
                ) from None
            passed, reason, match_id = False, "identity_not_registered", None
    kept = not defects.active("capture_image_not_kept")
    claimed = db.execute(  # the first write: a concurrent answer to the same challenge loses here
        update(CaptureChallenge)
        .where(
            CaptureChallenge.id == challenge.id,
            CaptureChallenge.answered_at.is_(None),
            CaptureChallenge.passed.is_(None),
        )
        .values(
            answered_at=now,
            passed=passed,
            reason=reason,
            province_match_id=match_id,
            image=image.data if kept else None,
            image_type=image.media_type if kept else None,
            image_sha256=hashlib.sha256(image.data).hexdigest() if kept else None,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise HTTPException(status.HTTP_409_CONFLICT, ALREADY_ANSWERED)
    progress = db.get(LessonProgress, challenge.progress_id, populate_existing=True)
    assert progress is not None  # a challenge always belongs to a progress row
    if passed:
        progress.captures_passed += 1
        progress.passed_hours = sorted({*progress.passed_hours, challenge.hour_index})
    if progress.open_challenge_id == challenge.id:
        progress.open_challenge_id = None  # answered: a failed one is replaced next heartbeat
    db.commit()
    return CaptureOut(challenge_id=challenge.id, passed=passed, reason=reason, answered_at=now)
