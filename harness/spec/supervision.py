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

from harness.spec.base import In, Out
from harness.spec.study import LessonProgress


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
