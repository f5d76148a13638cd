"""Configuration of the province emulator, read from the environment.

Secrets (the sandbox admin token, the platforms' keys) come only from the environment so that none
is ever committed; a province without an admin token refuses to start rather than run open.

Variables:

- `SXCERT_PROVINCE_ADMIN_TOKEN` (required): bearer token of the sandbox API (the harness's).
- `SXCERT_PROVINCE_PLATFORM_KEYS`: `platform_id=key,...`, the keys platforms send.
- `SXCERT_PROVINCE_STATE_DIR`: a folder whose `state.json` holds the province's state across
  restarts. A vendor's long-running platform applies for its course approvals once and registers
  its learners once; a province that forgot them between two certification runs would fail the
  platform for the harness's own amnesia. When set, the province loads `state.json` at start-up
  (creating the folder if missing; a file that cannot be read, or is of another version, refuses
  the start with a message naming it) and saves it, atomically, before it answers any request
  that changed something, so a killed province loses nothing it acknowledged. Unset (the
  default): the state lives in memory only and every start is empty.
- `SXCERT_PROVINCE_HOLIDAYS`: holiday-notice tables (TOML, see workdays.py), separated by the
  path separator (`:`), for the years `chinesecalendar` does not know yet; they take precedence
  over it. A table that cannot be read or is malformed refuses the start, naming the field.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from harness.province.registry import OCCUPATIONS
from harness.spec.courses import Occupation

ADMIN_TOKEN_VAR = "SXCERT_PROVINCE_ADMIN_TOKEN"
PLATFORM_KEYS_VAR = "SXCERT_PROVINCE_PLATFORM_KEYS"
STATE_DIR_VAR = "SXCERT_PROVINCE_STATE_DIR"
HOLIDAYS_VAR = "SXCERT_PROVINCE_HOLIDAYS"


class ProvinceConfigError(RuntimeError):
    """The environment does not describe a province that can start; the message says why."""


class ProvinceSettings(BaseModel):
    """Who may call the province (the harness's admin token, the platforms' keys), and the
    occupation catalogue its registry reviews courses against (the national default unless a
    run or a test needs another)."""

    model_config = ConfigDict(frozen=True)

    admin_token: SecretStr = Field(description="bearer token of the sandbox (harness-facing) API")
    platform_keys: dict[str, SecretStr] = Field(
        default_factory=dict, description="platform_id → key presented in X-Platform-Key"
    )
    occupations: tuple[Occupation, ...] = Field(
        default=OCCUPATIONS, description="the occupations the course registry knows"
    )
    state_dir: Path | None = Field(
        default=None, description="folder of state.json, kept across restarts; None: in memory"
    )
    holiday_notices: tuple[Path, ...] = Field(
        default=(), description="holiday-notice tables (TOML) for years chinesecalendar lacks"
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ProvinceSettings:
        """Read SXCERT_PROVINCE_ADMIN_TOKEN (required), SXCERT_PROVINCE_PLATFORM_KEYS,
        SXCERT_PROVINCE_STATE_DIR and SXCERT_PROVINCE_HOLIDAYS."""
        env = os.environ if env is None else env
        token = env.get(ADMIN_TOKEN_VAR, "").strip()
        if not token:
            raise ProvinceConfigError(
                f"{ADMIN_TOKEN_VAR} is not set: the province needs a bearer token for its sandbox"
                f" API (for example `export {ADMIN_TOKEN_VAR}=$(openssl rand -hex 16)`)"
            )
        keys = parse_platform_keys(env.get(PLATFORM_KEYS_VAR, ""))
        state_dir = env.get(STATE_DIR_VAR, "").strip()
        notices = [p.strip() for p in env.get(HOLIDAYS_VAR, "").split(os.pathsep) if p.strip()]
        return cls(
            admin_token=SecretStr(token),
            platform_keys=keys,
            state_dir=Path(state_dir).expanduser() if state_dir else None,
            holiday_notices=tuple(Path(p).expanduser() for p in notices),
        )

    def platform_for_key(self, key: str | None) -> str | None:
        """The platform a key belongs to, or None; compares in constant time."""
        if not key:
            return None
        found = None
        for platform_id, secret in self.platform_keys.items():
            if hmac.compare_digest(secret.get_secret_value().encode(), key.encode()):
                found = platform_id
        return found

    def is_admin_token(self, token: str | None) -> bool:
        if not token:
            return False
        return hmac.compare_digest(self.admin_token.get_secret_value().encode(), token.encode())


def parse_platform_keys(text: str) -> dict[str, SecretStr]:
    """Parse `"platform_id=key,other=key2"`; refuse malformed, duplicate or shared entries."""
    keys: dict[str, SecretStr] = {}
    seen: set[str] = set()
    for position, item in enumerate((part.strip() for part in text.split(",")), start=1):
        if not item:
            continue
        platform_id, sep, key = (s.strip() for s in item.partition("="))
        if not sep or not platform_id or not key:  # the entry may hold a key: do not echo it
            raise ProvinceConfigError(
                f"{PLATFORM_KEYS_VAR} entry {position} is not of the form platform_id=key"
            )
        if platform_id in keys:
            raise ProvinceConfigError(f"{PLATFORM_KEYS_VAR} names platform {platform_id!r} twice")
        if key in seen:
            raise ProvinceConfigError(f"{PLATFORM_KEYS_VAR} gives two platforms the same key")
        seen.add(key)
        keys[platform_id] = SecretStr(key)
    return keys
