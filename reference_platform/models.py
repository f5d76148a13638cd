"""The platform's tables (SQLAlchemy 2, typed).

Photos and capture images are deferred columns: a login, an enrolment or a heartbeat loads those
rows many times and must not drag images along each time.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
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
    # The learner's employer, which scopes what an enterprise supervisor sees; set when the
    # enterprise enrols the learner for in-post training (reference_platform/employment.py).
    enterprise_id: Mapped[str | None] = mapped_column(String(64), index=True)


class Login(Base):
    __tablename__ = "logins"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(64))
    # Where the sign-in came from (client_address.py): the self-check's shared-address rule.
    address: Mapped[str | None] = mapped_column(String(45), index=True)
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
    # The training institution that runs the course: its supervisors see the course's learners.
    institution_id: Mapped[str | None] = mapped_column(String(64), index=True)


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


class Supervisor(Base):
    """A supervision account (authority, auditor, enterprise or institution), seeded from the
    settings at start-up. `scope_id` names the enterprise or institution and is None for the two
    platform-wide kinds; reference_platform/scope.py turns it into what the account may see."""

    __tablename__ = "supervisors"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    scope_id: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class SignInFailure(Base):
    """One failed sign-in (wrong password) of a learner's ID number or a supervision username,
    kept while it counts towards throttling (reference_platform/throttling.py)."""

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class SupervisorAccess(Base):
    """One supervision request as it arrived (POST-03's audit log of supervisor access): who,
    when, which path with which query. Written before the answer, so a refused read is kept too."""

    __tablename__ = "supervisor_access"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(300))
    query: Mapped[str] = mapped_column(String(500))


class SupervisorToken(Base):
    """A supervisor's bearer token (stored as its sha256), tied to the account it was issued to."""

    __tablename__ = "supervisor_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    supervisor_id: Mapped[str] = mapped_column(
        ForeignKey("supervisors.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ClockState(Base):
    """One row: how far the test clock runs ahead of real time."""

    __tablename__ = "clock_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offset_s: Mapped[float] = mapped_column(Float, default=0.0)


# ---- learning integrity ------------------------------------------------------------------------
class LessonProgress(Base):
    """One learner's standing in one lesson; the lesson's seq, hours and length are copied in so
    that a heartbeat and the supervision views never need to join the lessons table.

    `capture_points_s` holds one secret capture point per lesson hour (seconds from the lesson's
    start), drawn when the learner first opens the lesson; `passed_hours` the hours (0-based) that
    have a passed capture. `open_challenge_id` is the one unanswered challenge, if any (no foreign
    key: challenges point back here, and a cycle of keys buys nothing).
    """

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("learner_id", "lesson_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"))
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id"))
    seq: Mapped[int] = mapped_column(Integer)
    lesson_hours: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[int] = mapped_column(Integer)
    credited_s: Mapped[float] = mapped_column(Float, default=0.0)
    furthest_position_s: Mapped[float] = mapped_column(Float, default=0.0)
    capture_points_s: Mapped[list[float]] = mapped_column(JSON)
    passed_hours: Mapped[list[int]] = mapped_column(JSON, default=list)
    captures_passed: Mapped[int] = mapped_column(Integer, default=0)
    open_challenge_id: Mapped[str | None] = mapped_column(String(32))
    # The hours (0-based) all of whose quiz questions are answered: the quiz gate reads this, so
    # a heartbeat needs no query of the answers (EXAM-01).
    quiz_hours_done: Mapped[list[int]] = mapped_column(JSON, default=list)


class Playback(Base):
    """One opened lesson in one window; `last_credit_at` is when the last accepted heartbeat (or
    the opening) happened, the point from which the next heartbeat's elapsed time is measured."""

    __tablename__ = "playbacks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    login_id: Mapped[str] = mapped_column(ForeignKey("logins.id"), index=True)
    enrolment_id: Mapped[str] = mapped_column(ForeignKey("enrolments.id"))
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"))
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id"))
    progress_id: Mapped[str] = mapped_column(ForeignKey("lesson_progress.id"))
    window_id: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(100))
    last_seq: Mapped[int | None] = mapped_column(Integer)
    last_credit_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    credited_s: Mapped[float] = mapped_column(Float, default=0.0)
    heartbeats_received: Mapped[int] = mapped_column(Integer, default=0)


