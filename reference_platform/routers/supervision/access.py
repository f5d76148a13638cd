"""The audit log of supervisor access (POST-03); who may read it is in access_log.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from harness.spec.supervision import SupAccess
from reference_platform.access_log import access_log
from reference_platform.dependencies import CurrentSupervisor, Db
from reference_platform.errors import responses

router = APIRouter()


@router.get(
    "/access-log",
    response_model=list[SupAccess],
    responses=responses(401, 403, d403="Only the authority and auditors read the access log"),
)
def read_access_log(
    db: Db,
    account: CurrentSupervisor,
    username: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[SupAccess]:
    """The newest `limit` supervision requests (this one included), oldest first."""
    return [
        SupAccess(
            at=row.at,
            username=row.username,
            kind=row.kind,
            method=row.method,
            path=row.path,
            query=row.query,
        )
        for row in access_log(db, account, username, limit)
    ]
