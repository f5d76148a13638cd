"""A learner's own progress in one course (COURSE-05): every lesson, and the level minimum.

Lessons not opened yet are listed with zeros, so the answer is the whole syllabus.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import and_, select

from harness.spec.study import CourseProgress
from harness.spec.study import LessonProgress as LessonProgressOut
from reference_platform.completion import lesson_credited
from reference_platform.dependencies import CurrentLogin, Db, Defects, Settings
from reference_platform.errors import responses
from reference_platform.exams import learner_standing
from reference_platform.models import Course, Lesson, LessonProgress
from reference_platform.study import NOT_ENROLLED, enrolment_in

router = APIRouter(tags=["progress"])


@router.get(
    "/me/progress",
    response_model=CourseProgress,
    responses=responses(401, 403, 404, d403=NOT_ENROLLED, d404="Course not found"),
)
def my_progress(
    course_id: Annotated[str, Query(min_length=1, max_length=64)],
    login: CurrentLogin,
    db: Db,
    defects: Defects,
    settings: Settings,
) -> CourseProgress:
    course = db.get(Course, course_id)
    if course is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Course not found")
    if enrolment_in(db, login.learner_id, course.id) is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, NOT_ENROLLED)
    rows = db.execute(
        select(Lesson, LessonProgress)
        .outerjoin(
            LessonProgress,
            and_(
                LessonProgress.lesson_id == Lesson.id,
                LessonProgress.learner_id == login.learner_id,
            ),
        )
        .where(Lesson.course_id == course.id)
        .order_by(Lesson.seq)
    ).all()
    lessons = [
        LessonProgressOut(
            lesson_id=lesson.id,
            seq=lesson.seq,
            lesson_hours=lesson.lesson_hours,
            duration_s=lesson.duration_s,
            credited_s=progress.credited_s if progress else 0.0,
            furthest_position_s=progress.furthest_position_s if progress else 0.0,
            captures_passed=progress.captures_passed if progress else 0,
            hour_credited=progress is not None and lesson_credited(progress, defects),
        )
        for lesson, progress in rows
    ]
    standing = learner_standing(
        db,
        login.learner_id,
        course.id,
        course.level,
        [p for _, p in rows if p is not None],
        settings.quiz_rules,
        defects,
    )
    return CourseProgress(
        course_id=course.id,
        level=course.level,
        credited_hours=standing.credited_hours,
        required_hours=standing.required_hours,
        completed=standing.completed,
        lessons=lessons,
    )
