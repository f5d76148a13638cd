"""Enrolment with a training voucher (VOUCH-01, VOUCH-02, with ELIG-01..03 in `eligibility.py`).

What compliant means, for a vendor:

* The voucher code is verified at the province before anything else about it is believed; a code
  the province does not know is refused (422) and no enrolment is made (VOUCH-01).
* The voucher must be unredeemed, unexpired, the learner's own and for the course's occupation
  and level; the learner must be eligible (`eligibility.py`). Every refusal happens before
  anything is written.
* A voucher is used once: a local enrolment with the same code refuses a second one (409), and
  the voucher is redeemed at the province once all local rules passed; the province's refusal of
  the redemption (already redeemed) is final (409, VOUCH-02).
* The enrolment is stored only after the province accepted the redemption, with its redemption id.

A voucher that is unknown, or for another occupation or level, is refused with 422; 403 is
compliant too (the interface allows either: the alternative `voucher_refusals_forbidden`).

`VoucherPolicy` carries the defect flags as plain values; `enrol` is the service applying it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import HTTPException, status
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reference_platform.alternatives import ChosenAlternatives
from reference_platform.clock import Clock
from reference_platform.defects import ActiveDefects
from reference_platform.eligibility import check_age, check_voucher
from reference_platform.models import Course, Enrolment, Learner
from reference_platform.province_client import ProvinceClient, ProvinceRefused
from reference_platform.security import new_id
from reference_platform.settings import PlatformSettings

ALREADY_REDEEMED = "Voucher already redeemed"
UNKNOWN_VOUCHER = "Voucher unknown to the province"


@dataclass(frozen=True)
class VoucherPolicy:
    """How the enrolment flow treats the province's word; the defaults are the compliant ones."""

    accept_unknown: bool = False  # enrol with a code the province does not know
    redeem: bool = True  # redeem the voucher at the province at all
    honour_refusal: bool = True  # refuse a voucher already used, here or at the province

    @classmethod
    def of(cls, defects: ActiveDefects) -> VoucherPolicy:
        return cls(
            accept_unknown=defects.active("accepts_unknown_voucher"),
            redeem=not defects.active("skips_voucher_redeem"),
            honour_refusal=not defects.active("ignores_redeem_refusal"),
        )


def redeem_refusal(province_status: int, policy: VoucherPolicy) -> str | None:
    """What the province's refusal to redeem means: unknown code (404) or already redeemed."""
    if province_status == 404:
        return UNKNOWN_VOUCHER
    return ALREADY_REDEEMED if policy.honour_refusal else None


def enrol(
    db: Session,
    learner: Learner,
    course: Course,
    voucher_code: str,
    clock: Clock,
    province: ProvinceClient,
    settings: PlatformSettings,
    defects: ActiveDefects,
    alternatives: ChosenAlternatives,
) -> Enrolment:
    """Verify, check, redeem and store, in that order; raises the HTTP refusal with its reason."""
    try:
        return _enrol(db, learner, course, voucher_code, clock, province, settings, defects)
    except HTTPException as refused:
        invalid_is_forbidden = alternatives.chosen("voucher_refusals_forbidden")
        if refused.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT and invalid_is_forbidden:
            raise HTTPException(status.HTTP_403_FORBIDDEN, refused.detail) from None
        raise


def _enrol(
    db: Session,
    learner: Learner,
    course: Course,
    voucher_code: str,
    clock: Clock,
    province: ProvinceClient,
    settings: PlatformSettings,
    defects: ActiveDefects,
) -> Enrolment:
    policy = VoucherPolicy.of(defects)
    voucher = province.verify_voucher(voucher_code)
    if voucher is None and not policy.accept_unknown:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, UNKNOWN_VOUCHER)
    today = clock.today()
    if voucher is not None:
        enrolled_before = defects.active("employment_judged_at_first_enrolment_only") and bool(
            db.scalar(select(func.count()).where(Enrolment.learner_id == learner.id))
        )
        check_voucher(voucher, learner, course, today, defects, enrolled_before=enrolled_before)
    age_day = today
    if defects.active("counts_age_by_utc_date"):
        age_day = clock.now().astimezone(dt.UTC).date()
    if defects.active("ages_at_registration_date"):
        age_day = learner.registered_at.astimezone(clock.now().tzinfo).date()
    check_age(learner.birth_date, age_day, settings, defects, learner.id_number)
    uses = db.scalar(select(func.count()).where(Enrolment.voucher_code == voucher_code))
    if uses and policy.honour_refusal:
        raise HTTPException(status.HTTP_409_CONFLICT, ALREADY_REDEEMED)
    redemption_id = None
    if voucher is not None and policy.redeem:
        try:
            redemption = province.redeem_voucher(
                voucher_code, learner.id_number, course.id, course.approval_number or ""
            )
            redemption_id = redemption.redemption_id
        except ProvinceRefused as exc:
            refused = redeem_refusal(exc.status_code, policy)
            if refused == UNKNOWN_VOUCHER:
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, refused) from None
            if refused is not None:
                raise HTTPException(status.HTTP_409_CONFLICT, refused) from None
    enrolment = Enrolment(
        id=new_id("enr"),
        learner_id=learner.id,
        course_id=course.id,
        voucher_code=voucher_code,
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
    return enrolment
