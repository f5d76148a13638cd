"""One load run from start to verdict: cohort, locust, totals, integrity, `load.json`.

Used by `sxcert load` and by the LOAD-01/LOAD-02 checks inside certify. The verdict holds when
LOAD-01's thresholds hold (p95 latency and error rate over every request of the run, at the
run's users) and LOAD-02's reconciliation finds nothing lost and nothing counted twice. The
cohort (it carries the learners' tokens) lives in a temporary folder removed after the run; the
output folder gets only what a report may show.
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests

from harness.api import Refused
from harness.failures import CheckFailure
from harness.load.cohort import prepare_cohort
from harness.load.integrity import Integrity, reconcile
from harness.load.ledger import read_ledgers
from harness.load.runner import LoadPlan, open_files_per_process, run_locust
from harness.load.stats import HistoryRow, Operation, Totals, read_operations, read_totals
from harness.profile import Profile, Thresholds
from harness.servers import reachable
from harness.supervision import SupervisionClient

SCHEMA = "sxcert.load/1"
DRAIN_S = 120.0  # how long the platform may take to answer again after the load
RECONCILE_TIMEOUT_S = 60.0
# An operation is judged on its own p95 from this many requests on. Below it a "p95" is the
# slowest request or two: one request slowed by a busy machine would decide the verdict (a short
# run on a shared CI machine showed it: 10 capture answers, the slowest 700 ms). Such an
# operation still counts in the whole run's p95; a certification-sized run gives every
# operation thousands of requests.
MIN_REQUESTS_FOR_OPERATION_P95 = 20


@dataclass
class LoadResult:
    users: int
    duration_s: int
    workers: int
    totals: Totals
    integrity: Integrity
    thresholds: dict[str, float]
    prepared_learners: int
    hour_end_learners: int = 0  # of the prepared: met their hour's capture and quiz in the run
    operations: list[Operation] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why the verdict is `fail`

    @property
    def slow_operations(self) -> dict[str, float]:
        """Operations whose own p95 is over the threshold (a slow heartbeat is not hidden by
        many fast quiz answers), among those with enough requests for a p95 of their own."""
        limit = self.thresholds["p95_ms"]
        return {
            op.name: op.p95_ms
            for op in self.operations
            if op.requests >= MIN_REQUESTS_FOR_OPERATION_P95 and op.p95_ms > limit
        }

    @property
    def latency_and_errors_hold(self) -> bool:  # LOAD-01
        return (
            self.totals.requests > 0
            and self.totals.p95_ms <= self.thresholds["p95_ms"]
            and not self.slow_operations
            and self.totals.error_rate <= self.thresholds["max_error_rate"]
        )

    @property
    def integrity_holds(self) -> bool:  # LOAD-02
        return self.integrity.checked > 0 and self.integrity.lost == self.integrity.double == 0

    @property
    def verdict(self) -> str:
        return "pass" if self.latency_and_errors_hold and self.integrity_holds else "fail"

    def as_dict(self) -> dict[str, object]:
        t = self.totals
        return {
            "schema": SCHEMA,
            "users": self.users,
            "duration_s": self.duration_s,
            "workers": self.workers,
            "requests": t.requests,
            "failures": t.failures,
            "rps": round(t.rps, 2),
            "p50_ms": t.p50_ms,
            "p95_ms": t.p95_ms,
            "p99_ms": t.p99_ms,
            "error_rate": round(t.error_rate, 6),
            "verdict": self.verdict,
            "reasons": self.reasons,
            "thresholds": self.thresholds,
            "prepared_learners": self.prepared_learners,
            "hour_end_learners": self.hour_end_learners,
            "operations": [asdict(op) for op in self.operations],
            "integrity": self.integrity.as_dict(),
        }


def judge_reasons(result: LoadResult) -> list[str]:
    totals, integrity, thresholds = result.totals, result.integrity, result.thresholds
    reasons = []
    if totals.requests == 0:
        reasons.append("no request was made")
    if totals.p95_ms > thresholds["p95_ms"]:
        reasons.append(f"p95 {totals.p95_ms:g} ms > {thresholds['p95_ms']:g} ms")
    for name, p95 in result.slow_operations.items():
        reasons.append(f"{name}: p95 {p95:g} ms > {thresholds['p95_ms']:g} ms")
    if totals.error_rate > thresholds["max_error_rate"]:
        reasons.append(
            f"error rate {totals.error_rate:.4%} > {thresholds['max_error_rate']:.4%}"
            f" ({totals.failures} of {totals.requests})"
        )
    if integrity.error:
        reasons.append(f"integrity not checked: {integrity.error}")
    elif integrity.checked == 0:
        reasons.append("nothing acknowledged could be reconciled")
    if integrity.lost:
        reasons.append(f"{integrity.lost} acknowledged record(s) lost")
    if integrity.double:
        reasons.append(f"{integrity.double} record(s) counted twice")
    return reasons


def threshold_values(thresholds: Thresholds) -> dict[str, float]:
    return {"p95_ms": thresholds.load_p95_ms, "max_error_rate": thresholds.load_max_error_rate}


def reconciled(profile: Profile, out: Path) -> Integrity:
    """LOAD-02's reconciliation, once the platform has worked off what the load left queued
    (its health answers again within `DRAIN_S`); the supervision view is read with a patient
    timeout, since it is the judge's read, not part of the load. When the view cannot be read,
    the integrity is unchecked with the reason (the verdict then fails), not a crash."""
    health = profile.target.url.rstrip("/") + "/api/v1/health"
    deadline = time.monotonic() + DRAIN_S
    why = reachable(health, ready_within=DRAIN_S)
    while why is not None and time.monotonic() < deadline:  # a hang is not retried by reachable
        why = reachable(health, ready_within=max(0.0, deadline - time.monotonic()))
    if why is not None:
        return Integrity(error=f"the platform did not recover after the load: {why}")
    authority = profile.authority()
    supervisor = SupervisionClient(
        profile.target.url,
        requests.Session(),
        username=authority.username,
        password=profile.authority_password(),
        timeout=RECONCILE_TIMEOUT_S,
    )
    try:
        return reconcile(supervisor, read_ledgers(out / "ledger"))
    except (CheckFailure, Refused, requests.RequestException) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Integrity(error=f"the supervision view could not be read: {first}")


def run_load(
    profile: Profile,
    plan: LoadPlan,
    out: Path,
    *,
    on_progress: Callable[[HistoryRow], None] = lambda row: None,
    on_prepared: Callable[[int], None] = lambda done: None,
) -> LoadResult:
    """Prepare the cohort, run locust, reconcile; `out` gets the CSVs, the HTML report, the
    ledgers and `load.json`. Raises CohortError / LoadRunError when the run cannot be made."""
    open_files_per_process(plan)  # refused before the cohort is made, not at locust's start
    out.mkdir(parents=True, exist_ok=True)
    seats = plan.users if plan.workers == 0 else math.ceil(plan.users / plan.workers) * plan.workers
    with tempfile.TemporaryDirectory(prefix="sxcert-load-") as scratch:
        cohort = prepare_cohort(
            profile,
            seats,
            duration_s=plan.duration_s,
            hour_end_share=plan.hour_end_share,
            on_ready=on_prepared,
        )
        cohort_file = Path(scratch) / "cohort.json"
        cohort.write(cohort_file)
        run_locust(plan, cohort_file, out, on_progress=on_progress)
    totals = read_totals(out) or Totals(0, 0, 0.0, 0.0, 0.0, 0.0)
    integrity = reconciled(profile, out)
    integrity.unreported = max(0, plan.users - integrity.learners)
    thresholds = threshold_values(profile.thresholds)
    result = LoadResult(
        users=plan.users,
        duration_s=plan.duration_s,
        workers=plan.workers,
        totals=totals,
        integrity=integrity,
        thresholds=thresholds,
        prepared_learners=len(cohort.learners),
        hour_end_learners=sum(1 for x in cohort.learners if x.at_hour_end),
        operations=read_operations(out),
    )
    result.reasons = judge_reasons(result)
    (out / "load.json").write_text(json.dumps(result.as_dict(), indent=2), encoding="utf-8")
    return result
