"""The learning-data export (POST-01): the account's progress view as CSV or XLSX, streamed.

The rows are read from a session of the export's own, inside the streamed body: the request's
session ends with its dependencies, before the body is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from harness.spec.export import MEDIA_TYPES, ExportFormat
from reference_platform.context import PlatformContext
from reference_platform.dependencies import Context, CurrentSupervisor
from reference_platform.errors import responses
from reference_platform.export import ExportScope, export_rows
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
    filename = f"learning-data.{format}"
    return StreamingResponse(
        _file(context, ExportScope.of(account), format),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
