"""Vendors may run the checks under their own pytest with `--sxcert-profile` (pytest11 plugin)."""

from __future__ import annotations

import subprocess
import sys

from harness.embedded import embedded_target
from tests.conftest import ROOT, read_report

PROFILE = """
[target]
base_url = "{url}"
platform_id = "sxcert-reference"
test_token = "{test_token}"
[[target.accounts]]
kind = "authority"
username = "hr-authority"
password = "{password}"
[province]
url = "{province}"
start = false
admin_token = "{admin}"
"""


def test_checks_run_under_plain_pytest_with_a_profile(tmp_path):
    with embedded_target(tmp_path / "servers") as profile:
        path = tmp_path / "profile.toml"
        path.write_text(
            PROFILE.format(
                url=profile.target.url,
                test_token=profile.test_token(),
                password=profile.authority_password(),
                province=profile.province.base,
                admin=profile.province.admin_token,
            ),
            encoding="utf-8",
        )
        out = tmp_path / "out"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                str(ROOT / "harness" / "checks" / "eligibility.py"),
                "--sxcert-profile",
                str(path),
                "--sxcert-out",
                str(out),
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
    report = read_report(out)
    assert {c["id"]: c["status"] for c in report["clauses"] if c["id"].startswith("ELIG")} == {
        "ELIG-01": "pass",
        "ELIG-02": "pass",
        "ELIG-03": "pass",
    }
    assert report["verdict"] == "REJECT"  # a plain run of one module covers only ELIG


def test_plain_pytest_refuses_a_profile_that_asks_to_start_the_province(tmp_path):
    path = tmp_path / "profile.toml"
    path.write_text(
        PROFILE.format(
            url="http://127.0.0.1:1",
            test_token="t",
            password="p",
            province="http://127.0.0.1:2",
            admin="a",
        ).replace("start = false", "start = true"),
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(ROOT / "harness" / "checks" / "eligibility.py"),
            "--sxcert-profile",
            str(path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 4  # pytest's usage error
    assert "province.start = true needs `sxcert certify`" in done.stderr
