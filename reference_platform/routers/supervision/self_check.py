"""Supervision of the compliance self-check (POST-06): findings of course brushing, each with the
trace that triggered it, for the learners in the account's scope."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from harness.spec.self_check import SelfCheckFinding
from reference_platform.dependencies import Context, CurrentSupervisor, Db
from reference_platform.errors import responses
from reference_platform.models import Learner
from reference_platform.routers.supervision.filters import LearnerIdFilter, for_learner
from reference_platform.scope import restrict
from reference_platform.self_check import findings, limits_for
from reference_platform.self_check_traces import load_traces

router = APIRouter(responses=responses(401))


@router.get("/self-check/findings", response_model=list[SelfCheckFinding])
def self_check_findings(
    db: Db, account: CurrentSupervisor, context: Context, learner_id: LearnerIdFilter = None
) -> list[SelfCheckFinding]:
    """Every finding of the self-check's rules for the learners in scope (docs/interface.md,
    "Self-check"); worked out from the stored traces on every read."""
    query = for_learner(select(Learner.id), Learner.id, learner_id)
    if not context.defects.active("self_check_findings_unscoped"):  # the defect: no scope
        query = restrict(query, account, Learner.id)
    learner_ids = list(db.scalars(query.order_by(Learner.registered_at, Learner.id)))
    limits = limits_for(context.defects)
    named: dict[str, str] = {}
    if context.defects.active("finding_details_name_the_id_number"):
        # the slip: a detail written for the authority, full ID number and all, sent to everyone
        named = dict(
            db.execute(select(Learner.id, Learner.id_number).where(Learner.id.in_(learner_ids)))
            .tuples()
            .all()
        )
    answer = []
    for traces in load_traces(db, learner_ids):
        for found in findings(traces, limits):
            who = named.get(found.learner_id)
            answer.append(
                SelfCheckFinding(
                    learner_id=found.learner_id,
                    rule=found.rule,  # type: ignore[arg-type]
                    at=found.at,
                    detail=f"{who}: {found.detail}" if who else found.detail,
                    trace=list(found.trace),
                )
            )
    return answer
