"""Supervision of learning integrity: lesson progress, course progress, playbacks and their
heartbeats (STUDY-09, and the evidence of STUDY-03..07 and COURSE-05).

Each view is one query (two for course progress) narrowed by an indexed column, so a supervisor
watching a busy platform does not slow its heartbeats. A playback whose login ended or expired is
shown ended, with the login's end, even though its own row was never touched.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from harness.spec.supervision import (
    SupCourseProgress,
    SupHeartbeat,
    SupLessonProgress,
    SupPlayback,
)
from reference_platform.completion import lesson_credited
from reference_platform.dependencies import (
    CurrentSupervisor,
    Db,
    Defects,
    PlatformClock,
    Settings,
)
from reference_platform.errors import responses
from reference_platform.exams import learner_standing
from reference_platform.models import Course, Enrolment, Heartbeat, LessonProgress, Login, Playback
from reference_platform.routers.supervision.filters import (
    CourseIdFilter,
    LearnerIdFilter,
    for_learner,
)
from reference_platform.scope import restrict

router = APIRouter(responses=responses(401))


@router.get("/progress", response_model=list[SupLessonProgress])
def progress(
    db: Db,
    defects: Defects,
    account: CurrentSupervisor,
    learner_id: LearnerIdFilter = None,
    course_id: CourseIdFilter = None,
) -> list[SupLessonProgress]:
    """The lessons each learner has opened (what is stored, not the whole syllabus)."""
    query = for_learner(select(LessonProgress), LessonProgress.learner_id, learner_id)
    if course_id is not None:
        query = query.where(LessonProgress.course_id == course_id)
    query = restrict(query, account, LessonProgress.learner_id, LessonProgress.course_id)
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
    db: Db,
    defects: Defects,
    settings: Settings,
    account: CurrentSupervisor,
    learner_id: LearnerIdFilter = None,
) -> list[SupCourseProgress]:
    """One line per (learner, enrolled course), against the level minimum."""
    enrolled = select(Enrolment.learner_id, Enrolment.course_id, Course.level).join(
        Course, Course.id == Enrolment.course_id
    )
    enrolled = for_learner(enrolled, Enrolment.learner_id, learner_id)
    enrolled = restrict(enrolled, account, Enrolment.learner_id, Enrolment.course_id)
    rows = for_learner(select(LessonProgress), LessonProgress.learner_id, learner_id)
    rows = restrict(rows, account, LessonProgress.learner_id, LessonProgress.course_id)
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
        standing = learner_standing(
            db, learner, course, level, by_course[(learner, course)], settings.quiz_rules, defects
        )
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
    db: Db,
    clock: PlatformClock,
    account: CurrentSupervisor,
    defects: Defects,
    learner_id: LearnerIdFilter = None,
) -> list[SupPlayback]:
    query = select(Playback, Login.ended_at, Login.expires_at).join(
        Login, Login.id == Playback.login_id
    )
    query = for_learner(query, Playback.learner_id, learner_id)
    # the defect: the playbacks narrowed to the institution's learners, not to its courses
    course_bound = not defects.active("institution_sees_other_courses_playbacks")
    query = restrict(
        query, account, Playback.learner_id, Playback.course_id if course_bound else None
    )
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
    db: Db,
    account: CurrentSupervisor,
    playback_id: Annotated[str, Query(min_length=1, max_length=64)],
) -> list[SupHeartbeat]:
    """Every heartbeat of one playback, refused ones included, in arrival order; none for a
    playback outside the account's scope, exactly as for an unknown one."""
    visible = restrict(
        select(Playback.id).where(Playback.id == playback_id),
        account,
        Playback.learner_id,
        Playback.course_id,
    )
    rows = db.scalars(
        select(Heartbeat).where(Heartbeat.playback_id.in_(visible)).order_by(Heartbeat.id)
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
