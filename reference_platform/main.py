"""Builds the reference platform app:
`uvicorn --factory --no-proxy-headers reference_platform.main:create_app` (client_address.py
reads X-Forwarded-For itself).

`create_app` only wires routers and handlers; the database, seed data and province client are made
in the lifespan, so that building the app (e.g. to print its OpenAPI document) has no side effects.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from harness.spec.base import INTERFACE_VERSION
from reference_platform.admission import RequestSlots, Shedding, WorkQueue
from reference_platform.alternatives import ChosenAlternatives
from reference_platform.archive_pusher import ArchivePusher
from reference_platform.catalogue import ApprovalSync, seed
from reference_platform.clock import ensure_clock_row
from reference_platform.context import PlatformContext
from reference_platform.db import (
    REQUEST_SLOTS,
    Base,
    default_database_url,
    heartbeat_workers,
    heartbeats_inline,
    make_engine,
    make_sessionmaker,
)
from reference_platform.defects import ActiveDefects
from reference_platform.errors import install_error_handlers
from reference_platform.heartbeat_path import close_loop_connection
from reference_platform.in_flight import STUDY_REQUESTS
from reference_platform.pages.router import STATIC_DIR
from reference_platform.pages.router import router as pages_router
from reference_platform.process_lock import ProcessLock, database_file
from reference_platform.province_client import ProvinceClient
from reference_platform.routers import (
    captures,
    certificates,
    courses,
    defect_switch,
    employees,
    enrolments,
    health,
    learners,
    lesson_complete,
    login,
    playbacks,
    progress,
    quizzes,
    records,
    supervision,
    test_hooks,
)
from reference_platform.settings import ENV_PREFIX, PlatformSettings
from reference_platform.study_events import record_study_events
from reference_platform.supervisors import seed_supervisors

log = logging.getLogger("reference_platform")
API_PREFIX = "/api/v1"
# Overload (admission.py): past these a request is answered 503 with Retry-After at once.
MAX_WAITING_REQUESTS = 512  # requests waiting for a database session
MAX_WAIT_S = 5.0  # how long one of them, or a heartbeat, may wait
MAX_QUEUED_HEARTBEATS = 512  # and at most this many heartbeats wait, whatever their expected wait


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
    database_url = settings.database_url or default_database_url()
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    record_study_events(sessions)  # STUDY-09: every flush records its study events
    _prepare_database(engine, sessions, settings, defects)
    key = settings.province_key.get_secret_value() if settings.province_key else None
    province = ProvinceClient(settings.province_url, key, settings.province_timeout_s)
    alternatives = ChosenAlternatives(settings.alternatives)
    if alternatives.names:
        log.info("Compliant alternatives chosen: %s", ", ".join(sorted(alternatives.names)))
    approvals = ApprovalSync(sessions, province, defects)
    approvals.at_start(alternatives)
    pusher = None
    if settings.province_url:
        database = database_file(engine)  # rounds of several server processes take turns
        round_lock = ProcessLock(database + "-archive.lock") if database else None
        pusher = ArchivePusher(
            sessions, province, defects, round_lock=round_lock, alternatives=alternatives
        )
        if round_lock is not None:  # open as long as the pusher is
            weakref.finalize(pusher, round_lock.close)
    shedding = Shedding.of(alternatives)
    slots = RequestSlots(REQUEST_SLOTS, MAX_WAITING_REQUESTS, MAX_WAIT_S, shedding)
    heartbeats = WorkQueue(
        heartbeat_workers(database_url),
        MAX_QUEUED_HEARTBEATS,
        "heartbeat",
        MAX_WAIT_S,
        gauge=STUDY_REQUESTS,
        inline=_inline_unless_racing(defects) if heartbeats_inline(engine) else None,
        shedding=shedding,
    )
    return PlatformContext(
        settings,
        defects,
        engine,
        sessions,
        province,
        approvals,
        alternatives,
        archive_pusher=pusher,
        slots=slots,
        heartbeats=heartbeats,
    )


def _inline_unless_racing(defects: ActiveDefects) -> Callable[[], bool]:
    """Heartbeats may run on the event loop, except on a platform with the race of
    `drops_heartbeat_under_concurrency` (switched on at start or at run time), which needs them
    to overlap: that platform runs every heartbeat on the workers, as all did before stop 29."""
    return lambda: not defects.active("drops_heartbeat_under_concurrency")


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
                seed_supervisors(session, settings.supervisor_accounts(), settings.password_hasher)
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
        if context.archive_pusher is not None:
            context.archive_pusher.start()
        try:
            yield
        finally:
            if context.archive_pusher is not None:
                context.archive_pusher.stop()
            if context.heartbeats is not None:
                context.heartbeats.close()
            close_loop_connection(context)
            context.province.close()
            context.engine.dispose()

    # FastAPIOffline serves /docs and /redoc from Swagger UI's and ReDoc's files in its wheel,
    # so the interactive docs work without a CDN (certification networks are often closed).
    app = FastAPIOffline(
        title="sxcert reference platform",
        version=INTERFACE_VERSION,
        description="A compliant online vocational-training platform (晋人社厅发〔2021〕31号), "
        "the reference for the sxcert conformance interface.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    # The routers are tried in this order for every request: the heartbeat's (playbacks) first,
    # since it is most of a platform's requests (one per learner every 30 s) and each router
    # passed costs its routes' matching (issue #14, in process: 500 → 345 µs a heartbeat).
    modules = [
        playbacks,
        health,
        learners,
        login,
        courses,
        enrolments,
        captures,
        progress,
        certificates,
        quizzes,
        supervision,
        employees,
        records,
        test_hooks,
    ]
    if ActiveDefects(settings.defects).active("honours_lesson_complete_call"):
        modules.append(lesson_complete)  # a compliant platform has no such route
    if settings.defect_switch and settings.test_token is not None:
        modules.append(defect_switch)  # the project's own detection matrix only
    for module in modules:
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(pages_router)  # the learner's web pages (not in the OpenAPI document)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
