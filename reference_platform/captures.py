"""Answering a capture challenge (STUDY-01, STUDY-02): the province judges the face.

What compliant means, for a vendor:

* A challenge is answered once, by its own learner, by its deadline, while the playback's login
  and the answering login are live (STUDY-03 via `logins.study_may_earn`); otherwise the answer is
  refused and changes nothing (404 for another learner's challenge, 409 otherwise).
* The image goes to the province's face match for the learner's own ID number, and only the
  province's `passed` verdict passes the capture (STUDY-02); the province is asked before anything
  is written, so a province outage (503) leaves the challenge open.
* Every answered capture keeps its image and the image's SHA-256 as the record the policy asks for
  (抓拍影像留存, STUDY-01), passed or not.
* A passed capture credits its lesson hour; a failed one is replaced at the next heartbeat.
* A challenge may be answered until its deadline also after its playback was closed or
  superseded (the hour it is for belongs to the lesson, not to one playback); refusing that
  answer (409 "Playback ended") is compliant too: the alternative `capture_needs_open_playback`.

`refusal` and `FaceVerdict` are the pure rule; `answer_challenge` is the service that asks the
province, reads the defect flags and stores the answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from fastapi import HTTPException, status
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from harness.spec.study import CaptureOut
from reference_platform import study_events
from reference_platform.alternatives import ChosenAlternatives
from reference_platform.clock import Clock
from reference_platform.defects import ActiveDefects
from reference_platform.images import DecodedImage, decode_image
from reference_platform.in_flight import STUDY_REQUESTS
from reference_platform.logins import study_may_earn
from reference_platform.models import CaptureChallenge, Learner, LessonProgress, Login, Playback
from reference_platform.province_client import ProvinceClient, ProvinceRefused
from reference_platform.study import PLAYBACK_ENDED

NOT_FOUND = "Capture challenge not found"
ALREADY_ANSWERED = "Capture challenge already answered"
EXPIRED = "Capture challenge expired"
NOT_AN_IMAGE = "Capture image must be a PNG or JPEG image"
IMAGE_REFUSED = "Capture image was refused by the province"
UPLOAD_GRACE = dt.timedelta(minutes=10)  # only under the accepts_capture_minutes_late defect


def refusal(
    answered: bool,
    settled: bool,
    deadline: dt.datetime | None,
    now: dt.datetime,
    logins_live: bool,
    playback_open: bool,
) -> str | None:
    """Why an answer at `now` may not be judged, or None if it may.

    `answered`: an answer was stored; `settled`: the challenge has a verdict (an unanswered one is
    settled as expired when the next heartbeat replaces it); `deadline`: when the answer time
    ends (None only under the `accepts_late_capture` defect); `logins_live`: `study_may_earn`;
    `playback_open`: False only when the challenge's playback ended and the platform chose to
    refuse answers then (`capture_needs_open_playback`)."""
    if answered:
        return ALREADY_ANSWERED
    if settled or (deadline is not None and now > deadline):
        return EXPIRED
    if not logins_live or not playback_open:
        return PLAYBACK_ENDED
    return None


@dataclass(frozen=True)
class FaceVerdict:
    """The capture's outcome: the province's verdict (or the defect's stand-in for one)."""

    passed: bool
    reason: str
    match_id: str | None


ANY_FACE = FaceVerdict(True, "ok", None)  # `accepts_any_capture_face`: nobody asked the province
UNREGISTERED = FaceVerdict(False, "identity_not_registered", None)


def face_verdict(
    province: ProvinceClient, id_number: str, image_b64: str, fail_open: bool
) -> FaceVerdict:
    """Ask the province's face match; 422 if it refuses the image as malformed. `fail_open` is
    the defect passes_captures_the_authority_cannot_judge: no verdict read as a pass."""
    try:
        match = province.match_face(id_number, image_b64)
    except ProvinceRefused as exc:
        if exc.status_code == 422:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, IMAGE_REFUSED) from None
        return ANY_FACE if fail_open else UNREGISTERED
    return FaceVerdict(match.passed, match.reason, match.match_id)


def _passed_before(db: Session, image: DecodedImage) -> bool:
    """Only for the defect capture_verdicts_cached_by_image: a passed capture with these bytes."""
    digest = hashlib.sha256(image.data).hexdigest()
    found = select(CaptureChallenge.id).where(
        CaptureChallenge.image_sha256 == digest, CaptureChallenge.passed.is_(True)
    )
    return db.scalar(found.limit(1)) is not None


