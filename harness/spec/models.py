"""Pydantic models of every body in docs/interface.md (learner, supervision, test hooks, province).

Input models (`*In`) are strict about shape so that bad requests get a 422 with a reason; output
models (`*Out`) are what a compliant platform answers and what the harness parses.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

INTERFACE_VERSION = "sxcert/1"

Level = Literal["junior", "intermediate", "senior"]
LEVEL_NAMES_ZH: dict[str, str] = {"junior": "初级", "intermediate": "中级", "senior": "高级"}
EmploymentStatus = Literal["unemployed", "flexible", "employed", "student", "retired"]
LivenessReason = Literal["ok", "still_replay", "face_mismatch", "too_few_frames"]
MAX_IMAGE_B64 = 2_000_000  # ~1.5 MB per image: bigger bodies are refused with 422


class In(BaseModel):
    """Base of request bodies: unknown fields are refused so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    """Base of answers: the harness tolerates extra fields a vendor adds."""

    model_config = ConfigDict(extra="allow")


ImageB64 = Field(min_length=16, max_length=MAX_IMAGE_B64, description="base64 PNG or JPEG")


# ---- learner protocol -------------------------------------------------------------------------
class Health(Out):
    status: str
    platform_id: str
    interface: str = INTERFACE_VERSION


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
    liveness_frames: list[str] = Field(min_length=1, max_length=16)


class LoginOut(Out):
    token: str
    login_id: str
    liveness_verification_id: str
    expires_at: dt.datetime


class MeOut(Out):
    learner_id: str
    name: str
    login_id: str


class Approval(Out):
    number: str
    approved_on: dt.date


class CourseOut(Out):
    course_id: str
    title: str
    occupation_code: str | None = None
    occupation_name: str | None = None
    level: str | None = None
    standard: str | None = None
    lesson_hours: int
    approval: Approval | None = None


class LessonOut(Out):
    lesson_id: str
    seq: int
    title: str
    duration_s: int
    lesson_hours: int


class EnrolmentIn(In):
    course_id: str = Field(min_length=1, max_length=64)
    voucher_code: str = Field(min_length=1, max_length=64)


class EnrolmentOut(Out):
    enrolment_id: str
    course_id: str
    voucher_code: str
    enrolled_at: dt.datetime


# ---- supervision protocol ---------------------------------------------------------------------
class SupervisorTokenIn(In):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


class SupervisorAccount(Out):
    username: str
    scope: str


class SupervisorTokenOut(Out):
    token: str
    account: SupervisorAccount


class SupLearner(Out):
    learner_id: str
    name: str
    id_number: str
    registered_at: dt.datetime
    face_photo_sha256: str | None = None
    id_card_photo_sha256: str | None = None


class SupEnrolment(Out):
    enrolment_id: str
    learner_id: str
    course_id: str
    voucher_code: str
    enrolled_at: dt.datetime


class SupLogin(Out):
    login_id: str
    learner_id: str
    device_id: str
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    end_reason: str | None = None
    active: bool
    liveness_verification_id: str | None = None


class SupLivenessEvent(Out):
    at: dt.datetime
    learner_id: str
    verification_id: str | None = None
    passed: bool
    reason: str
    login_id: str | None = None


# ---- test hooks -------------------------------------------------------------------------------
class ClockOut(Out):
    now: dt.datetime


class ClockAdvanceIn(In):
    seconds: float = Field(ge=0, le=10 * 366 * 86400)


# ---- province: platform-facing ----------------------------------------------------------------
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


class VoucherCodeIn(In):
    code: str = Field(min_length=1, max_length=64)


class Voucher(Out):
    code: str
    holder_id_number: str
    holder_name: str
    occupation_code: str
    level: Level
    employment_status: EmploymentStatus
    state: Literal["issued", "redeemed", "expired"]
    issued_at: dt.datetime
    expires_on: dt.date


class RedeemIn(In):
    code: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=1, max_length=18)
    course_id: str = Field(min_length=1, max_length=64)
    approval_number: str = Field(min_length=1, max_length=64)


class RedeemOut(Out):
    code: str
    redeemed_at: dt.datetime
    redemption_id: str


class CourseApplicationIn(In):
    platform_course_id: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    occupation_code: str = Field(min_length=1, max_length=32)
    level: Level
    standard: str = Field(min_length=1, max_length=200)
    lesson_hours: int = Field(ge=1, le=10_000)


class CourseApplicationOut(Out):
    application_id: str
    status: Literal["approved", "rejected"]
    approval_number: str | None = None
    approved_on: dt.date | None = None
    reason: str


