"""Who employs a learner: an enterprise enrols its employees for in-post training (ENT-01).

The employer is what scopes an enterprise supervision account (reference_platform/scope.py): the
enterprise then follows its employees' learning through the read-only supervision views. Only an
enterprise account may enrol, only into its own roster, and only a registered learner whose name
matches the ID number (so an enterprise cannot take in a stranger by guessing ID numbers alone).
A learner already employed by another enterprise is refused: leaving one employer for another is
not modelled, and silently moving a learner would hand their records to a new enterprise.

Enrolling is roster management, not learning data: no supervision account changes what a learner
did, and the platform-wide and institution accounts cannot enrol at all (STUDY-08).
"""

from __future__ import annotations

from fastapi import HTTPException, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from reference_platform.defects import ActiveDefects
from reference_platform.models import Learner, Supervisor

NOT_AN_ENTERPRISE = "Only an enterprise account enrols employees"
NO_SUCH_LEARNER = "No registered learner with this ID number"
NAME_MISMATCH = "The name does not match the ID number"
EMPLOYED_ELSEWHERE = "The learner is employed by another enterprise"


def enrol_employee(
    db: Session, account: Supervisor, id_number: str, name: str, defects: ActiveDefects
) -> Learner:
    """Make the learner with this ID number an employee of `account`'s enterprise."""
    open_to_all = defects.active("employee_enrolment_open_to_every_kind")
    if account.kind != "enterprise" and not open_to_all:
        raise HTTPException(status.HTTP_403_FORBIDDEN, NOT_AN_ENTERPRISE)
    learner = db.scalar(select(Learner).where(Learner.id_number == id_number.upper()))
    if learner is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_SUCH_LEARNER)
    check_name = not defects.active("employee_enrolment_skips_name_check")
    if check_name and learner.name != name:
        raise HTTPException(status.HTTP_409_CONFLICT, NAME_MISMATCH)
    employer = account.scope_id
    takes_any = open_to_all or defects.active("enterprise_takes_another_enterprises_employee")
    if learner.enterprise_id not in (None, employer) and not takes_any:
        raise HTTPException(status.HTTP_409_CONFLICT, EMPLOYED_ELSEWHERE)
    learner.enterprise_id = employer
    db.commit()
    return learner
