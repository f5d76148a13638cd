"""The profile's credentials are tried before the first check (a refused one is exit 2 naming it),
and no secret a run used appears in anything it printed or wrote — also when checks fail."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from harness.embedded import embedded_target
from harness.profile import Profile
from tests.conftest import run_sxcert, write_profile

LEARNER_PASSWORD = re.compile(r"pw-[A-Za-z0-9_-]{16}")  # harness/learners.py's learner passwords
BEARER = re.compile(r"Bearer\s+(?!\*\*\*)[A-Za-z0-9._~+/=-]{8,}")


@pytest.fixture(scope="module")
def running_reference(tmp_path_factory) -> Iterator[Profile]:
    """A running province + reference platform, as a vendor's certification instance would be,
    with the defect that makes VOUCH-02 fail (so the run has failures to print)."""
    workdir = tmp_path_factory.mktemp("instance")
    with embedded_target(workdir, ("ignores_voucher_holder",)) as profile:
        yield profile


@pytest.mark.parametrize(
    ("wrong", "named"),
    [
        ({"SXCERT_T_PW_0": "not-the-password"}, "target.accounts (authority 'hr-authority')"),
        ({"SXCERT_T_PW_2": "not-the-password"}, "target.accounts (enterprise"),
        ({"SXCERT_T_TEST_TOKEN": "not-the-token"}, "target.test_token"),
        ({"SXCERT_T_ADMIN": "not-the-token"}, "province.admin_token"),
    ],
    ids=["authority", "enterprise", "test-token", "province-admin"],
)
def test_a_refused_credential_is_exit_2_naming_it(tmp_path, running_reference, wrong, named):
    profile, env = write_profile(tmp_path / "p.toml", running_reference, **wrong)
    done = run_sxcert("certify", "--profile", str(profile), "--out", str(tmp_path / "out"), env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "A credential of the profile is refused" in done.stderr and named in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "report.json").exists()


def test_no_secret_appears_in_anything_a_failing_run_prints_or_writes(tmp_path, running_reference):
    profile, env = write_profile(tmp_path / "p.toml", running_reference)
    out = tmp_path / "out"
    done = run_sxcert(
        "certify",
        "--profile",
        str(profile),
        "--out",
        str(out),
        "--only",
        "VOUCH-02,ID-02,STUDY-03",
        env=env,
    )
    assert done.returncode == 1, done.stdout + done.stderr  # VOUCH-02 fails under the defect
    outputs = {"stdout": done.stdout, "stderr": done.stderr}
    outputs |= {
        str(p.relative_to(out)): p.read_text(encoding="utf-8", errors="replace")
        for p in out.rglob("*")
        if p.is_file()
    }
    secrets = [v for v in env.values() if len(v) >= 8]
    assert secrets, "the run used no secret"
    for where, text in outputs.items():
        for secret in secrets:
            assert secret not in text, f"a profile secret appears in {where}"
        assert not LEARNER_PASSWORD.search(text), f"a learner password appears in {where}"
        assert not BEARER.search(text), f"a bearer token appears in {where}"
    assert any("technical-log.txt" in where for where in outputs)  # the failure's full log
