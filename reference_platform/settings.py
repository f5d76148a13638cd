"""Configuration of one reference-platform instance, read from `SXCERT_REF_*` variables.

Everything that differs between a developer laptop, a certification run and a defect run lives
here, so that `create_app()` needs no arguments when started by `uvicorn --factory`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from reference_platform.defects import DEFECTS, unknown_defects_message

ENV_PREFIX = "SXCERT_REF_"


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
    test_token: SecretStr | None = None
    defects: frozenset[str] = frozenset()
    min_age: int = Field(default=16, ge=0, le=150)
    max_age: int = Field(default=60, ge=1, le=150, description="exclusive: this age is refused")
    token_ttl_s: int = Field(
        default=12 * 3600,
        ge=60,
        description="a login token lapses this long after the learner's last accepted request",
    )
    heartbeat_interval_s: int = Field(default=30, ge=1, le=600)

    @field_validator("defects")
    @classmethod
    def _known_defects(cls, names: frozenset[str]) -> frozenset[str]:
        unknown = sorted(names - DEFECTS.keys())
        if unknown:
            raise ValueError(unknown_defects_message(unknown))
        return names

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PlatformSettings:
        """Read `SXCERT_REF_*`; a missing authority password is generated (and logged later)."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(ENV_PREFIX + name, "").strip()
            return value or None

        values: dict[str, object] = {
            "database_url": get("DATABASE_URL"),
            "province_url": get("PROVINCE_URL"),
            "province_key": get("PROVINCE_KEY"),
            "test_token": get("TEST_TOKEN"),
            "defects": frozenset(
                name.strip() for name in (get("DEFECTS") or "").split(",") if name.strip()
            ),
        }
        for field, name in [
            ("platform_id", "PLATFORM_ID"),
            ("authority_user", "AUTHORITY_USER"),
            ("min_age", "MIN_AGE"),
            ("max_age", "MAX_AGE"),
        ]:
            if get(name) is not None:
                values[field] = get(name)
        password = get("AUTHORITY_PASSWORD")
        if password is None:
            values["authority_password_generated"] = True
        else:
            values["authority_password"] = password
        return cls.model_validate(values)
