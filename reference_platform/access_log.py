"""The audit log of supervisor access (POST-03): every authenticated supervision request is
recorded — account, time, method, path, query — and only the platform-wide accounts (authority,
auditor) may read it, since it shows what every enterprise and institution looked at."""

from __future__ import annotations

import datetime as dt

from fastapi import HTTPException, Request, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from reference_platform.models import Supervisor, SupervisorAccess
from reference_platform.scope import PLATFORM_WIDE

READERS = PLATFORM_WIDE
NOT_A_READER = "Only the authority and auditors read the access log"


def record_access(db: Session, account: Supervisor, request: Request, now: dt.datetime) -> None:
    db.add(
        SupervisorAccess(
            at=now,
            username=account.username,
            kind=account.kind,
            method=request.method,
            path=request.url.path[:300],
            query=request.url.query[:500],
        )
    )
    db.commit()


def access_log(
    db: Session, reader: Supervisor, username: str | None, limit: int
) -> list[SupervisorAccess]:
    """The newest `limit` entries, oldest first, optionally of one username."""
    if reader.kind not in READERS:
        raise HTTPException(status.HTTP_403_FORBIDDEN, NOT_A_READER)
    query = select(SupervisorAccess)
    if username is not None:
        query = query.where(SupervisorAccess.username == username)
    newest = db.scalars(query.order_by(SupervisorAccess.id.desc()).limit(limit))
    return list(reversed(list(newest)))
