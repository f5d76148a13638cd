"""The reference platform with a second, differently built front end (`/signin`, `/watch/...`).

Its markup shares nothing with the reference pages (other paths, classes instead of ids, no play
button, no ready marker, names instead of ids on the login form), and its player script is its
own. The browser checks reach it only through a profile's `[browser]` table, which is what
tests/test_browser_probes.py shows: a vendor's player is probed without code.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from reference_platform.main import create_app as create_reference

HERE = Path(__file__).resolve().parent


def create_app() -> FastAPI:
    app = create_reference()

    @app.get("/signin", include_in_schema=False, response_class=HTMLResponse)
    def signin() -> str:
        return (HERE / "signin.html").read_text(encoding="utf-8")

    @app.get("/watch/{course_id}/{lesson_id}", include_in_schema=False)
    def watch(course_id: str, lesson_id: str) -> HTMLResponse:
        page = (HERE / "watch.html").read_text(encoding="utf-8")
        page = page.replace("__COURSE__", course_id).replace("__LESSON__", lesson_id)
        return HTMLResponse(page)

    return app
