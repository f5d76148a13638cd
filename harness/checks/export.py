"""POST-01 — supervisors export learning data as CSV and XLSX, complete and consistent with the
supervision view.

The space probed (docs/interface.md, "Learning-data export"):
- accounts: every supervision account of the profile, so every kind (`authority`, `auditor`,
  `enterprise`, `institution`; each must be present, else the probe cannot be made) with its
  own scope;
- formats: both, `csv` (UTF-8 with BOM, header row) and `xlsx` (first worksheet, header row);
- rows: one learner inside the scoped accounts' scope (employed by the profile's enterprise,
  enrolled in a course of its institution) and one outside it, each with a trail (an opened
  lesson, credited seconds, a passed capture), and (since stop 47) one shared: studying
  another institution's course, enrolled in the institution's too (never studied there) — the
  institution's file holds none of its rows of the other course (its view's rows are of its
  own courses, where an unopened lesson may be listed with zeros; an export scoped by learner
  only holds the other course's), the enterprise's none either —
  beside whatever the platform already holds;
- expected answer: each account's file holds exactly the rows of its own `/supervision/progress`
  view, each with the learner's `name` and `id_number` as its `/supervision/learners` view shows
  them (masked for scoped accounts), cell by cell, no row missing, none extra, none twice; the
  in-scope learner's rows are in every account's file, the out-of-scope learner's only in the
  platform-wide accounts' files.
The view is read before and after the two files; if it changed meanwhile, nothing is judged.
"""

from __future__ import annotations

from typing import Any

from harness.checks._support import also_enrolled
from harness.checks.supervision_scope import (
    accounts_by_kind,
    courses_inside_and_outside,
    employ,
)
from harness.export_reader import READERS, Row, UnreadableExport, typed, unmatched
from harness.failures import CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.trail import learner_with_trail
from harness.spec.export import EXPORT_COLUMNS, EXPORT_FORMATS, LEARNER_COLUMNS
from harness.supervision import SupervisionClient

SHOWN_DIFFERENCES = 5  # rows shown per difference in a finding (all are in the evidence)
PLATFORM_WIDE = ("authority", "auditor")
COURSE_COLUMN = list(EXPORT_COLUMNS).index("course_id")


def view_rows(account: SupervisionClient) -> list[Row]:
    """The export the account's views promise: its progress rows with its learner list's name
    and ID number, typed as the export's columns."""
    learners = {learner.learner_id: learner for learner in account.learners()}
    rows = []
    for progress in account.progress():
        learner = learners.get(progress.learner_id)
        values: dict[str, Any] = progress.model_dump()
        for column in LEARNER_COLUMNS:
            values[column] = getattr(learner, column) if learner else None
        rows.append(tuple(typed(values[c], kind) for c, kind in EXPORT_COLUMNS.items()))
    return rows


def differences(expected: list[Row], received: list[Row]) -> dict[str, list[Row]]:
    """Rows of the view missing from the file, and rows of the file not in the view (as
    multisets: a row exported twice is one too many)."""
    missing, extra = unmatched(expected, received)
    return {"missing": missing, "extra": extra}


def learner_rows(rows: list[Row], learner_id: str) -> list[Row]:
    return [row for row in rows if row and row[0] == learner_id]


@check("POST-01")
def export_matches_the_supervision_view(probe: Probe) -> None:
    """Every account's CSV and XLSX export equals its own progress view row by row and cell by
    cell, holds its in-scope learner and, for scoped accounts, nothing out of scope."""
    accounts = accounts_by_kind(probe)
    inside_course, outside_course = courses_inside_and_outside(
        probe, accounts["institution"].scope or ""
    )
    inside = learner_with_trail(probe, inside_course)
    outside = learner_with_trail(probe, outside_course)
    shared = learner_with_trail(probe, outside_course)  # studies another institution's course
    also_enrolled(probe, shared.enrolled, inside_course)  # and is the institution's learner too
    employ(accounts["enterprise"], inside.enrolled)
    findings: list[dict[str, Any]] = []
    tally: list[dict[str, Any]] = []
    for account in probe.supervisors:
        before = view_rows(account)
        files = {file_format: account.export(file_format) for file_format in EXPORT_FORMATS}
        if view_rows(account) != before:
            raise CannotProbe(
                f"the {account.kind} account's export", "its view changed while exporting"
            )
        # The trail's learners are placed for the first account of each kind (a second
        # enterprise or institution of the profile has other employees and courses).
        judged_sides = account is accounts[account.kind]
        platform_wide = account.kind in PLATFORM_WIDE
        expected_sides = {"inside": True, "outside": platform_wide, "shared": platform_wide}
        for file_format, data in files.items():
            name = f"{account.kind}-{account.username}.{file_format}"
            try:
                header, rows = READERS[file_format](data)
            except UnreadableExport as exc:
                findings.append({"file": name, "unreadable": str(exc)})
                continue
            found = differences(before, rows)
            sides = {
                "inside": bool(learner_rows(rows, inside.learner_id)),
                "outside": bool(learner_rows(rows, outside.learner_id)),
                # the shared learner's rows of a course the account does not cover (a scoped
                # platform may list its unopened lessons of the institution's course with zeros)
                "shared": any(
                    row[COURSE_COLUMN] != inside_course.course_id or platform_wide
                    for row in learner_rows(rows, shared.learner_id)
                ),
            }
            tally.append(
                {"file": name, "bytes": len(data), "rows": len(rows), "view_rows": len(before)}
                | {k: len(v) for k, v in found.items()}
                | {f"has_{side}_learner": present for side, present in sides.items()}
            )
            if header != list(EXPORT_COLUMNS):
                findings.append({"file": name, "header": header})
            wrong_sides = judged_sides and sides != expected_sides
            if found["missing"] or found["extra"] or wrong_sides:
                findings.append(
                    {"file": name, "learners": sides, "expected_learners": expected_sides}
                    | {k: [list(r) for r in v[:SHOWN_DIFFERENCES]] for k, v in found.items()}
                )
    probe.evidence.attach_json("export-tally", {"files": tally, "findings": findings})
    if findings:
        raise CheckFailure(
            f"The learning-data export of {findings[0]['file']} is not the account's view",
            received=findings[:SHOWN_DIFFERENCES],
            expected=(
                f"header {list(EXPORT_COLUMNS)}; exactly the rows of the account's "
                "/supervision/progress with name and id_number as in its /supervision/learners; "
                "the in-scope learner in every file, the out-of-scope one only for the "
                "authority and auditors"
            ),
        )
    probe.evidence.note(
        f"{len(tally)} export files ({len(probe.supervisors)} accounts × CSV and XLSX), every one "
        "equal to its account's view"
    )
