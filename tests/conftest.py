"""Shared helpers of the project's own test suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def run_sxcert(*args: str, env: dict[str, str] | None = None, timeout: float = 600):
    """Run the real `sxcert` command line (as a user would) and answer the finished process.

    A `certify` without `--out` writes into a fresh temporary folder: tests never touch the
    repository's reports/."""
    if args and args[0] == "certify" and "--out" not in args:
        args = (*args, "--out", tempfile.mkdtemp(prefix="sxcert-test-out-"))
    return subprocess.run(
        [sys.executable, "-c", "from harness.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


def read_report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


@pytest.fixture
def sxcert():
    return run_sxcert
