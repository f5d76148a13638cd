"""ELIG — who may train (二(一)): age bounds on the enrolment date and employment status.

Every enrolment attempt is judged from outside (`enrol_and_judge`): a refusal must leave no
enrolment in the supervision view and no redeem of the voucher at the province (the derived
values an ineligible enrolment would feed: study, completion, subsidy).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from typing import get_args

from harness.catalogue import load_catalogue
from harness.checks._support import (
    a_course,
    enrol_and_judge,
    in_parallel,
    into_shanghai_early_morning,
    offered_courses,
    platform_today,
)
from harness.failures import CannotJudge, CheckFailure
from harness.learners import birth_date_for_age
from harness.probe import Probe
from harness.registry import check
from harness.spec import resident_id
from harness.spec.courses import CourseOut
from harness.spec.vouchers import EmploymentStatus

EMPLOYMENT_STATUSES: tuple[str, ...] = get_args(EmploymentStatus)
DAY = dt.timedelta(days=1)


def _try_enrol(
    probe: Probe,
    birth: dt.date | None,
    should_enrol: bool,
    case: str,
    employment_status: str = "unemployed",
    sex: str | None = None,
) -> None:
    course = a_course(probe.platform)
    learner, login = probe.learners.logged_in(birth, sex)
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
    """Run an age judgement on the platform's date, in the Shanghai early morning; if that date
    changed meanwhile (another run advancing the clock), judge once more on the new date."""
    into_shanghai_early_morning(probe.time)
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


AgeCase = tuple[dt.date, bool, str, str | None]  # (birth date, should enrol, label, sex)
SEXES = ("F", "M")  # the bound is one for everybody: a woman's 55th-59th year is under 60


def _who(sex: str | None) -> str:
    """The learner's sex in a case's label, when the case sets it."""
    return {"F": ", a woman", "M": ", a man"}.get(sex or "", "")


def _birthday(
    today: dt.date, years: int, days_after: int, should_enrol: bool, sex: str | None = None
) -> AgeCase:
    """The learner whose `years`th birthday was `days_after` days before `today` (-1: tomorrow)."""
    when = {0: "today", -1: "tomorrow"}[days_after]
    birth = birth_date_for_age(today, years, days_after_birthday=days_after)
    who = _who(sex)
    return birth, should_enrol, f"{years}th birthday {when}{who}", sex


def leap_day_birth(
    today: dt.date, *, at_least: int | None = None, under: int | None = None
) -> dt.date:
    """A 29 February birth: the latest of someone at least `at_least` years old on `today`, or
    the earliest of someone under `under` — the leap-day-born learners nearest an age bound."""
    if at_least is not None:
        older = range(today.year - at_least, today.year - at_least - 8, -1)
        return next(b for b in _leap_days(older) if resident_id.age_on(b, today) >= at_least)
    assert under is not None, "at_least or under"
    younger = range(today.year - under, today.year - under + 8)
    return next(b for b in _leap_days(younger) if resident_id.age_on(b, today) < under)


def _leap_days(years: range) -> list[dt.date]:
    return [dt.date(year, 2, 29) for year in years if calendar.isleap(year)]


def _leap_day_case(
    today: dt.date, birth: dt.date, should_enrol: bool, sex: str | None = None
) -> AgeCase:
    age = resident_id.age_on(birth, today)
    who = _who(sex)
    return birth, should_enrol, f"born on 29 February {birth.year}, {age} years old{who}", sex


def _age_cases(probe: Probe, today: dt.date, cases: list[AgeCase]) -> None:
    """Each case with its own fresh learner, all at once."""
    in_parallel(
        lambda birth=birth, ok=ok, label=label, sex=sex: _try_enrol(
            probe, birth, ok, f"{label} ({today}, Asia/Shanghai)", sex=sex
        )
        for birth, ok, label, sex in cases
    )


def _registered_the_day_before(probe: Probe, years: int, should_enrol: bool) -> str:
    """The degree of freedom "when": a learner registers the day before the `years`th birthday
    and enrols on it (the test clock advanced by a day in between, still in the Shanghai early
    morning): the age that counts is the one on the enrolment date, not at registration."""
    into_shanghai_early_morning(probe.time)
    registered_on = platform_today(probe.time)
    learner = probe.learners.registered(
        birth_date_for_age(registered_on, years, days_after_birthday=-1)
    )
    probe.time.wait(DAY.total_seconds())
    enrolled_on = platform_today(probe.time)
    if enrolled_on != registered_on + DAY:
        raise CannotJudge("the platform's date did not move by one day with its test clock")
    login = probe.learners.login(learner)  # after the day passed: a login lasts hours, not days
    course = a_course(probe.platform)
    voucher = probe.learners.voucher(learner, course)
    case = f"registered on {registered_on}, enrols on the {years}th birthday ({enrolled_on})"
    enrol_and_judge(
        probe,
        learner=learner,
        token=login.token,
        course=course,
        voucher_code=voucher.code,
        should_enrol=should_enrol,
        case=case,
    )
    return case


@check("ELIG-01")
def learner_under_minimum_age_is_refused(probe: Probe) -> None:
    """A learner under the minimum age on the enrolment date (in Shanghai) is refused.

    Space: the learner's age in completed years on the enrolment date (Asia/Shanghai), from the
    birth date in the ID number, around the minimum age (profile `min_age`, 16).

    Tried, each with a fresh learner: the 16th birthday tomorrow (refused) and today (enrolled);
    the youngest person born on 29 February who is 16 or older (enrolled: a birthday that does
    not exist this year, where an age rule that builds the birthday with `date.replace` fails —
    a 5xx fails the check); then a learner registered the day before the 16th birthday who
    enrols on it (enrolled: the enrolment date counts, not the registration date; the clock
    advances one day). The enrolment date is put in the Shanghai early morning (the clock is
    advanced by less than a day), where the UTC date is still yesterday, so a platform counting
    by the UTC date refuses the birthday learner. A refusal must leave no enrolment seen by a
    supervisor and no redeem at the province. Not reached: the day before a leap-day-born
    learner's 16th birthday (a 28 February; catalogue ELIG-01)."""
    age = probe.thresholds.min_age

    def judge(today: dt.date) -> str:
        leap_born = leap_day_birth(today, at_least=age)
        _age_cases(
            probe,
            today,
            [
                _birthday(today, age, -1, False),
                _birthday(today, age, 0, True),
                _leap_day_case(today, leap_born, True),
            ],
        )
        return (
            f"refused the day before the {age}th birthday, enrolled on it and born on"
            f" {leap_born} ({today})"
        )

    _on_one_platform_day(probe, judge)
    probe.evidence.note(_registered_the_day_before(probe, age, True) + ": enrolled")


