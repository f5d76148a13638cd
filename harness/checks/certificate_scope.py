"""STUDY-08 — certificates reach exactly each supervision account's scope.

A certificate needs a pass (the level's hours credited and the quiz passed), which no trail of the
other scope checks earns in a few seconds; the run's subsidy cohort (harness/checks/
_subsidy_support.py) holds passers of every level, so this check reads their certificates
(STUDY-08 is kept in the cohort's share, harness/shares.py `AFFINITY`).

The space probed (docs/interface.md, "Account kinds and what each sees"; a certificate is a
course-bound record):
- account kinds: every kind of the interface, the profile's first account of each;
- objects: every certificate the authority sees — the cohort's passers of every level beside
  whatever else the platform holds; one certified cohort member made the enterprise's employee
  (preferably one of the institution's own courses), so each scoped account has a certificate
  inside its scope, and the other passers outside it; a member certified in another
  institution's course also enrolled in one of the institution's courses (a shared learner: the
  institution sees the learner, not that certificate);
- views: the certificate list unfiltered and filtered by each certified member's `learner_id`
  (a filter that skips the scope shows there);
- expected answer: the authority and auditors see every certificate; the institution exactly
  the authority's certificates of the courses it runs (by the course list's `institution_id`);
  the enterprise its employee's and no other cohort member's, and of anyone else only learners
  its own learner list shows. At least one certificate must lie outside each scoped account's
  scope, else the probe cannot be made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from harness.api import Refused, attempt
from harness.checks._subsidy_support import Member, cohort
from harness.checks._support import also_enrolled
from harness.checks.supervision_scope import accounts_by_kind, courses_inside_and_outside, employ
from harness.failures import CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.spec.certificates import SupCertificate

PROBE = "certificates outside a scoped account's scope"


def _share_with_the_institution(
    probe: Probe, certified: Iterable[Member], runs: dict[str, str | None], scope: str | None
) -> dict[str, str] | None:
    """Enrol a member certified in another institution's course in one of the institution's
    courses too: the institution then sees the learner, but not that certificate (a list narrowed
    to the institution's learners and not to its courses shows it). None when every certified
    member studied the institution's own courses."""
    member = next((m for m in certified if runs.get(m.course_id) != scope), None)
    if member is None:
        return None
    course = courses_inside_and_outside(probe, scope or "")[0]
    member.enrolled.renew_if_expiring(probe.clock.now(), dt.timedelta(hours=1))
    outcome = attempt(lambda: also_enrolled(probe, member.enrolled, course))
    if isinstance(outcome, Refused):
        raise CannotProbe(
            PROBE,
            f"a certified learner's enrolment in {course.course_id} was refused: "
            f"{outcome.status} {outcome.detail}",
        )
    return {"learner_id": member.enrolled.learner.learner_id or "", "course_id": course.course_id}


def _rows(certificates: list[SupCertificate]) -> list[dict[str, Any]]:
    return sorted(
        (c.model_dump(mode="json") for c in certificates), key=lambda r: str(r.get("number"))
    )


@check("STUDY-08")
def certificates_reach_exactly_their_scope(probe: Probe) -> None:
    """Every account kind's certificate list, unfiltered and per certified learner, is exactly its
    scope: all of them for the platform-wide kinds, the institution's own courses' for the
    institution, its employees' for the enterprise."""
    accounts = accounts_by_kind(probe)
    enterprise, institution = accounts["enterprise"], accounts["institution"]
    members = cohort(probe).members
    authority = probe.supervisors.authority
    truth = authority.certificates()
    runs = {c.course_id: c.institution_id for c in probe.platform.courses()}
    certified = {
        m.enrolled.learner.learner_id: m
        for m in members
        if any(c.learner_id == m.enrolled.learner.learner_id for c in truth)
    }
    if not certified:
        raise CannotProbe(PROBE, "the authority lists no certificate of the subsidy cohort")
    employee = next(
        (m for m in certified.values() if runs.get(m.course_id) == institution.scope),
        next(iter(certified.values())),
    )
    employee_id = employee.enrolled.learner.learner_id or ""
    employ(enterprise, employee.enrolled)
    shared = _share_with_the_institution(probe, certified.values(), runs, institution.scope)
    employees = {row.learner_id for row in enterprise.learners()} | {employee_id}
    expected_of = {
        "authority": lambda c: True,
        "auditor": lambda c: True,
        "institution": lambda c: runs.get(c.course_id) == institution.scope,
        "enterprise": lambda c: (
            c.learner_id in employees
            and (c.learner_id not in certified or c.learner_id == employee_id)
        ),
    }
    outside = {
        kind: [c.number for c in truth if not expected_of[kind](c)]
        for kind in ("institution", "enterprise")
    }
    empty = [kind for kind, numbers in outside.items() if not numbers]
    if empty:
        raise CannotProbe(
            PROBE, f"every certificate the authority lists is in the {' and '.join(empty)} scope"
        )
    wrong: list[dict[str, Any]] = []
    cells = 0
    for kind, account in accounts.items():
        wanted = expected_of[kind]
        views = {"(all)": (account.certificates(), [c for c in truth if wanted(c)])}
        for learner_id in certified:
            views[learner_id] = (
                account.certificates(learner_id),
                [c for c in truth if c.learner_id == learner_id and wanted(c)],
            )
        for view, (seen, expected) in views.items():
            cells += 1
            if _rows(seen) != _rows(expected):
                wrong.append(
                    {
                        "account": kind,
                        "learner_id": view,
                        "seen": sorted(c.number for c in seen),
                        "expected": sorted(c.number for c in expected),
                    }
                )
    probe.evidence.attach_json(
        "certificate-scope",
        {
            "authority_sees": _rows(truth),
            "certified_cohort_members": {
                learner_id: {"role": m.role, "course_id": m.course_id}
                for learner_id, m in certified.items()
            },
            "enterprise_employee": employee_id,
            "shared_with_the_institution": shared,
            "outside_scope": outside,
            "wrong": wrong,
        },
    )
    if wrong:
        first = wrong[0]
        raise CheckFailure(
            f"The {first['account']} account's certificate list is not its scope",
            received=wrong[:6],
            expected=(
                "the authority's certificates: all for authority and auditor, the institution's "
                "own courses' for the institution, its employees' for the enterprise"
            ),
        )
    inside = sum(1 for c in truth if expected_of["institution"](c))
    probe.evidence.note(
        f"{cells} certificate lists (4 accounts × all and {len(certified)} learners) as the scope "
        f"rule says; {len(truth)} certificates, {inside} of the institution's own courses"
    )
