"""The mutation benchmark's ledger: every verdict, written the moment it is known.

The full measurement (every mutant of every rule module, each certified on its clauses and a
survivor again on all of them) takes longer than a working session on a 2-core machine. The
ledger makes it resumable: a run appends each judged mutant as one JSON line, and the next run
reads the file and skips what it already holds, so the measurement accumulates over sessions and
survives a stop at any moment (a line is whole or absent: a torn last line is ignored).

A kill is kept: checks only grow stronger, and a mutant's key (its module, function, original
and mutated line) stays the same while the rest of the file moves. A survivor is kept too, but
`--rerun-survivors` certifies it again after a check was strengthened; timeouts and errors are
always run again, because they are not verdicts. Each line records the commit it was judged at.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from mutant_runs import Outcome
from mutants import Mutant

SCHEMA = "sxcert.mutation-ledger/1"
# verdicts; timeout and error are run again
KEPT_STATUSES = ("killed", "survived", "incompetent")


def read_ledger(path: Path) -> dict[str, tuple[Outcome, Outcome | None]]:
    """key → (first run's outcome, full certify's outcome or None), the newest line winning."""
    found: dict[str, tuple[Outcome, Outcome | None]] = {}
    for entry in _entries(path):
        try:
            outcome = Outcome(**entry["outcome"])
            full_run = Outcome(**entry["full_run"]) if entry.get("full_run") else None
        except (KeyError, TypeError):
            continue  # not ours
        found[entry["key"]] = (outcome, full_run)
    return found


def _entries(path: Path) -> Iterator[dict]:
    """The ledger's lines of this schema, oldest first; a line torn by a stop mid-write, or
    not a verdict of ours, is skipped."""
    if not path.exists():
        return
    for text in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(text)
        except ValueError:
            continue
        ours = isinstance(entry, dict) and entry.get("schema") == SCHEMA
        if ours and isinstance(entry.get("key"), str):
            yield entry


def alternatives_judged_with(path: Path) -> dict[str, str | None]:
    """key → the compliant alternative its newest line was certified with (None: the default
    configuration; lines written before alternatives were recorded say nothing, also None)."""
    return {entry["key"]: entry.get("alternative") for entry in _entries(path)}


def verdict_of(outcome: Outcome, full_run: Outcome | None) -> str:
    return (full_run or outcome).status


class Ledger:
    """Appends verdicts to the ledger file; safe to call from the benchmark's worker threads."""

    def __init__(self, path: Path, source_root: Path) -> None:
        self.path = path
        self.commit = _commit_of(source_root)
        self._lock = threading.Lock()

    def record(
        self,
        mutant: Mutant,
        requirements: tuple[str, ...],
        outcome: Outcome,
        full_run: Outcome | None,
    ) -> None:
        entry = {
            "schema": SCHEMA,
            "key": mutant.key,
            "where": mutant.where,
            "operator": mutant.operator,
            "description": mutant.description,
            "mutated_line": mutant.mutated_line.strip(),
            "requirements": list(requirements),
            "alternative": mutant.alternative,
            "outcome": asdict(outcome),
            "full_run": asdict(full_run) if full_run else None,
            "commit": self.commit,
            "judged_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as file:
            file.write(line)
            file.flush()


def _commit_of(source_root: Path) -> str:
    """The commit the checks and rules were judged at, `+dirty` when the tree had edits."""
    try:
        head = _git(source_root, "rev-parse", "--short", "HEAD")
        dirty = _git(source_root, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}+dirty" if dirty else head


def _git(source_root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(source_root), *args],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    ).stdout.strip()
