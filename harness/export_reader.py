"""Reading a learning-data export back (POST-01): a CSV or XLSX file into typed rows, so that a
check compares it with the supervision view cell by cell.

Cells are typed by their column (`harness.spec.export.EXPORT_COLUMNS`): text as text, whole
numbers and numbers as numbers, yes/no as booleans. A cell that cannot be read as its column's
type is kept as the text it holds, so that the comparison shows it as a difference rather than
stopping at the first odd cell.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections import Counter, defaultdict
from typing import Any

from harness.spec.export import CSV_FALSE, CSV_TRUE, EXPORT_COLUMNS, UTF8_BOM

Row = tuple[Any, ...]
SPREADSHEET_DIGITS = 15


class UnreadableExport(ValueError):
    """The bytes are not the file the format promises (no BOM, not UTF-8, not an XLSX)."""


def typed(value: Any, kind: type) -> Any:
    """A cell as its column's type; the cell's text when it is not one."""
    if value is None:
        return None
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            return {CSV_TRUE: True, CSV_FALSE: False}.get(str(value), str(value))
        if kind is int:
            number = float(value) if isinstance(value, str) else value
            if isinstance(number, bool) or number != int(number):
                return str(value)
            return int(number)
        if kind is float:
            if isinstance(value, bool):
                return str(value)
            # A spreadsheet keeps 15 significant digits (Excel's precision): 0.22120700000000001
            # written to XLSX reads back as 0.221207. Both sides are compared at that precision.
            return float(f"{float(value):.{SPREADSHEET_DIGITS}g}")
    except (TypeError, ValueError):
        return str(value)
    return value if isinstance(value, str) else str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, float)


def _one_unit_apart(a: float, b: float) -> bool:
    """One unit of the 15th significant digit apart at most, which is still the same number:
    writers round differently (openpyxl writes 16 digits, Excel 15, Python's CSV 17), and a
    number rounded to 16 digits and then to 15 can land one unit from the number rounded to 15 at
    once (1950.6338075445651 -> 1950.633807544565 -> 1950.63380754456, not ...457). Both are
    rounded to 15 digits, so their difference is a whole number of units give or take binary
    rounding, and 1.5 units parts one unit from two."""
    largest = max(abs(a), abs(b))
    if not math.isfinite(largest) or largest == 0:
        return False
    unit = 10.0 ** (math.floor(math.log10(largest)) + 1 - SPREADSHEET_DIGITS)
    return abs(a - b) <= unit * 1.5


def _same_cells(expected: Row, received: Row) -> bool:
    return len(expected) == len(received) and all(
        a == b or (_is_number(a) and _is_number(b) and _one_unit_apart(a, b))
        for a, b in zip(expected, received, strict=True)
    )


def _without_numbers(row: Row) -> Row:
    return tuple(None if _is_number(cell) else cell for cell in row)


def unmatched(expected: list[Row], received: list[Row]) -> tuple[list[Row], list[Row]]:
    """The expected rows missing from the received ones and the received rows not expected, as
    multisets (a row twice is one too many), numbers compared as the same number at a
    spreadsheet's precision."""
    wanted, got = Counter(expected), Counter(received)
    missing = list((wanted - got).elements())
    candidates: defaultdict[Row, list[Row]] = defaultdict(list)
    for row in (got - wanted).elements():
        candidates[_without_numbers(row)].append(row)
    still_missing = []
    for row in missing:
        bucket = candidates.get(_without_numbers(row), [])
        match = next((i for i, other in enumerate(bucket) if _same_cells(row, other)), None)
        if match is None:
            still_missing.append(row)
        else:
            bucket.pop(match)
    extra = [row for bucket in candidates.values() for row in bucket]
    return sorted(still_missing, key=str), sorted(extra, key=str)


def _typed_row(cells: list[Any]) -> Row:
    kinds = list(EXPORT_COLUMNS.values())
    if len(cells) != len(kinds):
        return tuple(cells)  # a row of another width: shown as it is, never equal to a view row
    return tuple(typed(cell, kind) for cell, kind in zip(cells, kinds, strict=True))


def read_csv(data: bytes) -> tuple[list[str], list[Row]]:
    """The header and typed rows of a CSV export, which must start with the UTF-8 BOM."""
    header, lines = csv_lines(data)
    return header, [_typed_row(line) for line in lines]


def csv_lines(data: bytes) -> tuple[list[str], list[list[Any]]]:
    """The header and the rows' cells as text of a CSV export (UTF-8 with BOM)."""
    if not data.startswith(UTF8_BOM):
        raise UnreadableExport("the CSV does not start with the UTF-8 byte-order mark")
    try:
        text = data[len(UTF8_BOM) :].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableExport(f"the CSV is not UTF-8: {exc}") from None
    lines = list(csv.reader(io.StringIO(text, newline="")))
    if not lines:
        raise UnreadableExport("the CSV is empty (no header row)")
    return lines[0], [line for line in lines[1:] if line]


def read_xlsx(data: bytes) -> tuple[list[str], list[Row]]:
    """The header and typed rows of the first worksheet of an XLSX export."""
    header, lines = xlsx_lines(data)
    return header, [_typed_row(line) for line in lines]


def xlsx_lines(data: bytes) -> tuple[list[str], list[list[Any]]]:
    """The header and the rows' cells, as openpyxl reads them, of an XLSX export's first
    worksheet. openpyxl is imported here: only the export check reads XLSX."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableExport(f"not a readable XLSX file: {exc}") from None
    try:
        lines = [list(values) for values in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()
    while lines and all(cell is None for cell in lines[-1]):
        lines.pop()  # trailing empty rows are formatting, not data
    if not lines:
        raise UnreadableExport("the worksheet is empty (no header row)")
    header = [str(cell) if cell is not None else "" for cell in lines[0]]
    return header, lines[1:]


READERS = {"csv": read_csv, "xlsx": read_xlsx}
LINE_READERS = {"csv": csv_lines, "xlsx": xlsx_lines}
