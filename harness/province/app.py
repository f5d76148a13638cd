"""The province emulator as a FastAPI app.

Run it with `uvicorn --factory harness.province.app:create_app` and the environment variables of
`settings.py`; tests pass settings directly. Every app gets a fresh, empty province, unless its
settings name a `state_dir`: then it starts from the state saved there and saves every change
(state.py, autosave.py). Started from the environment (the uvicorn factory), a configuration that
cannot start ends the process with its one-line reason, not a traceback.

The province is one store per concept (`stores/`), each with its own lock, and one router per
service (`routers/`); a router reaches its stores through the dependencies of `deps.py`, and every
platform-facing router logs through `calllog.logged_route`. Adding a province service (the subsidy
office, the archive receiver, ...) therefore means:

1. `stores/<concept>.py` — a dataclass holding the state behind its own `threading.Lock`,
   raising `refusals.NotFound` / `refusals.Conflict`; it imports no other store.
2. `routers/<service>.py` — an `APIRouter` with `route_class=logged_route("<service>")` for the
   platform-facing part (the sandbox part goes under `/sandbox/v1`, `require_admin`); request and
   answer models come from `harness/spec/<concept>.py`.
3. one dependency alias in `deps.py` (`get_<concept>` and `<Concept> = Annotated[...]`), and in
   `create_app` below one line creating the store on `app.state` and the router in `_ROUTERS`;
   when the store's state must outlive a restart, it has `revision`, `snapshot()` and `restore()`
   and one more entry in `state.persisted` (a new section of the state file).
4. the service name in the sandbox log's `service` filter (`routers/sandbox.py`), and its rows in
   docs/interface.md.

No existing store or router changes.
"""

from __future__ import annotations

import sys

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

from harness.province.autosave import SaveStateMiddleware
from harness.province.clock import shanghai_now
from harness.province.errors import validation_error_handler
from harness.province.routers import (
    archive,
    completions,
    course_reviews,
    courses,
    faults,
    identity,
    occupations,
    sandbox,
    subsidy,
    subsidy_office,
    vouchers,
)
from harness.province.settings import ProvinceConfigError, ProvinceSettings
from harness.province.state import ProvinceState, persisted
from harness.province.stores.archive import ArchiveStore
from harness.province.stores.completions import CompletionStore
from harness.province.stores.courses import CourseStore
from harness.province.stores.faults import FaultStore
from harness.province.stores.identities import IdentityStore
from harness.province.stores.log import CallLog
from harness.province.stores.subsidy import SubsidyStore
from harness.province.stores.vouchers import VoucherStore
from harness.province.workdays import HolidayNoticeError, WorkingCalendar

_ROUTERS = (
    identity,
    vouchers,
    courses,
    occupations,
    sandbox,
    faults,
    course_reviews,
    subsidy,
    subsidy_office,
    completions,
    archive,
)


class HealthOut(BaseModel):
    status: str


def create_app(settings: ProvinceSettings | None = None) -> FastAPI:
    """A province with the given settings and its state (empty, or the saved one of
    `settings.state_dir`); ProvinceConfigError when it cannot start.

    Without settings this is the process's entry point (uvicorn's factory): the settings come
    from the environment, and a configuration error exits with its message instead of raising.
    """
    if settings is not None:
        return _build(settings)
    try:
        return _build(ProvinceSettings.from_env())
    except ProvinceConfigError as exc:
        print(f"sxcert province: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


def _build(settings: ProvinceSettings) -> FastAPI:
    app = FastAPI(
        title="sxcert province emulator",
        version="1",
        description="Provincial services a training platform calls (identity, vouchers, course"
        " registry), with a sandbox API for the harness. Every platform call is logged.",
    )
    clock = shanghai_now
    try:
        calendar = WorkingCalendar.from_files(settings.holiday_notices)
    except HolidayNoticeError as exc:
        raise ProvinceConfigError(str(exc)) from None
    app.state.settings = settings
    app.state.clock = clock
    app.state.identities = IdentityStore(clock=clock)
    app.state.vouchers = VoucherStore(clock=clock)
    app.state.courses = CourseStore(
        clock=clock, occupations=settings.occupations, calendar=calendar
    )
    app.state.log = CallLog()
    app.state.faults = FaultStore()
    app.state.subsidy = SubsidyStore(clock=clock, calendar=calendar)
    app.state.completions = CompletionStore(clock=clock)
    app.state.archive = ArchiveStore(clock=clock)
    if settings.state_dir is not None:
        stores = persisted(
            app.state.identities,
            app.state.vouchers,
            app.state.courses,
            app.state.log,
            app.state.subsidy,
        )
        state = ProvinceState(settings.state_dir, stores)
        state.load()
        app.state.saved_state = state
        app.add_middleware(SaveStateMiddleware, state=state)
    app.add_exception_handler(RequestValidationError, validation_error_handler)  # type: ignore[arg-type]
    for module in _ROUTERS:
        app.include_router(module.router)
    app.include_router(completions.sandbox_router)
    app.include_router(archive.sandbox_router)

    @app.get("/sandbox/v1/health", response_model=HealthOut, tags=["sandbox"])
    def health() -> HealthOut:
        """Liveness of the emulator itself; open, so that a supervisor can poll it."""
        return HealthOut(status="ok")

    return app