class ApprovalRecord(Out):
    number: str
    platform_id: str
    platform_course_id: str
    title: str
    occupation_code: str
    level: Level
    standard: str
    lesson_hours: int
    approved_on: dt.date
    status: Literal["valid", "revoked"]


class Occupation(Out):
    code: str
    name: str


# ---- province: sandbox (harness-facing) --------------------------------------------------------
class SandboxIdentityIn(In):
    birth_date: dt.date | None = None
    region_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    sex: Literal["M", "F"] | None = None


class SandboxIdentity(Out):
    id_number: str
    name: str
    birth_date: dt.date
    region_code: str
    sex: Literal["M", "F"]


class LivenessFramesIn(In):
    kind: Literal["live", "still", "impostor"] = "live"
    count: int = Field(default=5, ge=1, le=16)


class LivenessFramesOut(Out):
    frames: list[str]


class SandboxVoucherIn(In):
    holder_id_number: str = Field(min_length=18, max_length=18)
    occupation_code: str = Field(min_length=1, max_length=32)
    level: Level
    employment_status: EmploymentStatus = "unemployed"
    expires_on: dt.date | None = None


class LogEntry(Out):
    seq: int
    at: dt.datetime
    platform_id: str | None = None
    service: Literal["identity", "voucher", "registry"]
    operation: str
    id_number: str | None = None
    status_code: int
    request: dict
    response: dict


# ---- learning integrity (playback, heartbeats, captures, progress) ------------------------------
HeartbeatReason = Literal[
    "ok",  # credited (possibly 0 s when no time passed)
    "review",  # behind the furthest watched point: allowed, earns nothing
    "seek",  # jump past the furthest watched point + tolerance: blocked, earns nothing
    "speed",  # playback rate above 1x: blocked, earns nothing
    "duplicate",  # seq not above the last accepted one (replayed or duplicated): no effect
    "capture_overdue",  # an open capture challenge passed its deadline unanswered: no credit
    "paused",  # the player reports it is paused: no credit
]


class PlaybackIn(In):
    course_id: str = Field(min_length=1, max_length=64)
    lesson_id: str = Field(min_length=1, max_length=64)
    window_id: str = Field(min_length=1, max_length=64)


class PlaybackOut(Out):
    playback_id: str
    course_id: str
    lesson_id: str
    duration_s: int
    resume_position_s: float
    heartbeat_interval_s: int
    opened_at: dt.datetime


class HeartbeatIn(In):
    seq: int = Field(ge=0, le=10_000_000)
    position_s: float = Field(ge=0, le=1_000_000)
    rate: float = Field(gt=0, le=64)
    window_id: str = Field(min_length=1, max_length=64)
    paused: bool = False


class CaptureChallenge(Out):
    challenge_id: str
    issued_at: dt.datetime
    deadline: dt.datetime


class HeartbeatOut(Out):
    accepted: bool
    reason: HeartbeatReason
    credited_delta_s: float
    credited_s: float
    furthest_position_s: float
    challenge: CaptureChallenge | None = None


class CaptureIn(In):
    image: str = ImageB64


class CaptureOut(Out):
    challenge_id: str
    passed: bool
    reason: str
    answered_at: dt.datetime


class LessonProgress(Out):
    lesson_id: str
    seq: int
    lesson_hours: int
    duration_s: int
    credited_s: float
    furthest_position_s: float
    captures_passed: int
    hour_credited: bool


class CourseProgress(Out):
    course_id: str
    level: str
    credited_hours: int
    required_hours: int
    completed: bool
    lessons: list[LessonProgress] = Field(default_factory=list)


class SupLessonProgress(LessonProgress):
    learner_id: str
    course_id: str


class SupCourseProgress(Out):
    learner_id: str
    course_id: str
    level: str
    credited_hours: int
    required_hours: int
    completed: bool


class SupPlayback(Out):
    playback_id: str
    learner_id: str
    login_id: str
    course_id: str
    lesson_id: str
    window_id: str
    opened_at: dt.datetime
    ended_at: dt.datetime | None = None
    end_reason: str | None = None
    active: bool
    credited_s: float


class SupHeartbeat(Out):
    playback_id: str
    seq: int
    at: dt.datetime
    position_s: float
    rate: float
    accepted: bool
    reason: str
    credited_delta_s: float


class SupCapture(Out):
    challenge_id: str
    learner_id: str
    course_id: str
    lesson_id: str
    playback_id: str
    position_s: float
    issued_at: dt.datetime
    deadline: dt.datetime
    answered_at: dt.datetime | None = None
    passed: bool | None = None
    reason: str | None = None
    image_sha256: str | None = None


# ---- province: face match for captures ---------------------------------------------------------
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
