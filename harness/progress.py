"""What a running certification shows while it runs (a pytest plugin of `sxcert certify`).

On a terminal: a rich progress display — checks done of total, the check running now and its
requirements, elapsed time. Elsewhere (CI logs, a pipe): one plain line per clause as soon as
its last check finished, so a log shows progress without control characters. pytest's own dots
and percentage are silenced (they said nothing a reader could use).

The display writes to a duplicate of the process's stdout taken before pytest starts: pytest
captures file descriptor 1 while a check runs, and the display refreshes (elapsed time) during
checks too.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
import time
from typing import IO, Any

import pytest
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from harness.catalogue import load_catalogue
from harness.i18n import Messages
from harness.report.build import clause_status


def _stdout_copy() -> IO[str]:
    """A stream on the terminal that pytest's fd capture cannot redirect (stdout if none)."""
    try:
        return os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return sys.stdout


def _requirements(item: pytest.Item) -> list[str]:
    marker = item.get_closest_marker("requirement")
    return sorted(marker.args) if marker is not None else []


class RunProgress:
    """Progress of one run; `status_of(nodeid)` answers a finished check's status (the
    certification session's typed result), so a finished clause is reported as the report will
    judge it."""

    def __init__(
        self,
        t: Messages,
        status_of: Any,
        stream: IO[str] | None = None,
        *,
        live: bool | None = None,
    ) -> None:
        """`live`: the rich display (default: when the stream is a terminal)."""
        self.t = t
        self.status_of = status_of
        self._own_stream = stream is None
        self.stream = stream if stream is not None else _stdout_copy()
        self.console = Console(file=self.stream, force_terminal=live)
        self.live = self.console.is_terminal
        self.started = time.monotonic()
        self.total = 0
        self.done = 0
        self.pending: dict[str, set[str]] = {}  # clause → its checks not finished yet
        self.checks_of: dict[str, list[str]] = {}  # clause → all its selected checks
        self.requirements: dict[str, list[str]] = {}  # check node id → its clauses
        self.names: dict[str, str] = {}
        self.progress: Progress | None = None
        self.task: Any = None

    # ---- pytest hooks ------------------------------------------------------------------------
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)
        for item in session.items:
            ids = _requirements(item)
            self.requirements[item.nodeid] = ids
            self.names[item.nodeid] = item.name
            for clause in ids:
                self.pending.setdefault(clause, set()).add(item.nodeid)
                self.checks_of.setdefault(clause, []).append(item.nodeid)
        if self.live and self.total:
            self.progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(self.t("progress.checks")),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("", total=self.total)

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config) -> Any:
        """Keep pytest's counting (the category), drop its dot or letter."""
        result = yield
        return (result[0], "", "") if result else result

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        if self.progress is not None:
            ids = ", ".join(self.requirements.get(nodeid, []))
            self.progress.update(self.task, description=f"{self.names.get(nodeid, nodeid)} ({ids})")

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress.update(self.task, completed=self.done)
        for clause in self.requirements.get(nodeid, []):
            waiting = self.pending.get(clause)
            if waiting is None:
                continue
            waiting.discard(nodeid)
            if not waiting:
                self._clause_finished(clause)

    @pytest.hookimpl(tryfirst=True)  # gone before pytest's summary is written
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.close()

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.close()

    # ---- output ------------------------------------------------------------------------------
    def _clause_finished(self, clause: str) -> None:
        del self.pending[clause]
        if self.live:
            return  # the bar says it; the summary table follows
        self._write_clause_line(
            clause, clause_status([self.status_of(n) for n in self.checks_of[clause]])
        )
        self.stream.flush()

    def _write_clause_line(self, clause: str, status: str) -> None:
        line = self.t(
            "progress.done_line",
            done=self.done,
            total=self.total,
            elapsed=self.elapsed(),
            clause=clause,
            level=load_catalogue().get(clause).level,
            status=self.t(f"status.{status}"),
        )
        self.stream.write(line + "\n")

    def delegated_finished(self, results: list[Any]) -> None:
        """The second instance's checks are done (second_instance.py): one line per clause
        they judge, as for the run's own clauses (the live bar says nothing of them)."""
        if self.live:
            return
        by_clause: dict[str, list[str]] = {}
        for result in results:
            for clause in result.requirements:
                by_clause.setdefault(clause, []).append(result.status)
        self.done += len(results)
        self.total += len(results)
        for clause in sorted(by_clause):
            self._write_clause_line(clause, clause_status(by_clause[clause]))
        self.stream.flush()

    def elapsed(self) -> str:
        return str(dt.timedelta(seconds=int(time.monotonic() - self.started)))

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
        if self._own_stream and self.stream is not sys.stdout and not self.stream.closed:
            self.stream.flush()
            self.stream.close()