@check("ELIG-02")
def learner_at_upper_age_bound_is_refused(probe: Probe) -> None:
    """A learner who reached the upper age bound by the enrolment date (Shanghai) is refused.

    Space: the learner's age on the enrolment date (Asia/Shanghai) around the upper bound
    (profile `max_age_exclusive`, 60: the 60th birthday itself is too old).

    Tried, each with a fresh learner: the 60th birthday today (refused) and tomorrow (enrolled);
    the oldest person born on 29 February who is under 60 (enrolled) and the youngest who is 60
    or older (refused): a refusal must be a 4xx, and an age rule that fails on a birthday missing
    from this year answers a 5xx, which fails the check; then a learner registered the day
    before the 60th birthday who enrols on it (refused: the enrolment date counts; the clock
    advances one day). As for ELIG-01 the enrolment date is in the Shanghai early morning. A
    refusal must leave no enrolment and no redeem. Since stop 47 the learners who must be
    enrolled are a woman and a man the day before the 60th birthday, and a woman born on 29
    February (56–59): the bound is one for everybody (catalogue ELIG-02), and a platform taking
    a woman's statutory retirement age (55 or 50) as her bound refuses them."""
    bound = probe.thresholds.max_age_exclusive

    def judge(today: dt.date) -> str:
        young, old = leap_day_birth(today, under=bound), leap_day_birth(today, at_least=bound)
        _age_cases(
            probe,
            today,
            [
                _birthday(today, bound, 0, False),
                *(_birthday(today, bound, -1, True, sex) for sex in SEXES),
                _leap_day_case(today, young, True, "F"),
                _leap_day_case(today, old, False),
            ],
        )
        return (
            f"refused on the {bound}th birthday, enrolled the day before; born on {young}"
            f" enrolled, on {old} refused ({today})"
        )

    _on_one_platform_day(probe, judge)
    probe.evidence.note(_registered_the_day_before(probe, bound, False) + ": refused")


