"""Benchmark: the detection matrix's wall time as planned (tests/detection_plan.py), against the
old plan (one full certify per defect) measured in the same process, and a projection to
100 defects.

Runs `pytest tests/test_detection_matrix.py -n WORKERS` (default 2, as the test suite) and reads
each test's time from its junit.xml; then times a sample of old-plan runs (a full certify with
one defect, WORKERS at a time) and extrapolates them to every defect.

Projection to 100 defects: solo runs cost what they cost today, each; group runs are as many as
the most defects on one requirement, which grows with the defects per covered requirement (the
slices spread new defects over new requirements: 100 defects over every platform clause); a full
run costs today's, or DESIGN.md's bound for all API checks (60 s) plus today's start-up, whichever
is larger.
Usage: python benchmarks/detection_matrix.py [--workers N] [--sample K]
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the plan lives in tests/

from harness.catalogue import load_catalogue  # noqa: E402
from harness.registry import checks_by_requirement  # noqa: E402
from reference_platform.defects import DEFECTS  # noqa: E402
from tests.detection_plan import plan_groups  # noqa: E402

COVERED = sorted(checks_by_requirement())
PYTEST = [sys.executable, "-m", "pytest", "tests/test_detection_matrix.py", "-q"]
CERTIFY = [sys.executable, "-c", "from harness.cli import main; main()", "certify"]


def planned(workers: int) -> tuple[float, dict[str, float]]:
    with tempfile.TemporaryDirectory() as folder:
        junit = Path(folder) / "matrix.xml"
        started = time.perf_counter()
        done = subprocess.run(
            [*PYTEST, "-n", str(workers), "-p", "no:cacheprovider", f"--junitxml={junit}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"the matrix failed:\n{done.stdout[-3000:]}")
        times = {
            case.get("name", ""): float(case.get("time", 0))
            for case in ET.parse(junit).iter("testcase")
        }
    return wall, times


def old_plan_run(name: str) -> float:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run(
            [*CERTIFY, "--only", ",".join(COVERED), "--out", out, "--reference-defect", name],
            cwd=ROOT,
            capture_output=True,
        )
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=4, help="defects timed under the old plan")
    args = parser.parse_args()

    wall, times = planned(args.workers)
    solo = [t for name, t in times.items() if name.startswith("test_defect_alone")]
    full = [
        t
        for name, t in times.items()
        if name.startswith(("test_group_of", "test_clean_reference", "test_the_switch"))
    ]
    sample = sorted(DEFECTS)[:: max(1, len(DEFECTS) // args.sample)][: args.sample]
    old_started = time.perf_counter()
    with ThreadPoolExecutor(args.workers) as pool:
        list(pool.map(old_plan_run, sample))
    old_wall = (time.perf_counter() - old_started) * (len(DEFECTS) + 1) / len(sample)

    groups = plan_groups(DEFECTS)
    widest = max(sum(r in d.breaks for d in DEFECTS.values()) for r in COVERED)
    platform_clauses = [c for c in load_catalogue().clauses if c.level in ("MUST", "SHOULD")]
    density_now = len(DEFECTS) / len(COVERED)
    density_100 = 100 / len(platform_clauses)
    groups_100 = math.ceil(widest * density_100 / density_now)
    solo_s, full_s = statistics.median(solo), statistics.median(full)
    full_100 = max(full_s, 60.0 + 6.0)  # the API-check bound plus today's start-up and reports

    print(f"defects {len(DEFECTS)} on {len(COVERED)} requirements; groups {len(groups)}")
    print(f"planned matrix ({len(times)} tests, -n {args.workers}): wall {wall:5.0f} s")
    print(f"  solo runs: {len(solo)} x median {solo_s:4.1f} s")
    print(f"  full runs: {len(full)} x median {full_s:4.1f} s")
    print(f"old plan (one full certify per defect, from {len(sample)}): wall {old_wall:5.0f} s")
    wall_100 = ((1 + groups_100) * full_100 + 100 * solo_s) / args.workers
    print(
        f"projection to 100 defects over {len(platform_clauses)} clauses: {groups_100} groups, "
        f"full run {full_100:.0f} s, wall ≈ {wall_100 / 60:.1f} min"
    )


if __name__ == "__main__":
    main()
