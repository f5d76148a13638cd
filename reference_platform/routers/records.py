"""Deleting a learner's records after the retention period (POST-05), prefix `/records`.

Thin: when deletion is allowed is in reference_platform/retention.py. Only the HR authority may
delete (a supervision-authorised operation); the authority and auditors read the deletion log.
The routes sit outside `/supervision`, which stays read-only.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from harness.spec.supervision import RecordDeletionOut
from reference_platform.dependencies import Context, CurrentSupervisor, Db, PathId, PlatformClock
from reference_platform.errors import responses
from reference_platform.models import Learner, RecordDeletion
from reference_platform.retention import delete_learner_records, may_delete_records, retention_rule
from reference_platform.scope import PLATFORM_WIDE

router = APIRouter(prefix="/records", tags=["records"])


def deletion_out(row: RecordDeletion) -> RecordDeletionOut:
    return RecordDeletionOut(
        learner_id=row.learner_id,
        end_of_training=row.end_of_training,
        kept_until=row.kept_until,
        deleted_at=row.deleted_at,
        deleted_by=row.deleted_by,
    )


@router.delete(
    "/learners/{learner_id}",
    response_model=RecordDeletionOut,
    responses=responses(
        401,
        403,
        404,
        409,
        d403="Only the HR authority deletes records",
        d404="Learner not found",
        d409="Records are kept until <time>",
    ),
)
def delete_learner(
    learner_id: PathId, account: CurrentSupervisor, db: Db, clock: PlatformClock, context: Context
) -> RecordDeletionOut:
    """Delete every record of a learner whose retention period is over, and log it."""
    if not may_delete_records(account.kind, context.defects):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only the HR authority deletes records")
    learner = db.scalar(select(Learner).where(Learner.id == learner_id))
    if learner is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Learner not found")
    rule = retention_rule(context.defects)
    row = delete_learner_records(db, learner, clock.now(), account.username, rule)
    return deletion_out(row)


@router.get(
    "/deletions",
    response_model=list[RecordDeletionOut],
    responses=responses(401, 403, d403="Only the authority and auditors read the deletion log"),
)
def deletions(account: CurrentSupervisor, db: Db) -> list[RecordDeletionOut]:
    """Every deletion so far, oldest first."""
    if account.kind not in PLATFORM_WIDE:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Only the authority and auditors read the deletion log"
        )
    rows = db.scalars(select(RecordDeletion).order_by(RecordDeletion.id))
    return [deletion_out(row) for row in rows]
