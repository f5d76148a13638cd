"""Identity: real-name registration, login with liveness, and the province's identity
authority (registration, liveness and face-match verdicts)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from harness.spec.base import MAX_IMAGE_B64, ImageB64, In, Out

LivenessReason = Literal["ok", "still_replay", "face_mismatch", "too_few_frames"]


class RegistrationIn(In):
    name: str = Field(min_length=2, max_length=40)
    id_number: str = Field(min_length=18, max_length=18)
    password: str = Field(min_length=8, max_length=128)
    phone: str | None = Field(default=None, pattern=r"^1\d{10}$")
    face_photo: str = ImageB64
    id_card_photo: str = ImageB64


class RegistrationOut(Out):
    learner_id: str
    name: str
    id_number: str


class LoginIn(In):
    id_number: str = Field(min_length=18, max_length=18)
    password: str = Field(min_length=1, max_length=128)
    device_id: str = Field(min_length=1, max_length=64)
    liveness_frames: list[Annotated[str, Field(min_length=16, max_length=MAX_IMAGE_B64)]] = Field(
        min_length=1, max_length=16, description="base64 PNG or JPEG camera frames"
    )


class LoginOut(Out):
    token: str
    login_id: str
    liveness_verification_id: str
    expires_at: dt.datetime


class MeOut(Out):
    learner_id: str
    name: str
    login_id: str


class IdentityRegistrationIn(In):
    id_number: str = Field(min_length=18, max_length=18)
    name: str = Field(min_length=1, max_length=40)
    face_photo: str = ImageB64


class IdentityRegistrationOut(Out):
    registration_id: str
    id_number: str
    face_phash: str


class LivenessIn(In):
    id_number: str = Field(min_length=18, max_length=18)
    frames: list[str] = Field(min_length=1, max_length=16)


class LivenessOut(Out):
    verification_id: str
    id_number: str
    passed: bool
    reason: LivenessReason
    distance: float | None = None
    at: dt.datetime


class FaceMatchIn(In):
    id_number: str = Field(min_length=18, max_length=18)
    image: str = ImageB64


class FaceMatchOut(Out):
    match_id: str
    id_number: str
    passed: bool
    reason: Literal["ok", "face_mismatch", "replay"]
    distance: float | None = None
    at: dt.datetime
