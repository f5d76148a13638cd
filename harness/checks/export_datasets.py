"""POST-01 — the export's dataset files (learners, enrolments, captures, quiz answers,
certificates), each exactly the supervision list of the same name, for every account.

The space probed (docs/interface.md, "Learning-data export"):
- accounts: every supervision account of the profile (every kind must be present), each file
  judged against that account's own list, so a scoped account's files are scoped as its lists;
- datasets: all five; formats: both (`csv` UTF-8 with BOM, `xlsx` first worksheet);
- rows the harness made beside whatever the platform holds: a learner of a course of the
  profile's institution, employed by its enterprise (so in every account's scope), with a passed
  capture, a failed one (a still photo held up to the camera) and one quiz answer; the failed
  capture is a row a "passed captures" filter would drop;
- cells: every field of the list row, typed by the field (text, whole number, number, yes/no,
  ISO 8601 date or time with its offset, empty for null), compared as values (a time in another
  offset is the same time; numbers at a spreadsheet's 15 digits).
The list is read before and after the two files; if it changed meanwhile, nothing is judged.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from harness.checks.supervision_scope import accounts_by_kind, courses_inside_and_outside, employ
from harness.export_reader import LINE_READERS, Row, UnreadableExport, typed, unmatched
from harness.failures import CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.study import Study
from harness.scenarios.trail import Trail, learner_with_trail
from harness.spec.export import DATASET_VIEWS, EXPORT_DATASETS, EXPORT_FORMATS, dataset_columns
from harness.supervision import SupervisionClient

PROBE = "the export's dataset files"
SHOWN_DIFFERENCES = 5
SCALARS = (bool, int, float)


def _scalar_kind(annotation: Any) -> type | None:
    """bool, int or float when the field holds one (also when it may be null)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kinds = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = kinds[0] if len(kinds) == 1 else None
    return annotation if annotation in SCALARS else None


def canonical(model: BaseModel) -> Row:
    """A list row as comparable values, numbers at a spreadsheet's precision."""
    return tuple(
        typed(value, float) if isinstance(value, float) else value
        for value in model.model_dump().values()
    )


def file_row(model: type[BaseModel], header: list[str], cells: list[Any]) -> Row:
    """A file's row read as the list row it must be; a row that is not one stays its cells
    (shown as a difference, never equal to a list row)."""
    values: dict[str, Any] = {}
    for column, cell in zip(header, cells, strict=False):
        field = model.model_fields.get(column)
        if field is None:
            continue
        value = None if cell in ("", None) else cell
        kind = _scalar_kind(field.annotation)
        values[column] = typed(value, kind) if kind and value is not None else value
    try:
        return canonical(model.model_validate(values))
    except ValidationError:
        return ("not a row:", *[str(cell) for cell in cells])


def view(account: SupervisionClient, dataset: str) -> list[Row]:
    path, model = DATASET_VIEWS[dataset]
    answer = account.send("GET", "/api/v1" + path)
    rows = account.parse(list[model], answer, f"the {dataset} list")
    return [canonical(row) for row in rows]


def _failed_capture(probe: Probe, trail: Trail) -> str:
    """A capture of the trail's learner answered with a still photo: the platform must fail it."""
    lessons = trail.enrolled.lessons
    if len(lessons) < 2:
        raise CannotProbe(PROBE, "the trail's course has a single lesson")
    study = Study(probe.platform, probe.time, probe.province, trail.enrolled, lessons[1])
    study.open()
    challenge = study.watch_until_challenge()
    if challenge is None:
        raise CannotProbe(PROBE, "no capture challenge in the second lesson")
    study.answer("still")
    return challenge.challenge_id


def _one_quiz_answer(trail: Trail) -> str:
    """The trail's quiz answer (harness/scenarios/trail.py)."""
    if trail.question_id is None:
        raise CannotProbe(PROBE, "the trail's lesson has no quiz question")
    return trail.question_id


def _made_rows_shown(authority: SupervisionClient, trail: Trail, failed_id: str) -> None:
    """The probe stands only if the authority's lists show what the harness made (else those
    lists' own checks fail, and the files cannot be judged by them)."""
    learner_id = trail.learner_id
    captures = {c.challenge_id for c in authority.captures(learner_id)}
    missing = [
        what
        for what, shown in (
            ("the learner", authority.learners(learner_id=learner_id)),
            ("the enrolment", authority.enrolments(learner_id)),
            ("the passed capture", trail.challenge_id in captures),
            ("the failed capture", failed_id in captures),
            ("the quiz answer", authority.quiz_answers(learner_id)),
        )
        if not shown
    ]
    if missing:
        raise CannotProbe(PROBE, f"the authority's lists do not show {', '.join(missing)}")


def _judge_file(
    account: SupervisionClient, dataset: str, file_format: str, data: bytes, expected: list[Row]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The file's tally and, when it is not its list, the finding."""
    name = f"{account.kind}-{account.username}-{dataset}.{file_format}"
    try:
        header, lines = LINE_READERS[file_format](data)
    except UnreadableExport as exc:
        return {"file": name, "bytes": len(data)}, {"file": name, "unreadable": str(exc)}
    model = DATASET_VIEWS[dataset][1]
    rows = [file_row(model, header, list(line)) for line in lines]
    missing, extra = unmatched(expected, rows)
    tally = {
        "file": name,
        "bytes": len(data),
        "rows": len(rows),
        "view_rows": len(expected),
        "missing": len(missing),
        "extra": len(extra),
    }
    columns = dataset_columns(dataset)
    if header != columns or missing or extra:
        finding = {"file": name}
        if header != columns:
            finding |= {"header": header, "expected_header": columns}
        finding |= {
            "missing": [list(map(str, r)) for r in missing[:SHOWN_DIFFERENCES]],
            "extra": [list(map(str, r)) for r in extra[:SHOWN_DIFFERENCES]],
        }
        return tally, finding
    return tally, None


@check("POST-01")
def export_datasets_match_their_views(probe: Probe) -> None:
    """Every account's learners, enrolments, captures, quiz-answers and certificates files, in
    CSV and XLSX, hold exactly the rows of its list of the same name, cell by cell, a failed
    capture among them."""
    accounts = accounts_by_kind(probe)
    course, _ = courses_inside_and_outside(probe, accounts["institution"].scope or "")
    trail = learner_with_trail(probe, course)
    employ(accounts["enterprise"], trail.enrolled)
    failed_id = _failed_capture(probe, trail)
    _one_quiz_answer(trail)
    _made_rows_shown(accounts["authority"], trail, failed_id)
    tally: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for account in probe.supervisors:
        for dataset in EXPORT_DATASETS:
            before = view(account, dataset)
            files = {f: account.export_dataset(dataset, f) for f in EXPORT_FORMATS}
            if view(account, dataset) != before:
                raise CannotProbe(PROBE, f"the {account.kind} account's {dataset} list changed")
            for file_format, data in files.items():
                counted, finding = _judge_file(account, dataset, file_format, data, before)
                tally.append(counted)
                if finding:
                    findings.append(finding)
    probe.evidence.attach_json("export-datasets", {"files": tally, "findings": findings})
    if findings:
        raise CheckFailure(
            f"The export file {findings[0]['file']} is not the account's list",
            received=findings[:SHOWN_DIFFERENCES],
            expected="the header of the list row's fields; exactly the list's rows, cell by cell",
        )
    probe.evidence.note(
        f"{len(tally)} dataset files ({len(probe.supervisors)} accounts × "
        f"{len(EXPORT_DATASETS)} datasets × CSV and XLSX), every one equal to its list"
    )