def stored_image(image: DecodedImage, keep: bool) -> dict[str, object]:
    """The challenge's image columns: the image and its hash, or nothing when not `keep`."""
    return {
        "image": image.data if keep else None,
        "image_type": image.media_type if keep else None,
        "image_sha256": hashlib.sha256(image.data).hexdigest() if keep else None,
    }


@STUDY_REQUESTS.counted
def answer_challenge(
    db: Session,
    login: Login,
    challenge_id: str,
    image_b64: str,
    clock: Clock,
    province: ProvinceClient,
    defects: ActiveDefects,
    alternatives: ChosenAlternatives,
) -> CaptureOut:
    """Judge and store one answer, in one transaction; a refused answer writes nothing."""
    challenge = db.get(CaptureChallenge, challenge_id)
    if challenge is None or challenge.learner_id != login.learner_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    now = clock.now()
    *owner, playback_ended_at = db.execute(
        select(Login.ended_at, Login.end_reason, Login.expires_at, Playback.ended_at)
        .join(Playback, Playback.login_id == Login.id)
        .where(Playback.id == challenge.playback_id)
    ).one()
    needs_open_playback = alternatives.chosen("capture_needs_open_playback")
    sender = (login.ended_at, login.end_reason, login.expires_at)
    deadline = challenge.deadline
    if defects.active("accepts_capture_minutes_late"):
        deadline += UPLOAD_GRACE  # a vendor's grace "for slow uploads"
    refused = refusal(
        answered=challenge.answered_at is not None,
        settled=challenge.passed is not None,
        deadline=None if defects.active("accepts_late_capture") else deadline,
        now=now,
        logins_live=study_may_earn(tuple(owner), sender, now, defects)
        or defects.active("next_login_answers_an_ended_logins_capture"),
        playback_open=playback_ended_at is None or not needs_open_playback,
    )
    if refused is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, refused)
    image = decode_image(image_b64)
    if image is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, NOT_AN_IMAGE)
    if defects.active("accepts_any_capture_face"):
        verdict = ANY_FACE
    elif defects.active("capture_verdicts_cached_by_image") and _passed_before(db, image):
        verdict = ANY_FACE  # the defect: "this picture passed already", the province not asked
    else:
        id_number = db.scalar(select(Learner.id_number).where(Learner.id == login.learner_id))
        fail_open = defects.active("passes_captures_the_authority_cannot_judge")
        verdict = face_verdict(province, id_number or "", image_b64, fail_open)
    keep = not defects.active("capture_image_not_kept")
    if defects.active("failed_capture_images_not_kept"):
        keep = keep and verdict.passed  # the slip: only a face that matched is worth storing
    claimed = db.execute(  # the first write: a concurrent answer to the same challenge loses here
        update(CaptureChallenge)
        .where(
            CaptureChallenge.id == challenge.id,
            CaptureChallenge.answered_at.is_(None),
            CaptureChallenge.passed.is_(None),
        )
        .values(
            answered_at=now,
            passed=verdict.passed,
            reason=verdict.reason,
            province_match_id=verdict.match_id,
            **stored_image(image, keep),
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise HTTPException(status.HTTP_409_CONFLICT, ALREADY_ANSWERED)
    # the defect: supervisors follow the passed captures only
    if verdict.passed or not defects.active("capture_events_only_when_passed"):
        study_events.record(
            db, "capture", challenge.learner_id, now, challenge.id, challenge.course_id
        )
    credit_hour(db, challenge, verdict.passed)
    if defects.active("counts_capture_twice_under_concurrency") and STUDY_REQUESTS.others():
        credit_hour(db, challenge, verdict.passed)  # the defect: a "retry" that counts again
    db.commit()
    return CaptureOut(
        challenge_id=challenge.id, passed=verdict.passed, reason=verdict.reason, answered_at=now
    )


def credit_hour(db: Session, challenge: CaptureChallenge, passed: bool) -> None:
    """A passed capture credits its hour; any answer closes the lesson's open challenge."""
    progress = db.get(LessonProgress, challenge.progress_id, populate_existing=True)
    assert progress is not None  # a challenge always belongs to a progress row
    if passed:
        progress.captures_passed += 1
        progress.passed_hours = sorted({*progress.passed_hours, challenge.hour_index})
    if progress.open_challenge_id == challenge.id:
        progress.open_challenge_id = None  # answered: a failed one is replaced next heartbeat
