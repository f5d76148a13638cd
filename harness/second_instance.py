"""The other share of an embedded run: a second reference instance, judged side by side.

`sxcert certify` against the embedded reference shares its clauses out (`shares.py`) and runs
the second share as a child `sxcert certify --only <share>` with its own reference, province,
database and test clock, while the run's own pytest session judges the first. The child's
results are folded into the run's session before its report is built, so report.json,
report.html, junit.xml, allure-results and the evidence are one run's, as if one instance had
judged everything: each check runs exactly once, on a fresh platform like every embedded run.

The child is bounded (the run's own time bound and a margin), ended with the run whatever
happens (SIGTERM, so that it stops its servers, then SIGKILL of its process group), and its
refusal to run (exit 2) is the run's refusal, with its reason.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from harness.report.build import CheckResult
from harness.report.junit import CLAUSE_SUITE
from harness.report.model import Report
from harness.run_bounds import StopRequest
from harness.servers import die_with_parent
from harness.shares import Share

INSTANCE_NAME = "instance-2"
STARTUP_MARGIN_S = 120.0  # beyond the run's own bound: the child starts and stops its servers
END_GRACE_S = 15.0  # after SIGTERM, before SIGKILL
POLL_S = 0.2


class InstanceFailed(Exception):
    """The second instance could not make its run; the whole run cannot be made."""


class SecondInstance:
    """A child certification of one share, started at once, joined when its results are due."""

    def __init__(
        self,
        share: Share,
        args: list[str],
        workdir: Path,
        bound_s: float,
        stop: StopRequest,
        margin_s: float = STARTUP_MARGIN_S,
    ) -> None:
        self.share = share
        self.out = workdir / INSTANCE_NAME
        self.log_path = workdir / f"{INSTANCE_NAME}.log"
        self.bound_s = bound_s + margin_s
        self.stop = stop
        command = [sys.executable, "-c", "from harness.cli import main; main()", "certify"]
        self.command = [*command, "--out", str(self.out), *args]
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.code: int | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: ended as a whole, not by a tty's ^C
                preexec_fn=die_with_parent if sys.platform.startswith("linux") else None,
            )
        self.started = time.monotonic()

    def join(self) -> None:
        """Wait for the child within its bound; a stop request ends the wait (and the child)."""
        if self.code is not None or self.process is None:
            return
        while self.process.poll() is None:
            if self.stop.reason is not None:
                self.end()
                pytest.exit(
                    f"Interrupted by {self.stop.reason}", returncode=pytest.ExitCode.INTERRUPTED
                )
            if time.monotonic() - self.started > self.bound_s:
                self.end()
                raise InstanceFailed(
                    f"the second reference instance did not finish within {self.bound_s:.0f} s"
                )
            time.sleep(POLL_S)
        self.code = self.process.returncode
        if self.code not in (0, 1):
            raise InstanceFailed(f"the second reference instance could not run: {self._reason()}")

    def end(self) -> None:
        """End the child if it still runs: SIGTERM (it stops its servers), then SIGKILL."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(END_GRACE_S)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def _reason(self) -> str:
        lines = [
            line.strip()
            for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
            if line.strip()
        ]
        last = lines[-1] if lines else f"exit {self.code}"
        return last.removeprefix("sxcert:").strip()

    # ---- folding into the run's own session ---------------------------------------------------
    def fold_into(self, out_dir: Path) -> tuple[list[CheckResult], list[ET.Element]]:
        """The child's check results, its evidence and allure results moved into `out_dir`, and
        its junit test cases (already completed with their requirement properties)."""
        report_path = self.out / "report.json"
        if not report_path.is_file():
            raise InstanceFailed("the second reference instance wrote no report")
        report = Report.model_validate_json(report_path.read_text(encoding="utf-8"))
        results = _results(report, self.share)
        for result in results:
            for relative in result.evidence:
                _move(self.out / relative, out_dir / relative)
        allure = self.out / "allure-results"
        if allure.is_dir():
            for source in allure.iterdir():
                _move(source, out_dir / "allure-results" / source.name)
        return results, _junit_cases(self.out / "junit.xml")


def _results(report: Report, share: Share) -> list[CheckResult]:
    """One result per check that ran for the share's clauses, with every clause it judges."""
    found: dict[str, CheckResult] = {}
    for clause in report.clauses:
        if clause.id not in share.clauses or not clause.in_scope:
            continue
        for check in clause.checks:
            if check.status == "not_run":
                continue
            if check.name in found:
                found[check.name].requirements.append(clause.id)
                continue
            found[check.name] = CheckResult(
                name=check.name,
                kind=check.kind,
                requirements=[clause.id],
                status=check.status,
                detail=check.detail,
                evidence=list(check.evidence),
                title=check.title,
                expected=check.expected,
                received=check.received,
                duration_s=check.duration_s,
            )
    return list(found.values())


def _move(source: Path, target: Path) -> None:
    if not source.exists() or target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), str(target))


def _junit_cases(path: Path) -> list[ET.Element]:
    if not path.is_file():
        return []
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    return [
        case
        for suite in suites
        if suite.get("name") != CLAUSE_SUITE
        for case in suite.findall("testcase")
    ]


class InstanceJoin:
    """pytest plugin of the run's own session: waits for the second instance before a load
    check (a load run must have the machine to itself) and at the end of the checks, then folds
    its results into the certification session, which builds the one report."""

    def __init__(self, instance: SecondInstance, session: Any, progress: Any) -> None:
        self.instance = instance
        self.session = session
        self.progress = progress
        self.failure: str | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        marker = item.get_closest_marker("requirement")
        if marker is not None and marker.kwargs.get("kind") == "load":
            self._join()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Any:
        outcome = yield
        if not self._join():
            return outcome
        try:
            results, cases = self.instance.fold_into(self.session.context.out_dir)
        except InstanceFailed as failed:
            self.failure = str(failed)
            return outcome
        for result in results:
            self.session.results[f"{INSTANCE_NAME}::{result.name}"] = result
        self.session.extra_junit_cases = cases
        self.progress.delegated_finished(results)
        return outcome

    def _join(self) -> bool:
        """Wait for the child; False (and `failure` said) when it could not make its run."""
        if self.failure is not None:
            return False
        try:
            self.instance.join()
        except InstanceFailed as failed:
            self.failure = str(failed)
            return False
        return True


@contextmanager
def second_instance(
    share: Share, args: list[str], workdir: Path, bound_s: float, stop: StopRequest
) -> Iterator[SecondInstance]:
    """Start the child at once; end it when the run ends, however it ends."""
    instance = SecondInstance(share, args, workdir, bound_s, stop)
    instance.start()
    try:
        yield instance
    finally:
        instance.end()
