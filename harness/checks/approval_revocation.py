"""COURSE-01 — a course whose provincial approval is revoked is no longer offered nor enrolled in.

The space probed (docs/interface.md, "Courses and their approval"): one approved course of the
catalogue (not the one other checks pick first, so that a platform slow to offer it again leaves
them their course), its approval revoked at the province while the platform serves:

- the side before: a holder of a valid voucher for the course enrols (its redeem is VOUCH-01's
  to judge), so the course was enrollable and the refusal after is the revocation's doing;
- the side after: within `realtime_seconds` of the revocation the course is gone from
  `GET /courses` (polled, as a learner's catalogue page would be), and then a second holder of a
  valid voucher for it is refused (4xx), with no enrolment seen by a supervisor and no redeem at
  the province — a platform that filters its list but not its enrolments, or that looked its
  approvals up only when it started (a registry answer cached for good), is seen here;
- afterwards the approval is made valid again at the province (the sandbox's reinstate), and the
  seconds until the platform offers the course again are recorded (the interface asks for the
  next look-up; a platform that does not is noted, not failed: the policy asks only that a
  course without a valid approval is not offered).

It runs after every other check but retention's: a revoked course must not take a course away
from a check that follows, even on a platform that never offers it again.
"""

from __future__ import annotations

import time

from harness.checks._support import a_course, enrol_and_judge, offered_courses
from harness.failures import CannotJudge, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.spec.courses import CourseOut

POLL_S = 0.5  # between two reads of the course list while waiting for the withdrawal


def revocable_course(probe: Probe) -> CourseOut:
    """An approved offered course, preferably not the one `a_course` picks (others' course)."""
    approved = [
        c for c in offered_courses(probe.platform) if c.approval and c.occupation_code and c.level
    ]
    if not approved:
        raise CannotJudge("no offered course carries an approval to revoke")
    first = a_course(probe.platform).course_id
    others = [c for c in approved if c.course_id != first]
    return sorted(others or approved, key=lambda c: c.course_id)[-1]


def seconds_until(listed: bool, course_id: str, probe: Probe, limit_s: float) -> float | None:
    """Seconds until the course list shows the course (`listed`) or no longer shows it; None
    when that did not happen within `limit_s`."""
    started = time.monotonic()
    while True:
        shown = any(c.course_id == course_id for c in probe.platform.courses())
        waited = time.monotonic() - started
        if shown == listed:
            return round(waited, 2)
        if waited >= limit_s:
            return None
        time.sleep(POLL_S)


@check("COURSE-01")
def revoked_approval_withdraws_the_course(probe: Probe) -> None:
    """Once the province revokes a course's approval, the platform no longer offers the course
    nor enrols anyone in it, within `realtime_seconds`; the moment before, it enrolled a voucher
    holder.

    Space: both sides of the revocation (a holder enrolled before it, another refused after
    it); both ways a learner meets a course (the list, and the enrolment itself, tried once the
    list no longer shows it); the bound (`realtime_seconds`, polled every POLL_S)."""
    course = revocable_course(probe)
    number = course.approval.number if course.approval else ""
    limit_s = probe.thresholds.realtime_seconds
    early, early_login = probe.learners.logged_in()
    enrol_and_judge(
        probe,
        learner=early,
        token=early_login.token,
        course=course,
        voucher_code=probe.learners.voucher(early, course).code,
        should_enrol=True,
        case="a valid voucher before the revocation",
    )
    late, late_login = probe.learners.logged_in()
    late_voucher = probe.learners.voucher(late, course)
    found: dict[str, object] = {"course_id": course.course_id, "approval_number": number}
    probe.province.revoke_approval(number)
    try:
        withdrawn_after = seconds_until(False, course.course_id, probe, limit_s)
        found["withdrawn_after_s"] = withdrawn_after
        if withdrawn_after is None:
            probe.evidence.attach_json("revocation", found)
            raise CheckFailure(
                f"{course.course_id} is still offered {limit_s:g} s after the province revoked"
                f" its approval {number}",
                received=found,
                expected=f"the course gone from GET /courses within {limit_s:g} s",
            )
        enrol_and_judge(
            probe,
            learner=late,
            token=late_login.token,
            course=course,
            voucher_code=late_voucher.code,
            should_enrol=False,
            case="a valid voucher after the revocation",
        )
    finally:
        probe.province.revoke_approval(number, revoked=False)
        found["offered_again_after_s"] = seconds_until(True, course.course_id, probe, limit_s)
        probe.evidence.attach_json("revocation", found)
    again = found["offered_again_after_s"]
    probe.evidence.note(
        f"{course.course_id}: enrolled before the revocation of {number}; withdrawn from the"
        f" list {withdrawn_after:g} s after it and its enrolment refused; "
        + (
            f"offered again {again:g} s after the approval was reinstated"
            if isinstance(again, float)
            else f"not offered again within {limit_s:g} s of the reinstatement (noted only)"
        )
    )


revoked_approval_withdraws_the_course.runs_last = True  # type: ignore[attr-defined]
