"""Real-time supervision (STUDY-09): the stream of study events and "who is studying now".

The stream is Server-Sent Events (sse-starlette). It polls the `study_events` table four times
a second with a session of its own per poll, so an idle stream holds no database connection, and
it ends when the client goes (sse-starlette cancels the generator on disconnect) or after
`MAX_STREAM_S` (a client resumes with `Last-Event-ID`, as EventSource does by itself). What is an
event, and who may see it, is reference_platform/study_events.py.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, HTTPException, Request, status
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from harness.spec.supervision import SupStudyEvent, SupStudying
from reference_platform.context import PlatformContext
from reference_platform.dependencies import Context, CurrentSupervisor, Db, PlatformClock
from reference_platform.errors import responses
from reference_platform.models import StudyEvent, Supervisor
from reference_platform.study_events import (
    StreamPosition,
    events_after,
    position,
    stream_start,
    studying_now,
)

router = APIRouter(responses=responses(401))

POLL_S = 0.25  # how often an open stream looks for new events: well inside the 10 s bound
PING_S = 1.0  # a comment line this often, so that a client's read timeout can stay short
MAX_STREAM_S = 300.0  # one connection's lifetime; the client resumes with Last-Event-ID
DELAYED_BY_DEFECT = dt.timedelta(seconds=30)  # the `stream_delayed_30s` defect's hold-back

LastEventId = Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)]


def _resume_point(last_event_id: str | None) -> int | None:
    """The id to resume after, or None for "from now"; a malformed id is a bad request."""
    if last_event_id is None or not last_event_id.strip():
        return None
    text = last_event_id.strip()
    if not text.isdigit():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "Last-Event-ID must be an event id this stream sent",
        )
    return int(text)


def _message(row: StudyEvent) -> ServerSentEvent:
    data = SupStudyEvent(
        event_id=str(row.id),
        type=row.type,  # type: ignore[arg-type]  # one of harness.spec's STUDY_EVENT_TYPES
        learner_id=row.learner_id,
        course_id=row.course_id,
        ref=row.ref,
        at=row.at,
    )
    return ServerSentEvent(data=data.model_dump_json(), event=row.type, id=str(row.id))


def _poll(context: PlatformContext, account: Supervisor, after: StreamPosition) -> list[StudyEvent]:
    defects = context.defects
    with context.sessions() as session:  # one short session per poll: none held while idle
        return events_after(
            session,
            account,
            after,
            scoped=not defects.active("stream_leaks_other_scope"),
            course_bound=not defects.active("stream_sends_institution_other_courses_events"),
            held_back=DELAYED_BY_DEFECT if defects.active("stream_delayed_30s") else dt.timedelta(),
        )


async def _events(
    request: Request, context: PlatformContext, account: Supervisor, after: StreamPosition
) -> AsyncIterator[ServerSentEvent]:
    ends_at = time.monotonic() + MAX_STREAM_S
    state = request.app.state
    state.open_event_streams = getattr(state, "open_event_streams", 0) + 1
    try:
        while time.monotonic() < ends_at and not await request.is_disconnected():
            rows = await run_in_threadpool(_poll, context, account, after)
            for row in rows:
                yield _message(row)
                after = position(row)
            if not rows:
                await anyio.sleep(POLL_S)
    finally:  # also when cancelled by a disconnect: the count is how a test sees streams end
        state.open_event_streams -= 1


@router.get(
    "/events",
    response_class=EventSourceResponse,
    responses={
        200: {"description": "A stream of study events", "content": {"text/event-stream": {}}},
        **responses(422, d422="Last-Event-ID is not an event id of this stream"),
    },
)
async def events(
    request: Request,
    account: CurrentSupervisor,
    context: Context,
    db: Db,
    last_event_id: LastEventId = None,
) -> EventSourceResponse:
    """Study events in the account's scope, as Server-Sent Events: without `Last-Event-ID`
    from now on; with it, every event after that id first (nothing missed, nothing twice)."""
    after_id = _resume_point(last_event_id)
    after = await run_in_threadpool(stream_start, db, after_id, context.defects)
    db.close()  # the stream polls with sessions of its own
    request.state.db_slot.release()  # and must not hold a request slot while it lasts
    return EventSourceResponse(_events(request, context, account, after), ping=PING_S)


@router.get("/live", response_model=list[SupStudying])
def live(
    db: Db, account: CurrentSupervisor, clock: PlatformClock, context: Context
) -> list[SupStudying]:
    """Who is studying now: learners in scope with an open playback on a signed-in login."""
    return [
        SupStudying(
            learner_id=playback.learner_id,
            name=name,
            course_id=playback.course_id,
            lesson_id=playback.lesson_id,
            playback_id=playback.id,
            since=playback.opened_at,
        )
        for playback, _login, name in studying_now(db, account, clock.now(), context.defects)
    ]
