"""`sxcert load`: the load test alone (LOAD-01, LOAD-02), or the capacity ramp.

Without `--profile` it starts the embedded reference platform and province (with any
`--reference-defect`), as certify does; with one it targets only the profile's host. Exit 0 when
the thresholds hold (with `--find-capacity`: when at least the first step held), 1 when not, 2
when the run could not be made (a bad option or profile, a target that is down, learners the
platform would not make ready, locust not running or not stopping) — with one line saying why.
The run is bounded in users, workers and time, and stops by itself; Ctrl-C, SIGTERM and SIGHUP
end it with every locust process and server it started.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated

import requests
import typer
from rich.console import Console

from harness.api import Refused
from harness.certify import CertifyOptions, _target
from harness.failures import CheckFailure
from harness.load.capacity import find_capacity
from harness.load.cohort import CohortError
from harness.load.crowd import spawn_rate as crowd_spawn_rate
from harness.load.runner import LoadPlan, LoadRunError, call_deadline_s
from harness.load.session import LoadResult, run_load
from harness.load.stats import HistoryRow
from harness.profile import Profile, ProfileError, Thresholds, load_profile
from harness.province_sandbox import ProvinceSandboxError
from harness.run_bounds import StopRequest, stop_on_signals
from harness.servers import ServerStartError, reachable

MAX_USERS = 100_000
MAX_WORKERS = 32
MAX_DURATION_S = 86_400
PROGRESS_EVERY_S = 5.0

console = Console()
errors = Console(stderr=True)


class LoadOptionError(ValueError):
    """A bad option: exit 2 with this message, before anything starts."""


def validate(
    users: int | None, duration: int | None, workers: int, spawn_rate: float | None
) -> None:
    if users is not None and not 1 <= users <= MAX_USERS:
        raise LoadOptionError(f"--users must be between 1 and {MAX_USERS}")
    if duration is not None and not 1 <= duration <= MAX_DURATION_S:
        raise LoadOptionError(f"--duration must be between 1 and {MAX_DURATION_S} seconds")
    if not 0 <= workers <= MAX_WORKERS:
        raise LoadOptionError(f"--workers must be between 0 and {MAX_WORKERS}")
    if spawn_rate is not None and spawn_rate <= 0:
        raise LoadOptionError("--spawn-rate must be above 0")


def plan_for(
    profile: Profile,
    users: int | None,
    duration: int | None,
    spawn_rate: float | None,
    workers: int,
    pacing_s: float | None = None,
    hour_end_share: float | None = None,
) -> LoadPlan:
    """The profile's load, with what the options override (`pacing_s`: instead of the
    profile's); users arrive over a third of the run, at most one heartbeat interval (crowd.py)."""
    t = profile.thresholds
    users = users or t.load_users
    duration = duration or t.load_duration_seconds
    pacing = pacing_s or t.load_pacing_seconds
    rate = spawn_rate or crowd_spawn_rate(users, duration, pacing)
    share = hour_end_share or t.load_hour_end_share
    return LoadPlan(profile.target.url, users, rate, duration, workers, pacing, share)


