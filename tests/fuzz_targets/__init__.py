"""Targets for the fuzzing tests: the reference platform with one genuine-looking robustness bug.

`crashing_reference` is the reference app behind a middleware that turns every refusal of bad
input (422) into a server error (500), as a platform whose validation raises instead of
answering does. The fuzzer's negative cases meet it on the first operation with a body.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from reference_platform.main import create_app


def crashing_reference() -> FastAPI:
    app = create_app()

    @app.middleware("http")
    async def crash_on_bad_input(request: Request, call_next) -> Response:
        response = await call_next(request)
        if response.status_code == 422:
            return JSONResponse({"detail": "Internal server error"}, status_code=500)
        return response

    return app
