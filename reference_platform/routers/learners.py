"""Registration with real name, ID number, face and ID-card photos (ID-01).

Thin: the rule and the province exchange are in `reference_platform/registration.py`.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from harness.spec.identity import RegistrationIn, RegistrationOut
from reference_platform.dependencies import Db, Defects, PlatformClock, Province, Settings
from reference_platform.errors import responses
from reference_platform.registration import ALREADY_REGISTERED
from reference_platform.registration import register as register_learner

router = APIRouter(tags=["learners"])


@router.post(
    "/learners",
    status_code=status.HTTP_201_CREATED,
    response_model=RegistrationOut,
    responses=responses(409, 422, 503, d409=ALREADY_REGISTERED),
)
def register(
    body: RegistrationIn,
    db: Db,
    clock: PlatformClock,
    province: Province,
    defects: Defects,
    settings: Settings,
) -> RegistrationOut:
    learner = register_learner(db, body, clock, province, defects, settings.password_hasher)
    return RegistrationOut(learner_id=learner.id, name=learner.name, id_number=learner.id_number)
