"""Benchmark: wall time of `sxcert certify` against the embedded reference platform.

Reports the median of several runs of a full certify, and of a baseline measured in the same
process: starting and stopping the embedded province + reference platform with no check at all.
The difference is what the checks themselves cost. Usage: python benchmarks/certify_time.py [runs]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.embedded import embedded_target


def time_certify(*args: str) -> float:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "from harness.cli import main; main()",
                "certify",
                "--out",
                out,
                *args,
            ],
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"certify could not run:\n{done.stderr}")
    return elapsed


def time_baseline() -> float:
    with tempfile.TemporaryDirectory() as workdir:
        started = time.perf_counter()
        with embedded_target(Path(workdir)):
            pass
        return time.perf_counter() - started


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    baseline = statistics.median(time_baseline() for _ in range(runs))
    full = statistics.median(time_certify() for _ in range(runs))
    print(f"runs: {runs}")
    print(f"baseline (start + stop embedded servers): median {baseline:.2f} s")
    print(f"full certify (all checks, reports):       median {full:.2f} s")
    print(
        f"checks + reports alone:                   {full - baseline:.2f} s "
        f"(ratio full/baseline {full / baseline:.1f}×)"
    )


if __name__ == "__main__":
    main()
