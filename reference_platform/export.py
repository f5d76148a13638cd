"""What a supervision account's learning-data export holds (POST-01).

The export is the account's `/supervision/progress` view joined with its `/supervision/learners`
view: one row per lesson a learner in scope opened, with the learner's name and ID number as the
account sees them in lists (masked for enterprise and institution accounts). It is narrowed by
the one scope rule (`scope.restrict`), so an export can never show more than the views do.

Rows are read in batches (`yield_per`) and handed on one at a time, so that 100,000 rows never
sit in memory at once; the writers in `export_files` stream them out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from harness.spec.export import dataset_columns
from reference_platform.completion import lesson_credited
from reference_platform.defects import ActiveDefects
from reference_platform.masking import id_number_for
from reference_platform.models import Learner, LessonProgress, Supervisor
from reference_platform.scope import restrict
from reference_platform.supervision_lists import LISTS

BATCH_ROWS = 1000  # rows fetched from the database at a time
# The progress columns the export reads (plain rows, not ORM objects: five times faster, and
# the capture points and quiz bookkeeping are never loaded). `lesson_credited` reads a row as it
# reads a LessonProgress: by these attribute names.
EXPORTED_PROGRESS = (
    LessonProgress.learner_id,
    LessonProgress.course_id,
    LessonProgress.lesson_id,
    LessonProgress.seq,
    LessonProgress.lesson_hours,
    LessonProgress.duration_s,
    LessonProgress.credited_s,
    LessonProgress.furthest_position_s,
    LessonProgress.captures_passed,
    LessonProgress.passed_hours,
)


@dataclass(frozen=True)
class ExportScope:
    """The account an export is made for, detached from the request's session (the export is
    streamed after the request's dependencies have finished)."""

    kind: str
    scope_id: str | None

    @classmethod
    def of(cls, account: Supervisor) -> ExportScope:
        return cls(account.kind, account.scope_id)

    def account(self) -> Supervisor:
        """A detached account of this kind and scope, for the scope rule."""
        return Supervisor(kind=self.kind, scope_id=self.scope_id)


def _scoped(query: Any, scope: ExportScope, defects: ActiveDefects) -> Any:
    """Narrow the export's query to the account's scope, as every supervision view is."""
    account = scope.account()
    if defects.active("export_leaks_other_scope") and scope.kind == "institution":
        # the slip: only the enterprise's scope was remembered when the export was written
        return query
    if defects.active("export_scopes_institution_by_learner"):
        # the slip: the institution's learners, every course of theirs (the learner list's rule)
        return restrict(query, account, LessonProgress.learner_id)
    return restrict(query, account, LessonProgress.learner_id, LessonProgress.course_id)


def export_rows(db: Session, scope: ExportScope, defects: ActiveDefects) -> Iterator[list[Any]]:
    """The export's rows, in `/supervision/progress` order, one list of cells per row (in the
    order of `harness.spec.export.EXPORT_COLUMNS`)."""
    query = select(*EXPORTED_PROGRESS, Learner.name, Learner.id_number).join(
        Learner, Learner.id == LessonProgress.learner_id
    )
    query = _scoped(query, scope, defects)
    query = query.order_by(
        LessonProgress.learner_id, LessonProgress.course_id, LessonProgress.seq
    ).execution_options(yield_per=BATCH_ROWS)
    unmasked = defects.active("unmasked_id_numbers")
    rows = (
        [
            row.learner_id,
            row.name,
            id_number_for(scope.kind, row.id_number, unmasked),
            row.course_id,
            row.lesson_id,
            row.seq,
            row.lesson_hours,
            row.duration_s,
            row.credited_s,
            row.furthest_position_s,
            row.captures_passed,
            lesson_credited(row, defects),
        ]
        for row in db.execute(query)
    )
    if defects.active("export_omits_last_row"):
        rows = _all_but_last(rows)
    return rows


def _all_but_last(rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
    """The look-ahead slip of a streaming writer: a row is written when the next one arrives, and
    the last one, which no row follows, is never written."""
    previous = next(rows, None)
    for row in rows:
        yield previous  # type: ignore[misc]
        previous = row


def dataset_rows(
    db: Session, scope: ExportScope, dataset: str, defects: ActiveDefects
) -> Iterator[list[Any]]:
    """A dataset file's rows: its supervision list's rows as the account sees them, in the
    list's order, one list of cells per row (in the order of `dataset_columns`). Times and
    dates are ISO 8601 text, as the list's JSON has them."""
    account = scope.account()
    query, row_of = LISTS[dataset]
    stored = db.scalars(query(account, defects).execution_options(yield_per=BATCH_ROWS))
    columns = dataset_columns(dataset)
    for row in stored:
        shown = row_of(row, account, defects).model_dump(mode="json")
        if (
            dataset == "captures"
            and shown["passed"] is False
            and defects.active("export_leaves_out_failed_captures")
        ):
            continue  # the slip: a filter written for a report of passed captures
        yield [shown[column] for column in columns]
