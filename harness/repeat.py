"""`--repeat N`: the same checks N times against the same target; a check whose verdicts differ
between repetitions is `flaky`, and its clause `error` (a verdict that does not hold still is
no finding either way, so it can neither pass a clause nor fail it)."""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

from harness.report.build import clause_status, verdict
from harness.report.model import CheckEntry, Report


def merge_repetitions(reports: list[Report]) -> Report:
    """The first repetition's report with every check's status merged over all repetitions
    (its evidence and findings are the first repetition's, or the first differing one's)."""
    first = reports[0].model_copy(deep=True)
    for index, clause in enumerate(first.clauses):
        seen = [r.clauses[index].checks for r in reports]
        clause.checks = [_merge_check([checks[i] for checks in seen]) for i in range(len(seen[0]))]
        if clause.level != "ATTEST":
            clause.status = clause_status([c.status for c in clause.checks])  # type: ignore[assignment]
    first.verdict = verdict(first.clauses)  # type: ignore[assignment]
    first.finished_at = reports[-1].finished_at
    first.interrupted = any(r.interrupted for r in reports)
    first.partial = first.partial or first.interrupted
    return first


def _merge_check(runs: list[CheckEntry]) -> CheckEntry:
    ran = [c for c in runs if c.status != "not_run"]
    statuses = [c.status for c in ran]
    if len(set(statuses)) <= 1:
        return runs[0]
    odd = next(c for c in ran if c.status != ran[0].status)
    merged = odd.model_copy() if ran[0].status == "pass" else ran[0].model_copy()
    merged.status = "flaky"
    merged.detail = f"verdicts differ between repetitions: {', '.join(statuses)}; " + (
        merged.detail or ""
    )
    return merged


def keep_flaky_evidence(merged: Report, later: list[tuple[Path, Report]], out: Path) -> None:
    """A flaky check's evidence of every later repetition, beside the first's: copied from
    that repetition's folder to `evidence/<check>/repetition-<n>/` in `out` and listed with the
    check (the later repetitions' folders are discarded after the run)."""
    flaky = {c.name for clause in merged.clauses for c in clause.checks if c.status == "flaky"}
    kept: dict[str, list[str]] = {name: [] for name in flaky}
    for number, (folder, report) in enumerate(later, start=2):
        for name, paths in _evidence_by_check(report, flaky).items():
            for relative in paths:
                source = folder / relative
                if not source.is_file():
                    continue
                prefix = f"evidence/{name}/"
                inside = relative[len(prefix) :] if relative.startswith(prefix) else source.name
                target = PurePosixPath("evidence", name, f"repetition-{number}", inside)
                (out / target).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, out / target)
                kept[name].append(str(target))
    for clause in merged.clauses:
        for check in clause.checks:
            if check.name in kept:
                check.evidence = [*check.evidence, *kept[check.name]]


def _evidence_by_check(report: Report, names: set[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for clause in report.clauses:
        for check in clause.checks:
            if check.name in names and check.name not in found:
                found[check.name] = list(check.evidence)
    return found
