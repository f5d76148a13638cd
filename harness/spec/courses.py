"""Courses: what a platform offers, and the province's course-approval registry."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from harness.spec.base import In, Level, Out


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
    # The training institution that runs the course (its supervision account's `scope`).
    institution_id: str | None = None


class LessonOut(Out):
    lesson_id: str
    seq: int
    title: str
    duration_s: int
    lesson_hours: int


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


class SandboxCourseApplicationIn(CourseApplicationIn):
    """An application the centre received outside the platform API (sandbox intake), on a date."""

    platform_id: str = Field(min_length=1, max_length=64)
    applied_on: dt.date


class CourseReviewIn(In):
    """The centre's review of a pending application (sandbox): `on` defaults to today."""

    on: dt.date | None = None


class CourseApplicationRecord(Out):
    """An application with its review clock (COURSE-02): due 10 working days after it was
    received; `overdue` when reviewed after that, or still open past it. `review_due` is None
    when the calendar does not know the year, which `calendar_gap` names."""

    application_id: str
    platform_id: str
    platform_course_id: str
    title: str
    occupation_code: str | None = None  # what was applied for: a voucher for it can be issued
    level: Level | None = None
    applied_on: dt.date
    review_due: dt.date | None = None
    reviewed_on: dt.date | None = None
    status: Literal["pending", "approved", "rejected"]
    approval_number: str | None = None
    reason: str | None = None
    overdue: bool = False
    calendar_gap: str | None = None
