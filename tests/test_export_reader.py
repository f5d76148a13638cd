"""The harness's reader of learning-data exports (POST-01): what it refuses, and how it keeps a
wrong cell visible as a difference instead of stopping at it."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from harness.checks.export import differences
from harness.export_reader import UnreadableExport, read_csv, read_xlsx, typed
from harness.spec.export import EXPORT_COLUMNS, UTF8_BOM

HEADER = ",".join(EXPORT_COLUMNS)
ROW = "L1,张三,140105********123X,C1,l1,1,1,2700,2700.0,2700,1,true"


def test_a_csv_without_the_bom_is_refused() -> None:
    with pytest.raises(UnreadableExport, match="byte-order mark"):
        read_csv(f"{HEADER}\r\n{ROW}\r\n".encode())


def test_a_csv_in_another_encoding_is_refused() -> None:
    with pytest.raises(UnreadableExport, match="not UTF-8"):
        read_csv(UTF8_BOM + f"{HEADER}\r\n{ROW}\r\n".encode("gb18030"))


def test_a_csv_is_read_typed_by_column() -> None:
    header, rows = read_csv(UTF8_BOM + f"{HEADER}\r\n{ROW}\r\n".encode())
    assert header == list(EXPORT_COLUMNS)
    assert rows == [
        ("L1", "张三", "140105********123X", "C1", "l1", 1, 1, 2700, 2700.0, 2700.0, 1, True)
    ]


@pytest.mark.parametrize(
    "value,kind,expected",
    [
        ("12", int, 12),
        ("12.0", int, 12),
        ("12.5", int, "12.5"),
        ("x", float, "x"),
        ("TRUE", bool, "TRUE"),
        ("false", bool, False),
        (True, int, "True"),
        (None, str, None),
    ],
)
def test_a_cell_not_of_its_column_type_stays_text(value, kind, expected) -> None:
    assert typed(value, kind) == expected


def test_bytes_that_are_not_an_xlsx_are_refused() -> None:
    with pytest.raises(UnreadableExport, match="not a readable XLSX"):
        read_xlsx(b"PK\x03\x04 not really a zip")


def test_an_xlsx_is_read_from_its_first_sheet_without_trailing_empty_rows() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(EXPORT_COLUMNS))
    sheet.append(["L1", "张三", "140105199001011234", "C1", "l1", 1, 1, 2700, 2700, 0.5, 1, False])
    sheet.append([None] * len(EXPORT_COLUMNS))
    buffer = io.BytesIO()
    workbook.save(buffer)
    header, rows = read_xlsx(buffer.getvalue())
    assert header == list(EXPORT_COLUMNS)
    assert rows == [
        ("L1", "张三", "140105199001011234", "C1", "l1", 1, 1, 2700, 2700.0, 0.5, 1, False)
    ]


def test_differences_count_a_row_exported_twice() -> None:
    row = ("L1", "x")
    assert differences([row], [row, row]) == {"missing": [], "extra": [row]}
    assert differences([row, ("L2", "y")], [row]) == {"missing": [("L2", "y")], "extra": []}


def test_numbers_are_compared_at_a_spreadsheets_precision() -> None:
    """XLSX keeps 15 significant digits: the view's 0.22120700000000001 is the file's 0.221207,
    while a difference within those digits stays a difference."""
    assert typed(0.22120700000000001, float) == typed(0.221207, float)
    assert typed("0.221207", float) == typed(0.22120700000000001, float)
    assert typed(0.2212071, float) != typed(0.221207, float)
    assert typed(2700.000000000001, float) == 2700.0


def _xlsx_of(rows: list[list[object]]) -> bytes:
    """The rows as the reference writes them (openpyxl's write-only workbook, 16 digits)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("learning-data")
    sheet.append(list(EXPORT_COLUMNS))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_number_rounded_by_the_writer_is_still_the_same_number() -> None:
    """openpyxl writes 16 digits, so 1950.6338075445651 reads back 1950.633807544565, which at 15
    digits is one unit from the view's own rounding. Such a file is the view (seen in CI: a fair
    export failed POST-01 on one row of fractional credited seconds); a number two units of the 14th
    digit away is a real difference."""
    credited = [1950.6338075445651, 1209.1351532377449, 0.1 + 0.2, 2700.0, 1e-7 / 3]
    view = [
        ("L1", "张三", "140105********123X", "C1", f"l{i}", i, 1, 2700, x, x, 1, True)
        for i, x in enumerate(credited)
    ]
    typed_view = [
        tuple(typed(cell, kind) for cell, kind in zip(row, EXPORT_COLUMNS.values(), strict=True))
        for row in view
    ]
    _, rows = read_xlsx(_xlsx_of([list(row) for row in view]))
    assert typed_view != rows  # the exact comparison that failed
    assert differences(typed_view, rows) == {"missing": [], "extra": []}
    off = list(view[0])
    off[8] = 1950.6338075446  # two units of the 14th digit away
    _, rows = read_xlsx(_xlsx_of([off, *[list(row) for row in view[1:]]]))
    found = differences(typed_view, rows)
    assert found["missing"] == [typed_view[0]] and len(found["extra"]) == 1
