"""Vendors' baselines: expected failures change the exit code and the summary, never the verdict;
an unexpected pass is reported; an expired entry counts as a failure."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
import zipfile
from pathlib import Path

import pytest
from conftest import read_report, run_sxcert

from harness.baseline import (
    Baseline,
    BaselineError,
    apply_baseline,
    load_baseline,
    starting_baseline,
)
from harness.report.model import CheckEntry, ClauseEntry, Report

TODAY = dt.date(2026, 12, 1)
DEFECT_RUN = ("--only", "VOUCH-02,ID-02", "--reference-defect", "ignores_voucher_holder")


def _clause(cid: str, status: str, checks: dict[str, str], level: str = "MUST") -> ClauseEntry:
    return ClauseEntry(
        id=cid,
        level=level,
        status=status,
        checks=[CheckEntry(name=n, kind="api", status=s) for n, s in checks.items()],
    )


def _report(*clauses: ClauseEntry) -> Report:
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    verdict = "ADMIT" if all(c.status in ("pass", "attested") for c in clauses) else "REJECT"
    return Report(
        verdict=verdict,
        partial=False,
        target={},
        started_at=now,
        finished_at=now,
        clauses=list(clauses),
    )


def _baseline(*entries: dict) -> Baseline:
    base = {"reason": "known", "owner": "qa", "expires": TODAY}
    return Baseline.model_validate({"expected": [{**base, **e} for e in entries]})


def test_expected_failures_only_exit_zero() -> None:
    report = _report(
        _clause("VOUCH-02", "fail", {"a": "fail", "b": "pass"}),
        _clause("ID-02", "pass", {"c": "pass"}),
        _clause("POST-01", "not_run", {}),
    )
    baseline = _baseline(
        {"clause": "VOUCH-02", "check": "a", "status": "fail"},
        {"clause": "POST-01", "status": "not_run"},
    )
    outcome = apply_baseline(baseline, report, Path("expected.toml"), TODAY)
    assert outcome.expected_failures == ["VOUCH-02", "POST-01"]
    assert outcome.unexpected_failures == outcome.expired == outcome.unexpected_passes == []
    assert outcome.exit_code == 0


def test_second_failing_check_beside_an_expected_one_is_unexpected() -> None:
    report = _report(_clause("VOUCH-02", "fail", {"a": "fail", "b": "error"}))
    outcome = apply_baseline(
        _baseline({"clause": "VOUCH-02", "check": "a", "status": "fail"}),
        report,
        Path("x"),
        TODAY,
    )
    assert outcome.unexpected_failures == ["VOUCH-02 (fail)"] and outcome.exit_code == 1


def test_other_status_than_expected_is_unexpected() -> None:
    report = _report(_clause("VOUCH-02", "error", {"a": "error"}))
    outcome = apply_baseline(
        _baseline({"clause": "VOUCH-02", "status": "fail"}), report, Path("x"), TODAY
    )
    assert outcome.unexpected_failures == ["VOUCH-02 (error)"] and outcome.exit_code == 1


def test_expired_entry_counts_as_a_failure() -> None:
    report = _report(_clause("VOUCH-02", "fail", {"a": "fail"}))
    baseline = _baseline({"clause": "VOUCH-02", "status": "fail", "expires": TODAY})
    assert apply_baseline(baseline, report, Path("x"), TODAY).exit_code == 0  # last valid day
    outcome = apply_baseline(baseline, report, Path("x"), TODAY + dt.timedelta(days=1))
    assert outcome.expired == ["VOUCH-02 (entry expired 2026-12-01)"]
    assert outcome.exit_code == 1


def test_expected_failure_that_passes_is_an_unexpected_pass() -> None:
    report = _report(_clause("VOUCH-02", "pass", {"a": "pass"}), _clause("ID-02", "pass", {}))
    baseline = _baseline(
        {"clause": "VOUCH-02", "check": "a", "status": "fail"},
        {"clause": "ID-02", "status": "fail"},
        {"clause": "ZZZ-01", "status": "fail"},
    )
    outcome = apply_baseline(baseline, report, Path("x"), TODAY)
    assert outcome.unexpected_passes == ["VOUCH-02/a", "ID-02"]
    assert outcome.not_judged == ["ZZZ-01"]
    assert outcome.exit_code == 0


def test_should_clauses_never_decide(tmp_path: Path) -> None:
    report = _report(_clause("STUDY-09", "fail", {"a": "fail"}, level="SHOULD"))
    outcome = apply_baseline(Baseline(), report, Path("x"), TODAY)
    assert outcome.exit_code == 0 and outcome.unexpected_failures == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[[expected]]\nclause = 'VOUCH-02'\nstatus = 'fail'\n", "reason: Field required"),
        ("[[expected]]\nclause = 'x'\n", "clause: String should match"),
        ("expected = [", "not valid TOML"),
        ("[[expected]]\nclause='VOUCH-02'\nstatus='broken'\nreason='r'\nowner='o'\nexpires=2027-01-01\n",
         "status: Input should be"),
        ("[[expected]]\nclause='VOUCH-99'\nstatus='fail'\nreason='r'\nowner='o'\nexpires=2027-01-01\n",
         "no clause VOUCH-99 in the catalogue"),
        ("[[expected]]\nclause='VOUCH-02'\ncheck='unknown_voucher_is_refused'\nstatus='fail'\n"
         "reason='r'\nowner='o'\nexpires=2027-01-01\n",
         "no check unknown_voucher_is_refused covers VOUCH-02"),
    ],
)  # fmt: skip
def test_bad_baseline_is_named(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "expected.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BaselineError, match=problem):
        load_baseline(path)


def test_starting_baseline_loads_and_expects_the_report() -> None:
    report = _report(
        _clause("VOUCH-02", "fail", {"a": "fail", "b": "pass"}), _clause("POST-01", "not_run", {})
    )
    text = starting_baseline(report, owner="qa", days=30, today=TODAY)
    entries = tomllib.loads(text)["expected"]
    assert [(e["clause"], e.get("check"), e["status"]) for e in entries] == [
        ("VOUCH-02", "a", "fail"),
        ("POST-01", None, "not_run"),
    ]
    assert all(e["expires"] == TODAY + dt.timedelta(days=30) for e in entries)
    baseline = Baseline.model_validate(tomllib.loads(text))
    assert apply_baseline(baseline, report, Path("x"), TODAY).exit_code == 0


def test_baseline_run_end_to_end(tmp_path: Path) -> None:
    """Under a defect: REJECT, exit 1; with the baseline written from that report: exit 0, still
    REJECT, recorded in report.json and the dossier (never a certification); the same baseline
    on the clean reference reports an unexpected pass; expired: exit 1."""
    first = tmp_path / "first"
    done = run_sxcert("certify", *DEFECT_RUN, "--out", str(first))
    assert done.returncode == 1, done.stdout + done.stderr
    expected = tmp_path / "expected.toml"
    written = run_sxcert("baseline", "--from", str(first / "report.json"), "--out", str(expected))
    assert written.returncode == 0, written.stderr
    entries = tomllib.loads(expected.read_text(encoding="utf-8"))["expected"]
    assert [(e["clause"], e["check"]) for e in entries] == [
        ("VOUCH-02", "voucher_of_another_person_is_refused")
    ]

    second, dossier = tmp_path / "second", tmp_path / "d.zip"
    done = run_sxcert(
        "certify", *DEFECT_RUN, "--out", str(second), "--baseline", str(expected),
        "--dossier", str(dossier),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "expected failures: VOUCH-02" in done.stdout
    report = read_report(second)
    assert report["verdict"] == "REJECT"
    assert report["baseline"]["expected_failures"] == ["VOUCH-02"]
    with zipfile.ZipFile(dossier) as archive:
        environment = tomllib.loads(archive.read("ENVIRONMENT.toml").decode())
        assert json.loads(archive.read("report.json"))["baseline"] is not None
    assert environment["baseline_used"] is True and environment["certification"] is False

    clean = tmp_path / "clean"
    done = run_sxcert(
        "certify", "--only", "VOUCH-02,ID-02", "--out", str(clean), "--baseline", str(expected)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "unexpected passes (remove these entries): VOUCH-02/voucher_of_another" in done.stdout
    assert read_report(clean)["baseline"]["unexpected_passes"]

    text = expected.read_text(encoding="utf-8")
    expires = entries[0]["expires"].isoformat()
    expected.write_text(text.replace(expires, "2020-01-01"), encoding="utf-8")
    done = run_sxcert("certify", *DEFECT_RUN, "--baseline", str(expected))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "EXPIRED entries (count as failures): VOUCH-02" in done.stdout


def test_unusable_baseline_is_refused_before_the_run(tmp_path: Path) -> None:
    done = run_sxcert("certify", "--only", "ID-02", "--baseline", str(tmp_path / "none.toml"))
    assert done.returncode == 2 and "baseline file not found" in done.stderr
    report = tmp_path / "report.json"
    report.write_text("{}", encoding="utf-8")
    done = run_sxcert("baseline", "--from", str(report), "--out", str(tmp_path / "e.toml"))
    assert done.returncode == 2 and "not an sxcert report.json" in done.stderr
    assert "Traceback" not in done.stderr
