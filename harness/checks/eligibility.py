"""ELIG — who may train (二(一)): age bounds on the enrolment date and employment status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from harness.checks._support import a_course, enrol_and_judge, platform_today
from harness.failures import CannotJudge, CheckFailure
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


def _on_one_platform_day(probe: Probe, judge: Callable[[dt.date], str]) -> None:
    """Run an age judgement on the platform's date; if that date changed meanwhile (midnight in
    Shanghai, or another run advancing the clock), judge once more on the new date."""
    for _ in range(2):
        today = platform_today(probe.time)
        try:
            finding = judge(today)
        except CheckFailure:
            if platform_today(probe.time) == today:
                raise
            continue
        if platform_today(probe.time) == today:
            probe.evidence.note(finding)
            return
    raise CannotJudge("the platform's date kept changing during the age check")


@check("ELIG-01")
def learner_under_minimum_age_is_refused(probe: Probe) -> None:
    """A learner one day short of 16 is refused; one who turns 16 today is enrolled."""
    age = probe.thresholds.min_age

    def judge(today: dt.date) -> str:
        _try_enrol(
            probe,
            birth_date_for_age(today, age, days_after_birthday=-1),
            False,
            f"{age}th birthday tomorrow ({today})",
        )
        _try_enrol(probe, birth_date_for_age(today, age), True, f"{age}th birthday today ({today})")
        return f"refused the day before the {age}th birthday, enrolled on it ({today})"

    _on_one_platform_day(probe, judge)


@check("ELIG-02")
def learner_at_upper_age_bound_is_refused(probe: Probe) -> None:
    """A learner who turns 60 today is refused; one who turns 60 tomorrow is enrolled."""
    bound = probe.thresholds.max_age_exclusive

    def judge(today: dt.date) -> str:
        _try_enrol(
            probe, birth_date_for_age(today, bound), False, f"{bound}th birthday today ({today})"
        )
        _try_enrol(
            probe,
            birth_date_for_age(today, bound, days_after_birthday=-1),
            True,
            f"{bound}th birthday tomorrow ({today})",
        )
        return f"refused on the {bound}th birthday, enrolled the day before ({today})"

    _on_one_platform_day(probe, judge)


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
