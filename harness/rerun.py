"""`--rerun-failed report.json`: the checks that failed, errored or were flaky there, again.

The re-run is partial by construction (its scope is the clauses of those checks, and other
checks of the same clauses are not run), and its report names the report it re-ran (path and
sha256), so nobody takes it for a whole run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from harness.registry import all_checks
from harness.report.model import Report

RERUN_STATUSES = frozenset({"fail", "error", "flaky"})


class RerunError(Exception):
    """The earlier report cannot be re-run; the message says why."""


@dataclass(frozen=True)
class RerunSelection:
    checks: frozenset[str]  # check names
    clauses: list[str]  # the in-scope clauses those checks cover
    source: dict[str, str]  # {"report": path, "sha256": …}, recorded in the new report
    embedded_reference: bool  # the earlier run's target was the embedded reference platform
    reference_defects: tuple[str, ...]  # … with these defects switched on
    target_name: str


def read_report(path: Path) -> Report:
    try:
        data = path.read_bytes()
        return Report.model_validate(json.loads(data))
    except FileNotFoundError:
        raise RerunError(f"{path}: report not found") from None
    except OSError as exc:
        raise RerunError(f"{path}: cannot read the report: {exc.strerror}") from None
    except (ValueError, ValidationError):
        raise RerunError(f"{path}: not an sxcert report.json (schema sxcert.report/1)") from None


def failed_checks(path: Path) -> RerunSelection:
    """The checks of `path` to run again; RerunError when there are none or they are unknown."""
    report = read_report(path)
    checks: set[str] = set()
    clauses: list[str] = []
    for clause in report.clauses:
        if not clause.in_scope:
            continue
        names = {c.name for c in clause.checks if c.status in RERUN_STATUSES}
        if names:
            checks |= names
            clauses.append(clause.id)
    if not checks:
        raise RerunError(f"{path}: no check failed, errored or was flaky there; nothing to re-run")
    unknown = sorted(checks - set(all_checks()))
    if unknown:
        raise RerunError(f"{path}: checks unknown to this sxcert version: {', '.join(unknown)}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    target = report.target
    return RerunSelection(
        frozenset(checks),
        clauses,
        {"report": str(path), "sha256": digest},
        embedded_reference=bool(target.get("embedded_reference")),
        reference_defects=tuple(target.get("reference_defects") or ()),
        target_name=str(target.get("name") or target.get("base_url") or "its target"),
    )


def rerun_target(
    selection: RerunSelection, profile_given: bool, defects: tuple[str, ...]
) -> tuple[str, ...]:
    """The reference defects of the re-run: the earlier run's, when it was of the embedded
    reference and this one names neither a profile nor defects (re-running a defect's failures
    against a clean reference would only say the defect is gone). RerunError when the earlier
    run was of a vendor's platform and this one would certify the embedded reference instead."""
    if not selection.embedded_reference and not profile_given:
        raise RerunError(
            f"{selection.source['report']} is a run of {selection.target_name}; give its --profile"
        )
    if selection.embedded_reference and not profile_given and not defects:
        return selection.reference_defects
    return defects
