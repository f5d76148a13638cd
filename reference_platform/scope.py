"""What a supervision account may see: the one rule every supervision view applies (POST-03).

- `authority` (the HR department) and `auditor` (audit departments) see the whole platform.
- `enterprise` sees the learners it employs (`Learner.enterprise_id` equal to its scope).
- `institution` sees the learners enrolled in a course it runs (`Course.institution_id` equal to
  its scope), and of their course-bound records (enrolments, progress, playbacks, captures, quiz
  answers, certificates) only those of its own courses: another institution's teaching is not
  its business.

Every supervision list and object endpoint narrows its query with `restrict`, so the rule is
written once; an object outside the scope is then simply not found (404), which does not reveal
that it exists.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, select

from reference_platform.models import Course, Enrolment, Learner, Supervisor

PLATFORM_WIDE = frozenset({"authority", "auditor"})


def institution_courses(institution_id: str) -> Select[Any]:
    """The ids of the courses one institution runs."""
    return select(Course.id).where(Course.institution_id == institution_id)


def visible_learners(account: Supervisor) -> Select[Any] | None:
    """A select of the learner ids `account` may see; None when it sees every learner."""
    if account.kind in PLATFORM_WIDE:
        return None
    if account.kind == "enterprise":
        return select(Learner.id).where(Learner.enterprise_id == account.scope_id)
    if account.kind == "institution":
        courses = institution_courses(account.scope_id or "")
        return select(Enrolment.learner_id).where(Enrolment.course_id.in_(courses))
    raise ValueError(f"unknown supervisor kind {account.kind!r}")  # the seed refuses these


def restrict(
    query: Select[Any], account: Supervisor, learner_column: Any, course_column: Any = None
) -> Select[Any]:
    """Narrow `query` to what `account` may see.

    `learner_column` holds the learner id of each row; `course_column`, when the rows belong to
    one course, its course id (an institution then sees only its own courses' rows).
    """
    if account.kind not in PLATFORM_WIDE and account.scope_id is None:
        return query.where(false())  # a scoped kind without a scope sees nothing, never all
    learners = visible_learners(account)
    if learners is not None:
        query = query.where(learner_column.in_(learners))
    if account.kind == "institution" and course_column is not None:
        query = query.where(course_column.in_(institution_courses(account.scope_id or "")))
    return query
