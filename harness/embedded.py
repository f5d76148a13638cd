"""The embedded certification target: the province and the reference platform, started for one
run with fresh secrets and a SQLite database in a temporary folder, and a profile pointing at them.

The reference platform is started by module path only; the harness never imports it.
"""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.profile import Profile
from harness.province.settings import STATE_DIR_VAR
from harness.province.state import ProvinceStateError, check_state_folder
from harness.servers import ServerProcess, ServerStartError, start_server, stop

PROVINCE_FACTORY = "harness.province.app:create_app"
REFERENCE_FACTORY = "reference_platform.main:create_app"
PROVINCE_HEALTH = "/sandbox/v1/health"
PLATFORM_HEALTH = "/api/v1/health"
HARNESS_ADDRESS = "127.0.0.1"  # where the harness connects from: the embedded servers are loopback
REFERENCE_ID = "sxcert-reference"
# POST-07: the reference platform's honest self-attestation. It has no 等级保护 filing (it is
# never deployed); the evidence file says so and describes the controls it does have.
SECURITY_CONTROLS = Path(__file__).resolve().parents[1] / "docs" / "security-controls.md"
REFERENCE_ATTESTATION = {
    "id": "POST-07",
    "examiner": "sxcert project (self-attestation of the reference platform)",
    "date": "2026-12-02",
    "evidence": str(SECURITY_CONTROLS),
    "note": "No 等级保护 filing or test report exists for the reference platform, which is never"
    " deployed; the evidence describes its security controls and their known gaps.",
}
# The load certify puts on the embedded reference: short and small, so that a default run stays
# quick, with a heartbeat every 2 s instead of 30 so that a few learners still make a steady
# stream (a real profile's default is 10,000 learners for 10 minutes at the platform's interval;
# `sxcert load` takes any).
EMBEDDED_LOAD = {"load_users": 10, "load_duration_seconds": 6, "load_pacing_seconds": 2.0}
# The embedded instance's password-hash cost (log2 of scrypt's N; a deployment's default is 14).
# Its database holds only synthetic learners with generated passwords and is deleted after the
# run, so a slow hash protects nothing there; at 14 the run's ~700 registrations and sign-ins
# cost about a third of the API checks' time (~40 ms each on a 2-core machine, 1.4 ms at 10).
# A real profile's platform hashes however it does, and no check judges the hash's cost.
THROWAWAY_PASSWORD_HASH_COST = 10
# One account of every kind, and a second enterprise. The enterprise and institution ids are the
# reference platform's: INST-001 runs its cooking courses; an enterprise's employees are those it
# enrols (ENT-01, which also has ENT-002 try to take one of ENT-001's).
EMBEDDED_ACCOUNTS = (
    ("authority", "hr-authority", None),
    ("auditor", "audit-office", None),
    ("enterprise", "enterprise-ent-001", "ENT-001"),
    ("institution", "institution-inst-001", "INST-001"),
    ("enterprise", "enterprise-ent-002", "ENT-002"),
)


def embedded_accounts() -> list[dict[str, str | None]]:
    """The accounts above, each with a fresh random password (never reused between runs)."""
    return [
        {"kind": kind, "username": username, "password": secrets.token_urlsafe(18), "scope": scope}
        for kind, username, scope in EMBEDDED_ACCOUNTS
    ]


def reference_supervision_env(accounts: list[dict[str, str | None]]) -> dict[str, str]:
    """The reference platform's variables for these accounts: the first authority through the
    shorthand, the others as `SXCERT_REF_SUPERVISORS`."""
    authority = next(a for a in accounts if a["kind"] == "authority")
    others = [a for a in accounts if a is not authority]
    return {
        "SXCERT_REF_AUTHORITY_USER": str(authority["username"]),
        "SXCERT_REF_AUTHORITY_PASSWORD": str(authority["password"]),
        "SXCERT_REF_SUPERVISORS": json.dumps(others),
    }


# POST-04: the reference's backup and restore are `sxcert reference backup|restore`, run by this
# Python (the interpreter running the harness has both installed).
SXCERT_COMMAND = (sys.executable, "-c", "from harness.cli import main; main()")


def reference_backup_commands(database_url: str, defects: tuple[str, ...]) -> dict[str, list[str]]:
    """The profile's `[backup]` for the embedded reference: its database, its defects."""
    switches = [arg for name in defects for arg in ("--defect", name)]
    return {
        "backup": [
            *SXCERT_COMMAND,
            "reference",
            "backup",
            "{file}",
            "--database-url",
            database_url,
        ],
        "restore": [
            *SXCERT_COMMAND,
            *("reference", "restore", "{file}", "--database-url", database_url),
            *switches,
        ],
    }


