"""The supervision export of learning data (POST-01): its columns, formats and media types.

One row per row of `/supervision/progress` (a lesson a learner opened), carrying the learner's
`name` and `id_number` exactly as `/supervision/learners` shows them to the same account (masked
for enterprise and institution accounts). The columns are fixed so that a supervisor's
spreadsheet and the harness read every platform's export the same way.
"""

from __future__ import annotations

from typing import Literal, get_args

from harness.spec.base import Out
from harness.spec.certificates import SupCertificate
from harness.spec.quizzes import SupQuizAnswer
from harness.spec.supervision import SupCapture, SupEnrolment, SupLearner

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

# The export's other datasets: each file holds exactly the rows of one supervision list, its
# columns the list row's fields in their order (`dataset_columns`). Dates and times are text
# cells in ISO 8601 (times with their UTC offset), booleans as in the learning-data file, a null
# an empty cell.
ExportDataset = Literal["learners", "enrolments", "captures", "quiz-answers", "certificates"]
EXPORT_DATASETS: tuple[str, ...] = get_args(ExportDataset)
DATASET_EXPORT_PATH = "/supervision/export/{dataset}"  # under /api/v1; `?format=csv|xlsx`
DATASET_VIEWS: dict[str, tuple[str, type[Out]]] = {
    "learners": ("/supervision/learners", SupLearner),
    "enrolments": ("/supervision/enrolments", SupEnrolment),
    "captures": ("/supervision/captures", SupCapture),
    "quiz-answers": ("/supervision/quiz-answers", SupQuizAnswer),
    "certificates": ("/supervision/certificates", SupCertificate),
}


def dataset_columns(dataset: str) -> list[str]:
    """The dataset file's header: its list row's fields, in their order."""
    return list(DATASET_VIEWS[dataset][1].model_fields)
