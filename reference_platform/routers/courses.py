"""The courses offered to learners and their content (COURSE-01, -03, -04).

Thin: what "offered" means and what a course shows is in `reference_platform/courses.py`.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from harness.spec.courses import CourseOut, LessonOut
from reference_platform.courses import (
    CourseNotOffered,
    lessons_out,
    offered_course,
    offered_courses,
    offered_out,
)
from reference_platform.dependencies import Context, Db, PathId
from reference_platform.errors import responses

router = APIRouter(tags=["courses"])

COURSE_NOT_FOUND = "Course not found"


def not_found() -> HTTPException:
    """The one answer for a course a learner may not see: it does not exist for them."""
    return HTTPException(status.HTTP_404_NOT_FOUND, COURSE_NOT_FOUND)


@router.get("/courses", response_model=list[CourseOut])
def list_courses(db: Db, context: Context) -> list[CourseOut]:
    courses = offered_courses(db, context.approvals)
    return offered_out(courses, context.defects)


@router.get(
    "/courses/{course_id}/lessons",
    response_model=list[LessonOut],
    responses=responses(404, d404=COURSE_NOT_FOUND),
)
def list_lessons(course_id: PathId, db: Db, context: Context) -> list[LessonOut]:
    try:
        course = offered_course(db, context.approvals, course_id)
    except CourseNotOffered:
        raise not_found() from None
    return lessons_out(db, course)
