"""How POST-01's dataset check reads a file's row as its list row (harness/checks/export_datasets):
the typed cells a compliant file may hold read as the list's values, and what is not a row never
equals one."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from harness.checks.export_datasets import canonical, file_row
from harness.scenarios.quiz import GivenAnswer, QuizTaker
from harness.scenarios.trail import _quiz_answer
from harness.spec.export import dataset_columns
from harness.spec.supervision import SupCapture

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
CAPTURE = SupCapture(
    challenge_id="cap_1",
    learner_id="lrn_1",
    course_id="crs",
    lesson_id="l1",
    playback_id="pb_1",
    position_s=1234.5,
    issued_at=dt.datetime(2027, 1, 2, 9, 0, tzinfo=SHANGHAI),
    deadline=dt.datetime(2027, 1, 2, 9, 2, tzinfo=SHANGHAI),
    answered_at=None,
    passed=False,
    reason="replay",
    image_sha256=None,
)
HEADER = dataset_columns("captures")


def test_csv_text_cells_read_as_the_list_row() -> None:
    cells = ["cap_1", "lrn_1", "crs", "l1", "pb_1", "1234.5", "2027-01-02T09:00:00+08:00"]
    cells += ["2027-01-02T01:02:00Z", "", "false", "replay", ""]  # the deadline in UTC
    assert file_row(SupCapture, HEADER, cells) == canonical(CAPTURE)


def test_xlsx_typed_cells_read_as_the_list_row() -> None:
    cells = ["cap_1", "lrn_1", "crs", "l1", "pb_1", 1234.5, "2027-01-02T09:00:00+08:00"]
    cells += ["2027-01-02T09:02:00+08:00", None, False, "replay", None]
    assert file_row(SupCapture, HEADER, cells) == canonical(CAPTURE)


def test_a_different_cell_is_a_different_row() -> None:
    cells = ["cap_1", "lrn_1", "crs", "l1", "pb_1", "1234.5", "2027-01-02T09:00:00+08:00"]
    cells += ["2027-01-02T09:02:01+08:00", "", "false", "replay", ""]  # a second later
    assert file_row(SupCapture, HEADER, cells) != canonical(CAPTURE)
    cells[7] = "2027-01-02T09:02:00+08:00"
    assert file_row(SupCapture, HEADER, cells) == canonical(CAPTURE)
    cells[9] = "true"  # a failed capture shown as passed
    assert file_row(SupCapture, HEADER, cells) != canonical(CAPTURE)


def test_what_is_not_a_row_never_equals_one() -> None:
    short = ["cap_1", "lrn_1", "crs"]
    assert file_row(SupCapture, HEADER, short)[0] == "not a row:"
    naive = ["cap_1", "lrn_1", "crs", "l1", "pb_1", "1234.5", "2027-01-02T09:00:00"]
    naive += ["2027-01-02T09:02:00+08:00", "", "false", "replay", ""]  # a time without offset
    assert file_row(SupCapture, HEADER, naive) != canonical(CAPTURE)


class _NoSecondAnswer:
    """A platform that must not be asked: the learner's quiz gate was met and answered already."""

    def questions(self, *_: object) -> list[object]:
        raise AssertionError("the questions were fetched again")

    def answer_question(self, *_: object) -> object:
        raise AssertionError("a question was answered a second time")


def test_an_answer_given_at_a_quiz_gate_is_the_probe_answer() -> None:
    """The trail's study may meet an hour's quiz while it waits for a capture; the taker's answer
    is then the trail's quiz answer (harness/scenarios/trail.py), and answering the first
    question again would be refused (409) and leave POST-01 unjudged, as it did once in CI."""
    taker = QuizTaker()
    when = dt.datetime(2027, 1, 2, 9, 0, tzinfo=SHANGHAI)
    taker.given.append(GivenAnswer("q-h0-1", "l1", 0, "A", None, when, when))
    enrolled = SimpleNamespace(quiz=taker, token="t", course=SimpleNamespace(course_id="crs"))
    probe = SimpleNamespace(platform=_NoSecondAnswer())
    assert _quiz_answer(probe, enrolled) == "q-h0-1"  # type: ignore[arg-type]
