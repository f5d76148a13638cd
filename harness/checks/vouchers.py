"""VOUCH — vouchers (二(四)): a valid provincial voucher, redeemed once, bound to its holder.

Every attempt is judged from outside (`enrol_and_judge`): an accepted enrolment must be seen by a
supervisor; a refused one must leave no enrolment and no redeem at the province.
"""

from __future__ import annotations

import datetime as dt

from harness import seeding
from harness.checks._support import (
    CHINA,
    a_course,
    enrol_and_judge,
    in_parallel,
    offered_courses,
    platform_today,
)
from harness.probe import Probe
from harness.registry import check
from harness.spec.courses import CourseOut

LEVELS = ("junior", "intermediate", "senior")


@check("VOUCH-01")
def unknown_voucher_is_refused(probe: Probe) -> None:
    """A voucher the province never issued, or one that has expired, enrols nobody.

    Space: the voucher code a client sends — a code the province never issued, and the code
    of a voucher the province issued that expired yesterday (by the platform's date in Shanghai
    and by the province's: the earlier of the two). Both are refused, with no enrolment and no
    redeem. (The last valid day is tried by `enrolment_redeems_the_voucher_at_the_province`.)"""
    course = a_course(probe.platform)
    learner, login = probe.learners.logged_in()
    yesterday = platform_today(probe.time) - dt.timedelta(days=1)
    expired = probe.learners.voucher(learner, course, expires_on=yesterday)
    province_yesterday = expired.issued_at.astimezone(CHINA).date() - dt.timedelta(days=1)
    if province_yesterday < yesterday:  # the platform's test clock is ahead of the province's
        # expired by both dates: in production they agree, so a platform may trust either
        yesterday = province_yesterday
        expired = probe.learners.voucher(learner, course, expires_on=yesterday)
    for case, code in (
        (
            "voucher code unknown to the province",
            f"SXCERT-UNKNOWN-{seeding.rng().getrandbits(32):08X}",
        ),
        (f"voucher expired on {yesterday}", expired.code),
    ):
        enrol_and_judge(
            probe,
            learner=learner,
            token=login.token,
            course=course,
            voucher_code=code,
            should_enrol=False,
            case=case,
        )
    probe.evidence.note("an unknown voucher code and a voucher expired yesterday were refused")


@check("VOUCH-01")
def enrolment_redeems_the_voucher_at_the_province(probe: Probe) -> None:
    """A valid voucher enrols its holder and is redeemed at the province for the course.

    Space: a valid voucher of the holder on its last valid day (expiring today, by the
    platform's date in Shanghai) and one valid for a year. Each enrols the learner and is
    redeemed at the province for that learner, naming the course and its approval number (the
    derived value the province's subsidy rests on)."""
    course = a_course(probe.platform)
    today = platform_today(probe.time)

    def enrol_with(expires_on: dt.date | None, case: str) -> None:
        learner, login = probe.learners.logged_in()
        voucher = probe.learners.voucher(learner, course, expires_on=expires_on)
        enrol_and_judge(
            probe,
            learner=learner,
            token=login.token,
            course=course,
            voucher_code=voucher.code,
            should_enrol=True,
            case=case,
            must_redeem=True,
        )

    in_parallel(
        [
            lambda: enrol_with(None, "holder's own valid voucher"),
            lambda: enrol_with(today, f"holder's own voucher expiring today ({today})"),
        ]
    )
    probe.evidence.note("vouchers (one expiring today) redeemed at the province on enrolment")


@check("VOUCH-02")
def voucher_is_single_use(probe: Probe) -> None:
    """A redeemed voucher never enrols its holder a second time.

    Space: a second use of a redeemed voucher by its holder — in a second course of the same
    occupation and level (where only single use can refuse it) and in the same course again.
    Both are refused, with no second enrolment and no second redeem. And a race lost: another
    platform redeems a fresh voucher between this platform's verify (answered as valid) and its
    redeem, so the province answers the redeem 409; the enrolment is refused 409 ("voucher
    already used", the interface's status), with no enrolment."""
    courses = [c for c in offered_courses(probe.platform) if c.occupation_code and c.level]
    pairs = [
        (a, b)
        for a in courses
        for b in courses
        if a.course_id < b.course_id
        and (a.occupation_code, a.level) == (b.occupation_code, b.level)
    ]
    first, second = pairs[0] if pairs else (a_course(probe.platform),) * 2
    learner, login = probe.learners.logged_in()
    voucher = probe.learners.voucher(learner, first)
    common = dict(learner=learner, token=login.token, voucher_code=voucher.code)
    enrol_and_judge(probe, **common, course=first, should_enrol=True, case="first use")
    reuses = [(first, "second use in the same course")]
    if second.course_id != first.course_id:
        reuses.insert(0, (second, "second use in another course of that occupation and level"))
    for course, case in reuses:
        enrol_and_judge(probe, **common, course=course, should_enrol=False, case=case)
    racer, racer_login = probe.learners.logged_in()
    raced = probe.learners.voucher(racer, first)
    probe.province.lose_race(raced.code)
    enrol_and_judge(
        probe,
        learner=racer,
        token=racer_login.token,
        course=first,
        voucher_code=raced.code,
        should_enrol=False,
        case="voucher redeemed by another platform between verify and redeem",
        refusal_status=409,
    )
    probe.evidence.note(
        f"voucher reuse refused ({len(reuses)} ways); a race lost at the province refused 409"
    )


