"""Enrolment with a training voucher (ELIG-01..03, VOUCH-01, VOUCH-02).

Every refusal happens before anything is written; the voucher is redeemed at the province only
once all local rules passed, and the enrolment is stored only after the province accepted that.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from harness.spec.vouchers import EnrolmentIn, EnrolmentOut
from reference_platform.dependencies import (
    Context,
    CurrentLearner,
    Db,
    PlatformClock,
)
from reference_platform.eligibility import check_age, check_voucher
from reference_platform.errors import responses
from reference_platform.models import Enrolment
from reference_platform.province_client import ProvinceRefused
from reference_platform.routers.courses import offered_course
from reference_platform.security import new_id

router = APIRouter(tags=["enrolments"])

ALREADY_REDEEMED = "Voucher already redeemed"
UNKNOWN_VOUCHER = "Voucher unknown to the province"


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
        d403="Ineligible (age, employment status) or the voucher belongs to another person",
        d404="Course not found",
        d409="Voucher already redeemed or expired",
        d422="Voucher unknown or for another occupation or level",
    ),
)
def enrol(
    body: EnrolmentIn, learner: CurrentLearner, db: Db, clock: PlatformClock, context: Context
) -> EnrolmentOut:
    defects, province = context.defects, context.province
    course = offered_course(db, context, body.course_id)
    voucher = province.verify_voucher(body.voucher_code)
    if voucher is None and not defects.active("accepts_unknown_voucher"):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, UNKNOWN_VOUCHER)
    today = clock.today()
    if voucher is not None:
        check_voucher(voucher, learner, course, today, defects)
    check_age(learner.birth_date, today, context.settings, defects)
    uses = db.scalar(select(func.count()).where(Enrolment.voucher_code == body.voucher_code))
    if uses and not defects.active("ignores_redeem_refusal"):
        raise HTTPException(status.HTTP_409_CONFLICT, ALREADY_REDEEMED)
    redemption_id = None
    if voucher is not None and not defects.active("skips_voucher_redeem"):
        try:
            redemption = province.redeem_voucher(
                body.voucher_code, learner.id_number, course.id, course.approval_number or ""
            )
            redemption_id = redemption.redemption_id
        except ProvinceRefused as exc:
            if exc.status_code == 404:
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT, UNKNOWN_VOUCHER
                ) from None
            if not defects.active("ignores_redeem_refusal"):
                raise HTTPException(status.HTTP_409_CONFLICT, ALREADY_REDEEMED) from None
    enrolment = Enrolment(
        id=new_id("enr"),
        learner_id=learner.id,
        course_id=course.id,
        voucher_code=body.voucher_code,
        voucher_use=(uses or 0) + 1,
        redemption_id=redemption_id,
        enrolled_at=clock.now(),
    )
    db.add(enrolment)
    try:
        db.commit()
    except IntegrityError:  # a concurrent enrolment with the same voucher won the race
        db.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, ALREADY_REDEEMED) from None
    return enrolment_out(enrolment)


@router.get("/me/enrolments", response_model=list[EnrolmentOut], responses=responses(401))
def my_enrolments(learner: CurrentLearner, db: Db) -> list[EnrolmentOut]:
    enrolments = db.scalars(
        select(Enrolment)
        .where(Enrolment.learner_id == learner.id)
        .order_by(Enrolment.enrolled_at, Enrolment.id)
    )
    return [enrolment_out(enrolment) for enrolment in enrolments]
