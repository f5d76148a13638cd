"""Builds the reference platform app: `uvicorn --factory reference_platform.main:create_app`.

`create_app` only wires routers and handlers; the database, seed data and province client are made
in the lifespan, so that building the app (e.g. to print its OpenAPI document) has no side effects.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from harness.spec.base import INTERFACE_VERSION
from reference_platform.catalogue import ApprovalSync, seed
from reference_platform.clock import ensure_clock_row
from reference_platform.context import PlatformContext
from reference_platform.db import Base, default_database_url, make_engine, make_sessionmaker
from reference_platform.defects import ActiveDefects
from reference_platform.errors import install_error_handlers
from reference_platform.province_client import ProvinceClient
from reference_platform.routers import (
    captures,
    courses,
    defect_switch,
    enrolments,
    health,
    learners,
    lesson_complete,
    login,
    playbacks,
    progress,
    supervision,
    test_hooks,
)
from reference_platform.settings import ENV_PREFIX, PlatformSettings
from reference_platform.supervisors import seed_supervisors

log = logging.getLogger("reference_platform")
API_PREFIX = "/api/v1"


def start(settings: PlatformSettings) -> PlatformContext:
    """Open the database, seed the catalogue and try (once, now) to get the courses approved."""
    if settings.authority_password_generated:  # a secret is never printed, so no default one
        log.warning(
            "No SXCERT_REF_AUTHORITY_PASSWORD set: the authority supervision account %r is not "
            "created (set the variable, or give accounts in SXCERT_REF_SUPERVISORS)",
            settings.authority_user,
        )
    defects = ActiveDefects(settings.defects)
    if defects.names:
        log.warning("Deliberate defects switched on: %s", ", ".join(sorted(defects.names)))
    engine = make_engine(settings.database_url or default_database_url())
    sessions = make_sessionmaker(engine)
    _prepare_database(engine, sessions, settings, defects)
    key = settings.province_key.get_secret_value() if settings.province_key else None
    province = ProvinceClient(settings.province_url, key, settings.province_timeout_s)
    approvals = ApprovalSync(sessions, province)
    approvals.sync_if_due()
    return PlatformContext(settings, defects, engine, sessions, province, approvals)


def _prepare_database(
    engine: Engine,
    sessions: sessionmaker[Session],
    settings: PlatformSettings,
    defects: ActiveDefects,
) -> None:
    """Create tables and seed the catalogue and the supervision accounts; several worker
    processes may race here, the loser retries."""
    for attempt in range(3):
        try:
            Base.metadata.create_all(engine)
            with sessions() as session:
                ensure_clock_row(session)
                seed(session, defects)
                seed_supervisors(session, settings.supervisor_accounts())
            return
        except (OperationalError, IntegrityError):
            if attempt == 2:
                raise
            time.sleep(0.2 * (attempt + 1))


def settings_problems(error: ValidationError) -> str:
    """Each problem with the variable it concerns, e.g. `SXCERT_REF_SUPERVISORS[1].scope: …`."""
    reasons = []
    for item in error.errors():
        loc = [str(part) for part in item["loc"]]
        where = ENV_PREFIX + loc[0].upper() if loc else ""
        where += "".join(f"[{part}]" if part.isdigit() else f".{part}" for part in loc[1:])
        message = item["msg"].removeprefix("Value error, ")
        reasons.append(f"{where}: {message}" if where else message)
    return "; ".join(reasons)


def create_app(settings: PlatformSettings | None = None) -> FastAPI:
    if settings is None:
        try:
            settings = PlatformSettings.from_env()
        except ValidationError as exc:  # refuse to start, with the reason and no traceback
            raise SystemExit(f"Invalid SXCERT_REF_* settings: {settings_problems(exc)}") from None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        context = start(settings)
        app.state.platform = context
        try:
            yield
        finally:
            context.province.close()
            context.engine.dispose()

    app = FastAPI(
        title="sxcert reference platform",
        version=INTERFACE_VERSION,
        description="A compliant online vocational-training platform (晋人社厅发〔2021〕31号), "
        "the reference for the sxcert conformance interface.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    modules = [
        health,
        learners,
        login,
        courses,
        enrolments,
        playbacks,
        captures,
        progress,
        supervision,
        test_hooks,
    ]
    if ActiveDefects(settings.defects).active("honours_lesson_complete_call"):
        modules.append(lesson_complete)  # a compliant platform has no such route
    if settings.defect_switch and settings.test_token is not None:
        modules.append(defect_switch)  # the project's own detection matrix only
    for module in modules:
        app.include_router(module.router, prefix=API_PREFIX)
    return app
