"""Why a verdict is what it is: one sentence and a list, failed clauses first.

The reasons mirror `harness.report.build.verdict` exactly: a MUST clause that is not `pass` or
an ATTEST clause that is not `attested` rejects; a SHOULD clause that does not pass is reported
but never rejects. `not_run` is split in two for the reader: a clause no check covers in this
version (the tool's gap, not the platform's) and one whose checks exist but did not run.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.i18n import Messages
from harness.report.model import ClauseEntry, Report

# The order a reader needs them in: what the platform got wrong first, the tool's gaps last.
REASONS = ("fail", "error", "not_attested", "not_run", "no_check", "should")
# Clauses listed failed first, then the rest (catalogue order within one rank).
STATUS_RANK = {"fail": 0, "error": 1, "not_attested": 2, "not_run": 3, "pass": 4, "attested": 5}


@dataclass(frozen=True)
class Reason:
    key: str  # one of REASONS
    clauses: tuple[str, ...]

    @property
    def rejects(self) -> bool:
        return self.key != "should"


def reason_of(clause: ClauseEntry) -> str | None:
    """The reason one in-scope clause gives the verdict, or None when it passes."""
    if clause.status in ("pass", "attested"):
        return None
    if clause.level == "SHOULD":
        return "should"
    if clause.level == "ATTEST":
        return "not_attested"
    if clause.status == "not_run":
        return "no_check" if not clause.checks else "not_run"
    return "fail" if clause.status == "fail" else "error"


def reasons(report: Report) -> list[Reason]:
    found: dict[str, list[str]] = {key: [] for key in REASONS}
    for clause in report.clauses:
        key = reason_of(clause) if clause.in_scope else None
        if key is not None:
            found[key].append(clause.id)
    return [Reason(key, tuple(found[key])) for key in REASONS if found[key]]


def clauses_failed_first(report: Report) -> list[ClauseEntry]:
    """In-scope clauses, failed first, then errors, not attested, not run, passes."""
    in_scope = [c for c in report.clauses if c.in_scope]
    return sorted(in_scope, key=lambda c: (STATUS_RANK.get(c.status, 9), c.level == "SHOULD"))


def verdict_sentence(report: Report, t: Messages) -> str:
    """E.g. "REJECT: 2 MUST clauses fail (STUDY-05, VOUCH-02); 19 MUST clauses have no check in
    this version". IDs are named for every reason except the tool's own gap (no check), which
    the list below names in full."""
    parts = [
        t(f"why.{r.key}", n=len(r.clauses), ids=t.ids(list(r.clauses)))
        for r in reasons(report)
        if r.rejects or report.verdict == "ADMIT"
    ]
    if report.verdict == "ADMIT":
        in_scope = [c for c in report.clauses if c.in_scope]
        admitted = [t("why.admit", n=sum(c.level == "MUST" for c in in_scope))]
        attested = sum(c.level == "ATTEST" for c in in_scope)
        if attested:
            admitted.append(t("why.admit_attested", n=attested))
        parts = admitted + parts
    return t("why.prefix", verdict=report.verdict) + t("sep").join(parts)


def reason_lines(report: Report, t: Messages) -> list[tuple[str, list[str]]]:
    """The list under the sentence: (what, every clause ID), in REASONS order."""
    return [(t(f"reason.{r.key}"), list(r.clauses)) for r in reasons(report)]
