"""Enrolment with a training voucher (ELIG-01..03, VOUCH-01, VOUCH-02).

Thin: the voucher flow is in `reference_platform/enrolment.py`, who is eligible in
`eligibility.py`; this router finds the offered course and returns the stored enrolment.
"""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from harness.spec.vouchers import EnrolmentIn, EnrolmentOut
from reference_platform.courses import CourseNotOffered, enrollable_course
from reference_platform.dependencies import Context, CurrentLearner, Db, PlatformClock
from reference_platform.enrolment import enrol as enrol_with_voucher
from reference_platform.errors import responses
from reference_platform.models import Enrolment
from reference_platform.routers.courses import not_found

router = APIRouter(tags=["enrolments"])


def enrolment_out(enrolment: Enrolment) -> EnrolmentOut:
    return EnrolmentOut(
        enrolment_id=enrolment.id,
        course_id=enrolment.course_id,
        voucher_code=enrolment.voucher_code,
        enrolled_at=enrolment.enrolled_at,
    )


@router.post(
    "/enrolments",
    status_code=status.HTTP_201_CREATED,
    response_model=EnrolmentOut,
    responses=responses(
        401,
        403,
        404,
        409,
        422,
        503,
        d403="Ineligible (age, employment status) or the voucher belongs to another person;"
        " a platform may also refuse an unknown or mismatched voucher with 403",
        d404="Course not found",
        d409="Voucher already redeemed or expired",
        d422="Voucher unknown or for another occupation or level (or 403: either is compliant)",
    ),
)
def enrol(
    body: EnrolmentIn, learner: CurrentLearner, db: Db, clock: PlatformClock, context: Context
) -> EnrolmentOut:
    try:
        course = enrollable_course(db, context.approvals, body.course_id, context.defects)
    except CourseNotOffered:
        raise not_found() from None
    enrolment = enrol_with_voucher(
        db,
        learner,
        course,
        body.voucher_code,
        clock,
        context.province,
        context.settings,
        context.defects,
        context.alternatives,
    )
    return enrolment_out(enrolment)


@router.get("/me/enrolments", response_model=list[EnrolmentOut], responses=responses(401))
def my_enrolments(learner: CurrentLearner, db: Db) -> list[EnrolmentOut]:
    enrolments = db.scalars(
        select(Enrolment)
        .where(Enrolment.learner_id == learner.id)
        .order_by(Enrolment.enrolled_at, Enrolment.id)
    )
    return [enrolment_out(enrolment) for enrolment in enrolments]
