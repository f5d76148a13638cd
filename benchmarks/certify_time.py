"""Benchmark: wall time of `sxcert certify` against the embedded reference platform.

Reports medians of several runs: a baseline measured in the same process (starting and stopping
the embedded province + reference platform, no check at all); all API checks
(`--skip-browser --skip-load`) on one embedded instance and on two (the default: the clauses
shared out, harness/shares.py), run alternately so that both meet the same machine; each slice
narrowed with --only; with --full, also the full certify (browser probes and load included).
With --shared-only, only the default two-instance API run, `runs` times in a row, each after a
fixed CPU-bound workload is timed: on this virtual machine the same run takes 54-67 s as the
host's speed drifts (the run's CPU seconds drift with it); the workload's time says how fast the
machine was.
Usage: python benchmarks/certify_time.py [runs] [--full | --shared-only]
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


API_ONLY = ("--skip-browser", "--skip-load")


def cpu_probe() -> float:
    """Seconds for a fixed pure-Python workload (0.22-0.35 s on this machine at stop 39)."""
    started = time.perf_counter()
    total = 0
    for i in range(4_000_000):
        total += i * i % 7
    return time.perf_counter() - started


def shared_only(runs: int) -> None:
    rows = []
    for _ in range(runs):
        probe = cpu_probe()
        rows.append((time_certify(*API_ONLY), probe))
        print(f"  two instances: {rows[-1][0]:6.2f} s  (CPU probe before it {probe:.3f} s)")
    walls = [wall for wall, _ in rows]
    print(f"all API checks, two instances (default): {statistics.median(walls):6.2f} s median")


def main() -> None:
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    runs = int(numbers[0]) if numbers else 3
    if "--shared-only" in sys.argv[1:]:
        shared_only(runs)
        return
    baseline = statistics.median(time_baseline() for _ in range(runs))
    print(f"runs: {runs} (medians; one and two instances alternately)")
    print(f"baseline, start + stop embedded servers: {baseline:6.2f} s")
    one: list[float] = []
    two: list[float] = []
    for _ in range(runs):
        one.append(time_certify(*API_ONLY, "--reference-instances", "1"))
        two.append(time_certify(*API_ONLY))
    single, shared = statistics.median(one), statistics.median(two)
    print(f"all API checks, one instance:            {single:6.2f} s  (runs: {_list(one)})")
    print(
        f"all API checks, two instances (default): {shared:6.2f} s  (runs: {_list(two)};"
        f" ratio to one instance {shared / single:.2f})"
    )
    for name, ids in SLICES.items():
        took = statistics.median(time_certify("--only", ids) for _ in range(runs))
        print(f"--only {name:<33}{took:6.2f} s  (checks: {took - baseline:5.2f} s)")
    if "--full" in sys.argv[1:]:
        full = statistics.median(time_certify() for _ in range(runs))
        print(f"full certify, browser and load included: {full:6.2f} s")


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


if __name__ == "__main__":
    main()
