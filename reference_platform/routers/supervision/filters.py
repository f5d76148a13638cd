"""The query parameters the supervision lists share, and the learner filter they apply.

Filters narrow what the caller asked for; the account's scope (reference_platform/scope.py) is
applied separately and always.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from sqlalchemy import Select, select

from reference_platform.models import Learner

LearnerIdFilter = Annotated[str | None, Query(max_length=64)]
IdNumberFilter = Annotated[str | None, Query(max_length=18)]
CourseIdFilter = Annotated[str | None, Query(max_length=64)]


def for_learner(
    query: Select[Any], column: Any, learner_id: str | None, id_number: str | None = None
) -> Select[Any]:
    """Narrow a query whose `column` holds a learner id to one learner, if one is asked for."""
    if learner_id is not None:
        query = query.where(column == learner_id)
    if id_number is not None:
        ids = select(Learner.id).where(Learner.id_number == id_number.strip().upper())
        query = query.where(column.in_(ids))
    return query
