"""One certify run of a copy of the reference platform, with or without a mutant written into it.

The copy of `reference_platform/` is the working directory, and first on PYTHONPATH, of a
`certify` child; the embedded servers are started with `python -m harness.servers`
(harness/servers.py), whose `sys.path[0]` is that working directory, so they import the mutated
package while `harness` still comes from the installed project. Each run is bounded
(`timeout`: SIGTERM, then SIGKILL), stops at its first failed check unless asked for all
(pytest's `-x` through PYTEST_ADDOPTS), and is stopped with every other on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mutants import Mutant

PACKAGE = "reference_platform"
# certify's reasons (exit 2) for a platform it cannot judge at all: one that does not start, or
# that refuses the profile's own accounts at sign-in. A mutant that makes the reference such a
# platform is "incompetent" (cosmic-ray's word): a verdict, never run again, but no measure of a
# check, so it counts neither as a kill nor as a survivor.
NEVER_JUDGEABLE = ("A server could not be started", "A credential of the profile is refused")


@dataclass
class Outcome:
    status: str  # killed | survived | incompetent (NEVER_JUDGEABLE) | timeout | error
    seconds: float
    exit_code: int | None = None
    # Clauses the report failed or errored (with fail-fast: the first one only).
    failed: list[str] = field(default_factory=list)
    reason: str = ""
    # Which checks a run on every clause ran: "all", or "api" (`--skip-browser --skip-load`);
    # "+alternatives" when it chose every compliant alternative of the reference (mutation.py).
    checks: str = "all"


class Runner:
    """Runs certify children against package copies; stops every one it started on Ctrl-C.
    After `budget_until` (a `time.monotonic()` instant) no new run starts."""

    def __init__(
        self,
        source_root: Path,
        timeout: float,
        budget_until: float | None = None,
        fail_fast: bool = True,
        api_only_confirm: bool = False,
    ) -> None:
        self.source_root = source_root
        # A survivor's run on every clause without the browser and load checks: under half the
        # time. It can only leave a mutant that those checks would kill counted a survivor (a
        # lower score), never the reverse.
        self.api_only_confirm = api_only_confirm
        self.timeout = timeout
        self.budget_until = budget_until
        self.fail_fast = fail_fast
        self._running: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self.stopping = False

    def certify(
        self,
        requirements: Iterable[str] | None,
        mutant: Mutant | None,
        *,
        budgeted: bool = True,
        alternatives: tuple[str, ...] = (),
    ) -> Outcome | None:
        """Certify a copy of the package (with `mutant` written into it, if any), on
        `requirements` or (None) on every clause: the full certify; None when it was not run
        (interrupted, or — for a `budgeted` run — the time budget is spent)."""
        spent = self.budget_until is not None and time.monotonic() >= self.budget_until
        if self.stopping or (budgeted and spent):
            return None
        with tempfile.TemporaryDirectory(prefix="sxcert-mutant-") as temp:
            workdir = Path(temp)
            package = workdir / PACKAGE
            shutil.copytree(
                self.source_root / PACKAGE,
                package,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )
            if mutant is not None:
                (package / mutant.module).write_text(mutant.source, encoding="utf-8")
            chosen = set(alternatives)
            if mutant is not None and mutant.alternative:
                chosen.add(mutant.alternative)
            return self._run(
                workdir,
                None if requirements is None else sorted(requirements),
                sorted(chosen),
                bool(alternatives),
            )

    def _run(
        self,
        workdir: Path,
        requirements: list[str] | None,
        alternatives: list[str],
        with_alternatives: bool = False,
    ) -> Outcome | None:
        out = workdir / "out"
        api_only = requirements is None and self.api_only_confirm
        if requirements is None and alternatives:
            requirements = kept_by(alternatives)
        command = [
            sys.executable,
            "-c",
            "from harness.cli import main; main()",
            "certify",
            "--out",
            str(out),
            *(("--only", ",".join(requirements)) if requirements is not None else ()),
            *(("--skip-browser", "--skip-load") if api_only else ()),
            # code in an alternative's branch runs only with it chosen (mutants.py)
            *(arg for name in alternatives for arg in ("--reference-alternative", name)),
        ]
        env = {**os.environ, "PYTHONPATH": str(workdir), "PYTHONDONTWRITEBYTECODE": "1"}
        if self.fail_fast:
            # certify runs pytest in its own process, which reads PYTEST_ADDOPTS: `-x` ends the
            # run at the first failed check, still REJECT (exit 1). A mutant needs one failure
            # to be killed; a survivor runs every check either way.
            env["PYTEST_ADDOPTS"] = f"{os.environ.get('PYTEST_ADDOPTS', '')} -x".strip()
        started = time.monotonic()
        with (
            (workdir / "stdout.txt").open("wb") as stdout,
            (workdir / "stderr.txt").open("wb") as stderr,
        ):
            process = subprocess.Popen(
                command,
                cwd=workdir,
                env=env,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
            with self._lock:
                self._running.add(process)
            try:
                code = process.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                _stop(process)
                return Outcome("timeout", time.monotonic() - started, None)
            except KeyboardInterrupt:  # in the main thread (the baseline run)
                self.stopping = True
                _stop(process)
                raise
            finally:
                with self._lock:
                    self._running.discard(process)
        if self.stopping:
            return None  # stopped by us: no verdict on this mutant
        seconds = time.monotonic() - started
        failed = _failed_clauses(out / "report.json")
        checks = ("api" if api_only else "all") + ("+alternatives" if with_alternatives else "")
        if code == 1:
            return Outcome("killed", seconds, code, failed, checks=checks)
        if code == 0:
            return Outcome("survived", seconds, code, failed, checks=checks)
        reason = _first_line(workdir / "stderr.txt")
        return Outcome(status_without_verdict(reason), seconds, code, failed, reason, checks=checks)

    def stop_all(self) -> None:
        self.stopping = True
        with self._lock:
            running = list(self._running)
        for process in running:
            _stop(process)


def status_without_verdict(reason: str) -> str:
    """`incompetent` when certify could not judge because the platform never gets that far
    (NEVER_JUDGEABLE); `error` (run again) for any other reason: a fault of the run."""
    return "incompetent" if any(why in reason for why in NEVER_JUDGEABLE) else "error"


def _stop(process: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGTERM first: certify then stops its servers and removes its temporary folder; SIGKILL
    after `grace` (its servers then end by the parent-death signal)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def kept_by(alternatives: Iterable[str]) -> list[str] | None:
    """Every judged clause but those the chosen alternatives do not keep by the interface's own
    rule (`Alternative.not_for`: a platform that refuses requests at capacity costs LOAD-01's
    error bound, as the detection matrix's run of all alternatives says); None when they spare
    none, and the run judges everything."""
    from harness.catalogue import load_catalogue
    from reference_platform.alternatives import ALTERNATIVES

    spared = {clause for name in alternatives for clause in ALTERNATIVES[name].not_for}
    if not spared:
        return None
    return [c.id for c in load_catalogue().clauses if c.judged and c.id not in spared]


def _failed_clauses(report: Path) -> list[str]:
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [c["id"] for c in data.get("clauses", []) if c.get("status") in ("fail", "error")]


def _first_line(path: Path) -> str:
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[0].strip() if lines else ""  # certify's reason; a server's log tail follows
