"""Registration with real name, ID number, face and ID-card photos (ID-01).

Everything that can be checked locally is checked before the province is asked, so a bad request
costs no province call and leaves no trace in its log.
"""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from harness.spec.identity import RegistrationIn, RegistrationOut
from harness.spec.resident_id import InvalidResidentId
from reference_platform.dependencies import Db, Defects, PlatformClock, Province
from reference_platform.errors import responses
from reference_platform.identity import parse_id_number
from reference_platform.images import DecodedImage, decode_image
from reference_platform.models import Learner
from reference_platform.province_client import ProvinceRefused
from reference_platform.security import hash_password, new_id

router = APIRouter(tags=["learners"])

ALREADY_REGISTERED = "Learner already registered"
_PROVINCE_REFUSALS = {
    404: "Identity unknown to the province",
    409: "Name does not match the identity",
    422: "Face photo was refused by the province",
}


def _image(b64: str, what: str) -> DecodedImage:
    image = decode_image(b64)
    if image is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"{what} is not a PNG or JPEG image"
        )
    return image


@router.post(
    "/learners",
    status_code=status.HTTP_201_CREATED,
    response_model=RegistrationOut,
    responses=responses(409, 422, 503, d409=ALREADY_REGISTERED),
)
def register(
    body: RegistrationIn, db: Db, clock: PlatformClock, province: Province, defects: Defects
) -> RegistrationOut:
    try:
        resident = parse_id_number(body.id_number, clock.today(), defects)
    except InvalidResidentId as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    face = _image(body.face_photo, "Face photo")
    id_card = _image(body.id_card_photo, "ID-card photo")
    if db.scalar(select(Learner.id).where(Learner.id_number == resident.number)) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, ALREADY_REGISTERED)
    try:
        registration = province.register_identity(resident.number, body.name, body.face_photo)
    except ProvinceRefused as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, _PROVINCE_REFUSALS[exc.status_code]
        ) from None
    keep_id_card = not defects.active("discards_id_card_photo")
    learner = Learner(
        id=new_id("lrn"),
        name=body.name,
        id_number=resident.number,
        birth_date=resident.birth_date,
        password_hash=hash_password(body.password),
        phone=body.phone,
        face_photo=face.data,
        face_photo_type=face.media_type,
        face_photo_sha256=hashlib.sha256(face.data).hexdigest(),
        id_card_photo=id_card.data if keep_id_card else None,
        id_card_photo_type=id_card.media_type if keep_id_card else None,
        id_card_photo_sha256=hashlib.sha256(id_card.data).hexdigest() if keep_id_card else None,
        province_registration_id=registration.registration_id,
        registered_at=clock.now(),
    )
    db.add(learner)
    try:
        db.commit()
    except IntegrityError:  # a concurrent registration of the same number won the race
        db.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, ALREADY_REGISTERED) from None
    return RegistrationOut(learner_id=learner.id, name=learner.name, id_number=learner.id_number)
