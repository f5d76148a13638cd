"""The target profile: where platform and province are, credentials, thresholds, attestations.

Parsed by pydantic so that a bad profile is refused before any traffic, with a message that names
the field and the problem. Secrets are read from environment variables named in the profile
(`*_env`), so a profile can live in a vendor's repository without its passwords.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyAddress,
    ValidationError,
    field_validator,
    model_validator,
)

from harness.spec.supervision import SCOPED_KINDS, SupervisorKind

# Where the harness connects from, on a loopback target, as a peer the platform must not trust
# (its own connections come from 127.0.0.1, the address a certification instance trusts).
LOOPBACK_UNTRUSTED_SOURCE = "127.0.0.2"


class ProfileError(Exception):
    """The profile cannot be used; the message names the file, the field and the problem."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Secret(Strict):
    """A secret given inline (local use) or, better, by the name of an environment variable."""

    value: str | None = None
    env: str | None = None

    def resolve(self, field: str) -> str:
        if self.value:
            return self.value
        if self.env:
            found = os.environ.get(self.env)
            if found:
                return found
            raise ProfileError(f"{field}: environment variable {self.env} is not set")
        raise ProfileError(f"{field}: give either a value or an env variable name")


class Account(Strict):
    """One supervision account on the target: who the harness observes the platform as.

    `scope` is the enterprise's or institution's id on the platform; the authority and auditor
    kinds see the whole platform and take none.
    """

    kind: SupervisorKind
    username: str = Field(min_length=1)
    password: str | None = None
    password_env: str | None = None
    scope: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _scope_matches_kind(self) -> Account:
        if self.kind in SCOPED_KINDS and self.scope is None:
            raise ValueError(f"scope is required for an {self.kind} account (its id on the target)")
        if self.kind not in SCOPED_KINDS and self.scope is not None:
            raise ValueError(
                f"scope is not allowed for an {self.kind} account (it sees everything)"
            )
        return self

    def secret(self) -> Secret:
        return Secret(value=self.password, env=self.password_env)


@dataclass(frozen=True)
class ResolvedAccount:
    """An account with its password read (from the profile or its environment variable)."""

    kind: str
    username: str
    password: str = field(repr=False)
    scope: str | None = None


class Target(Strict):
    name: str = "candidate platform"
    base_url: AnyHttpUrl
    platform_id: str = Field(min_length=1)
    driver: str = "http"
    test_token: str | None = None
    test_token_env: str | None = None
    timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="one exchange, connect to last byte"
    )
    check_timeout_seconds: float = Field(
        default=300.0, gt=0, le=7200, description="one check; past it the check is an error"
    )
    run_timeout_seconds: float = Field(
        default=3600.0, gt=0, le=86400, description="the whole run; later checks become errors"
    )
    ready_timeout_seconds: float = Field(
        default=30.0, ge=0, le=600, description="how long a platform still starting is waited for"
    )
    accounts: list[Account] = Field(min_length=1)
    untrusted_source_address: IPvAnyAddress | None = Field(
        default=None,
        description="a local address the harness can connect from that the platform does not"
        " trust as its proxy (POST-06); on a loopback target 127.0.0.2 when not given",
    )

    @field_validator("accounts", mode="before")
    @classmethod
    def _accounts_are_a_list(cls, value: Any) -> Any:
        """The one-account table of earlier profiles gets a message saying what to write now."""
        if isinstance(value, dict):
            raise ValueError(
                "write each supervision account as a [[target.accounts]] table with kind, "
                "username, password_env (and scope for an enterprise or institution)"
            )
        return value

    @field_validator("accounts")
    @classmethod
    def _one_observer_and_unique_names(cls, value: list[Account]) -> list[Account]:
        if not any(account.kind == "authority" for account in value):
            raise ValueError("at least one account of kind authority is required (the observer)")
        names = [account.username for account in value]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"username given twice: {', '.join(twice)}")
        return value

    @property
    def url(self) -> str:
        return str(self.base_url).rstrip("/")

    @property
    def untrusted_source(self) -> str | None:
        """Where the harness connects from as a peer the platform must not believe about a
        learner's address: the profile's choice, else 127.0.0.2 for a target on loopback (the
        harness's own address is 127.0.0.1 there), else none."""
        if self.untrusted_source_address is not None:
            return str(self.untrusted_source_address)
        host = (self.base_url.host or "").strip("[]")
        if host == "localhost":
            return LOOPBACK_UNTRUSTED_SOURCE
        try:
            loopback = ipaddress.ip_address(host) in ipaddress.ip_network("127.0.0.0/8")
        except ValueError:
            return None
        return LOOPBACK_UNTRUSTED_SOURCE if loopback else None