@dataclass
class Province:
    server: ServerProcess
    admin_token: str


def province_env(admin_token: str, platform_keys: dict[str, str]) -> dict[str, str]:
    keys = ",".join(f"{pid}={key}" for pid, key in platform_keys.items())
    return {"SXCERT_PROVINCE_ADMIN_TOKEN": admin_token, "SXCERT_PROVINCE_PLATFORM_KEYS": keys}


@contextmanager
def running_province(
    workdir: Path,
    platform_keys: dict[str, str],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    state_dir: Path | None = None,
) -> Iterator[Province]:
    """The province emulator in a child process, stopped on leaving. With `state_dir` its state
    is loaded from there and kept there (SXCERT_PROVINCE_STATE_DIR); the folder is created and
    the state file checked here first, so that a damaged file is a one-line ServerStartError
    naming it before any server starts. Without it the province is empty and lives in memory."""
    admin_token = secrets.token_urlsafe(24)
    env = province_env(admin_token, platform_keys)
    env[STATE_DIR_VAR] = ""  # blank, not inherited: only the caller decides what is kept
    if state_dir is not None:
        try:
            check_state_folder(state_dir)
        except ProvinceStateError as exc:
            raise ServerStartError(f"province: {exc}") from None
        env[STATE_DIR_VAR] = str(state_dir.absolute())
    server = start_server(
        "province",
        PROVINCE_FACTORY,
        env,
        workdir / "logs",
        PROVINCE_HEALTH,
        host=host,
        port=port,
    )
    try:
        yield Province(server, admin_token)
    finally:
        stop(server)


@contextmanager
def embedded_target(
    workdir: Path,
    defects: tuple[str, ...] = (),
    *,
    defect_switch: bool = False,
    alternatives: tuple[str, ...] = (),
    factory: str = REFERENCE_FACTORY,
    database_url: str | None = None,
    processes: int = 1,
) -> Iterator[Profile]:
    """Start province + reference platform; yield a Profile for them; stop both afterwards.
    `defect_switch` serves the reference's runtime defect (and alternative) switch (the project's
    own tests); `alternatives` are the compliant alternatives the reference chooses; `factory`
    another app built on the reference (the project's own tests); `database_url` an empty
    database for the reference (`check_reference_database`; default a fresh SQLite file);
    `processes` how many server processes serve it (`sxcert load`: one per core)."""
    platform_key = secrets.token_urlsafe(24)
    accounts = embedded_accounts()
    test_token = secrets.token_urlsafe(24)
    with ExitStack() as stack:
        province = stack.enter_context(running_province(workdir, {REFERENCE_ID: platform_key}))
        database_url = database_url or f"sqlite:///{workdir / 'reference.db'}"
        env = {
            "SXCERT_REF_DATABASE_URL": database_url,
            "SXCERT_REF_PLATFORM_ID": REFERENCE_ID,
            "SXCERT_REF_PROVINCE_URL": province.server.url,
            "SXCERT_REF_PROVINCE_KEY": platform_key,
            "SXCERT_REF_TEST_TOKEN": test_token,
            "SXCERT_REF_DEFECTS": ",".join(defects),
            "SXCERT_REF_DEFECT_SWITCH": "1" if defect_switch else "",
            "SXCERT_REF_ALTERNATIVES": ",".join(alternatives),
            "SXCERT_REF_TRUSTED_PROXIES": HARNESS_ADDRESS,  # the harness stands in for its proxy
            "SXCERT_REF_PASSWORD_HASH_COST": str(THROWAWAY_PASSWORD_HASH_COST),
            **reference_supervision_env(accounts),
        }
        platform = start_server(
            "reference", factory, env, workdir / "logs", PLATFORM_HEALTH, processes=processes
        )
        stack.callback(stop, platform)
        yield Profile.model_validate(
            {
                "target": {
                    "name": "sxcert reference platform (embedded)",
                    "base_url": platform.url,
                    "platform_id": REFERENCE_ID,
                    "test_token": test_token,
                    "accounts": [
                        {key: value for key, value in account.items() if value is not None}
                        for account in accounts
                    ],
                },
                "province": {
                    "url": province.server.url,
                    "start": False,
                    "admin_token": province.admin_token,
                },
                "attestations": [REFERENCE_ATTESTATION],
                "backup": reference_backup_commands(database_url, defects),
                "thresholds": EMBEDDED_LOAD,
            }
        )
