"""ELIG — who may train (二(一)): age bounds on the enrolment date and employment status."""

from __future__ import annotations

import datetime as dt

from harness.checks._support import a_course, enrol_and_judge, platform_today
from harness.learners import birth_date_for_age
from harness.probe import Probe
from harness.registry import check


def _try_enrol(
    probe: Probe,
    birth: dt.date | None,
    should_enrol: bool,
    case: str,
    employment_status: str = "unemployed",
) -> None:
    course = a_course(probe.platform)
    learner, login = probe.learners.logged_in(birth)
    voucher = probe.learners.voucher(learner, course, employment_status=employment_status)
    enrol_and_judge(
        probe,
        learner=learner,
        token=login.token,
        course=course,
        voucher_code=voucher.code,
        should_enrol=should_enrol,
        case=case,
    )


@check("ELIG-01")
def learner_under_minimum_age_is_refused(probe: Probe) -> None:
    """A learner one day short of 16 is refused; one who turns 16 today is enrolled."""
    today = platform_today(probe.clock)
    age = probe.thresholds.min_age
    _try_enrol(
        probe,
        birth_date_for_age(today, age, days_after_birthday=-1),
        False,
        f"{age}th birthday tomorrow ({today})",
    )
    _try_enrol(
        probe,
        birth_date_for_age(today, age),
        True,
        f"{age}th birthday today ({today})",
    )
    probe.evidence.note(f"refused the day before the {age}th birthday, enrolled on it ({today})")


@check("ELIG-02")
def learner_at_upper_age_bound_is_refused(probe: Probe) -> None:
    """A learner who turns 60 today is refused; one who turns 60 tomorrow is enrolled."""
    today = platform_today(probe.clock)
    bound = probe.thresholds.max_age_exclusive
    _try_enrol(
        probe,
        birth_date_for_age(today, bound),
        False,
        f"{bound}th birthday today ({today})",
    )
    _try_enrol(
        probe,
        birth_date_for_age(today, bound, days_after_birthday=-1),
        True,
        f"{bound}th birthday tomorrow ({today})",
    )
    probe.evidence.note(f"refused on the {bound}th birthday, enrolled the day before ({today})")


@check("ELIG-03")
def only_unemployed_or_flexible_workers_are_enrolled(probe: Probe) -> None:
    """Employed and retired voucher holders are refused; a flexibly employed one is enrolled."""
    for status in ("employed", "retired"):
        _try_enrol(
            probe,
            None,
            False,
            f"voucher holder is {status}",
            employment_status=status,
        )
    _try_enrol(
        probe,
        None,
        True,
        "voucher holder is flexibly employed",
        employment_status="flexible",
    )
    probe.evidence.note("employed and retired holders refused; flexibly employed holder enrolled")
