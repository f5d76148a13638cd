"""Login with a liveness check at the province on every login (ID-02, ID-03), logout, `/me`.

Thin: the liveness rule is in `liveness.py`, the one-login rule in `logins.py`; this router checks
the credentials and the frames' shape, calls them, and maps their outcomes to HTTP answers.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from sqlalchemy import select

from harness.spec.identity import LoginIn, LoginOut, MeOut
from reference_platform.client_address import FORWARDED_FOR, client_address
from reference_platform.dependencies import (
    Alternatives,
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
from reference_platform.liveness import liveness_verdict
from reference_platform.logins import SecondLoginRefused, log_out, start_login, token_lifetime
from reference_platform.models import Learner, LivenessEvent
from reference_platform.throttling import (
    clear_failures,
    learner_key,
    record_failure,
    refuse_if_locked,
)

router = APIRouter(tags=["login"])

BAD_CREDENTIALS = "Wrong ID number or password"


@router.post(
    "/login",
    response_model=LoginOut,
    responses=responses(
        401,
        403,
        409,
        422,
        429,
        503,
        d401=BAD_CREDENTIALS,
        d403="Liveness check failed: <reason>",
        d409="Another login is active (a platform that ends the older login never answers it)",
        d429="Too many failed sign-ins; try again later",
    ),
)
def login(
    body: LoginIn,
    request: Request,
    db: Db,
    clock: PlatformClock,
    province: Province,
    defects: Defects,
    alternatives: Alternatives,
    settings: Settings,
) -> LoginOut:
    """Log in after a liveness check at the province; a new login ends the learner's others.

    `expires_at` is the token's first expiry: it slides, each accepted request moving it to 12 h
    after that request, so a learner studying for longer than 12 h is not logged out mid-lesson.
    """
    key = learner_key(
        body.id_number, body.device_id, per_device=defects.active("throttles_per_device")
    )
    refuse_if_locked(db, key, clock.now(), defects)
    learner = db.scalar(select(Learner).where(Learner.id_number == body.id_number.upper()))
    hasher = settings.password_hasher
    if not hasher.verify(body.password, learner.password_hash if learner else None):
        record_failure(db, key, clock.now())
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, BAD_CREDENTIALS)
    assert learner is not None
    clear_failures(db, key)
    if any(decode_image(frame) is None for frame in body.liveness_frames):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "Liveness frames must be PNG or JPEG images"
        )
    verdict = liveness_verdict(learner, body.liveness_frames, body.device_id, db, province, defects)
    now = clock.now()
    event = LivenessEvent(
        learner_id=learner.id,
        at=now,
        verification_id=verdict.verification_id,
        passed=verdict.passed,
        reason=verdict.reason,
    )
    if not verdict.passed and defects.active("failed_liveness_not_streamed"):
        event.unstreamed = True  # read by study_events: a refused check sent to no stream
    if verdict.fresh:
        db.add(event)
    if not verdict.passed:
        db.commit()  # the refused attempt stays on record for supervisors
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"Liveness check failed: {verdict.reason}")
    ttl = token_lifetime(settings.token_ttl_s, defects)
    try:
        address = client_address(
            request.client.host if request.client else None,
            request.headers.get(FORWARDED_FOR),
            settings.trusted_proxies,
            believe_any_peer=defects.active("believes_forwarded_for_from_anyone"),
        )
        new = start_login(
            db,
            learner.id,
            body.device_id,
            verdict.verification_id,
            now,
            ttl,
            defects,
            alternatives,
            address=address,
        )  # flushed: the login row must exist before the event points at it
    except SecondLoginRefused as refused:
        db.commit()  # the passed liveness check stays on record, linked to no login
        raise HTTPException(status.HTTP_409_CONFLICT, str(refused)) from None
    event.login_id = new.login.id
    db.commit()
    return LoginOut(
        token=new.token,
        login_id=new.login.id,
        liveness_verification_id=verdict.verification_id or "",
        expires_at=new.login.expires_at,
    )


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=responses(401),
)
def logout(login: CurrentLogin, db: Db, clock: PlatformClock) -> Response:
    log_out(login, clock.now())
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=MeOut, responses=responses(401))
def me(login: CurrentLogin, learner: CurrentLearner) -> MeOut:
    return MeOut(learner_id=learner.id, name=learner.name, login_id=login.id)
