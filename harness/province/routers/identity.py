"""Identity authority: face registration and liveness verification (ID-01..03).

A platform registers a learner's face once, then asks for a liveness verdict before every login.
Registrations are kept per platform: a platform's liveness checks compare with the face *it*
registered, so one platform's mistake cannot colour another's evidence.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from harness.province import liveness
from harness.province.calllog import logged_route
from harness.province.deps import Identities, PlatformId, ProvinceClock
from harness.province.errors import problem
from harness.province.faces import hamming, phash, phash_hex
from harness.province.images import BadImage, decode_image, fingerprint
from harness.province.refusals import Conflict, NotFound
from harness.spec import resident_id
from harness.spec.identity import (
    FaceMatchIn,
    FaceMatchOut,
    IdentityRegistrationIn,
    IdentityRegistrationOut,
    LivenessIn,
    LivenessOut,
)

router = APIRouter(
    prefix="/province/v1/identity",
    tags=["identity"],
    route_class=logged_route("identity"),
    responses={
        400: problem("Body could not be parsed"),
        401: problem("Missing or unknown platform key"),
        413: problem("Request body too large"),
        422: problem("Invalid body, ID number or image"),
    },
)


@router.post(
    "/registrations",
    name="register",
    status_code=201,
    response_model=IdentityRegistrationOut,
    responses={
        200: {"model": IdentityRegistrationOut, "description": "Face replaced (re-registration)"},
        404: problem("Unknown identity"),
        409: problem("Name does not match the identity"),
    },
)
def register(
    body: IdentityRegistrationIn,
    platform_id: PlatformId,
    identities: Identities,
    response: Response,
) -> IdentityRegistrationOut:
    """Register (or replace) the face a platform holds for an identity."""
    try:
        resident_id.parse(body.id_number)
    except resident_id.InvalidResidentId as exc:
        raise HTTPException(422, str(exc)) from None
    try:
        if identities.identity(body.id_number).identity.name != body.name:
            raise HTTPException(409, "Name does not match the identity")
        face = decode_image(body.face_photo, "Face photo")
        face_hash = phash(face)
        sha256 = str(fingerprint(body.face_photo)["sha256"])
        reg, created = identities.register_face(
            platform_id, body.id_number, body.name, face_hash, sha256
        )
    except BadImage as exc:
        raise HTTPException(422, str(exc)) from None
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from None
    if not created:
        response.status_code = 200
    return IdentityRegistrationOut(
        registration_id=reg.registration_id,
        id_number=reg.id_number,
        face_phash=phash_hex(reg.face_phash),
    )


@router.post(
    "/liveness",
    name="liveness",
    response_model=LivenessOut,
    responses={404: problem("Identity not registered")},
)
def verify_liveness(
    body: LivenessIn, platform_id: PlatformId, identities: Identities, clock: ProvinceClock
) -> LivenessOut:
    """Judge frames from the learner's camera against the face this platform registered."""
    try:
        registered = identities.registration(platform_id, body.id_number)
        frames = [decode_image(f, f"Frame {i}") for i, f in enumerate(body.frames, start=1)]
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except BadImage as exc:
        raise HTTPException(422, str(exc)) from None
    verdict = liveness.judge(frames, registered.face_phash)
    return LivenessOut(
        verification_id=identities.next_verification_id(),
        id_number=body.id_number,
        passed=verdict.passed,
        reason=verdict.reason,
        distance=verdict.distance,
        at=clock(),
    )


@router.post(
    "/face-match",
    name="face_match",
    response_model=FaceMatchOut,
    responses={404: problem("Identity not registered")},
)
def face_match(
    body: FaceMatchIn, platform_id: PlatformId, identities: Identities, clock: ProvinceClock
) -> FaceMatchOut:
    """Judge one capture image (STUDY-01/02) against the face this platform registered.

    A capture byte-identical to the registered photo, or to an earlier capture of this person,
    is a `replay`: a live camera never produces the same bytes twice.
    """
    try:
        registered = identities.registration(platform_id, body.id_number)
        image = decode_image(body.image, "Capture image")
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except BadImage as exc:
        raise HTTPException(422, str(exc)) from None
    sha256 = str(fingerprint(body.image)["sha256"])
    fresh = identities.first_sight(platform_id, body.id_number, sha256)
    distance = float(hamming(phash(image), registered.face_phash))
    if sha256 == registered.face_sha256 or not fresh:
        passed, reason = False, "replay"
    elif distance > liveness.FACE_MAX_DISTANCE:
        passed, reason = False, "face_mismatch"
    else:
        passed, reason = True, "ok"
    return FaceMatchOut(
        match_id=identities.next_match_id(),
        id_number=body.id_number,
        passed=passed,
        reason=reason,
        distance=distance,
        at=clock(),
    )
