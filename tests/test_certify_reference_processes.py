"""`sxcert certify --reference-processes N`: the embedded reference served by N processes on one
socket (a faster API run on a 2-core machine); refused with a profile (there is no embedded
reference to start), before any server starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import read_report, run_sxcert


@pytest.mark.parametrize("flag", ["--reference-processes", "--reference-instances"])
def test_processes_and_instances_need_the_embedded_reference(tmp_path: Path, flag: str) -> None:
    """A profile's platform is one platform with one clock: neither served by more processes
    nor shared out between instances (tests/test_second_instance.py)."""
    profile = Path(__file__).resolve().parents[1] / "examples/profile.toml"
    done = run_sxcert("certify", "--profile", str(profile), "--out", str(tmp_path), flag, "2")
    assert done.returncode == 2
    assert f"{flag} applies only to the embedded reference platform" in (done.stderr + done.stdout)
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "report.json").exists()


def test_two_server_processes_certify_a_slice_as_one_does(tmp_path: Path) -> None:
    """Sign-ins, study and supervision go to either process: the slice that moves state across
    requests the most (a second login ends the first; a superseded session earns nothing) is
    ADMIT with every check passing."""
    out = tmp_path / "out"
    done = run_sxcert(
        "certify",
        "--only",
        "STUDY-03,STUDY-07",
        "--skip-browser",
        "--reference-processes",
        "2",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = read_report(out)
    assert report["verdict"] == "ADMIT"
    statuses = {c["name"]: c["status"] for cl in report["clauses"] for c in cl["checks"]}
    judged = {n: s for n, s in statuses.items() if s != "not_run"}
    assert judged and set(judged.values()) == {"pass"}, judged


def test_processes_outside_their_range_are_refused(tmp_path: Path) -> None:
    done = run_sxcert("certify", "--reference-processes", "0", "--out", str(tmp_path))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
