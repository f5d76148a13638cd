"""Request-scoped resources and the chained auth dependencies.

Three kinds of bearer token never substitute for each other: a learner's login token, a
supervisor's token and the test-hook token each live in their own store.

A learner's token has a sliding expiry: it lapses `token_ttl_s` (12 h) after the learner's last
accepted request, not 12 h after the login, because a learner may study for longer than that in
one sitting (and a certification run compresses an 80-hour course by advancing the clock). Each
accepted request within the expiry moves it to now + 12 h; to spare the database a write per
request, a move of less than a minute is skipped. The rule (and its compliant alternative, a
fixed expiry) is `logins.expiry_after_request`.

The dependencies that only read the app's state are `async def`: FastAPI runs a sync one in a
thread-pool call of its own, and those hand-offs were half of a heartbeat's cost. The session
dependency waits for a request slot in the event loop (admission.py) before it takes a connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy import select
from sqlalchemy.orm import Session

from reference_platform.access_log import record_access
from reference_platform.alternatives import ChosenAlternatives
from reference_platform.clock import Clock
from reference_platform.context import PlatformContext
from reference_platform.defects import ActiveDefects
from reference_platform.logins import (
    LoginTimes,
    expiry_after_request,
    is_signed_in,
    token_lifetime,
)
from reference_platform.models import Learner, Login, Supervisor, SupervisorToken
from reference_platform.province_client import ProvinceClient
from reference_platform.security import same_secret, token_hash
from reference_platform.settings import PlatformSettings

TOKEN_UNUSABLE = "Token is unknown, expired or ended"
LoginT = TypeVar("LoginT", bound=LoginTimes)
_BEARER = {"WWW-Authenticate": "Bearer"}
learner_bearer = HTTPBearer(auto_error=False, scheme_name="LearnerToken")
supervisor_bearer = HTTPBearer(auto_error=False, scheme_name="SupervisorToken")
test_hook_bearer = HTTPBearer(auto_error=False, scheme_name="TestHookToken")
LearnerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(learner_bearer)]
LEARNER_SECURITY = [{"LearnerToken": []}]  # the OpenAPI security of a route reading it itself


def bearer_token(request: Request) -> str | None:
    """The token of a `Bearer` Authorization header, as `learner_bearer` reads it (None without
    one), for a route too hot for a dependency (the heartbeat: heartbeat_path.py)."""
    scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
    return token if scheme.lower() == "bearer" and token else None


async def get_context(request: Request) -> PlatformContext:
    return request.app.state.platform


Context = Annotated[PlatformContext, Depends(get_context)]


async def get_settings(context: Context) -> PlatformSettings:
    return context.settings


async def get_defects(context: Context) -> ActiveDefects:
    return context.defects


async def get_alternatives(context: Context) -> ChosenAlternatives:
    return context.alternatives


async def get_province(context: Context) -> ProvinceClient:
    return context.province


async def get_db(request: Request, context: Context) -> AsyncIterator[Session]:
    """A session for this request, once a request slot is free (503 when none comes soon). The
    slot is kept in `request.state.db_slot` for a response that outlives its database work."""
    assert context.slots is not None  # set by `main.start`
    async with context.slots.slot() as held:
        request.state.db_slot = held
        session = context.sessions()
        try:
            yield session
        finally:
            with anyio.CancelScope(shield=True):  # closed even if the client went away
                await run_in_threadpool(session.close)  # a rollback may wait on the database


Settings = Annotated[PlatformSettings, Depends(get_settings)]
Defects = Annotated[ActiveDefects, Depends(get_defects)]
Alternatives = Annotated[ChosenAlternatives, Depends(get_alternatives)]
Province = Annotated[ProvinceClient, Depends(get_province)]
Db = Annotated[Session, Depends(get_db)]


# An object id in a path (course, playback, challenge, learner): the same limit as in bodies.
PathId = Annotated[str, Path(min_length=1, max_length=64)]


async def get_clock(db: Db) -> Clock:
    return Clock(db)


PlatformClock = Annotated[Clock, Depends(get_clock)]


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers=_BEARER)


def require_unexpired(login: LoginT | None, now: dt.datetime) -> LoginT:
    """The login a token named, if it has not expired (an ended one still identifies its
    learner: the study routes answer 409 about its playbacks); 401 otherwise. For an ORM
    `Login` and for the heartbeat's selected row alike."""
    if login is None or login.expires_at <= now:
        raise unauthorized(TOKEN_UNUSABLE)
    return login


def _unexpired_login(
    credentials: HTTPAuthorizationCredentials | None, db: Session, now: dt.datetime
) -> Login:
    if credentials is None:
        raise unauthorized("Not authenticated")
    login = db.scalar(select(Login).where(Login.token_hash == token_hash(credentials.credentials)))
    return require_unexpired(login, now)


def _slide_expiry(
    login: Login,
    now: dt.datetime,
    settings: PlatformSettings,
    alternatives: ChosenAlternatives,
    defects: ActiveDefects,
) -> bool:
    """Move a live login's expiry as `logins.expiry_after_request` says; True when written."""
    ttl = token_lifetime(settings.token_ttl_s, defects)
    renewed = expiry_after_request(login, now, ttl, alternatives)
    if renewed is None:
        return False
    login.expires_at = renewed
    return True


