"""Vendors' baselines: failures a vendor expects, so that CI is red only for new ones.

A baseline (`expected.toml`) lists expected failures, each naming a clause (optionally one check
of it), the status expected, why, who owns the fix and until when the entry holds. Applying it
to a report changes the exit code and the summary, never the verdict: a run whose only failures
are expected exits 0 and stays REJECT; a failure no valid entry expects, an entry whose status
differs from what happened, and an expired entry's failure all exit 1; an expected failure that
now passes is reported as an unexpected pass (exit unchanged: the vendor removes the entry).

Which failures count: those that decide the verdict — an in-scope MUST clause that is not
`pass` and an in-scope ATTEST clause that is not `attested`.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from harness.catalogue import load_catalogue
from harness.registry import checks_by_requirement
from harness.report.model import CheckEntry, ClauseEntry, Report

ExpectedStatus = Literal["fail", "error", "flaky", "not_run", "not_attested"]
PASSING = frozenset({"pass", "attested"})


class BaselineError(Exception):
    """The baseline file cannot be used; the message names the file and the problem."""


class Expected(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clause: str = Field(pattern=r"^[A-Z]+-\d{2}$")
    check: str | None = Field(default=None, min_length=1)
    status: ExpectedStatus
    reason: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    expires: dt.date

    @model_validator(mode="after")
    def _check_status(self) -> Expected:
        if self.check is not None and self.status == "not_attested":
            raise ValueError("not_attested is a clause status; a check is fail, error or flaky")
        return self

    @property
    def label(self) -> str:
        return f"{self.clause}/{self.check}" if self.check else self.clause


class Baseline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected: list[Expected] = Field(default_factory=list)


class BaselineOutcome(BaseModel):
    """What a baseline made of a report; written into report.json as `baseline`."""

    file: str
    expected_failures: list[str] = Field(default_factory=list)
    unexpected_failures: list[str] = Field(default_factory=list)
    expired: list[str] = Field(default_factory=list)
    unexpected_passes: list[str] = Field(default_factory=list)
    not_judged: list[str] = Field(default_factory=list)  # entries whose clause was not in scope

    @property
    def exit_code(self) -> int:
        return 1 if self.unexpected_failures or self.expired else 0


def load_baseline(path: Path) -> Baseline:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BaselineError(f"{path}: not valid TOML: {exc}") from None
    try:
        baseline = Baseline.model_validate(raw)
    except ValidationError as exc:
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise BaselineError(f"{path}: the baseline is not valid: {where}") from None
    unknown = _unknown_names(baseline)
    if unknown:
        raise BaselineError(f"{path}: {'; '.join(unknown)}")
    return baseline


def _unknown_names(baseline: Baseline) -> list[str]:
    """Entries naming a clause or check this sxcert does not have (a typo would otherwise
    expect nothing, silently)."""
    clauses = set(load_catalogue().ids())
    covering = checks_by_requirement()
    problems = []
    for index, entry in enumerate(baseline.expected):
        if entry.clause not in clauses:
            problems.append(f"expected[{index}]: no clause {entry.clause} in the catalogue")
        elif entry.check is not None and entry.check not in covering.get(entry.clause, []):
            problems.append(f"expected[{index}]: no check {entry.check} covers {entry.clause}")
    return problems


def decisive_failures(report: Report) -> list[ClauseEntry]:
    """The in-scope clauses that make the verdict REJECT."""
    return [
        c
        for c in report.clauses
        if c.in_scope
        and (
            (c.level == "MUST" and c.status != "pass")
            or (c.level == "ATTEST" and c.status != "attested")
        )
    ]


def apply_baseline(
    baseline: Baseline, report: Report, file: Path, today: dt.date | None = None
) -> BaselineOutcome:
    today = today or dt.date.today()
    outcome = BaselineOutcome(file=str(file))
    clauses = {c.id: c for c in report.clauses}
    for entry in baseline.expected:
        clause = clauses.get(entry.clause)
        if clause is None or not clause.in_scope:
            outcome.not_judged.append(entry.label)
        elif _observed(entry, clause) in PASSING:
            outcome.unexpected_passes.append(entry.label)
    for clause in decisive_failures(report):
        entries = [e for e in baseline.expected if e.clause == clause.id]
        valid = [e for e in entries if e.expires >= today]
        if _expects(valid, clause):
            outcome.expected_failures.append(clause.id)
        elif _expects(entries, clause):
            dates = ", ".join(sorted({str(e.expires) for e in entries if e.expires < today}))
            outcome.expired.append(f"{clause.id} (entry expired {dates})")
        else:
            outcome.unexpected_failures.append(f"{clause.id} ({clause.status})")
    return outcome


def _check(entry: Expected, clause: ClauseEntry) -> CheckEntry | None:
    return next((c for c in clause.checks if c.name == entry.check), None)


def _observed(entry: Expected, clause: ClauseEntry) -> str:
    if entry.check is None:
        return clause.status
    check = _check(entry, clause)
    return check.status if check is not None else "not_run"


def _expects(entries: list[Expected], clause: ClauseEntry) -> bool:
    """The entries expect what happened: the clause's status, or every failing check of it
    with its status — an entry for one check never covers a second check failing beside it."""
    if any(e.check is None and e.status == clause.status for e in entries):
        return True
    failing = [c for c in clause.checks if c.status not in ("pass", "not_run")]
    return bool(failing) and all(
        any(e.check == c.name and e.status == c.status for e in entries) for c in failing
    )


def starting_baseline(
    report: Report, *, owner: str, days: int, today: dt.date | None = None
) -> str:
    """A baseline expecting every decisive failure of `report`, per failing check, for `days`."""
    expires = (today or dt.date.today()) + dt.timedelta(days=days)
    entries = []
    for clause in decisive_failures(report):
        failing = [c for c in clause.checks if c.status not in ("pass", "not_run")]
        reason = "TODO: why this failure is accepted for now"
        if not failing:
            entries.append(
                {
                    "clause": clause.id,
                    "status": clause.status,
                    "reason": reason,
                    "owner": owner,
                    "expires": expires,
                }
            )
        entries.extend(
            {
                "clause": clause.id,
                "check": c.name,
                "status": c.status,
                "reason": reason,
                "owner": owner,
                "expires": expires,
            }
            for c in failing
        )
    header = (
        "# sxcert baseline: expected failures (see `sxcert certify --help`, --baseline).\n"
        f"# Written from a report; every entry expires on {expires}. Fill in each reason.\n"
    )
    return header + tomli_w.dumps({"expected": entries})
