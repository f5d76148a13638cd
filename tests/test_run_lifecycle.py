"""A run that holds: validated before it starts, nothing lost when it cannot be made, nothing left
behind when it is stopped — by Ctrl-C's siblings SIGTERM and SIGHUP, or killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, read_report, run_sxcert


def _processes_with(marker: str) -> list[int]:
    """PIDs whose environment carries `marker` (our TMPDIR): the run and every child it made."""
    needle = marker.encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _start_certify(tmp_path: Path) -> tuple[subprocess.Popen, str, Path]:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    marker = f"TMPDIR={tmpdir}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from harness.cli import main; main()",
            "certify",
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmpdir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # both servers up: the run, the province and the reference platform share the marker
    assert _wait_for(lambda: len(_processes_with(marker)) >= 3, 60), "servers never started"
    return process, marker, tmpdir


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_terminated_run_stops_its_servers_and_removes_its_folder(tmp_path, signum):
    process, marker, tmpdir = _start_certify(tmp_path)
    out = tmp_path / "out"
    assert _wait_for(lambda: any(out.glob(".sxcert-run-*/evidence/*")), 60), "no check started"
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2, stderr
    assert "Interrupted" in stderr and "Traceback" not in stderr
    assert _wait_for(lambda: not _processes_with(marker), 10), "a server was left running"
    assert not any(tmpdir.iterdir()), f"left behind: {list(tmpdir.iterdir())}"
    report = read_report(out)  # what ran is kept, and says it is not the whole run
    assert report["interrupted"] is True and report["partial"] is True


def test_a_killed_run_takes_its_servers_with_it(tmp_path):
    process, marker, _ = _start_certify(tmp_path)
    process.kill()
    process.communicate(timeout=30)
    assert _wait_for(lambda: not _processes_with(marker), 15), "servers outlived a killed run"


@pytest.mark.parametrize(
    ("only", "reason"),
    [
        ("", "--only names no requirement ID"),
        (",", "--only names no requirement ID"),
        ("COURSE-02", "PROVINCE clauses"),
        ("COURSE-02,SUB-04", "PROVINCE clauses"),
        ("STUDY-99", "unknown requirement IDs: STUDY-99"),
    ],
)
def test_a_selection_with_nothing_to_judge_is_refused_before_anything_starts(
    tmp_path, only, reason
):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text('{"earlier": true}', encoding="utf-8")
    started = time.monotonic()
    done = run_sxcert("certify", "--only", only, "--out", str(out))
    assert done.returncode == 2, done.stdout + done.stderr
    assert reason in done.stderr and "Traceback" not in done.stderr
    assert time.monotonic() - started < 20  # refused before any server started
    assert (out / "report.json").read_text(encoding="utf-8") == '{"earlier": true}'
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]


def test_a_bad_profile_keeps_the_earlier_report(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text('{"earlier": true}', encoding="utf-8")
    (out / "evidence").mkdir()
    profile = tmp_path / "profile.toml"
    profile.write_text("[target]\nbase_url = 'not a url'\n", encoding="utf-8")
    done = run_sxcert("certify", "--profile", str(profile), "--out", str(out))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert (out / "report.json").read_text(encoding="utf-8") == '{"earlier": true}'
    assert sorted(p.name for p in out.iterdir()) == ["evidence", "report.json"]


def test_a_new_report_replaces_the_earlier_one_whole(tmp_path):
    out = tmp_path / "out"
    (out / "evidence" / "a_check_of_an_earlier_run").mkdir(parents=True)
    (out / "report.json").write_text('{"earlier": true}', encoding="utf-8")
    done = run_sxcert("certify", "--only", "ELIG-02", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"earlier"' not in (out / "report.json").read_text(encoding="utf-8")
    assert not (out / "evidence" / "a_check_of_an_earlier_run").exists()
    assert (out / "junit.xml").is_file() and (out / "report.html").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".sxcert-run-")]


def test_a_clause_no_check_covers_leaves_nothing_to_judge(monkeypatch):
    """Every MUST clause has a check now; a clause a later catalogue adds before its check is
    refused the same way (the subsidy clause stands in for it, its check left out)."""
    import harness.certify as certify

    monkeypatch.setattr(certify, "checks_by_requirement", lambda: {})
    with pytest.raises(certify.RunFailed, match="no check covers the selected clauses"):
        certify._validate_selection(certify.CertifyOptions(only=["SUB-01"]))
