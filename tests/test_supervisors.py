"""The harness's supervision clients: one per profile account, as the `probe` fixture makes."""

from __future__ import annotations

import pytest
import requests

from harness.probe import Probe
from harness.profile import Profile, Thresholds
from harness.supervision import SupervisionClient, Supervisors

ACCOUNTS = [
    {"kind": "auditor", "username": "audit", "password": "pw-audit"},
    {"kind": "authority", "username": "hr", "password": "pw-hr"},
    {"kind": "enterprise", "username": "ent", "password": "pw-ent", "scope": "ENT-1"},
    {"kind": "institution", "username": "inst", "password": "pw-inst", "scope": "INST-001"},
    {"kind": "authority", "username": "hr-2", "password": "pw-hr-2"},
]
PROFILE = {
    "target": {"base_url": "http://127.0.0.1:1", "platform_id": "p", "accounts": ACCOUNTS},
    "province": {"url": "http://127.0.0.1:2", "start": False, "admin_token": "a"},
}


def probe_with(supervisors: Supervisors) -> Probe:
    """A probe whose acting parts are absent: only its observers are under test here."""
    return Probe(
        platform=None,  # type: ignore[arg-type]
        supervisor=supervisors.authority,
        province=None,  # type: ignore[arg-type]
        clock=None,  # type: ignore[arg-type]
        learners=None,  # type: ignore[arg-type]
        evidence=None,  # type: ignore[arg-type]
        thresholds=Thresholds(),
        platform_id="p",
        time=None,  # type: ignore[arg-type]
        supervisors=supervisors,
    )


def test_probe_supervisors_has_one_client_per_profile_account() -> None:
    profile = Profile.model_validate(PROFILE)
    with requests.Session() as session:
        supervisors = Supervisors.for_accounts(profile.target.url, session, profile.accounts())
    probe = probe_with(supervisors)
    assert [(c.kind, c.username, c.scope) for c in probe.supervisors] == [
        (a["kind"], a["username"], a.get("scope")) for a in ACCOUNTS
    ]
    assert len(probe.supervisors) == len(ACCOUNTS)
    assert probe.supervisor is probe.supervisors.authority
    assert probe.supervisors.authority.username == "hr"  # the first authority observes
    assert [c.username for c in probe.supervisors.of_kind("authority")] == ["hr", "hr-2"]
    assert [c.scope for c in probe.supervisors.of_kind("institution")] == ["INST-001"]
    assert probe.supervisors.of_kind("enterprise")[0] is probe.supervisors[2]
    assert not any("pw-" in repr(c) for c in probe.supervisors)
    assert "pw-" not in repr(probe.supervisors)


def test_a_collection_without_an_authority_is_refused() -> None:
    with requests.Session() as session:
        auditor = SupervisionClient(
            "http://127.0.0.1:1", session, username="a", password="p", kind="auditor"
        )
        with pytest.raises(ValueError, match="at least one authority"):
            Supervisors([auditor])


def test_a_probe_built_with_one_supervisor_has_a_collection_of_it() -> None:
    with requests.Session() as session:
        only = SupervisionClient("http://127.0.0.1:1", session, username="hr", password="pw")
    probe = Probe(
        platform=None,  # type: ignore[arg-type]
        supervisor=only,
        province=None,  # type: ignore[arg-type]
        clock=None,  # type: ignore[arg-type]
        learners=None,  # type: ignore[arg-type]
        evidence=None,  # type: ignore[arg-type]
        thresholds=Thresholds(),
        platform_id="p",
        time=None,  # type: ignore[arg-type]
    )
    assert list(probe.supervisors) == [only] and probe.supervisors.authority is only
