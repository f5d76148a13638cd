"""The learner's pages (not part of the conformance interface, so not in the OpenAPI document).

Thin like every router: the course content comes from courses.py, what the page enforces from
player_rules.py, the video from media.py. The pages talk to the platform only through the
learner API (`/api/v1`), exactly as a vendor's single-page app would; the server's credit rules
stay the final word whatever a page does.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from reference_platform.courses import CourseNotOffered, lessons_out, offered_course
from reference_platform.dependencies import Context, Db
from reference_platform.pages.media import VideoUnavailable, lesson_video
from reference_platform.player_rules import player_rules

PAGES_DIR = Path(__file__).resolve().parent
STATIC_DIR = PAGES_DIR / "static"
templates = Jinja2Templates(directory=PAGES_DIR / "templates")
router = APIRouter(include_in_schema=False)


def _page(request: Request, name: str, context: Context, **values: object) -> HTMLResponse:
    rules = player_rules(context.defects).as_json()
    return templates.TemplateResponse(request, name, {"rules": rules, **values})


@router.get("/", response_class=HTMLResponse)
def landing(request: Request, context: Context) -> HTMLResponse:
    return _page(request, "landing.html", context)


@router.get("/register", response_class=HTMLResponse)
def register(request: Request, context: Context) -> HTMLResponse:
    return _page(request, "register.html", context)


@router.get("/login", response_class=HTMLResponse)
def login(request: Request, context: Context) -> HTMLResponse:
    return _page(request, "login.html", context)


@router.get("/courses", response_class=HTMLResponse)
def courses(request: Request, context: Context) -> HTMLResponse:
    return _page(request, "courses.html", context)


@router.get("/courses/{course_id}", response_class=HTMLResponse)
def course(course_id: str, request: Request, db: Db, context: Context) -> HTMLResponse:
    try:
        found = offered_course(db, context.approvals, course_id)
    except CourseNotOffered:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Course not found") from None
    lessons = lessons_out(db, found)
    return _page(request, "course.html", context, course=found, lessons=lessons)


@router.get("/courses/{course_id}/lessons/{lesson_id}", response_class=HTMLResponse)
def lesson(
    course_id: str, lesson_id: str, request: Request, db: Db, context: Context
) -> HTMLResponse:
    try:
        found = offered_course(db, context.approvals, course_id)
    except CourseNotOffered:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Course not found") from None
    chosen = [item for item in lessons_out(db, found) if item.lesson_id == lesson_id]
    if not chosen:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Lesson not found")
    return _page(request, "lesson.html", context, course=found, lesson=chosen[0])


@router.get("/media/lessons/{duration_s}.webm")
def video(duration_s: int) -> FileResponse:
    """The lesson clip; FileResponse answers Range requests (206), which seeking needs."""
    if not 1 <= duration_s <= 4 * 3600:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No video of that length")
    try:
        path = lesson_video(duration_s)
    except VideoUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None
    return FileResponse(path, media_type="video/webm")
