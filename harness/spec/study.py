"""Study: playbacks, heartbeats, capture challenges and credited progress (learner side)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from harness.spec.base import ImageB64, In, Out

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
