"""The heartbeat's reads and writes: statements compiled once, run on the driver's cursor.

Why not the ORM here (issue #14, measured in-process on SQLite): a select built per call and run
through the ORM session cost about 220 µs, loading an ORM entity 170 µs and flushing a heartbeat's
changed objects about 0.8 ms; the same statement built once and run through SQLAlchemy's
`Connection.execute` about 40 µs, and run as `prepared.Prepared` on the driver's cursor 8–10 µs
(the driver itself 6 µs). A heartbeat makes five to eight statements and is the platform's
hottest request, so its state is read as rows and written back with these statements, on a Core
connection of its own (no ORM session): a heartbeat's unit of work went from about 350 µs of CPU
to about 180 µs. Column types (UTC datetimes, JSON lists) still go through SQLAlchemy's
processors, so both backends read and write exactly what the ORM would, and the rules
(`study.record_heartbeat`, `credit.judge`) see the same values. Every other request keeps the ORM.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from reference_platform.clock import CLOCK_ROW_ID
from reference_platform.models import (
    CaptureChallenge,
    ClockState,
    Heartbeat,
    LessonProgress,
    Login,
    Playback,
)
from reference_platform.prepared import Prepared

CLOCK_OFFSET = select(ClockState.offset_s).where(ClockState.id == CLOCK_ROW_ID).scalar_subquery()

SENDER_BY_TOKEN = Prepared(
    select(
        Login.id,
        Login.learner_id,
        Login.ended_at,
        Login.end_reason,
        Login.expires_at,
        CLOCK_OFFSET.label("clock_offset_s"),
    ).where(Login.token_hash == bindparam("token_hash"))
)
"""The login whose token sent the heartbeat, and the test clock's offset, in one statement."""

CLAIM = Prepared(
    update(Playback)
    .where(Playback.id == bindparam("playback_id"), Playback.learner_id == bindparam("learner"))
    .values(heartbeats_received=Playback.heartbeats_received + 1)
)
"""The request's first write: the playback's row, the learner's own only (study.py's docstring)."""

PLAYBACK_STATE = Prepared(
    select(
        Playback.id.label("playback_id"),
        Playback.learner_id,
        Playback.course_id,
        Playback.lesson_id,
        Playback.progress_id,
        Playback.window_id,
        Playback.ended_at.label("playback_ended_at"),
        Playback.end_reason.label("playback_end_reason"),
        Playback.last_seq,
        Playback.last_credit_at,
        LessonProgress.furthest_position_s,
        LessonProgress.credited_s,
        LessonProgress.duration_s,
        LessonProgress.lesson_hours,
        LessonProgress.capture_points_s,
        LessonProgress.passed_hours,
        LessonProgress.quiz_hours_done,
        LessonProgress.open_challenge_id,
        Login.ended_at.label("owner_ended_at"),
        Login.end_reason.label("owner_end_reason"),
        Login.expires_at.label("owner_expires_at"),
        CaptureChallenge.id.label("challenge_id"),
        CaptureChallenge.hour_index.label("challenge_hour"),
        CaptureChallenge.issued_at.label("challenge_issued_at"),
        CaptureChallenge.deadline.label("challenge_deadline"),
        CaptureChallenge.answered_at.label("challenge_answered_at"),
    )
    .join(LessonProgress, LessonProgress.id == Playback.progress_id)
    .join(Login, Login.id == Playback.login_id)
    .outerjoin(CaptureChallenge, CaptureChallenge.id == LessonProgress.open_challenge_id)
    .where(Playback.id == bindparam("playback_id"))
)
"""Everything the heartbeat's rules read: playback, lesson standing, the owner login's end, and
the lesson's open challenge (if any)."""

EXPIRED_HOURS = Prepared(
    select(CaptureChallenge.hour_index).where(
        CaptureChallenge.progress_id == bindparam("progress_id"),
        CaptureChallenge.reason == "expired",
    )
)

SLIDE_EXPIRY = Prepared(
    update(Login)
    .where(Login.id == bindparam("login_id"))
    .values(expires_at=bindparam("expires_at"))
)

SETTLE_CHALLENGE = Prepared(
    update(CaptureChallenge)
    .where(CaptureChallenge.id == bindparam("challenge_id"))
    .values(passed=bindparam("passed"), reason=bindparam("reason"))
)

NEW_CHALLENGE = Prepared(insert(CaptureChallenge))

CREDIT_PLAYBACK = Prepared(
    update(Playback)
    .where(Playback.id == bindparam("playback_id"))
    .values(
        last_seq=bindparam("last_seq"),
        last_credit_at=bindparam("last_credit_at"),
        credited_s=Playback.credited_s + bindparam("credited_delta_s"),
    )
)

STORE_PROGRESS = Prepared(
    update(LessonProgress)
    .where(LessonProgress.id == bindparam("progress_id"))
    .values(
        furthest_position_s=bindparam("furthest_s"),
        credited_s=bindparam("credited_s"),
        passed_hours=bindparam("passed_hours"),
        open_challenge_id=bindparam("open_challenge_id"),
    )
)

NEW_HEARTBEAT = Prepared(insert(Heartbeat))


@dataclass
class OpenChallenge:
    """The lesson's unanswered (or answered but not yet replaced) challenge, as the rules see it."""

    id: str
    hour_index: int
    issued_at: dt.datetime
    deadline: dt.datetime
    answered_at: dt.datetime | None = None

    @classmethod
    def of(cls, row: Any) -> OpenChallenge | None:
        if row.challenge_id is None:  # no open challenge (the outer join found none)
            return None
        return cls(
            row.challenge_id,
            row.challenge_hour,
            row.challenge_issued_at,
            row.challenge_deadline,
            row.challenge_answered_at,
        )
