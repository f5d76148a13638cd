"""Playbacks and their heartbeats (STUDY-03..07): the server decides what study time counts.

The player only reports; credit follows the rules in `credit.py`, measured by the platform's
clock. Opening a playback ends the account's other playbacks (no multi-window study).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import IntegrityError

from harness.spec.study import HeartbeatIn, HeartbeatOut, PlaybackIn, PlaybackOut
from reference_platform.context import PlatformContext
from reference_platform.dependencies import (
    LEARNER_SECURITY,
    Alternatives,
    Db,
    Defects,
    OpeningLogin,
    PathId,
    PlatformClock,
    Settings,
    StudyLogin,
    bearer_token,
    get_context,
)
from reference_platform.errors import responses
from reference_platform.heartbeat_path import caller_is_signed_in, heartbeat_unit
from reference_platform.study import (
    NOT_ENROLLED,
    PLAYBACK_NOT_FOUND,
    close_playback,
    open_playback,
)

router = APIRouter(prefix="/playbacks", tags=["playbacks"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PlaybackOut,
    responses=responses(
        401,
        403,
        404,
        409,
        422,
        d403=NOT_ENROLLED,
        d404="Course or lesson not found",
        d409="Another playback is active (a platform that ends the older one never answers it)",
    ),
)
def open_lesson(
    body: PlaybackIn,
    login: OpeningLogin,
    db: Db,
    clock: PlatformClock,
    settings: Settings,
    defects: Defects,
    alternatives: Alternatives,
) -> PlaybackOut:
    """Open a lesson; `resume_position_s` is where the learner honestly got to (resume)."""
    try:
        return open_playback(db, login, body, clock, settings, defects, alternatives)
    except IntegrityError:  # a concurrent first opening of the lesson made its progress row
        db.rollback()
        return open_playback(db, login, body, clock, settings, defects, alternatives)


@router.post(
    "/{playback_id}/heartbeats",
    response_model=HeartbeatOut,
    responses=responses(
        401,
        404,
        409,
        422,
        503,
        d404=PLAYBACK_NOT_FOUND,
        d409="Playback ended (superseded, closed or its login ended), or another window",
        d503="At capacity: nothing was done; send it again after Retry-After seconds",
    ),
    openapi_extra={"security": LEARNER_SECURITY},  # read from the request (heartbeat_path.py)
)
async def heartbeat(playback_id: PathId, body: HeartbeatIn, request: Request) -> HeartbeatOut:
    """Report the player's state; the answer says what it earned and any open capture."""
    # the whole unit of work runs in one call, on the loop's thread or a worker (heartbeat_path.py)
    context: PlatformContext = request.app.state.platform
    assert context.heartbeats is not None  # set by `main.start`
    token = bearer_token(request)
    return await context.heartbeats.run(heartbeat_unit, context, token, playback_id, body)


async def _heartbeat_caller_is_signed_in(request: Request) -> bool:
    context = await get_context(request)
    token = bearer_token(request)
    return token is not None and await run_in_threadpool(caller_is_signed_in, context, token)


# errors.py asks this before answering 422: no valid token is 401 first (docs/interface.md).
heartbeat.caller_is_signed_in = _heartbeat_caller_is_signed_in  # type: ignore[attr-defined]


@router.post(
    "/{playback_id}/close",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=responses(401, 404, d404=PLAYBACK_NOT_FOUND),
)
def close(
    playback_id: PathId, login: StudyLogin, db: Db, clock: PlatformClock, defects: Defects
) -> Response:
    close_playback(db, login, playback_id, clock, defects)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
