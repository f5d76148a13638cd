"""Read-only learning-integrity views for the HR authority: progress, playbacks, heartbeats,
captures and their images (STUDY-09, and the evidence of STUDY-01..07 and COURSE-05).

Each view is one query (two for course progress) narrowed by an indexed column, so a supervisor
watching a busy platform does not slow its heartbeats. A playback whose login ended or expired is
shown ended, with the login's end, even though its own row was never touched.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from sqlalchemy import select
from sqlalchemy.orm import undefer

from harness.spec.supervision import (
    SupCapture,
    SupCourseProgress,
    SupHeartbeat,
    SupLessonProgress,
    SupPlayback,
)
from reference_platform.completion import course_standing, lesson_credited
from reference_platform.dependencies import Db, Defects, PlatformClock, get_current_supervisor
from reference_platform.errors import responses
from reference_platform.models import (
    CaptureChallenge,
    Course,
    Enrolment,
    Heartbeat,
    LessonProgress,
    Login,
    Playback,
)

router = APIRouter(
    prefix="/supervision",
    tags=["supervision"],
    dependencies=[Depends(get_current_supervisor)],
    responses=responses(401),
)

LearnerIdFilter = Annotated[str | None, Query(max_length=64)]
CourseIdFilter = Annotated[str | None, Query(max_length=64)]


@router.get("/progress", response_model=list[SupLessonProgress])
def progress(
    db: Db, defects: Defects, learner_id: LearnerIdFilter = None, course_id: CourseIdFilter = None
) -> list[SupLessonProgress]:
    """The lessons each learner has opened (what is stored, not the whole syllabus)."""
    query = select(LessonProgress)
    if learner_id is not None:
        query = query.where(LessonProgress.learner_id == learner_id)
    if course_id is not None:
        query = query.where(LessonProgress.course_id == course_id)
    rows = db.scalars(
        query.order_by(LessonProgress.learner_id, LessonProgress.course_id, LessonProgress.seq)
    )
    return [
        SupLessonProgress(
            learner_id=row.learner_id,
            course_id=row.course_id,
            lesson_id=row.lesson_id,
            seq=row.seq,
            lesson_hours=row.lesson_hours,
            duration_s=row.duration_s,
            credited_s=row.credited_s,
            furthest_position_s=row.furthest_position_s,
            captures_passed=row.captures_passed,
            hour_credited=lesson_credited(row, defects),
        )
        for row in rows
    ]


@router.get("/course-progress", response_model=list[SupCourseProgress])
def course_progress(
    db: Db, defects: Defects, learner_id: LearnerIdFilter = None
) -> list[SupCourseProgress]:
    """One line per (learner, enrolled course), against the level minimum."""
    enrolled = select(Enrolment.learner_id, Enrolment.course_id, Course.level).join(
        Course, Course.id == Enrolment.course_id
    )
    rows = select(LessonProgress)
    if learner_id is not None:
        enrolled = enrolled.where(Enrolment.learner_id == learner_id)
        rows = rows.where(LessonProgress.learner_id == learner_id)
    by_course: dict[tuple[str, str], list[LessonProgress]] = defaultdict(list)
    for row in db.scalars(rows):
        by_course[(row.learner_id, row.course_id)].append(row)
    answer = []
    seen: set[tuple[str, str]] = set()
    for learner, course, level in db.execute(
        enrolled.order_by(Enrolment.learner_id, Enrolment.enrolled_at, Enrolment.id)
    ):
        if (learner, course) in seen:
            continue
        seen.add((learner, course))
        standing = course_standing(level, by_course[(learner, course)], defects)
        answer.append(
            SupCourseProgress(
                learner_id=learner,
                course_id=course,
                level=level,
                credited_hours=standing.credited_hours,
                required_hours=standing.required_hours,
                completed=standing.completed,
            )
        )
    return answer


def _end_of(
    playback: Playback,
    login_ended_at: dt.datetime | None,
    login_expires_at: dt.datetime,
    now: dt.datetime,
) -> tuple[dt.datetime | None, str | None]:
    """The earliest of the playback's own end and its login's: it cannot outlive its login."""
    ends: list[tuple[dt.datetime, str | None]] = []
    if playback.ended_at is not None:
        ends.append((playback.ended_at, playback.end_reason))
    if login_ended_at is not None:
        ends.append((login_ended_at, "Login ended"))
    if login_expires_at <= now:
        ends.append((login_expires_at, "Login expired"))
    if not ends:
        return None, None
    return min(ends, key=lambda end: end[0])


@router.get("/playbacks", response_model=list[SupPlayback])
def playbacks(
    db: Db, clock: PlatformClock, learner_id: LearnerIdFilter = None
) -> list[SupPlayback]:
    query = select(Playback, Login.ended_at, Login.expires_at).join(
        Login, Login.id == Playback.login_id
    )
    if learner_id is not None:
        query = query.where(Playback.learner_id == learner_id)
    now = clock.now()
    answer = []
    for playback, login_ended_at, login_expires_at in db.execute(
        query.order_by(Playback.opened_at, Playback.id)
    ):
        ended_at, end_reason = _end_of(playback, login_ended_at, login_expires_at, now)
        answer.append(
            SupPlayback(
                playback_id=playback.id,
                learner_id=playback.learner_id,
                login_id=playback.login_id,
                course_id=playback.course_id,
                lesson_id=playback.lesson_id,
                window_id=playback.window_id,
                opened_at=playback.opened_at,
                ended_at=ended_at,
                end_reason=end_reason,
                active=ended_at is None,
                credited_s=playback.credited_s,
            )
        )
    return answer


@router.get("/heartbeats", response_model=list[SupHeartbeat])
def heartbeats(
    db: Db, playback_id: Annotated[str, Query(min_length=1, max_length=64)]
) -> list[SupHeartbeat]:
    """Every heartbeat of one playback, refused ones included, in arrival order."""
    rows = db.scalars(
        select(Heartbeat).where(Heartbeat.playback_id == playback_id).order_by(Heartbeat.id)
    )
    return [
        SupHeartbeat(
            playback_id=row.playback_id,
            seq=row.seq,
            at=row.at,
            position_s=row.position_s,
            rate=row.rate,
            accepted=row.accepted,
            reason=row.reason,
            credited_delta_s=row.credited_delta_s,
        )
        for row in rows
    ]


@router.get("/captures", response_model=list[SupCapture])
def captures(db: Db, learner_id: LearnerIdFilter = None) -> list[SupCapture]:
    query = select(CaptureChallenge)
    if learner_id is not None:
        query = query.where(CaptureChallenge.learner_id == learner_id)
    return [
        SupCapture(
            challenge_id=row.id,
            learner_id=row.learner_id,
            course_id=row.course_id,
            lesson_id=row.lesson_id,
            playback_id=row.playback_id,
            position_s=row.position_s,
            issued_at=row.issued_at,
            deadline=row.deadline,
            answered_at=row.answered_at,
            passed=row.passed,
            reason=row.reason,
            image_sha256=row.image_sha256,
        )
        for row in db.scalars(query.order_by(CaptureChallenge.issued_at, CaptureChallenge.id))
    ]


_IMAGE = {"content": {"image/png": {}, "image/jpeg": {}}, "description": "The kept image"}


@router.get(
    "/captures/{challenge_id}/image",
    response_class=Response,
    responses={200: _IMAGE, **responses(404, d404="Capture or its image not found")},
)
def capture_image(challenge_id: str, db: Db) -> Response:
    row = db.scalar(
        select(CaptureChallenge)
        .where(CaptureChallenge.id == challenge_id)
        .options(undefer(CaptureChallenge.image))
    )
    if row is None or row.image is None or row.image_type is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Capture image not kept")
    return Response(content=row.image, media_type=row.image_type)
