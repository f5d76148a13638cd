"""Registration with real name, ID number, face and ID-card photos (ID-01).

What compliant means, for a vendor:

* The ID number is a valid GB 11643 resident identity number: shape, region code, a real birth
  date not in the future, and the check digit (`identity.py`); a bad one is refused (422) with
  the reason a learner can act on.
* Both photos are PNG or JPEG images; the province registers the identity (real name matching the
  number, an acceptable face photo) before the learner exists here.
* The platform keeps both photos with their SHA-256 hashes, for supervisors (ID-01's 实名认证
  record); a number is registered once (409).

Everything that can be checked locally is checked before the province is asked, so a bad request
costs no province call and leaves no trace in its log. `photo_columns` is the rule for what is
kept; `register` is the service.
"""

from __future__ import annotations

import hashlib
import re

from fastapi import HTTPException, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from harness.spec.identity import RegistrationIn
from harness.spec.resident_id import InvalidResidentId
from reference_platform.clock import Clock
from reference_platform.defects import ActiveDefects
from reference_platform.identity import parse_id_number
from reference_platform.images import DecodedImage, decode_image
from reference_platform.models import Learner
from reference_platform.province_client import ProvinceClient, ProvinceRefused
from reference_platform.security import PasswordHasher, new_id

ALREADY_REGISTERED = "Learner already registered"
PROVINCE_REFUSALS = {
    404: "Identity unknown to the province",
    409: "Name does not match the identity",
    422: "Face photo was refused by the province",
}


def image_of(b64: str, what: str) -> DecodedImage:
    image = decode_image(b64)
    if image is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"{what} is not a PNG or JPEG image"
        )
    return image


def photo_columns(prefix: str, image: DecodedImage, keep: bool) -> dict[str, object]:
    """A photo's three columns (`<prefix>`, `_type`, `_sha256`), or all None when not `keep`."""
    return {
        prefix: image.data if keep else None,
        f"{prefix}_type": image.media_type if keep else None,
        f"{prefix}_sha256": hashlib.sha256(image.data).hexdigest() if keep else None,
    }


# The defect `refuses_uncommon_name_characters`: the name validator most snippets copy (2-4
# characters of the basic CJK block), which refuses real names with a middle dot or a rare
# character. A compliant platform takes the name the identity authority confirms.
COMMON_NAME = re.compile("[\u4e00-\u9fa5]{2,4}")


def register(
    db: Session,
    body: RegistrationIn,
    clock: Clock,
    province: ProvinceClient,
    defects: ActiveDefects,
    hasher: PasswordHasher,
) -> Learner:
    """Check locally, register at the province, store; raises the HTTP refusal with its reason."""
    if defects.active("refuses_uncommon_name_characters") and not COMMON_NAME.fullmatch(body.name):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "Name must be 2-4 Chinese characters"
        )
    try:
        resident = parse_id_number(body.id_number, clock.today(), defects)
    except InvalidResidentId as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    # the number is kept in its canonical form (upper-case X), so that x and X are one person
    kept_number = body.id_number.strip() if defects.active("keeps_id_number_as_typed") else None
    face = image_of(body.face_photo, "Face photo")
    if defects.active("stores_id_card_photo_unread"):
        # The slip: the ID card handled as an attachment, whatever is not an image kept as sent.
        unread = DecodedImage(body.id_card_photo.encode(), "application/octet-stream")
        id_card = decode_image(body.id_card_photo) or unread
    else:
        id_card = image_of(body.id_card_photo, "ID-card photo")
    number = kept_number or resident.number
    if db.scalar(select(Learner.id).where(Learner.id_number == number)) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, ALREADY_REGISTERED)
    registration_id = None
    try:
        registration_id = province.register_identity(
            resident.number, body.name, body.face_photo
        ).registration_id
    except ProvinceRefused as exc:
        # The defect: "register now, the province is asked again later" (it never is).
        if not defects.active("registers_when_the_province_refuses"):
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, PROVINCE_REFUSALS[exc.status_code]
            ) from None
    keep_id_card = not defects.active("discards_id_card_photo")
    learner = Learner(
        id=new_id("lrn"),
        name=body.name,
        id_number=number,
        birth_date=resident.birth_date,
        password_hash=hasher.hash(body.password),
        phone=body.phone,
        **photo_columns("face_photo", face, keep=True),
        **photo_columns("id_card_photo", id_card, keep=keep_id_card),
        province_registration_id=registration_id or "",  # "": never registered (the defect)
        registered_at=clock.now(),
    )
    db.add(learner)
    try:
        db.commit()
    except IntegrityError:  # a concurrent registration of the same number won the race
        db.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, ALREADY_REGISTERED) from None
    return learner