class Heartbeat(Base):
    """Every heartbeat a playback received, accepted or not: the evidence supervisors read."""

    __tablename__ = "heartbeats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    playback_id: Mapped[str] = mapped_column(ForeignKey("playbacks.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    position_s: Mapped[float] = mapped_column(Float)
    rate: Mapped[float] = mapped_column(Float)
    paused: Mapped[bool] = mapped_column(Boolean)
    accepted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(32))
    credited_delta_s: Mapped[float] = mapped_column(Float)


class CaptureChallenge(Base):
    """A biometric capture asked of the learner. Unanswered while `passed` is None; a challenge
    replaced after its deadline gets `passed` False and reason "expired" (and no `answered_at`)."""

    __tablename__ = "capture_challenges"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"))
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id"))
    progress_id: Mapped[str] = mapped_column(ForeignKey("lesson_progress.id"), index=True)
    playback_id: Mapped[str] = mapped_column(ForeignKey("playbacks.id"))
    hour_index: Mapped[int] = mapped_column(Integer)
    position_s: Mapped[float] = mapped_column(Float)
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    deadline: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(64))
    image: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    image_type: Mapped[str | None] = mapped_column(String(20))
    image_sha256: Mapped[str | None] = mapped_column(String(64))
    province_match_id: Mapped[str | None] = mapped_column(String(64))


class RecordDeletion(Base):
    """A learner's records deleted after the retention period (POST-05): the log that deletion
    happened, by whom, and why it was allowed. Keeps no personal data but the learner id."""

    __tablename__ = "record_deletions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    learner_id: Mapped[str] = mapped_column(String(32), index=True)
    end_of_training: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    kept_until: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    deleted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    deleted_by: Mapped[str] = mapped_column(String(64))


# ---- quizzes ------------------------------------------------------------------------------------
class QuizQuestion(Base):
    """One question of a lesson hour's bank (EXAM-01), seeded with the lessons."""

    __tablename__ = "quiz_questions"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"), index=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id"), index=True)
    lesson_seq: Mapped[int] = mapped_column(Integer)
    hour_index: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(400))
    options: Mapped[list[str]] = mapped_column(JSON)
    correct_option: Mapped[str] = mapped_column(String(8))


