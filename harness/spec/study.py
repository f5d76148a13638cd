"""Study: playbacks, heartbeats, capture challenges and credited progress (learner side)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from harness.spec.base import ImageB64, In, Level, Out

HeartbeatReason = Literal[
    "ok",  # credited (possibly 0 s when no time passed)
    "review",  # behind the furthest watched point: allowed, earns nothing
    "seek",  # jump past the furthest watched point + tolerance: blocked, earns nothing
    "speed",  # playback rate above 1x: blocked, earns nothing
    "duplicate",  # seq not above the last accepted one (replayed or duplicated): no effect
    "capture_overdue",  # an open capture challenge passed its deadline unanswered: no credit
    "paused",  # the player reports it is paused: no credit
]

CaptureReason = Literal[
    "ok",  # the province's face match passed
    "face_mismatch",  # another person's face
    "replay",  # byte-identical to the registered photo or to an earlier image of this person
    "identity_not_registered",  # the province does not know the learner's face (any more)
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
    """An open capture challenge of the lesson, repeated in every heartbeat answer while open."""

    challenge_id: str = Field(description="answer it at POST /captures/{challenge_id}")
    issued_at: dt.datetime = Field(description="platform clock when it was issued")
    deadline: dt.datetime = Field(
        description="issued_at + 60 s; an answer at the deadline itself is in time"
    )


class HeartbeatOut(Out):
    accepted: bool = Field(description="false only for a duplicate (reason `duplicate`)")
    reason: HeartbeatReason = Field(description="`ok` for a heartbeat that was credited")
    credited_delta_s: float = Field(ge=0, description="what this heartbeat earned")
    credited_s: float = Field(
        ge=0, description="the lesson's credited seconds after it (all playbacks of the lesson)"
    )
    furthest_position_s: float = Field(ge=0, description="the lesson's furthest honest point")
    challenge: CaptureChallenge | None = Field(
        default=None, description="the lesson's open capture challenge, if any"
    )
    # The lesson hour (0-based, within this lesson) whose quiz questions must be answered before
    # its last minutes are credited (EXAM-01); None when no quiz is due.
    quiz_due: int | None = Field(
        default=None, description="the hour whose quiz must be answered before its last minutes"
    )


class CaptureIn(In):
    image: str = ImageB64


class CaptureOut(Out):
    challenge_id: str
    passed: bool
    reason: CaptureReason
    answered_at: dt.datetime


class LessonProgress(Out):
    """One lesson of the course as the learner has studied it (zeros before the first open)."""

    lesson_id: str
    seq: int = Field(description="the lesson's order in the course, from 1")
    lesson_hours: int = Field(ge=1, description="lesson hours (45 min each) the lesson counts")
    duration_s: int = Field(ge=1, description="the content's length")
    credited_s: float = Field(ge=0, description="credited seconds of the lesson, ≤ duration_s")
    furthest_position_s: float = Field(ge=0, description="the furthest honestly watched point")
    captures_passed: int = Field(ge=0, description="passed capture answers of the lesson")
    hour_credited: bool = Field(
        description="fully watched and every lesson hour of it has a passed capture"
    )


class CourseProgress(Out):
    course_id: str
    level: Level
    credited_hours: int
    required_hours: int
    completed: bool
    lessons: list[LessonProgress] = Field(default_factory=list)
