"""Signing a supervision account in, and telling it who it is.

Accounts live in the database (reference_platform/supervisors.py); a token is tied to its account,
so every later call knows the account's kind and scope.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException, status

from harness.spec.supervision import SupervisorAccount, SupervisorTokenIn, SupervisorTokenOut
from reference_platform.dependencies import (
    CurrentSupervisor,
    Db,
    Defects,
    PlatformClock,
    Settings,
)
from reference_platform.errors import responses
from reference_platform.models import Supervisor, SupervisorToken
from reference_platform.security import new_token, token_hash
from reference_platform.supervisors import authenticate
from reference_platform.throttling import (
    clear_failures,
    record_failure,
    refuse_if_locked,
    supervisor_key,
)

router = APIRouter()

SUPERVISOR_TOKEN_TTL = dt.timedelta(hours=12)


def account_of(row: Supervisor) -> SupervisorAccount:
    return SupervisorAccount(username=row.username, kind=row.kind, scope=row.scope_id)


@router.post(
    "/token",
    response_model=SupervisorTokenOut,
    responses=responses(
        401, 429, d401="Wrong username or password", d429="Too many failed sign-ins"
    ),
)
def issue_token(
    body: SupervisorTokenIn, db: Db, clock: PlatformClock, defects: Defects, settings: Settings
) -> SupervisorTokenOut:
    key = supervisor_key(body.username)
    refuse_if_locked(db, key, clock.now(), defects)
    account = authenticate(db, body.username, body.password, settings.password_hasher)
    if account is None:
        record_failure(db, key, clock.now())
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Wrong username or password")
    clear_failures(db, key)
    token, now = new_token(), clock.now()
    db.add(
        SupervisorToken(
            token_hash=token_hash(token),
            supervisor_id=account.id,
            issued_at=now,
            expires_at=now + SUPERVISOR_TOKEN_TTL,  # the answer says when (POST-03)
        )
    )
    db.commit()
    expires_at = now + SUPERVISOR_TOKEN_TTL
    return SupervisorTokenOut(token=token, account=account_of(account), expires_at=expires_at)


@router.get("/me", response_model=SupervisorAccount, responses=responses(401))
def me(account: CurrentSupervisor) -> SupervisorAccount:
    """The signed-in account: username, kind and scope (what it is allowed to see)."""
    return account_of(account)