class QuizAnswer(Base):
    """A learner's one, final answer to a question, with its time (EXAM-01, EXAM-02)."""

    __tablename__ = "quiz_answers"
    __table_args__ = (UniqueConstraint("learner_id", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    question_id: Mapped[str] = mapped_column(ForeignKey("quiz_questions.id"))
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"))
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id"))
    hour_index: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    option: Mapped[str] = mapped_column(String(8))
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


# ---- certificates -------------------------------------------------------------------------------
class Certificate(Base):
    """The online training certificate of one learner in one course (POST-02): issued once, on a
    pass (EXAM-02); the fields are frozen at issuance, as printed."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("learner_id", "course_id", "issue_round"),)

    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"))
    # Always 1 on a compliant platform (one certificate per learner and course); it exists only
    # so that the `issues_certificate_twice` defect can store a second one.
    issue_round: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(40))
    id_number_masked: Mapped[str] = mapped_column(String(18))
    occupation_code: Mapped[str] = mapped_column(String(32))
    occupation_name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    lesson_hours: Mapped[int] = mapped_column(Integer)
    score: Mapped[str] = mapped_column(String(8))
    started_on: Mapped[dt.date] = mapped_column(Date)
    finished_on: Mapped[dt.date] = mapped_column(Date)
    platform_id: Mapped[str] = mapped_column(String(64))
    platform_name: Mapped[str] = mapped_column(String(100))
    issued_on: Mapped[dt.date] = mapped_column(Date)


class CompletionReport(Base):
    """The outbox of completion reports to the province (VOUCH-03): written in the transaction
    that issues the certificate, sent until the province acknowledges it with the offline
    voucher. `id` is the report's idempotency key, so a retry never makes a second voucher."""

    __tablename__ = "completion_reports"
    __table_args__ = (UniqueConstraint("learner_id", "course_id", "report_round"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"))
    # Always 1 on a compliant platform; only the `duplicates_completion_report` defect adds more.
    report_round: Mapped[int] = mapped_column(Integer, default=1)
    certificate_number: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    offline_voucher_code: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(200))


class StudyEvent(Base):
    """One study event for the real-time supervision stream (STUDY-09), written in the same
    transaction as the row it is about (reference_platform/study_events.py). The id orders the
    stream and is the SSE event id a supervisor resumes from; `recorded_at` is wall-clock time,
    not the test clock, because delivery latency is measured in real seconds. No foreign key to
    the learner: the retention rule deletes a learner's rows, and this log is no reason to
    refuse that. `xact` is the writing transaction's id on PostgreSQL (0 on SQLite): the stream's
    order is (xact, id), because PostgreSQL commits ids out of order."""

    __tablename__ = "study_events"
    __table_args__ = (Index("ix_study_events_position", "xact", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    xact: Mapped[int] = mapped_column(BigInteger, default=0)
    type: Mapped[str] = mapped_column(String(20))
    learner_id: Mapped[str] = mapped_column(String(32), index=True)
    course_id: Mapped[str | None] = mapped_column(String(64))
    ref: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


# ---- the electronic training archive (ARCH-01, ARCH-02) ---------------------------------------
class ArchiveRecord(Base):
    """The outbox of the learner's electronic training archive: one row per record, chained
    (`seq`, `prev_hash`, `hash`) when it is written, sent to the province until acknowledged.
    `id` is the record's idempotency key; `source_key` names the fact it records
    (`capture:<challenge id>`), so that no fact is archived twice."""

    __tablename__ = "archive_records"
    __table_args__ = (UniqueConstraint("learner_id", "seq"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    learner_id: Mapped[str] = mapped_column(String(32), index=True)
    source_key: Mapped[str] = mapped_column(String(160), unique=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[str] = mapped_column(String(40))  # as hashed and sent
    data: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(String(200))


class SubsidyClaimFiling(Base):
    """One quarter's subsidy claim as the platform filed it (SUB-02): at most one row per quarter,
    so a second filing of the quarter answers this one. `claim_id` is the province's receipt
    (None when the quarter had no line to claim and nothing was sent). Amounts are kept as text
    so that the Decimal to the fen is never a binary float."""

    __tablename__ = "subsidy_claim_filings"

    quarter: Mapped[str] = mapped_column(String(6), primary_key=True)
    filed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    total_amount: Mapped[str] = mapped_column(String(20))
    claim_id: Mapped[str | None] = mapped_column(String(32))
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    hr_review_due: Mapped[dt.date | None] = mapped_column(Date)


class SubsidyClaimLine(Base):
    """One claimed learner and course (SUB-01): unique, so that no learner and course is ever
    claimed in two quarters (only a defect skips the look-up before it)."""

    __tablename__ = "subsidy_claim_lines"
    __table_args__ = (UniqueConstraint("learner_id", "course_id", "quarter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    quarter: Mapped[str] = mapped_column(ForeignKey("subsidy_claim_filings.quarter"), index=True)
    learner_id: Mapped[str] = mapped_column(String(32), index=True)
    id_number: Mapped[str] = mapped_column(String(18))
    course_id: Mapped[str] = mapped_column(String(64))
    approval_number: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    certificate_number: Mapped[str] = mapped_column(String(40))
    certificate_issued_on: Mapped[dt.date] = mapped_column(Date)
    lesson_hours: Mapped[int] = mapped_column(Integer)
    rate: Mapped[str] = mapped_column(String(20))
    amount: Mapped[str] = mapped_column(String(20))
