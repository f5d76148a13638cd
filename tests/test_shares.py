"""How a run's clauses are shared out between embedded instances (harness/shares.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.catalogue import load_catalogue
from harness.certify import CertifyOptions, plan_run_shares
from harness.registry import CheckInfo, all_checks
from harness.shares import AFFINITY, MIN_SHARE_SECONDS, check_seconds, plan_shares

CHECKS = all_checks()
JUDGED = [c.id for c in load_catalogue().clauses if c.judged]
API_ONLY = ("browser", "load", "fuzz")


def _where(shares, clause: str) -> int:
    (index,) = [i for i, share in enumerate(shares) if clause in share.clauses]
    return index


@pytest.mark.parametrize("skipped", [API_ONLY, ("fuzz",), ()], ids=["api", "default", "all"])
@pytest.mark.parametrize("instances", [1, 2, 3, 4])
def test_every_selected_clause_is_in_exactly_one_share(skipped, instances):
    shares = plan_shares(JUDGED, CHECKS, instances, skipped)
    assert 1 <= len(shares) <= instances
    placed = [clause for share in shares for clause in share.clauses]
    assert sorted(placed) == sorted(JUDGED)


@pytest.mark.parametrize("skipped", [API_ONLY, ("fuzz",)], ids=["api", "default"])
def test_a_check_judges_its_clauses_on_one_instance(skipped):
    """A check covering two clauses runs once: both clauses sit in its share."""
    shares = plan_shares(JUDGED, CHECKS, 2, skipped)
    assert len(shares) == 2
    for info in CHECKS.values():
        assert len({_where(shares, r) for r in info.requirements if r in JUDGED}) == 1, info.name


def test_clauses_sharing_run_state_stay_together():
    shares = plan_shares(JUDGED, CHECKS, 2, API_ONLY)
    for group in AFFINITY:
        assert len({_where(shares, clause) for clause in group}) == 1


def test_the_load_check_stays_with_the_run_and_weighs_on_no_share():
    """It runs once both shares are done: its clauses are the run's, its cost is no share's."""
    shares = plan_shares(JUDGED, CHECKS, 2, ("fuzz",))
    load = {r for info in CHECKS.values() if info.kind == "load" for r in info.requirements}
    assert load and all(_where(shares, clause) == 0 for clause in load)
    assert shares[0].seconds == pytest.approx(
        sum(
            check_seconds(info)
            for info in CHECKS.values()
            if info.kind not in ("load", "fuzz") and set(info.requirements) & shares[0].clauses
        ),
        abs=0.05,  # a share's seconds are rounded to a tenth
    )


def test_the_shares_are_balanced_within_the_largest_group():
    """Longest first onto the lighter share: the two differ by less than one group's cost."""
    shares = plan_shares(JUDGED, CHECKS, 2, API_ONLY)
    largest = max(check_seconds(info) for info in CHECKS.values() if info.kind == "api")
    assert abs(shares[0].seconds - shares[1].seconds) <= largest


def test_a_small_share_is_judged_by_the_run_itself():
    """Two cheap clauses: a second instance would cost more than it saves."""
    shares = plan_shares(["ELIG-01", "ID-01"], CHECKS, 2, API_ONLY)
    assert len(shares) == 1 and shares[0].clauses == {"ELIG-01", "ID-01"}
    assert shares[0].seconds < MIN_SHARE_SECONDS


def test_one_instance_is_one_share_and_the_plan_is_deterministic():
    assert len(plan_shares(JUDGED, CHECKS, 1, API_ONLY)) == 1
    assert plan_shares(JUDGED, CHECKS, 2, API_ONLY) == plan_shares(
        list(reversed(JUDGED)), CHECKS, 2, API_ONLY
    )


def test_clauses_without_a_running_check_stay_with_the_run():
    checks = {
        "a": CheckInfo("a", ("ID-01",), "api", "m", "", None),  # type: ignore[arg-type]
        "b": CheckInfo("b", ("ID-02",), "browser", "m", "", None),  # type: ignore[arg-type]
    }
    shares = plan_shares(["ID-01", "ID-02", "POST-07"], checks, 2, ("browser",))
    assert shares[0].clauses >= {"ID-02", "POST-07"}


@pytest.mark.parametrize(
    ("options", "instances"),
    [
        (CertifyOptions(skip_browser=True, skip_load=True), 2),
        (CertifyOptions(), 2),
        (CertifyOptions(reference_instances=1), 1),
        (CertifyOptions(repeat=2), 1),  # repetitions fold per session: one instance
        (CertifyOptions(checks=frozenset({"invalid_id_numbers_are_refused"})), 1),
        (CertifyOptions(reference_database="postgresql://u@127.0.0.1:5432/db"), 1),
        (CertifyOptions(reference_database="sqlite:///shared.db"), 1),  # one file, one platform
        (CertifyOptions(pytest_args=["-x"]), 1),
    ],
    ids=["api", "default", "asked-one", "repeat", "chosen-checks", "postgres", "file", "pytest"],
)
def test_a_run_is_shared_only_where_its_instances_cannot_meet(options, instances):
    assert len(plan_run_shares(options)) == instances


def test_a_profile_target_is_one_platform():
    options = CertifyOptions(profile=Path("vendor.toml"))
    assert len(plan_run_shares(options)) == 1


def test_every_measured_cost_names_a_registered_check():
    """A renamed check would silently fall back to its kind's default cost and unbalance runs."""
    from harness.shares import CHECK_SECONDS

    assert set(CHECK_SECONDS) <= set(CHECKS)
