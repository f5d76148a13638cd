"""Benchmark: wall time of `sxcert certify` against the embedded reference platform.

Reports the median of several runs of: a baseline measured in the same process (starting and
stopping the embedded province + reference platform, no check at all), each slice narrowed with
--only, and a full certify. The differences are what the checks cost.
Usage: python benchmarks/certify_time.py [runs]
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


SLICES = {
    "onboarding": "ELIG-01,ELIG-02,ELIG-03,COURSE-01,COURSE-03,COURSE-04,VOUCH-01,VOUCH-02,"
    "ID-01,ID-02,ID-03,STUDY-03",
    "learning integrity": "STUDY-01,STUDY-02,STUDY-04,STUDY-05,STUDY-06,STUDY-07,COURSE-05",
}


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    baseline = statistics.median(time_baseline() for _ in range(runs))
    print(f"runs: {runs} (medians)")
    print(f"baseline, start + stop embedded servers: {baseline:6.2f} s")
    for name, ids in SLICES.items():
        took = statistics.median(time_certify("--only", ids) for _ in range(runs))
        print(f"--only {name:<33}{took:6.2f} s  (checks: {took - baseline:5.2f} s)")
    full = statistics.median(time_certify() for _ in range(runs))
    print(
        f"full certify, all checks and reports:    {full:6.2f} s"
        f"  (checks: {full - baseline:5.2f} s,"
        f" ratio to baseline {full / baseline:.1f}x)"
    )


if __name__ == "__main__":
    main()
