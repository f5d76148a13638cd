"""The environment variables of the reference platform and the province emulator, documented
once: shown in `--help` of the commands they concern (a test holds this list to the variables
the settings modules actually read)."""

from __future__ import annotations

REFERENCE_VARIABLES: dict[str, str] = {
    "SXCERT_REF_DATABASE_URL": "SQLAlchemy URL (default: SQLite in a fresh temporary folder)",
    "SXCERT_REF_PLATFORM_ID": "the platform's id at the province (default sxcert-reference)",
    "SXCERT_REF_PROVINCE_URL": "where the province is",
    "SXCERT_REF_PROVINCE_KEY": "the key the platform sends to the province (X-Platform-Key)",
    "SXCERT_REF_AUTHORITY_USER": "username of one HR-authority supervision account",
    "SXCERT_REF_AUTHORITY_PASSWORD": "its password (without one, no authority account is created)",
    "SXCERT_REF_SUPERVISORS": "more supervision accounts: JSON list of {username, password, "
    "kind, scope}",
    "SXCERT_REF_TEST_TOKEN": "makes the instance a certification instance: the test hooks "
    "(clock) answer to this bearer token",
    "SXCERT_REF_MIN_AGE": "lowest admitted age (16)",
    "SXCERT_REF_MAX_AGE": "first refused age (60)",
    "SXCERT_REF_DEFECTS": "deliberate defects to switch on, comma-separated (`sxcert defects`)",
    "SXCERT_REF_DEFECT_SWITCH": "1: serve PUT /api/v1/test/defects and /api/v1/test/alternatives "
    "(the detection matrix's runtime switches; need the test token)",
    "SXCERT_REF_ALTERNATIVES": "compliant alternatives to choose, comma-separated "
    "(`sxcert alternatives`)",
    "SXCERT_REF_TRUSTED_PROXIES": "addresses of the reverse proxies whose X-Forwarded-For "
    "names a learner's address, comma-separated (none: the connection's peer)",
    "SXCERT_REF_QUIZ_GATE_SECONDS": "how many seconds before a lesson hour's end credit waits "
    "for the hour's quiz (300)",
    "SXCERT_REF_PASSWORD_HASH_COST": "log2 of scrypt's N for new password hashes (14; the "
    "instance `certify` and `load` embed: 10)",
}

PROVINCE_VARIABLES: dict[str, str] = {
    "SXCERT_PROVINCE_ADMIN_TOKEN": "bearer token of the sandbox API (the harness's); required",
    "SXCERT_PROVINCE_PLATFORM_KEYS": "platform_id=key,…: the platforms the province accepts",
    "SXCERT_PROVINCE_STATE_DIR": "keep the province's state in state.json there across "
    "restarts (unset: in memory)",
    "SXCERT_PROVINCE_HOLIDAYS": "State Council holiday-notice tables (TOML, `:`-separated) for "
    "years the statutory calendar package does not know; they take precedence",
}


def epilog(*tables: dict[str, str]) -> str:
    """A --help epilog: one variable a paragraph (typer keeps paragraphs, rewraps lines)."""
    lines = ["Environment variables:"]
    for table in tables:
        lines.extend(f"{name}: {meaning}" for name, meaning in table.items())
    return "\n\n".join(lines)
