"""Playbacks and their heartbeats (STUDY-03..07): the server decides what study time counts.

The player only reports; credit follows the rules in `credit.py`, measured by the platform's
clock. Opening a playback ends the account's other playbacks (no multi-window study).
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlalchemy.exc import IntegrityError

from harness.spec.study import HeartbeatIn, HeartbeatOut, PlaybackIn, PlaybackOut
from reference_platform.dependencies import (
    CurrentLogin,
    Db,
    Defects,
    PlatformClock,
    Settings,
    StudyLogin,
)
from reference_platform.errors import responses
from reference_platform.study import (
    NOT_ENROLLED,
    PLAYBACK_NOT_FOUND,
    close_playback,
    open_playback,
    record_heartbeat,
)

router = APIRouter(prefix="/playbacks", tags=["playbacks"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PlaybackOut,
    responses=responses(401, 403, 404, 422, d403=NOT_ENROLLED, d404="Course or lesson not found"),
)
def open_lesson(
    body: PlaybackIn,
    login: CurrentLogin,
    db: Db,
    clock: PlatformClock,
    settings: Settings,
    defects: Defects,
) -> PlaybackOut:
    """Open a lesson; `resume_position_s` is where the learner honestly got to (resume)."""
    try:
        return open_playback(db, login, body, clock, settings, defects)
    except IntegrityError:  # a concurrent first opening of the lesson made its progress row
        db.rollback()
        return open_playback(db, login, body, clock, settings, defects)


@router.post(
    "/{playback_id}/heartbeats",
    response_model=HeartbeatOut,
    responses=responses(
        401,
        404,
        409,
        422,
        d404=PLAYBACK_NOT_FOUND,
        d409="Playback ended (superseded, closed or its login ended), or another window",
    ),
)
def heartbeat(
    playback_id: str,
    body: HeartbeatIn,
    login: StudyLogin,
    db: Db,
    clock: PlatformClock,
    settings: Settings,
    defects: Defects,
) -> HeartbeatOut:
    """Report the player's state; the answer says what it earned and any open capture."""
    return record_heartbeat(db, login, playback_id, body, clock, settings, defects)


@router.post(
    "/{playback_id}/close",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=responses(401, 404, d404=PLAYBACK_NOT_FOUND),
)
def close(playback_id: str, login: StudyLogin, db: Db, clock: PlatformClock) -> Response:
    close_playback(db, login, playback_id, clock)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
