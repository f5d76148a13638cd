"""The course registry's review clock (COURSE-02), sandbox side: the centre's own view.

Every application — those platforms send (reviewed at once) and those the sandbox takes in on a
given day and reviews later — with the day it arrived, the day its review is due (10 working
days later, statutory calendar) and whether it is overdue; `overdue=true` lists only the late
ones, which is what the centre's supervisor looks at.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path

from harness.province.deps import Courses, require_admin
from harness.province.errors import problem
from harness.province.refusals import Conflict, NotFound
from harness.province.routers.sandbox import SANDBOX_RESPONSES
from harness.spec.courses import (
    CourseApplicationIn,
    CourseApplicationRecord,
    CourseReviewIn,
    SandboxCourseApplicationIn,
)

router = APIRouter(
    prefix="/sandbox/v1/courses/applications",
    tags=["sandbox"],
    dependencies=[Depends(require_admin)],
    responses=SANDBOX_RESPONSES,
)

ApplicationId = Annotated[str, Path(min_length=1, max_length=32)]


@router.get("", response_model=list[CourseApplicationRecord])
def list_applications(courses: Courses, overdue: bool = False) -> list[CourseApplicationRecord]:
    """Applications, oldest first, with their review due date and whether they are overdue."""
    return courses.applications(overdue_only=overdue)


@router.post("", status_code=201, response_model=CourseApplicationRecord)
def receive_application(
    body: SandboxCourseApplicationIn, courses: Courses
) -> CourseApplicationRecord:
    """Take in an application that arrived on `applied_on`; it waits for its review."""
    fields = body.model_dump(exclude={"platform_id", "applied_on"})
    application = CourseApplicationIn.model_validate(fields)
    return courses.receive(body.platform_id, application, body.applied_on)


@router.post(
    "/{application_id}/review",
    response_model=CourseApplicationRecord,
    responses={
        404: problem("Unknown application"),
        409: problem("Already reviewed, or a date before the application or in the future"),
    },
)
def review_application(
    application_id: ApplicationId, body: CourseReviewIn, courses: Courses
) -> CourseApplicationRecord:
    """Review the application on `on` (default today): approved or rejected by the registry."""
    try:
        return courses.review(application_id, body.on)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from None
