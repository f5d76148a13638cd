"""Who may enrol with which voucher (ELIG-01..03, VOUCH-01/02), as refusals with reasons.

What compliant means, for a vendor: a voucher admits only while unredeemed and unexpired, only its
holder (VOUCH-02), only to a course of its occupation and level (VOUCH-02), only an unemployed or
flexibly employed holder (ELIG-03), and only a learner aged at least 16 (ELIG-01) and under the
upper age limit (ELIG-02) in completed years on the enrolment date, in Asia/Shanghai.

The order is the contract's: voucher state, holder, occupation and level, employment status, age.
Each rule raises the HTTP answer directly so the enrolment handler reads as the checklist it is.
"""

from __future__ import annotations

import datetime as dt

from fastapi import HTTPException, status

from harness.spec import resident_id
from harness.spec.vouchers import Voucher
from reference_platform.defects import ActiveDefects
from reference_platform.models import Course, Learner
from reference_platform.settings import PlatformSettings

ELIGIBLE_EMPLOYMENT = frozenset({"unemployed", "flexible"})


def check_voucher(
    voucher: Voucher,
    learner: Learner,
    course: Course,
    today: dt.date,
    defects: ActiveDefects,
    *,
    enrolled_before: bool = False,
) -> None:
    """Every enrolment is judged whole, the learner's employment status included: the voucher
    carries the status as of its issue, and a learner enrolled once may since have taken a job
    (`enrolled_before` matters only to the defect that judges the status once per learner)."""
    if voucher.state == "redeemed" and not defects.active("ignores_redeem_refusal"):
        raise HTTPException(status.HTTP_409_CONFLICT, "Voucher already redeemed")
    if voucher.state == "expired" or voucher.expires_on < today:
        raise HTTPException(status.HTTP_409_CONFLICT, "Voucher expired")
    holder_matches = (
        voucher.holder_name == learner.name
        if defects.active("matches_voucher_holder_by_name")
        else voucher.holder_id_number.upper() == learner.id_number
    )
    if not holder_matches and not defects.active("ignores_voucher_holder"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Voucher belongs to another person")
    voucher_occupation, course_occupation = voucher.occupation_code, course.occupation_code
    if defects.active("occupation_matched_by_group"):  # N-NN-NN: the group, not the occupation
        voucher_occupation = voucher_occupation.rsplit("-", 1)[0]
        course_occupation = course_occupation.rsplit("-", 1)[0]
    mismatched = (voucher_occupation, voucher.level) != (course_occupation, course.level)
    if mismatched and not defects.active("ignores_voucher_course_match"):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "Voucher is for another occupation or level"
        )
    eligible = ELIGIBLE_EMPLOYMENT | (
        {"student"} if defects.active("enrols_students") else frozenset()
    )
    judged_once = enrolled_before and defects.active("employment_judged_at_first_enrolment_only")
    if (
        voucher.employment_status not in eligible
        and not defects.active("ignores_employment_status")
        and not judged_once
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Only unemployed or flexibly employed workers are eligible"
        )


def check_age(
    birth_date: dt.date,
    today: dt.date,
    settings: PlatformSettings,
    defects: ActiveDefects,
    id_number: str = "",
) -> None:
    """Age in completed years on the enrolment date; `max_age` itself is already too old, for
    everybody (the bound is the offline training's, not a retirement age: `id_number`, whose
    17th digit tells the sex, matters only to the defect that bounds women at 55)."""
    if defects.active("ages_fail_on_leap_day_births"):
        _birthdays_by_replacing_the_year(birth_date, today)
    age = resident_id.age_on(birth_date, today)
    min_age = settings.min_age - 1 if defects.active("accepts_under_16") else settings.min_age
    if age < min_age:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"Learner is under {settings.min_age} on the enrolment date",
        )
    max_age = settings.max_age
    if defects.active("women_bounded_at_55") and _is_a_womans(id_number):
        max_age = min(max_age, 55)  # the statutory retirement age of many women workers
    if age >= max_age and not defects.active("no_upper_age_limit"):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Learner is over the age limit on the enrolment date"
        )


def _is_a_womans(id_number: str) -> bool:
    """The defect `women_bounded_at_55` tells the sex by the 17th digit (even: a woman)."""
    return len(id_number) == 18 and id_number[16].isdigit() and int(id_number[16]) % 2 == 0


def _birthdays_by_replacing_the_year(birth_date: dt.date, today: dt.date) -> list[dt.date]:
    """The defect `ages_fail_on_leap_day_births`: this year's and next year's birthday made with
    `date.replace`, which raises for 29 February in a common year (one of any two years is), so
    the enrolment of a learner born on a leap day answers 500."""
    return [birth_date.replace(year=today.year + later) for later in (0, 1)]