def _courses_by_level(probe: Probe) -> list[CourseOut]:
    """One offered course of each level the platform offers (the first of each)."""
    chosen: dict[str, CourseOut] = {}
    for course in offered_courses(probe.platform):
        if course.occupation_code and course.level and course.approval:
            chosen.setdefault(course.level, course)
    if not chosen:
        chosen[""] = a_course(probe.platform)
    return list(chosen.values())


def _statuses_on_a_course(
    probe: Probe,
    course: CourseOut,
    statuses: list[str],
    eligible: set[str],
    next_course: CourseOut | None,
) -> Callable[[], None]:
    """One fresh learner tries a voucher of every status in `statuses` on `course`, the refused
    ones first (an enrolment ends the learner's attempts on that course); once enrolled, every
    refused status again on `next_course` (a second enrolment is judged as the first)."""

    def run() -> None:
        learner, login = probe.learners.logged_in()
        ordered = sorted(statuses, key=lambda s: s in eligible)  # refused ones first
        tries = [(course, status) for status in ordered]
        if next_course is not None and ordered and ordered[-1] in eligible:
            tries += [(next_course, s) for s in ordered if s not in eligible]
        for where, status in tries:
            voucher = probe.learners.voucher(learner, where, employment_status=status)
            again = " (already enrolled elsewhere)" if where is not course else ""
            enrol_and_judge(
                probe,
                learner=learner,
                token=login.token,
                course=where,
                voucher_code=voucher.code,
                should_enrol=status in eligible,
                case=f"voucher holder is {status}, {where.level} course {where.course_id}{again}",
            )

    return run


@check("ELIG-03")
def only_unemployed_or_flexible_workers_are_enrolled(probe: Probe) -> None:
    """Only unemployed or flexibly employed voucher holders are enrolled, at every level.

    Space: the employment status the provincial voucher carries — every member the interface
    allows (unemployed, flexible, employed, student, retired) — on a course of every level the
    platform offers.

    The catalogue's reading admits unemployed and flexibly employed holders only. One fresh
    learner per level tries every refused status on that level's course, and then one admitted
    status (each admitted status on a course of another level), all levels at once; since
    stop 47 a learner so enrolled then tries every refused status on a course of another level
    (eligibility is judged at every enrolment, not once per learner: a platform reviewing a
    learner's status at the first enrolment only lets the second through). A refusal must
    leave no enrolment seen by a supervisor and no redeem at the province."""
    eligible = sorted(load_catalogue().get("ELIG-03").params["eligible_employment"])
    refused = [s for s in EMPLOYMENT_STATUSES if s not in eligible]
    courses = _courses_by_level(probe)
    # one learner per level: every refused status, then (for as many levels as there are
    # admitted statuses) one admitted status; levels beyond the course count repeat courses
    plans = [(course, list(refused)) for course in courses]
    for i, status in enumerate(eligible):
        if i < len(plans):
            plans[i][1].append(status)
        else:
            plans.append((courses[i % len(courses)], [status]))
    others = {c.course_id: next((o for o in courses if o is not c), None) for c in courses}
    probes = [
        _statuses_on_a_course(probe, c, statuses, set(eligible), others[c.course_id])
        for c, statuses in plans
    ]
    in_parallel(probes)
    probe.evidence.note(
        f"{', '.join(refused)} refused on {len(courses)} level(s); {', '.join(eligible)} enrolled"
    )
