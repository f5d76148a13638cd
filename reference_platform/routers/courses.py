"""The courses offered to learners and their content (COURSE-01, -03, -04).

"Offered" means: in the current catalogue and approved by the province's registry. A course
without an approval is invisible here and cannot be enrolled in.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from harness.spec.courses import Approval, CourseOut, LessonOut
from reference_platform.catalogue import STANDARDLESS_COURSE_ID
from reference_platform.context import PlatformContext
from reference_platform.defects import ActiveDefects
from reference_platform.dependencies import Context, Db
from reference_platform.errors import responses
from reference_platform.models import Course, Lesson

router = APIRouter(tags=["courses"])

COURSE_NOT_FOUND = "Course not found"


def _offered():
    return select(Course).where(Course.withdrawn.is_(False), Course.approval_number.is_not(None))


def offered_course(db: Session, context: PlatformContext, course_id: str) -> Course:
    """The offered course, or a 404; gives pending approvals a chance first."""
    context.approvals.sync_if_due()
    course = db.scalar(_offered().where(Course.id == course_id))
    if course is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, COURSE_NOT_FOUND)
    return course


def course_out(course: Course, defects: ActiveDefects) -> CourseOut:
    standard: str | None = course.standard
    if course.id == STANDARDLESS_COURSE_ID and defects.active("course_without_standard"):
        standard = None
    approval = None
    if course.approval_number and course.approved_on:
        approval = Approval(number=course.approval_number, approved_on=course.approved_on)
    return CourseOut(
        course_id=course.id,
        title=course.title,
        occupation_code=course.occupation_code,
        occupation_name=course.occupation_name,
        level=course.level,
        standard=standard,
        lesson_hours=course.lesson_hours,
        approval=approval,
    )


@router.get("/courses", response_model=list[CourseOut])
def list_courses(db: Db, context: Context) -> list[CourseOut]:
    context.approvals.sync_if_due()
    courses = db.scalars(_offered().order_by(Course.id))
    return [course_out(course, context.defects) for course in courses]


@router.get(
    "/courses/{course_id}/lessons",
    response_model=list[LessonOut],
    responses=responses(404, d404=COURSE_NOT_FOUND),
)
def list_lessons(course_id: str, db: Db, context: Context) -> list[LessonOut]:
    course = offered_course(db, context, course_id)
    lessons = db.scalars(select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.seq))
    return [
        LessonOut(
            lesson_id=lesson.id,
            seq=lesson.seq,
            title=lesson.title,
            duration_s=lesson.duration_s,
            lesson_hours=lesson.lesson_hours,
        )
        for lesson in lessons
    ]
