"""`sxcert certify` against targets that misbehave: every run ends with exit 1 (failed or errored
checks) or 2 (one reason), within a bound, without a traceback, and the province it started is
gone afterwards."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.conftest import read_report, run_sxcert
from tests.hostile import hostile

SECRETS = {
    "SXCERT_T_AUTHORITY": "authority-secret-never-printed",
    "SXCERT_T_TOKEN": "test-token-never-printed",
    "SXCERT_T_KEY": "platform-key-never-printed",
}
# a few checks of different kinds: enough to see the watch stop a dead target
ONLY = "ELIG-01,ID-01,ID-02,STUDY-05,STUDY-06,COURSE-05"
BOUND_S = 90  # the longest any of these runs may take (README: a run that holds)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_profile(tmp_path: Path, base_url: str, timeout_s: float = 2.0) -> Path:
    profile = tmp_path / "profile.toml"
    profile.write_text(
        f"""
[target]
name = "hostile"
base_url = "{base_url}"
platform_id = "hostile"
test_token_env = "SXCERT_T_TOKEN"
timeout_seconds = {timeout_s}
ready_timeout_seconds = 3

[[target.accounts]]
kind = "authority"
username = "hr-authority"
password_env = "SXCERT_T_AUTHORITY"

[province]
url = "http://127.0.0.1:{_free_port()}"
start = true
platform_key_env = "SXCERT_T_KEY"
""",
        encoding="utf-8",
    )
    return profile


def certify_against(tmp_path: Path, base_url: str, *extra: str):
    out = tmp_path / "out"
    started = time.monotonic()
    done = run_sxcert(
        "certify",
        "--profile",
        str(write_profile(tmp_path, base_url)),
        "--out",
        str(out),
        "--only",
        ONLY,
        *extra,
        env=SECRETS,
        timeout=BOUND_S + 60,
    )
    took = time.monotonic() - started
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    printed = done.stdout + done.stderr
    written = "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file()
    )
    for secret in SECRETS.values():
        assert secret not in printed and secret not in written
    return done, out, took


@pytest.mark.parametrize(
    "mode", ["hang", "trickle", "trickle_head", "html", "server_error", "huge", "reset", "busy"]
)
def test_a_misbehaving_target_gets_failed_checks_within_a_bound(tmp_path, mode):
    with hostile(mode, trickle_every_s=1.0, huge_bytes=256 << 20) as server:
        done, out, took = certify_against(tmp_path, server.url)
    assert done.returncode in (1, 2), done.stdout + done.stderr
    assert took < BOUND_S, f"{mode}: {took:.0f} s"
    if done.returncode == 1:
        report = read_report(out)
        assert report["verdict"] == "REJECT"
        checks = [c for cl in report["clauses"] if cl["in_scope"] for c in cl["checks"]]
        assert {c["status"] for c in checks} <= {"fail", "error"}
        for check in checks:  # a failed probe carries what it sent and what (not) came back
            assert check["status"] != "fail" or check["evidence"], check["name"]
    else:
        assert done.stderr.strip(), "exit 2 without a reason"


def test_a_target_without_the_interface_is_one_clear_mismatch(tmp_path):
    with hostile("not_found") as server:
        done, _, took = certify_against(tmp_path, server.url)
    assert done.returncode == 2
    assert "Interface mismatch" in done.stderr and "404" in done.stderr
    assert took < 30


def test_an_unreachable_target_is_exit_2_with_the_reason(tmp_path):
    done, _, took = certify_against(tmp_path, f"http://127.0.0.1:{_free_port()}")
    assert done.returncode == 2
    assert "Target unreachable" in done.stderr
    assert took < 60


def test_a_target_trickling_even_its_health_answer_is_exit_2_within_the_timeout(tmp_path):
    """Preflight's health call is bounded as a whole, like every exchange: a head sent a byte
    every 0.5 s (each read far inside the 2 s timeout) is "did not answer", not a long wait."""
    with hostile("trickle_all", trickle_every_s=0.5) as server:
        done, _, took = certify_against(tmp_path, server.url)
    assert done.returncode == 2
    assert "Target unreachable" in done.stderr and "did not answer within 2 s" in done.stderr
    assert took < 30, f"{took:.0f} s"
