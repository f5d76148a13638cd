"""A run shared between two embedded instances is one run: one report, its failures and their
evidence folded in, and the second instance bounded and ended (harness/second_instance.py)."""

from __future__ import annotations

import secrets
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.certify import CertifyOptions, plan_run_shares
from harness.run_bounds import StopRequest
from harness.second_instance import InstanceFailed, SecondInstance
from harness.shares import Share
from tests.conftest import processes_with_env, read_report, run_sxcert

SELECTION = ["VOUCH-03", "COURSE-05", "POST-06"]
DEFECT = "completion_below_level_minimum"  # COURSE-05: judged by the second instance
FAILING = "completion_needs_the_level_minimum_of_credited_hours"


def test_a_shared_run_folds_the_second_instances_failure_with_its_evidence(tmp_path):
    options = CertifyOptions(only=SELECTION, skip_browser=True, skip_load=True)
    shares = plan_run_shares(options)
    assert len(shares) == 2 and "COURSE-05" in shares[1].clauses  # what this test relies on
    mark = f"SXCERT_TEST_RUN={secrets.token_hex(8)}"
    out = tmp_path / "out"
    done = run_sxcert(
        "certify",
        "--only",
        ",".join(SELECTION),
        "--skip-browser",
        "--skip-load",
        "--reference-instances",
        "2",
        "--reference-defect",
        DEFECT,
        "--out",
        str(out),
        env=dict([mark.split("=", 1)]),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    report = read_report(out)
    assert report["target"]["reference_instances"] == 2
    assert report["target"]["reference_defects"] == [DEFECT]
    statuses = {c["id"]: c["status"] for c in report["clauses"] if c["in_scope"]}
    assert statuses == {"VOUCH-03": "pass", "COURSE-05": "fail", "POST-06": "pass"}
    checks = {
        k["name"]: k for c in report["clauses"] for k in c["checks"] if k["status"] != "not_run"
    }
    assert checks[FAILING]["status"] == "fail"
    for check in checks.values():  # the second instance's evidence is in the run's folder
        assert check["evidence"], check["name"]
        assert all((out / path).is_file() for path in check["evidence"]), check["name"]
    cases = {
        case.get("name"): case
        for suite in ET.parse(out / "junit.xml").getroot().iter("testsuite")
        if suite.get("name") != "sxcert.clauses"
        for case in suite.iter("testcase")
    }
    assert set(cases) == set(checks)  # every check once, whichever instance judged it
    assert cases[FAILING].find("failure") is not None
    assert "COURSE-05" in done.stdout  # the progress says the folded clauses too
    assert not any((out / name).exists() for name in ("instance-2", "instance-2.log"))
    assert processes_with_env(mark) == []  # both instances' servers are gone


def _instance(tmp_path: Path, script: str, bound_s: float = 30.0, stop=None) -> SecondInstance:
    instance = SecondInstance(
        Share(frozenset({"ID-01"}), 1.0), [], tmp_path, bound_s, stop or StopRequest(), 0.0
    )
    instance.command = [sys.executable, "-c", script]
    return instance


def test_a_second_instance_that_cannot_run_gives_its_reason(tmp_path):
    instance = _instance(tmp_path, "print('sxcert: Target unreachable: nobody'); exit(2)")
    instance.start()
    with pytest.raises(InstanceFailed, match="could not run: Target unreachable: nobody"):
        instance.join()


def test_a_hanging_second_instance_is_bounded_and_ended(tmp_path):
    instance = _instance(tmp_path, "import time; time.sleep(600)", bound_s=1.0)
    instance.start()
    started = time.monotonic()
    with pytest.raises(InstanceFailed, match="did not finish within 1 s"):
        instance.join()
    assert time.monotonic() - started < 10
    assert instance.process is not None and instance.process.poll() is not None


def test_a_stop_request_ends_the_wait_and_the_second_instance(tmp_path):
    stop = StopRequest()
    instance = _instance(tmp_path, "import time; time.sleep(600)", stop=stop)
    instance.start()
    stop.reason = "SIGTERM"
    with pytest.raises(pytest.exit.Exception, match="Interrupted by SIGTERM"):
        instance.join()
    assert instance.process is not None and instance.process.poll() is not None


def test_ending_a_finished_or_unstarted_instance_is_harmless(tmp_path):
    instance = _instance(tmp_path, "exit(0)")
    instance.end()  # never started
    instance.start()
    instance.join()
    instance.end()
    assert instance.code == 0