class Province(Strict):
    """The province the platform talks to: one sxcert starts (`start`), or one already running.

    A started province keeps its state in `state_dir` between runs, because the platform it
    serves usually outlives a run: the approvals and registrations it obtained in the first run
    must still be known to the province in the second (default: the user's data directory, one
    folder per platform_id).
    """

    url: AnyHttpUrl
    start: bool = True
    admin_token: str | None = None
    admin_token_env: str | None = None
    platform_key: str | None = None
    platform_key_env: str | None = None
    state_dir: Path | None = Field(
        default=None, description="where a started province keeps its state between runs"
    )

    @property
    def base(self) -> str:
        return str(self.url).rstrip("/")

    @model_validator(mode="after")
    def _loopback_when_started(self) -> Province:
        if self.start and self.url.host not in {"127.0.0.1", "localhost", "::1"}:
            raise ValueError("province.url must be a loopback address when province.start is true")
        if not self.start and self.state_dir is not None:
            raise ValueError(
                "province.state_dir applies only when province.start is true (a running "
                "province keeps its own state)"
            )
        return self

    def state_folder(
        self,
        platform_id: str,
        relative_to: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Path:
        """The folder of the started province's state: `state_dir` (`~` expanded, a relative
        path taken from `relative_to`, the profile's folder), else
        `$XDG_DATA_HOME/sxcert/province/<platform_id>` (`~/.local/share` without XDG_DATA_HOME).
        Not created here: the caller creates it when it starts the province."""
        if self.state_dir is not None:
            folder = self.state_dir.expanduser()
            if not folder.is_absolute() and relative_to is not None:
                folder = relative_to / folder
            return folder
        env = os.environ if env is None else env
        data_home = env.get("XDG_DATA_HOME", "").strip()
        base = Path(data_home) if data_home else Path.home() / ".local" / "share"
        return base / "sxcert" / "province" / _folder_name(platform_id)


def _folder_name(platform_id: str) -> str:
    """`platform_id` as one safe path component: unchanged when it is already one, otherwise
    its safe characters plus a short hash (so `../x` cannot escape, and two ids never merge)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", platform_id).strip(".") or "platform"
    if safe == platform_id:
        return safe
    return f"{safe}-{hashlib.sha256(platform_id.encode()).hexdigest()[:8]}"


class Thresholds(Strict):
    """Defaults are DESIGN.md's numbers; the catalogue's `params` say which clause uses which."""

    min_age: int = Field(default=16, ge=0, le=100)
    max_age_exclusive: int = Field(default=60, ge=1, le=120)
    lesson_minutes: int = Field(default=45, ge=1, le=240)
    heartbeat_interval_seconds: int = Field(default=30, ge=1, le=600)
    capture_answer_seconds: int = Field(default=60, ge=1, le=600)
    realtime_seconds: int = Field(default=10, ge=1, le=600)
    retention_years: int = Field(default=3, ge=1, le=30)
    load_users: int = Field(default=10_000, ge=1)
    load_p95_ms: int = Field(default=500, ge=1)
    load_max_error_rate: float = Field(default=0.001, ge=0, le=1)
    load_duration_seconds: int = Field(default=600, ge=1, le=86_400)  # LOAD-01's run, held load
    load_pacing_seconds: float = Field(default=30.0, gt=0, le=600)  # one learner's heartbeats
    # The share of learners who meet their lesson hour's end (its capture and quiz) in the run,
    # at least the run's share of a lesson, as in real study (0: just that; harness/load/cohort.py)
    load_hour_end_share: float = Field(default=0.0, ge=0, le=1)

    @model_validator(mode="after")
    def _age_range(self) -> Thresholds:
        if self.max_age_exclusive <= self.min_age:
            raise ValueError("max_age_exclusive must be greater than min_age")
        return self


class Fuzz(Strict):
    """The optional fuzzing check (POST-03, kind `fuzz`): off unless enabled here or by
    `sxcert certify --fuzz`; bounded per operation and in total."""

    enabled: bool = False
    max_examples: int = Field(
        default=10, ge=1, le=1000, description="generated requests per operation and mode"
    )
    seconds: float = Field(default=120.0, gt=0, le=3600, description="the whole fuzzing run")


class Attestation(Strict):
    id: str
    examiner: str = Field(min_length=1)
    date: dt.date
    evidence: Path
    note: str | None = None


class BackupCommands(Strict):
    """POST-04: the platform's own backup and restore commands, which the harness runs on this
    machine (argument lists, no shell; `{file}` stands for the backup file the harness names).
    A restore returns the platform to the data of the backup, while it keeps serving."""

    backup: list[str] = Field(min_length=1, description='e.g. ["vendorctl", "backup", "{file}"]')
    restore: list[str] = Field(min_length=1, description='e.g. ["vendorctl", "restore", "{file}"]')
    timeout_seconds: float = Field(default=120, gt=0, le=3600, description="per command")


class RestartCommand(Strict):
    """ARCH-01: the platform's own restart (a service manager's restart, a container's), which
    the harness runs on this machine instead of calling the restart hook, so that a push is
    proven to survive the restart the vendor operates, not one the platform simulates. The
    platform may still be starting when the command exits: the harness waits for GET /health."""

    command: list[str] = Field(
        min_length=1, description='e.g. ["systemctl", "restart", "vendor-platform"]'
    )
    timeout_seconds: float = Field(default=120, gt=0, le=3600, description="command and start-up")


class LoginStep(Strict):
    """One step of the platform's login page: fill a field, click, or press a key.

    `value` may name the learner's `{id_number}` or `{password}`; the password is typed but never
    written to evidence (the trace starts after the login)."""

    action: Literal["fill", "click", "press"]
    selector: str = Field(min_length=1)
    value: str = ""


class BrowserPages(Strict):
    """Where the platform's learner pages are and how to drive them, so that the browser checks
    probe a vendor's own player without code. Paths are relative to `target.base_url`; the
    lesson path names `{course_id}` and `{lesson_id}`. The defaults fit the reference platform."""

    login_path: str = "/login"
    login_steps: list[LoginStep] = Field(
        default_factory=lambda: [
            LoginStep(action="fill", selector="#id-number", value="{id_number}"),
            LoginStep(action="fill", selector="#password", value="{password}"),
            LoginStep(action="click", selector="#login-button"),
        ],
        min_length=1,
    )
    logged_in_selector: str = Field(default="body[data-logged-in]", min_length=1)
    lesson_path: str = "/courses/{course_id}/lessons/{lesson_id}"
    video_selector: str = Field(default="#lesson-video", min_length=1)
    # Shown once the player has settled: its lesson opened, or refused (a second window while
    # another plays, where the platform refuses a second playback).
    ready_selector: str | None = "#player[data-ready]"
    play_selector: str | None = "#play-button"  # None: the probe calls video.play()
    progress_selector: str | None = "#progress"  # the seek bar to drag; None: no drag probe
    seek_keys: list[str] = Field(default_factory=lambda: ["ArrowRight", "l", "End"])
    wait_seconds: float = Field(default=15, gt=0, le=120)  # for one page to reach a state

    @field_validator("lesson_path")
    @classmethod
    def _names_lesson(cls, value: str) -> str:
        if "{course_id}" not in value or "{lesson_id}" not in value:
            raise ValueError("must name {course_id} and {lesson_id}")
        return value


class Product(Strict):
    """What is being certified, as the vendor declares it: copied into a dossier's PRODUCT.toml
    so that the filed package names the platform, its version and its commit."""

    vendor: str = Field(min_length=1)
    platform: str = Field(min_length=1, description="the platform's name")
    version: str = Field(min_length=1)
    commit: str | None = Field(default=None, min_length=1, description="source revision")
    contact: str | None = Field(default=None, min_length=1, description="who answers for it")


class Profile(Strict):
    target: Target
    province: Province
    thresholds: Thresholds = Thresholds()
    browser: BrowserPages = BrowserPages()
    fuzz: Fuzz = Fuzz()
    attestations: list[Attestation] = Field(default_factory=list)
    product: Product | None = None
    backup: BackupCommands | None = None
    restart: RestartCommand | None = None
    source: Path | None = Field(default=None, exclude=True)

    @field_validator("attestations")
    @classmethod
    def _unique_attestations(cls, value: list[Attestation]) -> list[Attestation]:
        ids = [a.id for a in value]
        if len(ids) != len(set(ids)):
            raise ValueError("an attestation id appears twice")
        return value

    def test_token(self) -> str | None:
        t = self.target
        if not (t.test_token or t.test_token_env):
            return None
        return Secret(value=t.test_token, env=t.test_token_env).resolve("target.test_token")

    def accounts(self) -> list[ResolvedAccount]:
        """Every supervision account with its password resolved, in profile order."""
        return [
            ResolvedAccount(
                kind=account.kind,
                username=account.username,
                password=account.secret().resolve(f"target.accounts[{index}].password"),
                scope=account.scope,
            )
            for index, account in enumerate(self.target.accounts)
        ]

    def authority(self) -> Account:
        """The first authority account: the observer whose view the checks judge by."""
        return next(a for a in self.target.accounts if a.kind == "authority")

    def authority_password(self) -> str:
        index = self.target.accounts.index(self.authority())
        return self.authority().secret().resolve(f"target.accounts[{index}].password")

    def province_admin_token(self) -> str:
        p = self.province
        return Secret(value=p.admin_token, env=p.admin_token_env).resolve("province.admin_token")

    def province_platform_key(self) -> str:
        p = self.province
        return Secret(value=p.platform_key, env=p.platform_key_env).resolve("province.platform_key")


def _format_errors(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: the profile is not valid:"]
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        lines.append(f"  {where}: {item['msg']}")
    return "\n".join(lines)


def load_profile(path: Path) -> Profile:
    """Read and validate a profile file; ProfileError on any problem (never a traceback)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: profile file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read the profile: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from None
    try:
        profile = Profile.model_validate(raw)
    except ValidationError as exc:
        raise ProfileError(_format_errors(path, exc)) from None
    profile.source = path
    for attestation in profile.attestations:
        if not attestation.evidence.is_absolute():
            attestation.evidence = (path.parent / attestation.evidence).resolve()
    return profile


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
