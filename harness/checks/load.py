"""LOAD-01 and LOAD-02 — the platform holds the profile's load, and loses or doubles nothing.

One load run serves both checks (`harness/load/`): the profile's `load_users` learners, each
made ready first (registered, signed in with liveness, enrolled, its lesson open, the test clock
one lesson on), then `load_duration_seconds` of real-time study by locust in processes of its
own — a heartbeat every heartbeat interval, the hour's quiz when due, the capture challenge when
issued, a logout at the end. The space probed: every learner operation of a studying learner
(heartbeat, quiz answer, capture answer, logout), each at the profile's users and pacing;
latency by percentile over every request and per operation; every request's outcome (2xx,
refused, 5xx, no answer). LOAD-01 holds when the p95 latency of the whole run and of every
operation with at least 20 requests (`MIN_REQUESTS_FOR_OPERATION_P95`) is within `load_p95_ms`
and the share of failed requests within `load_max_error_rate`. LOAD-02 reconciles every
acknowledged heartbeat (by seq), the lesson credit the last one announced, every acknowledged
capture answer and verdict and every acknowledged quiz answer with the authority's supervision
view: nothing missing, nothing twice (harness/load/integrity.py). A run that could not be made
(cohort refused, locust did not run) is `error` (CannotProbe), never `pass`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from harness.failures import CannotProbe, CheckFailure
from harness.load.crowd import spawn_rate
from harness.load.runner import LoadPlan
from harness.load.session import LoadResult, run_load
from harness.probe import Probe
from harness.profile import Profile
from harness.registry import check

_RUNS: dict[int, LoadResult | Exception] = {}  # one run per certification session
PREPARATION_ALLOWANCE_S = 60  # the least a check needs besides the load itself


def load_plan(profile: Profile) -> LoadPlan:
    """The profile's load: its users, arriving over a third of the run, at most one heartbeat
    interval (crowd.py)."""
    t = profile.thresholds
    return LoadPlan(
        profile.target.url,
        t.load_users,
        spawn_rate(t.load_users, t.load_duration_seconds, t.load_pacing_seconds),
        t.load_duration_seconds,
        pacing_s=t.load_pacing_seconds,
        hour_end_share=t.load_hour_end_share,
    )


def _the_run(probe: Probe, request: pytest.FixtureRequest, name: str) -> LoadResult:
    from harness.plugin import current_session  # the plugin imports the checks, not vice versa

    session = current_session(request.config)
    if session is None:
        raise CannotProbe(name, "the load run needs a certification session's profile")
    key = id(session)
    profile = session.context.profile
    needs_s = profile.thresholds.load_duration_seconds + PREPARATION_ALLOWANCE_S
    if needs_s > profile.target.check_timeout_seconds:
        raise CannotProbe(
            name,
            f"the profile's load lasts {profile.thresholds.load_duration_seconds} s, more than"
            f" its check_timeout_seconds ({profile.target.check_timeout_seconds:g} s) allows with"
            f" {PREPARATION_ALLOWANCE_S} s to prepare the learners: raise"
            " target.check_timeout_seconds",
        )
    if key not in _RUNS:
        with tempfile.TemporaryDirectory(prefix="sxcert-load-check-") as scratch:
            folder = Path(scratch)
            try:
                _RUNS[key] = run_load(profile, load_plan(profile), folder)
            except Exception as exc:  # cohort refused, locust not run, …: kept for both checks
                _RUNS[key] = exc
            for evidence in ("report.html", "locust_stats.csv", "locust_failures.csv"):
                if (folder / evidence).is_file():
                    probe.evidence.attach_file(evidence, folder / evidence)
    run = _RUNS[key]
    if isinstance(run, Exception):
        raise CannotProbe(name, f"the load run could not be made: {run}")
    probe.evidence.attach_json("load", run.as_dict())
    return run


@check("LOAD-01", kind="load")
def profile_load_is_held_within_latency_and_error_bounds(
    probe: Probe, request: pytest.FixtureRequest
) -> None:
    """The profile's load is held: p95 latency (whole run and each operation) and error rate."""
    run = _the_run(probe, request, "load")
    limit = run.thresholds["p95_ms"]
    if not run.latency_and_errors_hold:
        raise CheckFailure(
            f"{run.users} learners studied for {run.duration_s} s at the profile's pacing",
            received={
                "requests": run.totals.requests,
                "p95_ms": run.totals.p95_ms,
                "error_rate": round(run.totals.error_rate, 6),
                "slow_operations_p95_ms": run.slow_operations,
            },
            expected={
                "p95_ms": f"<= {limit:g}",
                "error_rate": f"<= {run.thresholds['max_error_rate']:g}",
            },
        )
    probe.evidence.note(
        f"{run.users} learners, {run.totals.requests} requests: p95 {run.totals.p95_ms:g} ms,"
        f" error rate {run.totals.error_rate:.4%}"
    )


@check("LOAD-02", kind="load")
def acknowledged_study_is_neither_lost_nor_doubled_under_load(
    probe: Probe, request: pytest.FixtureRequest
) -> None:
    """Under load, every acknowledged heartbeat, credit, capture and answer is kept once."""
    run = _the_run(probe, request, "integrity")
    integrity = run.integrity
    if integrity.checked == 0:
        raise CannotProbe("integrity", "no acknowledged record to reconcile (nothing answered 2xx)")
    if integrity.lost or integrity.double:
        raise CheckFailure(
            f"{integrity.learners} learners' acknowledged study against the supervision view",
            received={
                "checked": integrity.checked,
                "lost": integrity.lost,
                "double": integrity.double,
                "first_findings": integrity.findings[:5],
            },
            expected={"lost": 0, "double": 0},
        )
    probe.evidence.note(
        f"{integrity.checked} acknowledged records of {integrity.learners} learners: none lost,"
        " none counted twice"
    )
