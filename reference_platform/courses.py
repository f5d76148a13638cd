"""What a learner is offered (COURSE-01, COURSE-03, COURSE-04): approved courses, fully described.

What compliant means, for a vendor:

* A course is offered only while it is in the current catalogue and carries the province
  registry's approval (number and date); an unapproved or withdrawn course is invisible to
  learners and cannot be enrolled in (404), whatever its id (COURSE-01).
* Every offered course names its occupation (national code and name), its level and the national
  occupational skill standard it teaches (COURSE-03).
* Its lessons cover every lesson hour it declares (COURSE-04; the lessons are seeded in
  `catalogue.py`, one per lesson hour).

`course_out` is the rule for what a course shows; `offered`/`offered_course` are the service that
reads the catalogue, giving pending approvals a chance first.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from harness.spec.courses import Approval, CourseOut, LessonOut
from reference_platform.catalogue import STANDARDLESS_COURSE_ID, ApprovalSync
from reference_platform.defects import ActiveDefects
from reference_platform.models import Course, Lesson


class CourseNotOffered(LookupError):
    """The course does not exist, was withdrawn or is not approved: a learner may not see it."""


def offered() -> Select[tuple[Course]]:
    """The query of offered courses: in the catalogue and approved by the province."""
    return select(Course).where(
        Course.withdrawn.is_(False),
        Course.approval_number.is_not(None),
        Course.application_status.is_distinct_from("revoked"),
    )


def offered_courses(db: Session, approvals: ApprovalSync) -> list[Course]:
    approvals.sync_if_due()
    return list(db.scalars(offered().order_by(Course.id)))


def offered_course(db: Session, approvals: ApprovalSync, course_id: str) -> Course:
    """The offered course, or `CourseNotOffered`; gives pending approvals a chance first."""
    approvals.sync_if_due()
    course = db.scalar(offered().where(Course.id == course_id))
    if course is None:
        raise CourseNotOffered(course_id)
    return course


def enrollable_course(
    db: Session, approvals: ApprovalSync, course_id: str, defects: ActiveDefects
) -> Course:
    """The course a learner may enrol in: an offered one (`CourseNotOffered` otherwise). The
    `enrols_in_courses_not_offered` defect takes any course of the catalogue, approved or not."""
    if defects.active("enrols_in_courses_not_offered"):
        course = db.get(Course, course_id)  # the slip: the list is filtered, the enrolment not
        if course is not None:
            return course
    return offered_course(db, approvals, course_id)


def course_out(course: Course, defects: ActiveDefects) -> CourseOut:
    """The course as learners see it; `course_without_standard` hides one course's standard."""
    hide_standard = course.id == STANDARDLESS_COURSE_ID and defects.active(
        "course_without_standard"
    )
    approval = None
    if course.approval_number and course.approved_on:
        approval = Approval(number=course.approval_number, approved_on=course.approved_on)
    return CourseOut(
        course_id=course.id,
        title=course.title,
        occupation_code=course.occupation_code,
        occupation_name=course.occupation_name,
        level=course.level,
        standard=None if hide_standard else course.standard,
        lesson_hours=course.lesson_hours,
        approval=approval,
        institution_id=course.institution_id,
    )


def offered_out(courses: list[Course], defects: ActiveDefects) -> list[CourseOut]:
    """The offered courses as learners see them, each with its own approval: every course is
    applied for with its own id, a variant of an approved one too. The defect
    `variant_course_borrows_approval` shows a variant (same occupation, level and lesson hours
    as a course listed before it) under that course's approval, as a platform that offered it
    at once instead of waiting for its review would."""
    shown = [course_out(course, defects) for course in courses]
    if defects.active("variant_course_borrows_approval"):
        _borrow_approvals(shown)
    return shown


def _borrow_approvals(shown: list[CourseOut]) -> None:
    """The defect `variant_course_borrows_approval`: a variant shown under the approval of the
    first course listed before it with the same occupation, level and lesson hours."""
    for index, out in enumerate(shown):
        twin = next(
            (
                earlier
                for earlier in shown[:index]
                if earlier.approval
                and (earlier.occupation_code, earlier.level, earlier.lesson_hours)
                == (out.occupation_code, out.level, out.lesson_hours)
            ),
            None,
        )
        if twin is not None:
            shown[index] = out.model_copy(update={"approval": twin.approval})


def lessons_out(db: Session, course: Course) -> list[LessonOut]:
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
