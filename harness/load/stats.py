"""Reading locust's CSV files: the run's totals and its latest history row (the progress line)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class HistoryRow:
    """One of locust's periodic samples of the whole run (the `Aggregated` row)."""

    timestamp: int
    users: int
    rps: float
    p95_ms: float
    requests: int
    failures: int


@dataclass(frozen=True)
class Totals:
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0


def _number(value: str | None) -> float:
    try:
        return float(value) if value not in (None, "", "N/A") else 0.0
    except ValueError:
        return 0.0


def _aggregated(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return [row for row in csv.DictReader(handle) if row.get("Name") == "Aggregated"]
    except OSError:
        return []


def _history_row(row: dict[str, str]) -> HistoryRow:
    return HistoryRow(
        timestamp=int(_number(row.get("Timestamp"))),
        users=int(_number(row.get("User Count"))),
        rps=_number(row.get("Requests/s")),
        p95_ms=_number(row.get("95%")),
        requests=int(_number(row.get("Total Request Count"))),
        failures=int(_number(row.get("Total Failure Count"))),
    )


def history(path: Path) -> list[HistoryRow]:
    """Locust's samples of the whole run, oldest first (`locust_stats_history.csv`)."""
    return [_history_row(row) for row in _aggregated(path)]


def latest_history_row(path: Path) -> HistoryRow | None:
    rows = _aggregated(path)
    return _history_row(rows[-1]) if rows else None


def read_totals(folder: Path) -> Totals | None:
    """The run's totals from `locust_stats.csv` (None when locust wrote none)."""
    rows = _aggregated(folder / "locust_stats.csv")
    if not rows:
        return None
    row = rows[-1]
    return Totals(
        requests=int(_number(row.get("Request Count"))),
        failures=int(_number(row.get("Failure Count"))),
        rps=_number(row.get("Requests/s")),
        p50_ms=_number(row.get("50%")),
        p95_ms=_number(row.get("95%")),
        p99_ms=_number(row.get("99%")),
    )


@dataclass(frozen=True)
class Operation:
    """One learner operation's share of the run (a row of `locust_stats.csv`)."""

    name: str
    requests: int
    failures: int
    p50_ms: float
    p95_ms: float
    p99_ms: float


def read_operations(folder: Path) -> list[Operation]:
    try:
        with (folder / "locust_stats.csv").open(newline="", encoding="utf-8") as handle:
            rows = [row for row in csv.DictReader(handle) if row.get("Name") != "Aggregated"]
    except OSError:
        return []
    return [
        Operation(
            name=row.get("Name") or "",
            requests=int(_number(row.get("Request Count"))),
            failures=int(_number(row.get("Failure Count"))),
            p50_ms=_number(row.get("50%")),
            p95_ms=_number(row.get("95%")),
            p99_ms=_number(row.get("99%")),
        )
        for row in rows
    ]
