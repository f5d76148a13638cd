"""Request-scoped resources and the chained auth dependencies.

Three kinds of bearer token never substitute for each other: a learner's login token, a
supervisor's token and the test-hook token each live in their own store.

A learner's token has a sliding expiry: it lapses `token_ttl_s` (12 h) after the learner's last
accepted request, not 12 h after the login, because a learner may study for longer than that in
one sitting (and a certification run compresses an 80-hour course by advancing the clock). Each
accepted request within the expiry moves it to now + 12 h; to spare the database a write per
request, a move of less than a minute is skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from reference_platform.clock import Clock
from reference_platform.context import PlatformContext
from reference_platform.defects import ActiveDefects
from reference_platform.logins import is_signed_in
from reference_platform.models import Learner, Login, Supervisor, SupervisorToken
from reference_platform.province_client import ProvinceClient
from reference_platform.security import same_secret, token_hash
from reference_platform.settings import PlatformSettings

_BEARER = {"WWW-Authenticate": "Bearer"}
learner_bearer = HTTPBearer(auto_error=False, scheme_name="LearnerToken")
supervisor_bearer = HTTPBearer(auto_error=False, scheme_name="SupervisorToken")
test_hook_bearer = HTTPBearer(auto_error=False, scheme_name="TestHookToken")


def get_context(request: Request) -> PlatformContext:
    return request.app.state.platform


Context = Annotated[PlatformContext, Depends(get_context)]


def get_settings(context: Context) -> PlatformSettings:
    return context.settings


def get_defects(context: Context) -> ActiveDefects:
    return context.defects


def get_province(context: Context) -> ProvinceClient:
    return context.province


def get_db(context: Context) -> Iterator[Session]:
    with context.sessions() as session:
        yield session


Settings = Annotated[PlatformSettings, Depends(get_settings)]
Defects = Annotated[ActiveDefects, Depends(get_defects)]
Province = Annotated[ProvinceClient, Depends(get_province)]
Db = Annotated[Session, Depends(get_db)]


def get_clock(db: Db) -> Clock:
    return Clock(db)


PlatformClock = Annotated[Clock, Depends(get_clock)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers=_BEARER)


_SLIDE_STEP = dt.timedelta(minutes=1)


def _unexpired_login(
    credentials: HTTPAuthorizationCredentials | None, db: Session, now: dt.datetime
) -> Login:
    if credentials is None:
        raise _unauthorized("Not authenticated")
    login = db.scalar(select(Login).where(Login.token_hash == token_hash(credentials.credentials)))
    if login is None or login.expires_at <= now:
        raise _unauthorized("Token is unknown, expired or ended")
    return login


def _slide_expiry(login: Login, now: dt.datetime, settings: PlatformSettings) -> bool:
    """Move a live login's expiry to now + TTL; True when that needs writing."""
    renewed = now + dt.timedelta(seconds=settings.token_ttl_s)
    if login.ended_at is not None or renewed - login.expires_at < _SLIDE_STEP:
        return False
    login.expires_at = renewed
    return True


def get_current_login(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(learner_bearer)],
    db: Db,
    clock: PlatformClock,
    settings: Settings,
) -> Login:
    now = clock.now()
    login = _unexpired_login(credentials, db, now)
    if not is_signed_in(login.ended_at, login.expires_at, now):  # the one-login rule, logins.py
        raise _unauthorized("Token is unknown, expired or ended")
    if _slide_expiry(login, now, settings):
        db.commit()
    return login


CurrentLogin = Annotated[Login, Depends(get_current_login)]


def get_study_login(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(learner_bearer)],
    db: Db,
    clock: PlatformClock,
    settings: Settings,
) -> Login:
    """The login behind a heartbeat, capture or close: like `get_current_login`, but a login that
    was ended (by logout or a newer login) still identifies its learner, so that the route can say
    "Playback ended" (409) about that learner's playback instead of a bare 401. The expiry slides
    uncommitted: these routes write anyway, and one transaction per heartbeat is the budget."""
    now = clock.now()
    login = _unexpired_login(credentials, db, now)
    _slide_expiry(login, now, settings)
    return login


StudyLogin = Annotated[Login, Depends(get_study_login)]


def get_current_learner(login: CurrentLogin, db: Db) -> Learner:
    learner = db.get(Learner, login.learner_id)
    if learner is None:  # only if the row was deleted under a live login
        raise _unauthorized("Token is unknown, expired or ended")
    return learner


CurrentLearner = Annotated[Learner, Depends(get_current_learner)]


def get_current_supervisor(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(supervisor_bearer)],
    db: Db,
    clock: PlatformClock,
) -> Supervisor:
    """The supervision account behind the token: its kind and scope decide what it sees
    (reference_platform/scope.py)."""
    if credentials is None:
        raise _unauthorized("Not authenticated")
    found = db.execute(
        select(SupervisorToken.expires_at, Supervisor)
        .join(Supervisor, Supervisor.id == SupervisorToken.supervisor_id)
        .where(SupervisorToken.token_hash == token_hash(credentials.credentials))
    ).first()
    if found is None or found[0] <= clock.now():
        raise _unauthorized("Supervisor token is unknown or expired")
    return found[1]


CurrentSupervisor = Annotated[Supervisor, Depends(get_current_supervisor)]


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
        raise _unauthorized("Test-hook token required")
