"""Benchmark: the detection matrix's wall time as planned (tests/detection_plan.py), and its
projection to 100 defects.

Runs, with `--workers` parallel `sxcert certify` processes (default 2, as the test suite's
`-n 2`): the clean full run, every group run and every solo run; then, as the baseline in the same
process, the old plan (one full certify per defect) for a sample of defects. Prints the measured
wall time of both plans (the old one extrapolated from its sample) and a projection to
100 defects: solo runs scale with the defects, group runs with the most defects on one
requirement, each full run with the number of checks.
Usage: python benchmarks/detection_matrix.py [--workers N] [--sample K]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the plan lives in tests/

from harness.registry import all_checks, checks_by_requirement
from reference_platform.defects import DEFECTS
from tests.detection_plan import plan_groups

COVERED = sorted(checks_by_requirement())


def run(only: list[str], defects: tuple[str, ...]) -> float:
    switches = [arg for name in defects for arg in ("--reference-defect", name)]
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        command = [sys.executable, "-c", "from harness.cli import main; main()", "certify"]
        done = subprocess.run(
            [*command, "--only", ",".join(only), "--out", out, *switches],
            capture_output=True,
            text=True,
        )
        took = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"certify could not run: {done.stderr[-2000:]}")
    return took


def timed_batch(jobs: list[tuple[list[str], tuple[str, ...]]], workers: int) -> list[float]:
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda job: run(*job), jobs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=4, help="defects timed under the old plan")
    args = parser.parse_args()
    groups = plan_groups(DEFECTS)
    full_jobs = [(COVERED, ())] + [(COVERED, g.defects) for g in groups]
    solo_jobs = [(sorted(d.breaks), (d.name,)) for d in DEFECTS.values()]

    started = time.perf_counter()
    full = timed_batch(full_jobs, args.workers)
    solo = timed_batch(solo_jobs, args.workers)
    planned_wall = time.perf_counter() - started

    sample = sorted(DEFECTS)[:: max(1, len(DEFECTS) // args.sample)][: args.sample]
    old_started = time.perf_counter()
    old = timed_batch([(COVERED, (name,)) for name in sample], args.workers)
    old_wall = (time.perf_counter() - old_started) * (len(DEFECTS) + 1) / len(old)

    full_s, solo_s = statistics.median(full), statistics.median(solo)
    widest = max(sum(r in d.breaks for d in DEFECTS.values()) for r in COVERED)
    checks = len(all_checks())
    print(f"defects {len(DEFECTS)}, checks {checks}, groups {len(groups)}, workers {args.workers}")
    print(f"full runs (clean + groups): {len(full)} x median {full_s:5.1f} s")
    print(f"solo runs:                  {len(solo)} x median {solo_s:5.1f} s")
    print(f"planned matrix, wall:       {planned_wall:6.0f} s")
    print(f"old plan (1 full run per defect), wall, from {len(sample)}: {old_wall:6.0f} s")
    # Projection to 100 defects: solo runs cost what they cost today, each; the widest
    # requirement grows with the defects; a full run grows with the checks (linear), or stays
    # at DESIGN.md's target for all API checks (60 s) if the slices keep to it.
    scale = 100 / len(DEFECTS)
    groups_100 = round(widest * scale)
    for label, full_100 in (("linear", full_s * scale), ("at target", max(full_s, 60.0))):
        wall = ((1 + groups_100) * full_100 + 100 * solo_s) / args.workers
        print(
            f"projection to 100 defects ({label}): {groups_100} groups, full run "
            f"{full_100:.0f} s, wall {wall / 60:.1f} min"
        )


if __name__ == "__main__":
    main()
