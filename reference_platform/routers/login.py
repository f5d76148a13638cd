"""Login with a liveness check at the province on every login (ID-02, ID-03), logout, `/me`.

A token is issued only after the province passed the liveness frames of *this* login, and a new
login ends the learner's other logins (STUDY-03: one learner, one active session).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from harness.spec.identity import LoginIn, LoginOut, MeOut
from reference_platform.defects import ActiveDefects
from reference_platform.dependencies import (
    CurrentLearner,
    CurrentLogin,
    Db,
    Defects,
    PlatformClock,
    Province,
    Settings,
)
from reference_platform.errors import responses
from reference_platform.images import decode_image
from reference_platform.models import Learner, LivenessEvent, Login
from reference_platform.province_client import ProvinceClient, ProvinceRefused
from reference_platform.security import new_id, new_token, token_hash, verify_password

router = APIRouter(tags=["login"])

BAD_CREDENTIALS = "Wrong ID number or password"
SUPERSEDED = "Superseded by a newer login"


@dataclass(frozen=True)
class Verdict:
    """What the platform decides about one login's liveness; `fresh` = the province was asked."""

    passed: bool
    reason: str
    verification_id: str | None
    fresh: bool = True


def _verdict(
    learner: Learner,
    frames: list[str],
    db: Session,
    province: ProvinceClient,
    defects: ActiveDefects,
) -> Verdict:
    if defects.active("liveness_only_on_first_login"):
        earlier = db.scalar(
            select(LivenessEvent.verification_id)
            .where(LivenessEvent.learner_id == learner.id, LivenessEvent.passed.is_(True))
            .order_by(LivenessEvent.id)
            .limit(1)
        )
        if earlier is not None:
            return Verdict(True, "ok", earlier, fresh=False)
    try:
        answer = province.verify_liveness(learner.id_number, frames)
    except ProvinceRefused as exc:
        if exc.status_code == 422:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "Liveness frames were refused by the province",
            ) from None
        return Verdict(False, "identity_not_registered", None)
    passed = answer.passed
    if answer.reason == "face_mismatch" and defects.active("ignores_face_mismatch"):
        passed = True
    if answer.reason == "still_replay" and defects.active("ignores_still_replay"):
        passed = True
    return Verdict(passed, answer.reason, answer.verification_id)


@router.post(
    "/login",
    response_model=LoginOut,
    responses=responses(
        401, 403, 422, 503, d401=BAD_CREDENTIALS, d403="Liveness check failed: <reason>"
    ),
)
def login(
    body: LoginIn,
    db: Db,
    clock: PlatformClock,
    province: Province,
    defects: Defects,
    settings: Settings,
) -> LoginOut:
    """Log in after a liveness check at the province; a new login ends the learner's others.

    `expires_at` is the token's first expiry: it slides, each accepted request moving it to 12 h
    after that request, so a learner studying for longer than 12 h is not logged out mid-lesson.
    """
    learner = db.scalar(select(Learner).where(Learner.id_number == body.id_number.upper()))
    if not verify_password(body.password, learner.password_hash if learner else None):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, BAD_CREDENTIALS)
    assert learner is not None
    if any(decode_image(frame) is None for frame in body.liveness_frames):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "Liveness frames must be PNG or JPEG images"
        )
    verdict = _verdict(learner, body.liveness_frames, db, province, defects)
    now = clock.now()
    event = LivenessEvent(
        learner_id=learner.id,
        at=now,
        verification_id=verdict.verification_id,
        passed=verdict.passed,
        reason=verdict.reason,
    )
    if verdict.fresh:
        db.add(event)
    if not verdict.passed:
        db.commit()  # the refused attempt stays on record for supervisors
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"Liveness check failed: {verdict.reason}")
    if not defects.active("allows_concurrent_logins"):
        db.execute(
            update(Login)
            .where(Login.learner_id == learner.id, Login.ended_at.is_(None), Login.expires_at > now)
            .values(ended_at=now, end_reason=SUPERSEDED)
        )
    token = new_token()
    new_login = Login(
        id=new_id("lgn"),
        learner_id=learner.id,
        device_id=body.device_id,
        token_hash=token_hash(token),
        started_at=now,
        expires_at=now + dt.timedelta(seconds=settings.token_ttl_s),
        liveness_verification_id=verdict.verification_id,
    )
    db.add(new_login)
    db.flush()  # the login row must exist before the event points at it
    event.login_id = new_login.id
    db.commit()
    return LoginOut(
        token=token,
        login_id=new_login.id,
        liveness_verification_id=verdict.verification_id or "",
        expires_at=new_login.expires_at,
    )


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=responses(401),
)
def logout(login: CurrentLogin, db: Db, clock: PlatformClock) -> Response:
    login.ended_at = clock.now()
    login.end_reason = "Logged out"
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=MeOut, responses=responses(401))
def me(login: CurrentLogin, learner: CurrentLearner) -> MeOut:
    return MeOut(learner_id=learner.id, name=learner.name, login_id=login.id)
