"""The detection matrix: the clean reference platform is ADMIT on every covered requirement, and
each deliberate defect makes exactly the requirements it names fail (verdict REJECT).

Runs the real `sxcert certify` command against the embedded reference platform, once per defect.
"""

from __future__ import annotations

import pytest

from harness.registry import checks_by_requirement
from reference_platform.defects import DEFECTS
from tests.conftest import read_report, run_sxcert

COVERED = sorted(checks_by_requirement())


def certify(tmp_path, *extra: str):
    out = tmp_path / "out"
    done = run_sxcert("certify", "--only", ",".join(COVERED), "--out", str(out), *extra)
    assert "Traceback" not in done.stderr, done.stderr
    return done, read_report(out)


def statuses(report: dict) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["clauses"] if c["in_scope"]}


def test_every_defect_names_requirements_that_a_check_covers():
    for defect in DEFECTS.values():
        assert defect.breaks and set(defect.breaks) <= set(COVERED), defect.name


def test_every_covered_requirement_has_a_defect():
    broken = {r for d in DEFECTS.values() for r in d.breaks}
    assert set(COVERED) <= broken


def test_clean_reference_platform_is_admitted(tmp_path):
    done, report = certify(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert report["verdict"] == "ADMIT" and report["partial"] is True
    assert set(statuses(report)) == set(COVERED)
    assert set(statuses(report).values()) == {"pass"}
    for clause in report["clauses"]:
        for check in clause["checks"]:
            if clause["in_scope"]:
                assert check["evidence"], f"{check['name']} passed without evidence"


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_defect_makes_exactly_its_requirements_fail(tmp_path, name):
    done, report = certify(tmp_path, "--reference-defect", name)
    assert done.returncode == 1, done.stdout + done.stderr
    assert report["verdict"] == "REJECT"
    assert report["target"]["reference_defects"] == [name]
    seen = statuses(report)
    failed = {cid for cid, status in seen.items() if status == "fail"}
    assert failed == set(DEFECTS[name].breaks), seen
    assert {s for cid, s in seen.items() if cid not in failed} == {"pass"}, seen
