"""The learning-data export (POST-01): the account's progress view as CSV or XLSX, streamed.

The rows are read from a session of the export's own, inside the streamed body: the request's
session ends with its dependencies, before the body is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from harness.spec.export import MEDIA_TYPES, ExportDataset, ExportFormat, dataset_columns
from reference_platform.certificates import sweep
from reference_platform.context import PlatformContext
from reference_platform.dependencies import Context, CurrentSupervisor, Db, PlatformClock
from reference_platform.errors import responses
from reference_platform.export import ExportScope, dataset_rows, export_rows
from reference_platform.export_files import WRITERS

router = APIRouter(responses=responses(401, 422))

_FILES = {
    "content": {media_type: {} for media_type in MEDIA_TYPES.values()},
    "description": "The export file (CSV: UTF-8 with BOM; XLSX)",
}


def _file(context: PlatformContext, scope: ExportScope, file_format: str) -> Iterator[bytes]:
    with context.sessions() as db:
        yield from WRITERS[file_format](export_rows(db, scope, context.defects))


@router.get(
    "/export/learning-data",
    response_class=StreamingResponse,
    responses={200: _FILES},
)
def learning_data(
    context: Context,
    account: CurrentSupervisor,
    format: Annotated[ExportFormat, Query()] = "csv",
) -> StreamingResponse:
    """Every lesson-progress row the account sees, with the learner's name and ID number as its
    learner list shows them."""
    return _response(_file(context, ExportScope.of(account), format), "learning-data", format)


def _dataset_file(
    context: PlatformContext, scope: ExportScope, dataset: str, file_format: str
) -> Iterator[bytes]:
    with context.sessions() as db:
        rows = dataset_rows(db, scope, dataset, context.defects)
        yield from WRITERS[file_format](rows, dataset_columns(dataset))


@router.get(
    "/export/{dataset}",
    response_class=StreamingResponse,
    responses={200: _FILES},
)
def dataset(
    dataset: ExportDataset,
    db: Db,
    clock: PlatformClock,
    context: Context,
    account: CurrentSupervisor,
    format: Annotated[ExportFormat, Query()] = "csv",
) -> StreamingResponse:
    """Every row of the account's list of that name (learners, enrolments, captures,
    quiz-answers, certificates) as its list shows them; certificates that passes have earned
    are issued first, as the certificate list does."""
    if dataset == "certificates":
        sweep(db, clock.now(), context.settings, context.defects, context.province)
    scope = ExportScope.of(account)
    return _response(_dataset_file(context, scope, dataset, format), dataset, format)


def _response(chunks: Iterator[bytes], name: str, file_format: str) -> StreamingResponse:
    return StreamingResponse(
        chunks,
        media_type=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{name}.{file_format}"'},
    )
