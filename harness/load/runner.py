"""Locust in processes of its own: headless, bounded in users and time, stopped whatever happens.

One run is either a single locust process, or a master and N workers on locust's own protocol
(`--workers N`), all local, each in a process group of its own (started with the Linux
parent-death signal, like the platform servers in harness/servers.py). The run's duration is
counted from the moment locust starts its users (its log says "Ramping to" / "Sending spawn
jobs"), and then ended with SIGINT, which makes locust stop its users (each logs out and writes
its ledger), write its CSV files and HTML report and quit. Locust's own `--run-time` is only the
bound that stops it by itself should this process die: it is counted on gevent's loop clock,
which on a busy machine starts late and would cut a short run by the seconds locust took to
import. Past the bound plus a grace period, or on Ctrl-C, every process is ended — never a
locust process left behind. The locust processes start in the run's own folder,
so no `locust.conf` or `pyproject.toml` of the working directory changes what they do.
"""

from __future__ import annotations

import functools
import math
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from harness.load.stats import HistoryRow, latest_history_row
from harness.servers import die_with_parent

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
STOP_TIMEOUT_S = 5  # how long learners get to finish their step and log out at the end
START_GRACE_S = 60  # locust's own start (imports, workers connecting), and the last CSV writes
STARTED_MARKS = (b"Ramping to", b"Sending spawn jobs")  # locust's log: the users are starting


# A locust process's own open files besides one socket per simulated learner (FastHttpUser keeps
# its connection): the interpreter's, the CSV and log files, the ledgers, a worker's master link.
FILES_BESIDES_USERS = 512
CALL_DEADLINE_VARIABLE = "SXCERT_LOAD_CALL_DEADLINE_S"  # one call's bound as a whole (locustfile)
CALL_DEADLINE_S = 10.0


class LoadRunError(RuntimeError):
    """The load run could not be made (exit 2), with the reason and the tail of locust's log."""


def call_deadline_s(environ: Mapping[str, str] | None = None) -> float:
    """The bound of one simulated learner's call as a whole: CALL_DEADLINE_S, or the variable's
    value (a test's shorter one). A value that is not a positive number is refused here, with
    its name, before any learner is prepared or locust started."""
    raw = (os.environ if environ is None else environ).get(CALL_DEADLINE_VARIABLE) or ""
    if not raw:
        return CALL_DEADLINE_S
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise LoadRunError(f"{CALL_DEADLINE_VARIABLE} must be a positive number of seconds")
    return value


def open_files_per_process(plan: LoadPlan) -> int:
    """The open-file limit a locust process of the plan runs with: its share of the learners'
    sockets and its own files, raised from the soft limit up to the hard one. Past the hard
    limit the run cannot be made: locust would die mid-run of "too many open files" (a
    20,000-learner run in one process did, at this machine's 20,000), so the plan is refused
    before the cohort is made, naming the workers that fit."""
    per_process = math.ceil(plan.users / max(1, plan.workers)) + FILES_BESIDES_USERS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and per_process > hard:
        fits = max(1, hard - FILES_BESIDES_USERS)
        raise LoadRunError(
            f"{plan.users} learners need about {per_process} open files in each locust process,"
            f" over this machine's limit of {hard}: spread them with --workers"
            f" {math.ceil(plan.users / fits)} (or raise the limit, ulimit -n)"
        )
    return max(soft, per_process) if soft != resource.RLIM_INFINITY else soft


