"""Liveness on every login (ID-02) and what its verdict means (ID-03).

What compliant means, for a vendor:

* Every login sends fresh liveness frames to the province and waits for its verdict; a passed
  verdict of an earlier login is never reused (ID-02).
* Only the province's `passed` verdict admits: `face_mismatch` (another person) and
  `still_replay` (a photo held up to the camera) are refusals like any other reason, answered 403
  with the reason and kept on record for supervisors (ID-03).
* Frames the province refuses as malformed are the client's error (422); an identity the province
  does not know fails the check (`identity_not_registered`).

`admits` is the pure rule; `liveness_verdict` asks the province and reads the defect flags.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from reference_platform.defects import ActiveDefects
from reference_platform.models import Learner, LivenessEvent, Login
from reference_platform.province_client import ProvinceClient, ProvinceRefused, ProvinceUnavailable

FRAMES_REFUSED = "Liveness frames were refused by the province"
UNREGISTERED = "identity_not_registered"


@dataclass(frozen=True)
class Verdict:
    """What the platform decides about one login's liveness; `fresh` = the province was asked."""

    passed: bool
    reason: str
    verification_id: str | None
    fresh: bool = True


def admits(province_passed: bool, reason: str, tolerated_reasons: frozenset[str]) -> bool:
    """Does the province's verdict admit the login? Only if it passed; `tolerated_reasons` are
    refusals a defective platform treats as passes (empty for a compliant one)."""
    return province_passed or reason in tolerated_reasons


def tolerated_reasons(defects: ActiveDefects) -> frozenset[str]:
    """The province refusals this platform's defects wave through (ID-03)."""
    tolerated: set[str] = set()
    if defects.active("ignores_face_mismatch"):
        tolerated.add("face_mismatch")
    if defects.active("ignores_still_replay"):
        tolerated.add("still_replay")
    if defects.active("refuses_only_known_liveness_failures"):
        # The slip: a deny-list of the failures the vendor met (a still, another face), so a
        # verdict of too few frames to judge reads as a pass.
        tolerated.add("too_few_frames")
    return frozenset(tolerated)


def earlier_pass(db: Session, learner_id: str) -> str | None:
    """The verification id of the learner's first passed liveness check, if any."""
    return db.scalar(
        select(LivenessEvent.verification_id)
        .where(LivenessEvent.learner_id == learner_id, LivenessEvent.passed.is_(True))
        .order_by(LivenessEvent.id)
        .limit(1)
    )


def signed_in_on_device(db: Session, learner_id: str, device_id: str) -> str | None:
    """The verification id of the learner's newest login on `device_id` that has not ended."""
    return db.scalar(
        select(Login.liveness_verification_id)
        .where(
            Login.learner_id == learner_id,
            Login.device_id == device_id,
            Login.ended_at.is_(None),
        )
        .order_by(Login.started_at.desc())
        .limit(1)
    )


def liveness_verdict(
    learner: Learner,
    frames: list[str],
    device_id: str,
    db: Session,
    province: ProvinceClient,
    defects: ActiveDefects,
) -> Verdict:
    """Ask the province about this login's frames; 422 if it refuses them as malformed."""
    if defects.active("liveness_only_on_first_login"):
        earlier = earlier_pass(db, learner.id)
        if earlier is not None:
            return Verdict(True, "ok", earlier, fresh=False)
    if defects.active("same_device_relogin_skips_liveness"):
        remembered = signed_in_on_device(db, learner.id, device_id)
        if remembered is not None:
            return Verdict(True, "ok", remembered, fresh=False)
    try:
        answer = province.verify_liveness(learner.id_number, frames)
    except ProvinceUnavailable:
        # no verdict while the authority is down: the login is refused (503, errors.py); the
        # defect lets the learner in "until the face service is back", on no check at all
        if defects.active("liveness_fails_open_when_authority_down"):
            return Verdict(True, "authority_unavailable", None)
        raise
    except ProvinceRefused as exc:
        if exc.status_code == 422:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, FRAMES_REFUSED) from None
        # the defect admits_logins_the_authority_cannot_judge: no verdict read as a pass
        return Verdict(
            defects.active("admits_logins_the_authority_cannot_judge"), UNREGISTERED, None
        )
    passed = admits(answer.passed, answer.reason, tolerated_reasons(defects))
    return Verdict(passed, answer.reason, answer.verification_id)
