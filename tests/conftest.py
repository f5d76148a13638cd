"""Shared helpers of the project's own test suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def run_sxcert(*args: str, env: dict[str, str] | None = None, timeout: float = 600):
    """Run the real `sxcert` command line (as a user would) and answer the finished process."""
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


@pytest.fixture(autouse=True, scope="session")
def _private_data_home(tmp_path_factory: pytest.TempPathFactory):
    """The user's data directory of every test (and every sxcert it runs) is a temporary one:
    a province started for a profile keeps its state there by default, and a test must neither
    write into the home directory nor find a state left by an earlier run."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data-home")))
        yield
