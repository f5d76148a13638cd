"""The detection matrix: the clean reference platform is ADMIT with every check passing, and every
deliberate defect is caught by exactly the checks it names.

Runs the real `sxcert certify` command against the embedded reference platform. How the runs are
chosen, and what each kind proves, is in tests/detection_plan.py: a solo run per defect (narrowed
to its requirements) and a few group runs (several defects with disjoint requirements at once,
all checks). `SXCERT_MATRIX=exact` runs one full certify per defect instead.

Solo runs certify one running reference platform per test worker, its defect switched through
the reference's certification-only hook (`PUT /api/v1/test/defects`) instead of a restart: a solo
run then costs its checks and the command's start, not two server starts. Defects read at
start-up (seed data, routes) are certified the ordinary way, by `--reference-defect`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from harness.embedded import embedded_target
from harness.registry import all_checks, checks_by_requirement
from reference_platform.defects import DEFECTS, READ_AT_START
from tests.conftest import read_report, run_sxcert, write_profile
from tests.detection_plan import plan_groups

COVERED = sorted(checks_by_requirement())
GROUPS = plan_groups(DEFECTS)
EXACT = os.environ.get("SXCERT_MATRIX", "").lower() == "exact"


def certify(tmp_path, only: list[str], defects: tuple[str, ...] = (), *args: str, env=None):
    out = tmp_path / "out"
    switches = [arg for name in defects for arg in ("--reference-defect", name)]
    done = run_sxcert(
        "certify", "--only", ",".join(only), "--out", str(out), *switches, *args, env=env
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return done, read_report(out)


@dataclass
class SwitchableReference:
    """One running reference platform (and province) whose defects are switched at runtime."""

    profile_file: Path
    env: dict[str, str]
    base_url: str
    test_token: str

    @contextmanager
    def switched(self, *names: str) -> Iterator[None]:
        self._switch(list(names))
        try:
            yield
        finally:
            self._switch([])

    def _switch(self, names: list[str]) -> None:
        answer = requests.put(
            f"{self.base_url}/api/v1/test/defects",
            json={"names": names},
            headers={"Authorization": f"Bearer {self.test_token}"},
            timeout=10,
        )
        assert answer.status_code == 200 and answer.json()["names"] == sorted(names), answer.text


@pytest.fixture(scope="module")
def switchable(tmp_path_factory) -> Iterator[SwitchableReference]:
    workdir = tmp_path_factory.mktemp("switchable")
    with embedded_target(workdir, defect_switch=True) as profile:
        path, env = write_profile(workdir / "profile.toml", profile)
        yield SwitchableReference(path, env, profile.target.url, profile.target.test_token or "")


def clause_statuses(report: dict) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["clauses"] if c["in_scope"]}


def check_statuses(report: dict) -> dict[str, str]:
    return {
        check["name"]: check["status"]
        for clause in report["clauses"]
        if clause["in_scope"]
        for check in clause["checks"]
    }


def assert_caught_exactly(report: dict, checks: set[str], requirements: set[str]) -> None:
    """The named `checks` fail (as failures, not errors); the other checks of the broken
    `requirements` pass or fail (a defect may also be seen, now and then, by a check that does
    not name it), never error; every check of every other requirement passes; and the failed
    clauses are exactly `requirements`."""
    allowed: dict[str, set[str]] = {}
    for clause in report["clauses"]:
        if not clause["in_scope"]:
            continue
        for check in clause["checks"]:
            if check["name"] in checks:
                ok = {"fail"}
            elif clause["id"] in requirements:
                ok = {"pass", "fail"}
            else:
                ok = {"pass"}
            allowed[check["name"]] = allowed.get(check["name"], ok) & ok
    seen = check_statuses(report)
    wrong = {name: status for name, status in seen.items() if status not in allowed[name]}
    missing = checks - seen.keys()
    assert not wrong and not missing, {"unexpected statuses": wrong, "not run": sorted(missing)}
    failed = {cid for cid, status in clause_statuses(report).items() if status == "fail"}
    assert failed == requirements, clause_statuses(report)
    assert report["verdict"] == "REJECT"


# ---- the plan itself ---------------------------------------------------------------------------
def test_defects_and_covered_requirements_match():
    """Every defect breaks covered requirements only, and every covered requirement has a
    defect (that each named check exists and covers its defect is tests/test_defects.py's)."""
    broken = {r for d in DEFECTS.values() for r in d.breaks}
    assert all(d.breaks for d in DEFECTS.values())
    assert broken == set(COVERED)


def test_groups_cover_every_defect_once_with_disjoint_requirements():
    placed = [name for group in GROUPS for name in group.defects]
    assert sorted(placed) == sorted(DEFECTS)
    for group in GROUPS:
        members = [DEFECTS[n] for n in group.defects]
        assert sum(len(set(d.breaks)) for d in members) == len(group.requirements)
        assert sum(len(set(d.checks)) for d in members) == len(group.checks)
    widest = max(sum(r in d.breaks for d in DEFECTS.values()) for r in COVERED)
    assert len(GROUPS) == widest, "the plan uses more group runs than its requirements force"


# ---- the runs ----------------------------------------------------------------------------------
def test_clean_reference_platform_is_admitted(tmp_path):
    done, report = certify(tmp_path, COVERED)
    assert done.returncode == 0, done.stdout + done.stderr
    assert report["verdict"] == "ADMIT" and report["partial"] is True
    assert set(clause_statuses(report)) == set(COVERED)
    assert set(clause_statuses(report).values()) == {"pass"}
    assert set(check_statuses(report)) == {
        name for name, info in all_checks().items() if set(info.requirements) & set(COVERED)
    }
    assert set(check_statuses(report).values()) == {"pass"}
    for clause in report["clauses"]:
        for check in clause["checks"]:
            if clause["in_scope"]:
                assert check["evidence"], f"{check['name']} passed without evidence"


if not EXACT:

    @pytest.mark.parametrize("name", sorted(DEFECTS))
    def test_defect_alone_fails_exactly_its_checks(tmp_path, switchable, name):
        defect, only = DEFECTS[name], sorted(DEFECTS[name].breaks)
        if name in READ_AT_START:  # seed data or routes: only a fresh start has it
            done, report = certify(tmp_path, only, (name,))
            assert report["target"]["reference_defects"] == [name]
        else:
            with switchable.switched(name):
                done, report = certify(
                    tmp_path,
                    only,
                    (),
                    "--profile",
                    str(switchable.profile_file),
                    env=switchable.env,
                )
        assert done.returncode == 1, done.stdout + done.stderr
        assert_caught_exactly(report, set(defect.checks), set(defect.breaks))

    def test_the_switch_leaves_the_running_reference_compliant(tmp_path, switchable):
        """Between solo runs the switched reference is clean again: ADMIT on every check."""
        done, report = certify(
            tmp_path, COVERED, (), "--profile", str(switchable.profile_file), env=switchable.env
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert set(check_statuses(report).values()) == {"pass"}

    @pytest.mark.parametrize("group", GROUPS, ids=[g.label for g in GROUPS])
    def test_group_of_defects_fails_exactly_their_checks(tmp_path, group):
        done, report = certify(tmp_path, COVERED, group.defects)
        assert done.returncode == 1, done.stdout + done.stderr
        assert report["target"]["reference_defects"] == list(group.defects)
        assert_caught_exactly(report, set(group.checks), set(group.requirements))

else:  # the exhaustive mode: what the plan leaves unproven, proven the slow way

    @pytest.mark.parametrize("name", sorted(DEFECTS))
    def test_defect_fails_exactly_its_checks_in_a_full_run(tmp_path, name):
        defect = DEFECTS[name]
        done, report = certify(tmp_path, COVERED, (name,))
        assert done.returncode == 1, done.stdout + done.stderr
        assert_caught_exactly(report, set(defect.checks), set(defect.breaks))