def _start_locust_process(open_files: int) -> None:
    """In the child before exec: the open-file limit, and death with its parent."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, hard))
    die_with_parent()


@dataclass(frozen=True)
class LoadPlan:
    host: str
    users: int
    spawn_rate: float
    duration_s: int
    workers: int = 0  # 0: one local process; N: a master and N workers
    pacing_s: float | None = None  # seconds between a learner's heartbeats (None: the platform's)
    hour_end_share: float = 0.0  # at least this share at their hour's end (cohort.py)


def _free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command(plan: LoadPlan, folder: Path, role: str, port: int) -> list[str]:
    base = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--loglevel", "INFO"]
    if role == "worker":
        return [*base, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
    command = [
        *base,
        "--headless",
        "--host",
        plan.host,
        "--users",
        str(plan.users),
        "--spawn-rate",
        f"{plan.spawn_rate:g}",
        "--run-time",
        f"{plan.duration_s + START_GRACE_S}s",  # the bound; the runner ends the run (SIGINT)
        "--stop-timeout",
        str(STOP_TIMEOUT_S),
        "--csv",
        str(folder / "locust"),
        "--csv-full-history",
        "--html",
        str(folder / "report.html"),
        "--only-summary",
        "--exit-code-on-error",
        "0",  # the verdict is sxcert's, from the thresholds, not locust's
    ]
    if role == "master":
        command += [
            "--master",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(port),
            "--expect-workers",
            str(plan.workers),
            "--expect-workers-max-wait",
            str(START_GRACE_S),
        ]
    return command


def run_locust(
    plan: LoadPlan,
    cohort_file: Path,
    folder: Path,
    *,
    on_progress: Callable[[HistoryRow], None] = lambda row: None,
) -> None:
    """Run the plan's load against its host; locust's CSV files and HTML report land in
    `folder`, the learners' ledgers in `folder/ledger/`. Raises LoadRunError when locust could
    not run or did not stop in time."""
    (folder / "ledger").mkdir(parents=True, exist_ok=True)
    for earlier in (folder / "ledger").glob("ledger-*.jsonl"):  # a reused folder: this run only
        earlier.unlink()
    env = {
        **os.environ,
        "SXCERT_LOAD_COHORT": str(cohort_file.resolve()),
        "SXCERT_LOAD_LEDGER": str((folder / "ledger").resolve()),
        "SXCERT_LOAD_PACING": "" if plan.pacing_s is None else f"{plan.pacing_s:g}",
        "SXCERT_LOAD_DURATION": str(plan.duration_s),
        CALL_DEADLINE_VARIABLE: f"{call_deadline_s():g}",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(LOCUSTFILE.parents[2]), os.environ.get("PYTHONPATH")])
        ),
    }
    open_files = open_files_per_process(plan)
    port = _free_loopback_port()
    roles = ["local"] if plan.workers == 0 else ["master"] + ["worker"] * plan.workers
    log = (folder / "locust.log").open("wb")
    processes: list[subprocess.Popen] = []
    deadline = time.monotonic() + plan.duration_s + STOP_TIMEOUT_S + START_GRACE_S
    try:
        for index, role in enumerate(roles):
            slice_env = {"SXCERT_LOAD_SLICE": f"{max(0, index - 1)}/{max(1, plan.workers)}"}
            processes.append(
                subprocess.Popen(
                    _command(plan, folder, role, port),
                    cwd=folder,
                    env={**env, **slice_env},
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=functools.partial(_start_locust_process, open_files),
                )
            )
        head = processes[0]
        started: float | None = None
        next_stop_request = 0.0
        while head.poll() is None:
            if time.monotonic() > deadline:
                raise LoadRunError(
                    f"locust did not stop within {plan.duration_s + STOP_TIMEOUT_S}"
                    f" + {START_GRACE_S} s; it was ended{_log_tail(folder)}"
                )
            time.sleep(0.25)
            if started is None and _users_started(folder):
                started = time.monotonic()
                deadline = started + plan.duration_s + STOP_TIMEOUT_S + START_GRACE_S
            over = started is not None and time.monotonic() - started >= plan.duration_s
            if over and time.monotonic() >= next_stop_request and not _shutting_down(folder):
                # stop users, write reports, quit; again every few seconds, since a busy locust
                # can lose a KeyboardInterrupt raised inside a finaliser ("Exception ignored")
                head.send_signal(signal.SIGINT)
                next_stop_request = time.monotonic() + STOP_TIMEOUT_S
            row = latest_history_row(folder / "locust_stats_history.csv")
            if row is not None:
                on_progress(row)
        for worker in processes[1:]:
            worker.wait(timeout=STOP_TIMEOUT_S + 10)
        if head.returncode != 0:
            raise LoadRunError(f"locust ended with exit {head.returncode}{_log_tail(folder)}")
    except subprocess.TimeoutExpired:
        raise LoadRunError(
            f"a locust worker did not stop after the run{_log_tail(folder)}"
        ) from None
    finally:
        for process in processes:
            _end_group(process)
        log.close()


def _users_started(folder: Path) -> bool:
    try:
        text = (folder / "locust.log").read_bytes()
    except OSError:
        return False
    return any(mark in text for mark in STARTED_MARKS)


def _shutting_down(folder: Path) -> bool:
    """Locust took the stop (a second SIGINT while it shuts down kills it, reports unwritten)."""
    try:
        return b"hutting down" in (folder / "locust.log").read_bytes()
    except OSError:
        return False


def _end_group(process: subprocess.Popen, grace: float = 5.0) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except (ProcessLookupError, PermissionError):
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


def _log_tail(folder: Path, lines: int = 12) -> str:
    try:
        text = (folder / "locust.log").read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return "\n  " + "\n  ".join(text) if text else ""
