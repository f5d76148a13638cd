"""Supervision: the read-only views of scoped supervision accounts.

Four kinds of account exist (DESIGN.md, POST-03): the HR authority and audit departments see the
whole platform; an enterprise sees its own employees; a training institution sees the learners of
the courses it runs. `scope` is the enterprise's or institution's id on the platform, and is absent
for the two platform-wide kinds.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from pydantic import Field

from harness.spec.base import In, Level, Out
from harness.spec.identity import LivenessReason
from harness.spec.study import CaptureReason, HeartbeatReason, LessonProgress


class SupervisorTokenIn(In):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


SupervisorKind = Literal["authority", "auditor", "enterprise", "institution"]

SUPERVISOR_KINDS: tuple[str, ...] = get_args(SupervisorKind)

# The kinds whose view is narrowed to one organisation, named by the account's `scope`.
SCOPED_KINDS: frozenset[str] = frozenset({"enterprise", "institution"})


class SupervisorAccount(Out):
    """Who a supervision token belongs to: the answer of `/supervision/me` and of sign-in."""

    username: str
    kind: SupervisorKind
    scope: str | None = None


class SupervisorTokenOut(Out):
    token: str
    account: SupervisorAccount
    # When the token lapses (POST-03: at most 24 h after sign-in); optional on the wire so that
    # older clients still parse, required by the interface text.
    expires_at: dt.datetime | None = None


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
    end_reason: str | None = Field(
        default=None,
        description="free text for people, never judged; null while active or once expired",
        examples=["Superseded by a newer login", "Logged out"],
    )
    active: bool = Field(description="signed in now: not ended, not expired")
    liveness_verification_id: str | None = None


class SupLivenessEvent(Out):
    at: dt.datetime
    learner_id: str
    verification_id: str | None = None
    passed: bool
    reason: LivenessReason | Literal["identity_not_registered"]
    login_id: str | None = None


class SupLessonProgress(LessonProgress):
    learner_id: str
    course_id: str


class SupCourseProgress(Out):
    learner_id: str
    course_id: str
    level: Level
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
    ended_at: dt.datetime | None = Field(
        default=None, description="its own end or its login's, whichever came first"
    )
    end_reason: str | None = Field(
        default=None,
        description="free text for people, never judged",
        examples=["Superseded by a newer playback", "Closed", "Login ended", "Login expired"],
    )
    active: bool
    credited_s: float = Field(ge=0, description="what this playback earned (not the lesson's)")


class SupHeartbeat(Out):
    playback_id: str
    seq: int
    at: dt.datetime
    position_s: float
    rate: float
    accepted: bool
    reason: HeartbeatReason
    credited_delta_s: float


class SupCapture(Out):
    challenge_id: str
    learner_id: str
    course_id: str
    lesson_id: str
    playback_id: str
    position_s: float = Field(description="the lesson's furthest point when it was issued")
    issued_at: dt.datetime
    deadline: dt.datetime
    answered_at: dt.datetime | None = Field(default=None, description="null until answered")
    passed: bool | None = Field(
        default=None, description="null while open; false for a failed or expired one"
    )
    reason: CaptureReason | Literal["expired"] | None = Field(
        default=None, description="`expired`: replaced unanswered after its deadline"
    )
    image_sha256: str | None = None


class EmployeeIn(In):
    """An enterprise enrols one of its employees for in-post training (ENT-01): the person's ID
    number and name, which must match the registered learner's."""

    id_number: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)


class EmployeeOut(Out):
    learner_id: str
    id_number: str
    name: str
    enterprise_id: str


class SupAccess(Out):
    """One entry of the audit log of supervisor access (POST-03)."""

    at: dt.datetime
    username: str
    kind: SupervisorKind
    method: str
    path: str
    query: str


class RecordDeletionOut(Out):
    """A learner's records deleted after the retention period (POST-05), as logged."""

    learner_id: str
    end_of_training: dt.datetime
    kept_until: dt.datetime
    deleted_at: dt.datetime
    deleted_by: str


StudyEventType = Literal[
    "login",
    "logout",
    "liveness",
    "playback_start",
    "playback_stop",
    "capture",
    "quiz",
    "completion",
]
STUDY_EVENT_TYPES: tuple[str, ...] = get_args(StudyEventType)


class SupStudyEvent(Out):
    """The `data` of one message of the real-time supervision stream (STUDY-09); the message's
    SSE `id` equals `event_id` and its `event` equals `type`. `ref` is the id of the object the
    event is about (docs/interface.md, "Real-time supervision")."""

    event_id: str
    type: StudyEventType
    learner_id: str
    course_id: str | None = None
    ref: str | None = None
    at: dt.datetime


class SupStudying(Out):
    """One row of "who is studying now": an open playback on a signed-in login (STUDY-09)."""

    learner_id: str
    name: str
    course_id: str
    lesson_id: str
    playback_id: str
    since: dt.datetime
