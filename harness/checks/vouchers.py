"""VOUCH — vouchers (二(四)): a valid provincial voucher, redeemed once, bound to its holder."""

from __future__ import annotations

import secrets

from harness.checks._support import a_course, enrol_and_judge, offered_courses
from harness.probe import Probe
from harness.registry import check


@check("VOUCH-01")
def unknown_voucher_is_refused(probe: Probe) -> None:
    """Enrolment with a voucher code the province never issued is refused."""
    course = a_course(probe.platform)
    learner, login = probe.learners.logged_in()
    code = "SXCERT-UNKNOWN-" + secrets.token_hex(4).upper()
    enrol_and_judge(
        probe,
        learner=learner,
        token=login.token,
        course=course,
        voucher_code=code,
        should_enrol=False,
        case="voucher code unknown to the province",
    )
    probe.evidence.note("a voucher code unknown to the province was refused")


@check("VOUCH-01")
def enrolment_redeems_the_voucher_at_the_province(probe: Probe) -> None:
    """A valid voucher enrols the learner and is redeemed at the province for that learner."""
    course = a_course(probe.platform)
    learner, login = probe.learners.logged_in()
    voucher = probe.learners.voucher(learner, course)
    enrol_and_judge(
        probe,
        learner=learner,
        token=login.token,
        course=course,
        voucher_code=voucher.code,
        should_enrol=True,
        case="holder's own valid voucher",
        must_redeem=True,
    )
    probe.evidence.note(f"voucher {voucher.code} redeemed at the province on enrolment")


@check("VOUCH-02")
def voucher_is_single_use(probe: Probe) -> None:
    """A redeemed voucher cannot enrol its holder again, even in a second matching course."""
    courses = [c for c in offered_courses(probe.platform) if c.occupation_code and c.level]
    pairs = [
        (a, b)
        for a in courses
        for b in courses
        if a.course_id < b.course_id
        and (a.occupation_code, a.level) == (b.occupation_code, b.level)
    ]
    first, second = pairs[0] if pairs else (a_course(probe.platform),) * 2
    twins = bool(pairs)
    learner, login = probe.learners.logged_in()
    voucher = probe.learners.voucher(learner, first)
    common = dict(learner=learner, token=login.token, voucher_code=voucher.code)
    enrol_and_judge(probe, **common, course=first, should_enrol=True, case="first use")
    enrol_and_judge(
        probe,
        **common,
        course=second,
        should_enrol=False,
        case=f"second use ({'another course' if twins else 'the same course'})",
    )
    probe.evidence.note(f"voucher reuse refused ({second.course_id})")


@check("VOUCH-02")
def voucher_of_another_person_is_refused(probe: Probe) -> None:
    """A voucher issued to someone else cannot be used."""
    course = a_course(probe.platform)
    learner, login = probe.learners.logged_in()
    holder = probe.learners.person()
    voucher = probe.learners.voucher(holder, course)
    enrol_and_judge(
        probe,
        learner=learner,
        token=login.token,
        course=course,
        voucher_code=voucher.code,
        should_enrol=False,
        case="voucher issued to another person",
    )
    probe.evidence.note("another person's voucher was refused")


@check("VOUCH-02")
def voucher_for_another_occupation_or_level_is_refused(probe: Probe) -> None:
    """A voucher for another occupation, or for another level, cannot enrol in the course."""
    course = a_course(probe.platform)
    other_level = next(lv for lv in ("junior", "intermediate", "senior") if lv != course.level)
    other_code = next(
        o.code for o in probe.province.occupations() if o.code != course.occupation_code
    )
    learner, login = probe.learners.logged_in()
    for case, occupation, level in (
        (f"voucher for level {other_level}", course.occupation_code, other_level),
        (f"voucher for occupation {other_code}", other_code, course.level),
    ):
        voucher = probe.learners.voucher(learner, course, occupation_code=occupation, level=level)
        enrol_and_judge(
            probe,
            learner=learner,
            token=login.token,
            course=course,
            voucher_code=voucher.code,
            should_enrol=False,
            case=case,
        )
    probe.evidence.note("vouchers for another level and another occupation were refused")
