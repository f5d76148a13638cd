"""From check results to clause statuses and the verdict.

A clause is `pass` only when every check of it that ran passed; `fail` beats `error` (also a
`flaky` check: a verdict that does not hold still is no verdict) beats `not_run`. A clause no
check covers is `not_run`, honestly. A narrowed run judges only its scope: the clauses named by
--only (all when absent) minus those whose every check was skipped by kind.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.catalogue import Clause, load_catalogue
from harness.driver import driver_identity
from harness.profile import Thresholds, file_sha256
from harness.registry import CheckInfo, all_checks
from harness.report.model import CheckEntry, ClauseEntry, Report, Threshold
from harness.version import sxcert_version

if TYPE_CHECKING:
    from harness.context import RunContext


@dataclass
class CheckResult:
    """What the plugin collected of one check; `expected`/`received` are JSON values already."""

    name: str
    kind: str
    requirements: list[str]
    status: str = "not_run"
    detail: str = ""
    evidence: list[str] = field(default_factory=list)
    title: str = ""
    expected: Any = None
    received: Any = None
    duration_s: float | None = None


def clause_status(statuses: list[str]) -> str:
    ran = [s for s in statuses if s != "not_run"]
    if not ran:
        return "not_run"
    if "fail" in ran:
        return "fail"
    return "error" if "error" in ran or "flaky" in ran else "pass"


def check_title(doc: str | None) -> str:
    """A check's human title: its docstring's first paragraph (what the check did), on one line."""
    text = inspect.cleandoc(doc or "")
    return " ".join(text.split("\n\n")[0].split())


def _registered_title(info: CheckInfo) -> str:
    func = getattr(importlib.import_module(info.module), info.name, None)
    return check_title(getattr(func, "__doc__", None)) or info.summary


def _attestation(context: RunContext, clause: Clause) -> tuple[str, dict | None]:
    for attestation in context.profile.attestations:
        if attestation.id != clause.id:
            continue
        record = {
            "examiner": attestation.examiner,
            "date": attestation.date.isoformat(),
            "evidence": str(attestation.evidence),
            "note": attestation.note,
        }
        if not attestation.evidence.is_file():
            record["problem"] = "evidence file not found"
            return "not_attested", record
        record["sha256"] = file_sha256(attestation.evidence)
        return "attested", record
    return "not_attested", None


def _in_scope(context: RunContext, clause: Clause, kinds: list[str]) -> bool:
    if context.only is not None and clause.id not in context.only:
        return False
    return not (kinds and all(kind in context.skip_kinds for kind in kinds))


def build_report(
    context: RunContext,
    results: list[CheckResult],
    started_at: dt.datetime,
    finished_at: dt.datetime,
) -> Report:
    by_name = {r.name: r for r in results}
    registered = all_checks()
    clauses: list[ClauseEntry] = []
    for clause in load_catalogue().clauses:
        if not clause.judged:
            continue
        covering = [info for info in registered.values() if clause.id in info.requirements]
        checks = []
        for info in covering:
            result = by_name.get(info.name)
            checks.append(_entry(info, result))
        if clause.level == "ATTEST":
            status, attestation = _attestation(context, clause)
        else:
            status, attestation = clause_status([c.status for c in checks]), None
        clauses.append(
            ClauseEntry(
                id=clause.id,
                level=clause.level,  # type: ignore[arg-type]
                status=status,  # type: ignore[arg-type]
                checks=checks,
                in_scope=_in_scope(context, clause, [c.kind for c in checks]),
                section=clause.section,
                quote_zh=clause.quote_zh,
                text_en=clause.text_en,
                decision=clause.decision,
                attestation=attestation,
            )
        )
    return Report(
        verdict=verdict(clauses),
        partial=context.partial,
        sxcert_version=sxcert_version(),
        profile_sha256=_profile_sha256(context),
        thresholds=thresholds_used(context.profile.thresholds),
        target=_target(context),
        started_at=started_at,
        finished_at=finished_at,
        clauses=clauses,
    )


def _entry(info: CheckInfo, result: CheckResult | None) -> CheckEntry:
    title = (result.title if result else "") or _registered_title(info)
    if result is None:
        return CheckEntry(
            name=info.name,
            kind=info.kind,
            status="not_run",
            detail="not run in this run",
            title=title,
        )
    return CheckEntry(
        name=info.name,
        kind=info.kind,
        status=result.status,  # type: ignore[arg-type]
        detail=result.detail,
        title=title,
        expected=result.expected,
        received=result.received,
        duration_s=result.duration_s,
        evidence=result.evidence,
    )


def verdict(clauses: list[ClauseEntry]) -> str:
    """ADMIT needs every in-scope MUST clause `pass` and every in-scope ATTEST clause `attested`."""
    for clause in clauses:
        if not clause.in_scope:
            continue
        if clause.level == "MUST" and clause.status != "pass":
            return "REJECT"
        if clause.level == "ATTEST" and clause.status != "attested":
            return "REJECT"
    return "ADMIT"


def thresholds_used(thresholds: Thresholds) -> dict[str, Threshold]:
    """Every threshold the run judged by, beside its default, in the profile's order."""
    defaults = Thresholds()
    return {
        name: Threshold(
            value=value,
            default=getattr(defaults, name),
            non_default=value != getattr(defaults, name),
        )
        for name, value in thresholds.model_dump().items()
    }


def _profile_sha256(context: RunContext) -> str | None:
    """The hash of the profile file as read (secrets are named by variable, so it holds none);
    the embedded reference has no profile file."""
    source = context.profile.source
    return file_sha256(source) if source is not None and source.is_file() else None


def _target(context: RunContext) -> dict:
    target = context.profile.target
    return {
        "name": target.name,
        "base_url": target.url,
        "platform_id": target.platform_id,
        "province_url": context.profile.province.base,
        "driver": driver_identity(context.driver_class),
        "embedded_reference": context.embedded,
        "reference_defects": list(context.reference_defects),
        "reference_alternatives": list(context.reference_alternatives),
        "reference_database": context.reference_database,
        "reference_instances": context.reference_instances,
        "profile": str(context.profile.source) if context.profile.source else None,
        "only": sorted(context.only) if context.only is not None else None,
        "skipped_kinds": sorted(context.skip_kinds),
    }
