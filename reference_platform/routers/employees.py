"""Enterprise enrolment of employees for in-post training (ENT-01), prefix `/enterprise`.

Thin: who may enrol whom is in reference_platform/employment.py. The caller is a supervision
account (its token from `/supervision/token`); the route lives outside `/supervision` because that
prefix is read-only for every account.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from harness.spec.supervision import EmployeeIn, EmployeeOut
from reference_platform.dependencies import Context, CurrentSupervisor, Db
from reference_platform.employment import enrol_employee
from reference_platform.errors import responses

router = APIRouter(prefix="/enterprise", tags=["enterprise"])


@router.post(
    "/employees",
    status_code=status.HTTP_201_CREATED,
    response_model=EmployeeOut,
    responses=responses(
        401,
        403,
        404,
        409,
        422,
        d403="Only an enterprise account enrols employees",
        d404="No registered learner with this ID number",
        d409="The name does not match, or the learner is employed by another enterprise",
    ),
)
def enrol(body: EmployeeIn, account: CurrentSupervisor, db: Db, context: Context) -> EmployeeOut:
    """Enrol a registered learner as this enterprise's employee (idempotent): the enterprise's
    supervision account then sees the learner and their training."""
    learner = enrol_employee(db, account, body.id_number, body.name, context.defects)
    return EmployeeOut(
        learner_id=learner.id,
        id_number=learner.id_number,
        name=learner.name,
        enterprise_id=learner.enterprise_id or "",
    )