class ProgressLine:
    """One line every few seconds while locust runs: users, rps, p95, failures so far."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.last = 0.0

    def prepared(self, done: int) -> None:
        if time.monotonic() - self.last >= PROGRESS_EVERY_S:
            self.last = time.monotonic()
            console.print(f"  preparing learners: {done} ready", highlight=False)

    def __call__(self, row: HistoryRow) -> None:
        if time.monotonic() - self.last < PROGRESS_EVERY_S:
            return
        self.last = time.monotonic()
        console.print(
            f"  +{time.monotonic() - self.started:.0f}s  users {row.users}  rps {row.rps:.1f}"
            f"  p95 {row.p95_ms:g} ms  requests {row.requests}  failures {row.failures}",
            highlight=False,
        )


def _summary(result: LoadResult, out: Path) -> None:
    t, i = result.totals, result.integrity
    console.print(
        f"{result.users} users, {result.duration_s} s: {t.requests} requests, {t.rps:.1f} rps,"
        f" p50/p95/p99 {t.p50_ms:g}/{t.p95_ms:g}/{t.p99_ms:g} ms,"
        f" error rate {t.error_rate:.4%}; integrity checked {i.checked}, lost {i.lost},"
        f" double {i.double}; {result.hour_end_learners} learners met their hour's capture"
        " and quiz",
        highlight=False,
    )
    for reason in result.reasons:
        console.print(f"  - {reason}", highlight=False)
    console.print(f"Verdict: {result.verdict}. Reports: {out / 'load.json'}, {out / 'report.html'}")


def load_command(
    profile: Annotated[Path | None, typer.Option(help="target profile (TOML)")] = None,
    users: Annotated[int | None, typer.Option(help="learners (default: the profile's)")] = None,
    spawn_rate: Annotated[
        float | None,
        typer.Option(help="learners started per second (default: all in 1/3 of the run)"),
    ] = None,
    duration: Annotated[
        int | None, typer.Option(help="seconds of load (default: the profile's)")
    ] = None,
    out: Annotated[Path, typer.Option(help="output folder")] = Path("reports/load"),
    find_capacity_: Annotated[
        bool,
        typer.Option("--find-capacity", help="double the users in steps until a threshold breaks"),
    ] = False,
    max_users: Annotated[
        int | None,
        typer.Option(help="--find-capacity: the largest step (default: 2x the profile's users)"),
    ] = None,
    workers: Annotated[int, typer.Option(help="locust workers (0: one process)")] = 0,
    hour_end_share: Annotated[
        float | None,
        typer.Option(
            help="share of learners meeting their hour's capture and quiz in the run"
            " (default: the profile's, else the run's share of a lesson; 1: all)"
        ),
    ] = None,
    reference_defect: Annotated[
        list[str] | None, typer.Option(help="switch on a reference-platform defect (repeatable)")
    ] = None,
) -> None:
    """The load test alone (LOAD-01, LOAD-02): locust, load.json, CSV history, an HTML report."""
    defects = tuple(n.strip() for item in reference_defect or [] for n in item.split(",") if n)
    try:
        validate(users, duration, workers, spawn_rate)
        if hour_end_share is not None and not 0 < hour_end_share <= 1:
            raise LoadOptionError("--hour-end-share must be above 0 and at most 1")
        if max_users is not None and not 1 <= max_users <= MAX_USERS:
            raise LoadOptionError(f"--max-users must be between 1 and {MAX_USERS}")
        given = None
        if profile is not None:
            if defects:
                raise LoadOptionError("--reference-defect applies only to the embedded reference")
            given = load_profile(profile)
        elif defects:
            from reference_platform.defects import DEFECTS, unknown_defects_message

            unknown = sorted(set(defects) - DEFECTS.keys())
            if unknown:
                raise LoadOptionError(unknown_defects_message(unknown))
        code = _run(
            given,
            profile,
            defects,
            users,
            duration,
            spawn_rate,
            workers,
            out,
            find_capacity_,
            max_users,
            hour_end_share,
        )
    except (LoadOptionError, ProfileError) as exc:
        errors.print(f"[bold red]sxcert:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    raise typer.Exit(code)


def _run(
    given: Profile | None,
    profile_path: Path | None,
    defects: tuple[str, ...],
    users: int | None,
    duration: int | None,
    spawn_rate: float | None,
    workers: int,
    out: Path,
    capacity: bool,
    max_users: int | None,
    hour_end_share: float | None = None,
) -> int:
    options = CertifyOptions(
        profile=profile_path,
        reference_defects=defects,
        reference_processes=os.cpu_count() or 1,
    )
    stop = StopRequest()
    try:
        call_deadline_s()  # a bad value is exit 2 now, not after the learners are prepared
        with stop_on_signals(stop), _target(options, given) as target:
            why = reachable(target.target.url.rstrip("/") + "/api/v1/health")
            if why is not None:
                raise LoadRunError(f"the target is not reachable: {why}")
            # the embedded reference's 2 s pacing is for certify's short run
            pacing = Thresholds().load_pacing_seconds if given is None else None
            plan = plan_for(target, users, duration, spawn_rate, workers, pacing, hour_end_share)
            progress = ProgressLine()

            def one_run(step: LoadPlan, folder: Path) -> LoadResult:
                console.print(
                    f"Load: {step.users} learners for {step.duration_s} s against {step.host}"
                )
                return run_load(
                    target, step, folder, on_progress=progress, on_prepared=progress.prepared
                )

            if not capacity:
                result = one_run(plan, out)
                _summary(result, out)
                return 0 if result.verdict == "pass" else 1
            found = find_capacity(plan, max_users or 2 * plan.users, out, one_run)
            out.mkdir(parents=True, exist_ok=True)
            (out / "capacity.json").write_text(
                json.dumps(found.as_dict(), indent=2), encoding="utf-8"
            )
            held = found.largest_held_users
            console.print(
                f"Largest load held: {f'{held} users' if held else 'none'}"
                f" ({found.stopped_because}). Curve: {out / 'capacity.json'}"
            )
            return 0 if found.largest_held_users else 1
    except KeyboardInterrupt:
        errors.print(
            "[bold red]sxcert:[/] interrupted; locust and servers stopped", highlight=False
        )
        return 2
    except (CohortError, LoadRunError, ServerStartError, ProvinceSandboxError) as exc:
        errors.print(f"[bold red]sxcert:[/] the load run could not be made: {exc}", highlight=False)
        return 2
    except (CheckFailure, Refused, requests.RequestException) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        errors.print(
            f"[bold red]sxcert:[/] the load run could not be made: {first}", highlight=False
        )
        return 2