@check("VOUCH-02")
def voucher_of_another_person_is_refused(probe: Probe) -> None:
    """A voucher enrols only its holder (bound to the ID number, not to the name).

    Space: the holder of the voucher — another person who never registered, another
    registered learner of the platform, and a namesake (same name, another ID number: namesakes
    are common, so a voucher is bound to the ID number, never to the name). Each is refused for
    a learner who is not the holder."""
    course = a_course(probe.platform)
    learner, login = probe.learners.logged_in()
    namesake = probe.learners.person_of(probe.province.new_identity(namesake_of=learner.id_number))
    for case, holder in (
        ("voucher issued to another person", probe.learners.person()),
        ("voucher issued to another registered learner", probe.learners.registered()),
        (f"voucher issued to a namesake ({namesake.name})", namesake),
    ):
        voucher = probe.learners.voucher(holder, course)
        enrol_and_judge(
            probe,
            learner=learner,
            token=login.token,
            course=course,
            voucher_code=voucher.code,
            should_enrol=False,
            case=case,
        )
    probe.evidence.note("vouchers of another person, another learner and a namesake were refused")


def _shared_prefix(a: str, b: str) -> int:
    """How many leading characters two occupation codes share."""
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def _one_course_per_level(probe: Probe) -> list[CourseOut]:
    chosen: dict[str, CourseOut] = {}
    for course in offered_courses(probe.platform):
        if course.occupation_code and course.level in LEVELS:
            chosen.setdefault(course.level, course)
    return list(chosen.values()) or [a_course(probe.platform)]


@check("VOUCH-02")
def voucher_for_another_occupation_or_level_is_refused(probe: Probe) -> None:
    """A voucher enrols only in a course of its own occupation and level.

    Space: the voucher's occupation and level against the course's, on a course of every level
    the platform offers: every other level with the course's occupation, another occupation with
    the course's level — one of another group and (since stop 47) the nearest code the province
    lists (the longest shared prefix: 4-03-02-02 for a 4-03-02-01 course, where a platform
    comparing codes down to the group only, N-NN-NN, enrols) — and both other at once. Each is
    refused (one fresh learner tries them all: refusals leave nothing behind, and a learner
    costs more than an attempt)."""
    occupations = [o.code for o in probe.province.occupations()]
    learner, login = probe.learners.logged_in()

    def mismatches_on(course: CourseOut) -> None:
        others = [code for code in occupations if code != course.occupation_code]
        other_code = others[0]
        nearest = max(others, key=lambda code: _shared_prefix(code, course.occupation_code or ""))
        other_levels = [lv for lv in LEVELS if lv != course.level]
        cases = [(f"voucher for level {lv}", course.occupation_code, lv) for lv in other_levels]
        cases += [
            (f"voucher for occupation {other_code}", other_code, course.level),
            (f"voucher for the nearest occupation {nearest}", nearest, course.level),
            (f"voucher for {other_code} at level {other_levels[0]}", other_code, other_levels[0]),
        ]
        for case, occupation, level in cases:
            voucher = probe.learners.voucher(
                learner, course, occupation_code=occupation, level=level
            )
            enrol_and_judge(
                probe,
                learner=learner,
                token=login.token,
                course=course,
                voucher_code=voucher.code,
                should_enrol=False,
                case=f"{case}, {course.level} course {course.course_id}",
            )

    courses = _one_course_per_level(probe)
    for course in courses:
        mismatches_on(course)
    probe.evidence.note(
        f"vouchers of other levels and occupations refused on {len(courses)} course(s)"
    )
