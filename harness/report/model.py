"""report.json, schema `sxcert.report/1` (DESIGN.md): the stable product interface CI reads."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

SCHEMA = "sxcert.report/1"
ClauseStatus = Literal["pass", "fail", "error", "not_run", "attested", "not_attested"]
CheckStatus = Literal["pass", "fail", "error", "flaky", "not_run"]
Verdict = Literal["ADMIT", "REJECT"]


class CheckEntry(BaseModel):
    """One check's result. `detail` is the finding in one sentence (the failure's title, the
    `"<ExceptionType>: message"` of an error, or the notes of a pass); `title` says what the check
    did; `expected`/`received` are JSON values (null when there are none)."""

    name: str
    kind: Literal["api", "browser", "load", "attest", "fuzz"]
    status: CheckStatus
    detail: str = ""
    title: str = ""
    expected: Any = None
    received: Any = None
    duration_s: float | None = None
    evidence: list[str] = Field(default_factory=list)


class ClauseEntry(BaseModel):
    id: str
    level: Literal["MUST", "SHOULD", "ATTEST"]
    status: ClauseStatus
    checks: list[CheckEntry] = Field(default_factory=list)
    in_scope: bool = True
    section: str = ""
    quote_zh: str = ""
    text_en: str = ""
    decision: str | None = None
    attestation: dict[str, Any] | None = None


class Threshold(BaseModel):
    """One profile threshold the run judged by; `non_default` flags a value the profile changed
    from DESIGN.md's default (a profile with max_age_exclusive = 65 must not pass silently)."""

    value: int | float
    default: int | float
    non_default: bool


class Report(BaseModel):
    schema_: str = Field(default=SCHEMA, alias="schema")
    verdict: Verdict
    partial: bool
    interrupted: bool = False  # stopped before every selected check ran (and so also partial)
    sxcert_version: str = ""
    profile_sha256: str | None = None  # of the profile file; null for the embedded reference
    thresholds: dict[str, Threshold] = Field(default_factory=dict)
    target: dict[str, Any]
    started_at: dt.datetime
    finished_at: dt.datetime
    clauses: list[ClauseEntry]
    seed: int | None = None  # the run seed: `sxcert certify --seed` repeats the harness's draws
    repeat: int = 1  # how many times every check ran (`--repeat`); differing verdicts: flaky
    rerun_of: dict[str, str] | None = None  # `--rerun-failed`: the report re-run (path, sha256)
    baseline: dict[str, Any] | None = None  # `--baseline`: what it made of this run's failures

    model_config = {"populate_by_name": True}

    def counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for clause in self.clauses:
            totals[clause.status] = totals.get(clause.status, 0) + 1
        return totals

    def non_default_thresholds(self) -> dict[str, Threshold]:
        return {name: t for name, t in self.thresholds.items() if t.non_default}

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)
