"""Course registry: applications for approval, and approval look-ups (COURSE-01).

The sandbox centre reviews an application the moment it arrives; an approved course gets an
ASCII approval number and the approval date, which a platform shows next to the course.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from harness.province.calllog import logged_route
from harness.province.deps import Courses, PlatformId
from harness.province.errors import problem
from harness.province.refusals import NotFound
from harness.spec.courses import ApprovalRecord, CourseApplicationIn, CourseApplicationOut

router = APIRouter(
    prefix="/province/v1/courses",
    tags=["registry"],
    route_class=logged_route("registry"),
    responses={
        400: problem("Body could not be parsed"),
        401: problem("Missing or unknown platform key"),
        413: problem("Request body too large"),
        422: problem("Invalid body"),
    },
)

ApprovalNumber = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/applications", name="apply", status_code=201, response_model=CourseApplicationOut)
def apply(
    body: CourseApplicationIn, platform_id: PlatformId, courses: Courses
) -> CourseApplicationOut:
    """Apply for approval of a course; the answer is the review's outcome."""
    application_id, approval, reason = courses.apply(platform_id, body)
    return CourseApplicationOut(
        application_id=application_id,
        status="approved" if approval else "rejected",
        approval_number=approval.number if approval else None,
        approved_on=approval.approved_on if approval else None,
        reason=reason,
    )


@router.get(
    "/approvals/{number}",
    name="approval",
    response_model=ApprovalRecord,
    responses={404: problem("Unknown approval number")},
)
def approval(number: ApprovalNumber, platform_id: PlatformId, courses: Courses) -> ApprovalRecord:
    """An approval as registered (any platform may look any approval up: it is public)."""
    try:
        return courses.approval(number)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
