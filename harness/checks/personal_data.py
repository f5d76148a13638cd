"""POST-03 — ID numbers are masked in the lists of enterprise and institution accounts.

The space probed (docs/interface.md, "ID numbers in supervision lists"): one learner inside the
scope of the profile's enterprise and institution accounts; every account kind's learner list,
unfiltered and filtered by `learner_id`. Expected: the authority and auditors see the full ID
number; an enterprise or institution sees it masked — the same length, at least 8 characters
hidden as `*`, every shown character equal to the full number's at that place.
"""

from __future__ import annotations

from harness.checks._support import a_course
from harness.checks.supervision_scope import accounts_by_kind, employ
from harness.failures import CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.trail import learner_with_trail
from harness.supervision import could_be_masked

MIN_HIDDEN = 8  # of 18: at least the birth date is hidden


def properly_masked(shown: str, full: str) -> bool:
    return could_be_masked(shown, full) and shown.count("*") >= MIN_HIDDEN


@check("POST-03")
def id_numbers_are_masked_for_scoped_accounts(probe: Probe) -> None:
    """Enterprise and institution accounts see ID numbers masked in lists (≥ 8 characters
    hidden, the rest true); the authority and auditors see them in full."""
    accounts = accounts_by_kind(probe)
    institution = accounts["institution"].scope or ""
    courses = [c for c in probe.platform.courses() if c.institution_id == institution]
    trail = learner_with_trail(probe, courses[0] if courses else a_course(probe.platform))
    employ(accounts["enterprise"], trail.enrolled)
    full = trail.enrolled.learner.id_number
    seen: dict[str, list[str]] = {}
    for kind, account in accounts.items():
        filtered = account.learners(learner_id=trail.learner_id)
        everyone = [r for r in account.learners() if r.learner_id == trail.learner_id]
        seen[kind] = [row.id_number for row in filtered + everyone]
    wrong = {}
    for kind, shown in seen.items():
        scoped = kind in ("enterprise", "institution")
        ok = all(properly_masked(s, full) if scoped else s == full for s in shown) and shown
        if not ok:
            wrong[kind] = shown
    probe.evidence.attach_json(
        "id-numbers", {"learner_id": trail.learner_id, "shown": seen, "wrong": list(wrong)}
    )
    if wrong:
        raise CheckFailure(
            "ID numbers are not shown as the rule says",
            received=wrong,
            expected="masked (≥ 8 of 18 hidden) for enterprise and institution, full otherwise",
        )
    probe.evidence.note("masked for enterprise and institution, full for authority and auditor")
