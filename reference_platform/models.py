"""The platform's tables (SQLAlchemy 2, typed).

Photos are deferred columns: a login or an enrolment loads the learner row many times and must not
drag two images along each time.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from reference_platform.db import Base, UtcDateTime


class Learner(Base):
    __tablename__ = "learners"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    birth_date: Mapped[dt.date] = mapped_column(Date)
    password_hash: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(11))
    face_photo: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    face_photo_type: Mapped[str] = mapped_column(String(20))
    face_photo_sha256: Mapped[str] = mapped_column(String(64))
    id_card_photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    id_card_photo_type: Mapped[str | None] = mapped_column(String(20))
    id_card_photo_sha256: Mapped[str | None] = mapped_column(String(64))
    province_registration_id: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Login(Base):
    __tablename__ = "logins"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(100))
    liveness_verification_id: Mapped[str | None] = mapped_column(String(64))


class LivenessEvent(Base):
    __tablename__ = "liveness_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    verification_id: Mapped[str | None] = mapped_column(String(64))
    passed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(64))
    login_id: Mapped[str | None] = mapped_column(ForeignKey("logins.id"))


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    occupation_code: Mapped[str] = mapped_column(String(32))
    occupation_name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    standard: Mapped[str] = mapped_column(String(200))
    lesson_hours: Mapped[int] = mapped_column(Integer)
    # Not offered to learners any more (a course the current catalogue no longer defines).
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    # None until the province answered an application; then "approved" or "rejected".
    application_status: Mapped[str | None] = mapped_column(String(16))
    application_reason: Mapped[str | None] = mapped_column(String(200))
    approval_number: Mapped[str | None] = mapped_column(String(64))
    approved_on: Mapped[dt.date | None] = mapped_column(Date)


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("course_id", "seq"),)

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    duration_s: Mapped[int] = mapped_column(Integer)
    lesson_hours: Mapped[int] = mapped_column(Integer)


class Enrolment(Base):
    __tablename__ = "enrolments"
    # voucher_use is always 1 on a compliant platform, which makes voucher_code unique; it exists
    # only so that the `ignores_redeem_refusal` defect can store a reuse the database would refuse.
    __table_args__ = (UniqueConstraint("voucher_code", "voucher_use"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"))
    voucher_code: Mapped[str] = mapped_column(String(64))
    voucher_use: Mapped[int] = mapped_column(Integer, default=1)
    redemption_id: Mapped[str | None] = mapped_column(String(64))
    enrolled_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class SupervisorToken(Base):
    __tablename__ = "supervisor_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ClockState(Base):
    """One row: how far the test clock runs ahead of real time."""

    __tablename__ = "clock_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offset_s: Mapped[float] = mapped_column(Float, default=0.0)
