"""The supervision export of learning data (POST-01): its columns, formats and media types.

One row per row of `/supervision/progress` (a lesson a learner opened), carrying the learner's
`name` and `id_number` exactly as `/supervision/learners` shows them to the same account (masked
for enterprise and institution accounts). The columns are fixed so that a supervisor's
spreadsheet and the harness read every platform's export the same way.
"""

from __future__ import annotations

from typing import Literal, get_args

ExportFormat = Literal["csv", "xlsx"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)

EXPORT_PATH = "/supervision/export/learning-data"  # under /api/v1; `?format=csv|xlsx`

# Column name → the type of its cells (text, a whole number, a number, a yes/no).
EXPORT_COLUMNS: dict[str, type] = {
    "learner_id": str,
    "name": str,
    "id_number": str,
    "course_id": str,
    "lesson_id": str,
    "seq": int,
    "lesson_hours": int,
    "duration_s": int,
    "credited_s": float,
    "furthest_position_s": float,
    "captures_passed": int,
    "hour_credited": bool,
}
# Columns taken from the learner list; the others are the progress row's own.
LEARNER_COLUMNS = ("name", "id_number")

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES: dict[str, str] = {"csv": CSV_MEDIA_TYPE, "xlsx": XLSX_MEDIA_TYPE}
UTF8_BOM = b"\xef\xbb\xbf"
# How booleans are written in CSV (XLSX has boolean cells).
CSV_TRUE, CSV_FALSE = "true", "false"
