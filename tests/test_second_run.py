"""Two certification runs against one running platform give the same verdict (issue 7).

The platform is started as a vendor runs it: a real server process, with its own database, that
outlives every run and talks to the province at a fixed URL. It applies for its course approvals
and registers its learners once; the province sxcert starts for each run must therefore still
know them on the second run, from its state folder.
"""

from __future__ import annotations

import json
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.embedded import (
    EMBEDDED_LOAD,
    HARNESS_ADDRESS,
    PLATFORM_HEALTH,
    REFERENCE_FACTORY,
    embedded_accounts,
    reference_backup_commands,
    reference_supervision_env,
)
from harness.registry import checks_by_requirement
from harness.servers import ServerProcess, start_server, stop
from tests.conftest import read_report, run_sxcert
from tests.detection_plan import CLOCK_MOVING

PLATFORM_ID = "vendor-long-running"
ACCOUNTS = embedded_accounts()  # the platform's supervision accounts, fresh passwords per session


def _unused_loopback_port() -> int:
    """A port nothing listens on yet: the province of the first run will be started there."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunningPlatform:
    server: ServerProcess
    province_url: str  # where the platform expects its province (nothing there between runs)
    profile_env: dict[str, str] = field(repr=False)  # the profile's secrets: never in a failure

    def stop(self) -> None:
        stop(self.server)


def _profile(path: Path, platform: ServerProcess, province_url: str, state_dir: Path) -> Path:
    accounts = "".join(
        f'\n[[target.accounts]]\nkind = "{a["kind"]}"\nusername = "{a["username"]}"\n'
        f'password_env = "SECOND_RUN_PASSWORD_{i}"\n'
        + (f'scope = "{a["scope"]}"\n' if a["scope"] else "")
        for i, a in enumerate(ACCOUNTS)
    )
    # POST-04: the platform's own backup and restore (its database, in the test's folder).
    commands = reference_backup_commands(f"sqlite:///{path.parent / 'vendor.db'}", ())
    backup = "[backup]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in commands.items())
    # the embedded reference's short load (LOAD-01/02), not a real certification's 10 minutes
    thresholds = "\n".join(f"{name} = {value!r}" for name, value in EMBEDDED_LOAD.items())
    path.write_text(
        f"""[target]
name = "long-running reference platform"
base_url = "{platform.url}"
platform_id = "{PLATFORM_ID}"
test_token_env = "SECOND_RUN_TEST_TOKEN"
{accounts}
[province]
url = "{province_url}"
start = true
platform_key_env = "SECOND_RUN_PLATFORM_KEY"
state_dir = "{state_dir}"
{backup}
[thresholds]
{thresholds}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def running_platform(tmp_path: Path) -> Iterator[RunningPlatform]:
    """The reference platform as a long-running server pointed at a province URL that nothing
    serves yet; stopped at the end of the test."""
    province_url = f"http://127.0.0.1:{_unused_loopback_port()}"
    platform_key = secrets.token_urlsafe(24)
    test_token = secrets.token_urlsafe(24)
    env = {
        "SXCERT_REF_DATABASE_URL": f"sqlite:///{tmp_path / 'vendor.db'}",
        "SXCERT_REF_PLATFORM_ID": PLATFORM_ID,
        "SXCERT_REF_PROVINCE_URL": province_url,
        "SXCERT_REF_PROVINCE_KEY": platform_key,
        "SXCERT_REF_TEST_TOKEN": test_token,
        "SXCERT_REF_DEFECTS": "",
        "SXCERT_REF_TRUSTED_PROXIES": HARNESS_ADDRESS,  # the harness stands in for its proxy
        **reference_supervision_env(ACCOUNTS),
    }
    server = start_server("vendor", REFERENCE_FACTORY, env, tmp_path / "logs", PLATFORM_HEALTH)
    profile_env = {
        "SECOND_RUN_TEST_TOKEN": test_token,
        "SECOND_RUN_PLATFORM_KEY": platform_key,
        **{f"SECOND_RUN_PASSWORD_{i}": str(a["password"]) for i, a in enumerate(ACCOUNTS)},
    }
    platform = RunningPlatform(server, province_url, profile_env)
    try:
        # No wait: the platform met no province at start-up and retries its approvals after
        # 0.25 s, doubling, so a run started right now finds its courses approved.
        yield platform
    finally:
        platform.stop()


# CLOCK_MOVING clauses move the instance's clock far on: a run after them meets a platform far
# ahead of its province (a known limit: one full certify per instance).
# What is carried from run to run is state (approvals, registered learners, the province's state
# folder), which the API checks judge; the browser probes and the load run add minutes to each of
# the three runs and nothing to that question (the clean runs of the matrix judge them).
API_ONLY = ("--skip-browser", "--skip-load")


# What a province that forgot everything can change: the clauses whose checks ask the province
# what the platform told it (approvals, vouchers, registrations, the archive), and one that
# does not (ELIG-01), which must not change.
PROVINCE_MEMORY = ("COURSE-01", "VOUCH-01", "VOUCH-02", "ARCH-02", "ELIG-01")


def _certify(
    profile: Path, out: Path, env: dict[str, str], scope: tuple[str, ...] | None = None
) -> tuple[int, dict[str, str]]:
    only = ",".join(sorted(scope or set(checks_by_requirement()) - CLOCK_MOVING))
    done = run_sxcert(
        "certify", "--profile", str(profile), "--only", only, "--out", str(out), *API_ONLY, env=env
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    report = read_report(out)
    return done.returncode, {c["id"]: c["status"] for c in report["clauses"] if c["in_scope"]}


def test_two_runs_against_one_running_platform_are_both_admit(
    running_platform: RunningPlatform, tmp_path: Path
) -> None:
    platform, province_url = running_platform, running_platform.province_url
    state_dir = tmp_path / "province-state"
    profile = _profile(tmp_path / "profile.toml", platform.server, province_url, state_dir)

    first_code, first = _certify(profile, tmp_path / "run-1", platform.profile_env)
    assert (state_dir / "state.json").is_file()  # what the first run's province decided
    second_code, second = _certify(profile, tmp_path / "run-2", platform.profile_env)

    assert first_code == 0, {k: v for k, v in first.items() if v != "pass"}
    assert second_code == 0, {k: v for k, v in second.items() if v != "pass"}
    assert second == first

    # A third run with a fresh state folder meets a province that never approved anything: the
    # platform (which applied once, in the first run, and does not apply again) shows approval
    # numbers this province does not know, so COURSE-01 fails and the verdict is REJECT — the
    # very amnesia the state folder cures. Nothing else of what the province remembers may
    # change, and the run must end with a report. (The two runs above judge every clause on a
    # platform with history; this one judges only what the province's memory can reach.)
    fresh = _profile(tmp_path / "fresh.toml", platform.server, province_url, tmp_path / "empty")
    third_code, third = _certify(fresh, tmp_path / "run-3", platform.profile_env, PROVINCE_MEMORY)
    assert third_code == 1, third
    assert set(third) == set(PROVINCE_MEMORY)
    assert {clause for clause, status in third.items() if status != first[clause]} == {"COURSE-01"}
