"""Configuration of one reference-platform instance, read from `SXCERT_REF_*` variables.

Everything that differs between a developer laptop, a certification run and a defect run lives
here, so that `create_app()` needs no arguments when started by `uvicorn --factory`.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from harness.spec.supervision import SCOPED_KINDS, SupervisorKind
from reference_platform.alternatives import ALTERNATIVES, unknown_alternatives_message
from reference_platform.defects import DEFECTS, unknown_defects_message
from reference_platform.quizzes import QuizRules
from reference_platform.security import DEFAULT_PASSWORD_HASH_COST, PasswordHasher

ENV_PREFIX = "SXCERT_REF_"


class SupervisorSetting(BaseModel):
    """One supervision account to seed: an entry of `SXCERT_REF_SUPERVISORS`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: SecretStr = Field(min_length=1, max_length=128)
    kind: SupervisorKind
    scope: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _scope_matches_kind(self) -> SupervisorSetting:
        if self.kind in SCOPED_KINDS and self.scope is None:
            raise ValueError(f"an {self.kind} account needs a scope (its id on the platform)")
        if self.kind not in SCOPED_KINDS and self.scope is not None:
            raise ValueError(f"an {self.kind} account sees the whole platform and takes no scope")
        return self


class PlatformSettings(BaseModel):
    """Validated settings; an unknown defect name refuses to build them (and so to start)."""

    model_config = ConfigDict(frozen=True)

    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; None means a SQLite file in a fresh temp dir"
    )
    platform_id: str = "sxcert-reference"
    province_url: str | None = None
    province_key: SecretStr | None = None
    province_timeout_s: float = 5.0
    authority_user: str = "hr-authority"
    authority_password: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_urlsafe(18))
    )
    authority_password_generated: bool = False
    supervisors: tuple[SupervisorSetting, ...] = Field(
        default=(),
        description="accounts beside the authority shorthand; JSON list in SXCERT_REF_SUPERVISORS",
    )
    test_token: SecretStr | None = None
    defects: frozenset[str] = frozenset()
    defect_switch: bool = Field(
        default=False, description="serve PUT /api/v1/test/defects (the project's own tests)"
    )
    alternatives: frozenset[str] = Field(
        default=frozenset(), description="compliant alternatives to choose (alternatives.py)"
    )
    trusted_proxies: frozenset[str] = Field(
        default=frozenset(),
        description="addresses whose X-Forwarded-For is believed (client_address.py)",
    )
    min_age: int = Field(default=16, ge=0, le=150)
    max_age: int = Field(default=60, ge=1, le=150, description="exclusive: this age is refused")
    token_ttl_s: int = Field(
        default=12 * 3600,
        ge=60,
        description="a login token lapses this long after the learner's last accepted request",
    )
    heartbeat_interval_s: int = Field(default=30, ge=1, le=600)
    password_hash_cost: int = Field(
        default=DEFAULT_PASSWORD_HASH_COST,
        ge=1,
        le=20,
        description="log2 of scrypt's N for new password hashes (security.py)",
    )
    quiz_gate_s: float = Field(
        default=300.0,
        ge=0,
        le=2700,
        description="the last seconds of a lesson hour not credited before its quiz is answered",
    )

    @field_validator("defects")
    @classmethod
    def _known_defects(cls, names: frozenset[str]) -> frozenset[str]:
        unknown = sorted(names - DEFECTS.keys())
        if unknown:
            raise ValueError(unknown_defects_message(unknown))
        return names

    @field_validator("alternatives")
    @classmethod
    def _known_alternatives(cls, names: frozenset[str]) -> frozenset[str]:
        unknown = sorted(names - ALTERNATIVES.keys())
        if unknown:
            raise ValueError(unknown_alternatives_message(unknown))
        return names

    @field_validator("supervisors", mode="before")
    @classmethod
    def _parse_supervisors(cls, value: Any) -> Any:
        """Accept the variable's JSON text as well as a list, so that a typo is a start-up error
        naming the variable rather than a crash."""
        if not isinstance(value, str):
            return value
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON ({exc.msg} at character {exc.pos})") from None
        if not isinstance(parsed, list):
            raise ValueError("must be a JSON list of {username, password, kind, scope} objects")
        return parsed

    @model_validator(mode="after")
    def _unique_usernames(self) -> PlatformSettings:
        names = [account.username for account in self.supervisor_accounts()]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"supervision username given twice: {', '.join(twice)}")
        return self

    @property
    def quiz_rules(self) -> QuizRules:
        """The quiz rules this instance applies (the gate is a setting; EXAM-01)."""
        return QuizRules(gate_before_hour_end_s=self.quiz_gate_s)

    @property
    def password_hasher(self) -> PasswordHasher:
        return PasswordHasher(self.password_hash_cost)

    def supervisor_accounts(self) -> tuple[SupervisorSetting, ...]:
        """Every account to seed: the authority shorthand first (only when its password was
        given: a generated one would be known to nobody), then `supervisors`."""
        if self.authority_password_generated:
            return tuple(self.supervisors)
        authority = SupervisorSetting(
            username=self.authority_user, password=self.authority_password, kind="authority"
        )
        return (authority, *self.supervisors)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PlatformSettings:
        """Read `SXCERT_REF_*`; a missing authority password is generated (and logged later).

        `SXCERT_REF_AUTHORITY_USER`/`_PASSWORD` are the shorthand for one authority account;
        `SXCERT_REF_SUPERVISORS` is a JSON list of `{username, password, kind, scope}` for more."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(ENV_PREFIX + name, "").strip()
            return value or None

        values: dict[str, object] = {
            "database_url": get("DATABASE_URL"),
            "province_url": get("PROVINCE_URL"),
            "province_key": get("PROVINCE_KEY"),
            "test_token": get("TEST_TOKEN"),
            "supervisors": get("SUPERVISORS") or (),
            "defects": frozenset(
                name.strip() for name in (get("DEFECTS") or "").split(",") if name.strip()
            ),
            "alternatives": frozenset(
                name.strip() for name in (get("ALTERNATIVES") or "").split(",") if name.strip()
            ),
            "trusted_proxies": frozenset(
                a.strip() for a in (get("TRUSTED_PROXIES") or "").split(",") if a.strip()
            ),
        }
        for field, name in [
            ("platform_id", "PLATFORM_ID"),
            ("authority_user", "AUTHORITY_USER"),
            ("min_age", "MIN_AGE"),
            ("max_age", "MAX_AGE"),
            ("defect_switch", "DEFECT_SWITCH"),
            ("quiz_gate_s", "QUIZ_GATE_SECONDS"),
            ("password_hash_cost", "PASSWORD_HASH_COST"),
        ]:
            if get(name) is not None:
                values[field] = get(name)
        password = get("AUTHORITY_PASSWORD")
        if password is None:
            values["authority_password_generated"] = True
        else:
            values["authority_password"] = password
        return cls.model_validate(values)
