"""--rerun-failed runs exactly the failed checks of a report; one run seed in report.json,
repeated by --seed; --repeat marks a check flaky (its clause error) only when verdicts differ."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import read_report, run_sxcert

from harness.registry import all_checks
from harness.repeat import keep_flaky_evidence, merge_repetitions
from harness.report.model import CheckEntry, ClauseEntry, Report
from harness.rerun import RerunError, RerunSelection, rerun_target
from harness.seed_plugin import RunSeed
from harness.seeding import check_seed

DEFECTS = ("--reference-defect", "accepts_under_16", "--reference-defect", "ignores_voucher_holder")


def _ran(report: dict) -> set[str]:
    return {
        check["name"]
        for clause in report["clauses"]
        for check in clause["checks"]
        if check["status"] != "not_run"
    }


def test_rerun_failed_runs_exactly_the_failed_checks(tmp_path: Path) -> None:
    first = tmp_path / "first"
    done = run_sxcert(
        "certify", "--only", "ELIG-01,ELIG-02,VOUCH-02", *DEFECTS, "--out", str(first)
    )
    assert done.returncode == 1, done.stdout + done.stderr
    earlier = read_report(first)
    failed = {
        check["name"]
        for clause in earlier["clauses"]
        for check in clause["checks"]
        if check["status"] in ("fail", "error")
    }
    assert failed == {
        "learner_under_minimum_age_is_refused",
        "voucher_of_another_person_is_refused",
    }
    second = tmp_path / "second"
    done = run_sxcert("certify", "--rerun-failed", str(first / "report.json"), "--out", str(second))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Re-running 2 checks" in done.stdout
    assert "under reference defects accepts_under_16, ignores_voucher_holder" in done.stdout
    rerun = read_report(second)
    assert _ran(rerun) == failed
    assert rerun["partial"] is True
    assert rerun["rerun_of"] == {
        "report": str(first / "report.json"),
        "sha256": hashlib.sha256((first / "report.json").read_bytes()).hexdigest(),
    }
    in_scope = {c["id"] for c in rerun["clauses"] if c["in_scope"]}
    assert in_scope == {"ELIG-01", "VOUCH-02"}


def test_rerun_failed_refuses_what_it_cannot_rerun(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    assert run_sxcert("certify", "--only", "ID-02", "--out", str(clean)).returncode == 0
    done = run_sxcert("certify", "--rerun-failed", str(clean / "report.json"))
    assert done.returncode == 2 and "nothing to re-run" in done.stderr
    done = run_sxcert("certify", "--rerun-failed", str(tmp_path / "none.json"))
    assert done.returncode == 2 and "report not found" in done.stderr
    done = run_sxcert("certify", "--rerun-failed", str(clean / "report.json"), "--only", "ID-02")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_check_runs_exactly_the_named_checks_of_their_clauses(tmp_path: Path) -> None:
    """`--check` runs those checks and no other; their clauses are the (partial) scope, and a
    named check that fails fails its clause."""
    out = tmp_path / "out"
    chosen = ["invalid_id_numbers_are_refused", "learner_under_minimum_age_is_refused"]
    done = run_sxcert(
        "certify", "--check", chosen[0], "--check", chosen[1], *DEFECTS, "--out", str(out)
    )
    assert done.returncode == 1, done.stdout + done.stderr
    report = read_report(out)
    assert _ran(report) == set(chosen)
    assert report["target"]["only"] == ["ELIG-01", "ID-01"]
    statuses = {c["id"]: c["status"] for c in report["clauses"] if c["in_scope"]}
    assert statuses == {"ELIG-01": "fail", "ID-01": "pass"}  # accepts_under_16 breaks ELIG-01
    id_checks = next(c["checks"] for c in report["clauses"] if c["id"] == "ID-01")
    assert {c["status"] for c in id_checks} == {"pass", "not_run"}


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (["--check", "no_such_check"], "unknown check(s): no_such_check"),
        (["--check", ","], "--check: no check named"),
        (["--check", "invalid_id_numbers_are_refused", "--only", "ID-01"], "leave out --only"),
    ],
)
def test_check_refuses_unknown_names_and_a_second_selection(extra, reason) -> None:
    done = run_sxcert("certify", *extra)
    assert done.returncode == 2 and reason in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def _selection(embedded: bool) -> RerunSelection:
    return RerunSelection(
        frozenset({"a"}),
        ["ID-02"],
        {"report": "r/report.json", "sha256": "0"},
        embedded_reference=embedded,
        reference_defects=("accepts_under_16",),
        target_name="Vendor platform",
    )


def test_rerun_target_follows_the_earlier_run() -> None:
    assert rerun_target(_selection(True), False, ()) == ("accepts_under_16",)
    assert rerun_target(_selection(True), False, ("other",)) == ("other",)
    assert rerun_target(_selection(True), True, ()) == ()
    assert rerun_target(_selection(False), True, ()) == ()
    with pytest.raises(RerunError, match="is a run of Vendor platform; give its --profile"):
        rerun_target(_selection(False), False, ())


def test_check_seed_is_stable_per_run_seed_and_check() -> None:
    assert check_seed(7, "a") == check_seed(7, "a")
    assert len({check_seed(7, "a"), check_seed(8, "a"), check_seed(7, "b")}) == 3


def test_each_check_starts_with_random_seeded_from_the_run_seed() -> None:
    plugin = RunSeed(99)
    item = SimpleNamespace(name="some_check")
    plugin.pytest_runtest_setup(item)  # type: ignore[arg-type]
    first = [random.random() for _ in range(3)]
    random.seed(0)
    plugin.pytest_runtest_setup(item)  # type: ignore[arg-type]
    assert [random.random() for _ in range(3)] == first


def _report(statuses: list[str]) -> Report:
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    checks = [CheckEntry(name=f"c{i}", kind="api", status=s) for i, s in enumerate(statuses)]
    clause = ClauseEntry(id="ID-02", level="MUST", status="pass", checks=checks)
    return Report(
        verdict="ADMIT", partial=False, target={}, started_at=now, finished_at=now, clauses=[clause]
    )


def test_differing_verdicts_make_a_check_flaky_and_its_clause_error() -> None:
    merged = merge_repetitions([_report(["pass", "pass"]), _report(["pass", "fail"])])
    checks = merged.clauses[0].checks
    assert [c.status for c in checks] == ["pass", "flaky"]
    assert checks[1].detail.startswith("verdicts differ between repetitions: pass, fail")
    assert merged.clauses[0].status == "error"
    assert merged.verdict == "REJECT"
    steady = merge_repetitions([_report(["fail", "pass"]), _report(["fail", "pass"])])
    assert [c.status for c in steady.clauses[0].checks] == ["fail", "pass"]


def test_seed_is_recorded_and_repeat_3_on_the_clean_reference_marks_nothing_flaky(tmp_path):
    out = tmp_path / "out"
    done = run_sxcert(
        "certify", "--only", "ID-02,ELIG-01,ELIG-02", "--repeat", "3", "--seed", "4242",
        "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report = read_report(out)
    assert (report["seed"], report["repeat"]) == (4242, 3)
    statuses = [
        c["status"] for clause in report["clauses"] if clause["in_scope"] for c in clause["checks"]
    ]
    covering = {
        n for n, i in all_checks().items() if {"ID-02", "ELIG-01", "ELIG-02"} & set(i.requirements)
    }
    assert len(statuses) == len(covering) and set(statuses) == {"pass"}  # nothing flaky
    assert not any(p.name.startswith(".repeat") for p in out.iterdir())
    fresh = tmp_path / "fresh"
    assert run_sxcert("certify", "--only", "ID-02", "--out", str(fresh)).returncode == 0
    assert isinstance(read_report(fresh)["seed"], int)


def test_a_flaky_checks_later_evidence_is_kept(tmp_path: Path) -> None:
    out, later = tmp_path / "out", tmp_path / "out" / ".repeat-2"
    (later / "evidence" / "c1").mkdir(parents=True)
    (later / "evidence" / "c1" / "exchanges.json").write_text("[2]", encoding="utf-8")
    first, second = _report(["pass", "pass"]), _report(["pass", "fail"])
    second.clauses[0].checks[1].evidence = ["evidence/c1/exchanges.json"]
    first.clauses[0].checks[1].evidence = ["evidence/c1/exchanges.json"]
    merged = merge_repetitions([first, second])
    keep_flaky_evidence(merged, [(later, second)], out)
    kept = "evidence/c1/repetition-2/exchanges.json"
    assert merged.clauses[0].checks[1].evidence == ["evidence/c1/exchanges.json", kept]
    assert (out / kept).read_text(encoding="utf-8") == "[2]"
    assert merged.clauses[0].checks[0].evidence == []