def get_current_login(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(learner_bearer)],
    db: Db,
    clock: PlatformClock,
    settings: Settings,
    alternatives: Alternatives,
    defects: Defects,
) -> Login:
    now = clock.now()
    login = _unexpired_login(credentials, db, now)
    if not is_signed_in(login.ended_at, login.expires_at, now):  # the one-login rule, logins.py
        raise unauthorized(TOKEN_UNUSABLE)
    if _slide_expiry(login, now, settings, alternatives, defects):
        db.commit()
    return login


CurrentLogin = Annotated[Login, Depends(get_current_login)]


def study_login(
    login: Login | None,
    now: dt.datetime,
    settings: PlatformSettings,
    alternatives: ChosenAlternatives,
    defects: ActiveDefects,
) -> Login:
    """The login behind a heartbeat, capture or close: like `get_current_login`, but a login that
    was ended (by logout or a newer login) still identifies its learner, so that the route can say
    "Playback ended" (409) about that learner's playback instead of a bare 401. The expiry slides
    uncommitted: these routes write anyway, and one transaction per heartbeat is the budget."""
    login = require_unexpired(login, now)
    _slide_expiry(login, now, settings, alternatives, defects)
    return login


def get_study_login(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(learner_bearer)],
    db: Db,
    clock: PlatformClock,
    settings: Settings,
    alternatives: Alternatives,
    defects: Defects,
) -> Login:
    """`study_login` as a dependency (capture answers, closing; heartbeats: heartbeat_path.py)."""
    if credentials is None:
        raise unauthorized("Not authenticated")
    login = db.scalar(select(Login).where(Login.token_hash == token_hash(credentials.credentials)))
    return study_login(login, clock.now(), settings, alternatives, defects)


StudyLogin = Annotated[Login, Depends(get_study_login)]


def get_opening_login(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(learner_bearer)],
    db: Db,
    clock: PlatformClock,
    settings: Settings,
    alternatives: Alternatives,
    defects: Defects,
) -> Login:
    """The login that opens a playback: a signed-in one, as `get_current_login` (an ended
    login's device opening a lesson would end the playback the learner's live login studies
    in: STUDY-03)."""
    if defects.active("ended_login_opens_playbacks"):  # the defect: the study routes' reading
        return get_study_login(credentials, db, clock, settings, alternatives, defects)
    return get_current_login(credentials, db, clock, settings, alternatives, defects)


OpeningLogin = Annotated[Login, Depends(get_opening_login)]


def get_current_learner(login: CurrentLogin, db: Db) -> Learner:
    learner = db.get(Learner, login.learner_id)
    if learner is None:  # only if the row was deleted under a live login
        raise unauthorized(TOKEN_UNUSABLE)
    return learner


CurrentLearner = Annotated[Learner, Depends(get_current_learner)]


def get_current_supervisor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(supervisor_bearer)],
    db: Db,
    clock: PlatformClock,
    defects: Defects,
) -> Supervisor:
    """The supervision account behind the token: its kind and scope decide what it sees
    (reference_platform/scope.py)."""
    if credentials is None:
        raise unauthorized("Not authenticated")
    found = db.execute(
        select(SupervisorToken.expires_at, Supervisor)
        .join(Supervisor, Supervisor.id == SupervisorToken.supervisor_id)
        .where(SupervisorToken.token_hash == token_hash(credentials.credentials))
    ).first()
    if found is None:
        raise unauthorized("Supervisor token is unknown or expired")
    if found[0] <= clock.now() and not defects.active("supervisor_token_never_expires"):
        raise unauthorized("Supervisor token is unknown or expired")
    # the defects: no request logged at all; the export (a bulk download) not logged
    export_unlogged = defects.active("export_not_audited") and "/export/" in request.url.path
    # the defect capture_image_reads_not_logged: images are fetched in bulk by <img> tags
    image_unlogged = defects.active("capture_image_reads_not_logged") and request.url.path.endswith(
        "/image"
    )
    if (
        not defects.active("supervisor_access_not_logged")
        and not export_unlogged
        and not image_unlogged
    ):
        record_access(db, found[1], request, clock.now())
    return found[1]


CurrentSupervisor = Annotated[Supervisor, Depends(get_current_supervisor)]


def get_image_reader(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(supervisor_bearer)],
    db: Db,
    clock: PlatformClock,
    defects: Defects,
) -> Supervisor | None:
    """The supervision account reading a capture image; None (anyone, unscoped) only under the
    `capture_image_without_auth` defect."""
    if credentials is None and defects.active("capture_image_without_auth"):
        return None
    return get_current_supervisor(request, credentials, db, clock, defects)


ImageReader = Annotated[Supervisor | None, Depends(get_image_reader)]


def require_test_hooks(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(test_hook_bearer)],
    settings: Settings,
) -> None:
    """Only a certification instance (one with a test token) has test hooks at all."""
    if settings.test_token is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not found")
    if credentials is None or not same_secret(
        credentials.credentials, settings.test_token.get_secret_value()
    ):
        raise unauthorized("Test-hook token required")
