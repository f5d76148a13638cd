"""The export's file formats, written as a stream (POST-01).

- CSV: UTF-8 with a byte-order mark (so that Excel opens Chinese names correctly), a header row
  of `EXPORT_COLUMNS`, booleans as `true`/`false`, numbers as Python writes them; sent in chunks
  of a few hundred rows as they are read.
- XLSX: openpyxl's write-only workbook, which keeps no rows in memory (each row goes to a
  temporary XML file as it is appended); the finished archive is written to a temporary file on
  disk and sent from there in chunks. An ID number is a text cell (a number cell would lose
  digits), booleans are boolean cells.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from harness.spec.export import CSV_FALSE, CSV_TRUE, EXPORT_COLUMNS, UTF8_BOM

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

CSV_CHUNK_ROWS = 500
FILE_CHUNK_BYTES = 64 * 1024
SHEET_TITLE = "learning-data"


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return CSV_TRUE if value else CSV_FALSE
    return value


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """Text stays text: openpyxl would store a string starting with `=` as a formula."""
    if isinstance(value, str) and value.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def csv_chunks(
    rows: Iterable[list[Any]], columns: Sequence[str] = tuple(EXPORT_COLUMNS)
) -> Iterator[bytes]:
    """The CSV file in chunks: the BOM and header first, then `CSV_CHUNK_ROWS` rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    yield UTF8_BOM + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(value) for value in row])
        if count % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def xlsx_chunks(
    rows: Iterable[list[Any]], columns: Sequence[str] = tuple(EXPORT_COLUMNS)
) -> Iterator[bytes]:
    """The XLSX file in chunks, built in a write-only workbook on disk and then read back.
    openpyxl is imported here, not at start-up: it is a third of the platform's import time and
    only an XLSX export needs it."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    with tempfile.TemporaryFile(prefix="sxcert-export-", suffix=".xlsx") as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(FILE_CHUNK_BYTES):
            yield chunk


WRITERS = {"csv": csv_chunks, "xlsx": xlsx_chunks}
