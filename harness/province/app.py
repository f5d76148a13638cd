"""The province emulator as a FastAPI app.

Run it with `uvicorn --factory harness.province.app:create_app` and the environment variables of
`settings.py`; tests pass settings directly. Every app gets a fresh, empty province.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

from harness.province.errors import validation_error_handler
from harness.province.routers import courses, identity, occupations, sandbox, vouchers
from harness.province.settings import ProvinceSettings
from harness.province.store import ProvinceStore


class HealthOut(BaseModel):
    status: str


def create_app(settings: ProvinceSettings | None = None) -> FastAPI:
    """A province with the given settings (default: from the environment) and empty state."""
    settings = settings if settings is not None else ProvinceSettings.from_env()
    app = FastAPI(
        title="sxcert province emulator",
        version="1",
        description="Provincial services a training platform calls (identity, vouchers, course"
        " registry), with a sandbox API for the harness. Every platform call is logged.",
    )
    app.state.settings = settings
    app.state.store = ProvinceStore()
    app.add_exception_handler(RequestValidationError, validation_error_handler)  # type: ignore[arg-type]
    for module in (identity, vouchers, courses, occupations, sandbox):
        app.include_router(module.router)

    @app.get("/sandbox/v1/health", response_model=HealthOut, tags=["sandbox"])
    def health() -> HealthOut:
        """Liveness of the emulator itself; open, so that a supervisor can poll it."""
        return HealthOut(status="ok")

    return app
