"""The archive comparison of ARCH-01/ARCH-02 (harness/checks/_archive_support.py), without a
platform: an archive that is the supervision view passes; each way of not being it (a missing,
changed, duplicated, unknown or untraceable record, a tampered chain) is named."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from harness.checks._archive_support import SupervisionView, archive_problems, missing
from harness.spec.archive import GENESIS_HASH, record_hash
from harness.spec.quizzes import SupQuizAnswer
from harness.spec.supervision import SupCapture, SupEnrolment, SupLessonProgress, SupPlayback

AT = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
LESSON = "crs-l001"


def _view() -> SupervisionView:
    common = {"learner_id": "lrn", "course_id": "crs"}
    return SupervisionView(
        enrolments=[SupEnrolment(enrolment_id="enr", voucher_code="V", enrolled_at=AT, **common)],
        playbacks=[
            SupPlayback(
                playback_id=pid,
                login_id="log",
                lesson_id=LESSON,
                window_id="w",
                opened_at=AT,
                active=False,
                credited_s=credited,
                **common,
            )
            for pid, credited in (("pb-idle", 0.0), ("pb-earning", 2700.0))
        ],
        captures=[
            SupCapture(
                challenge_id=cid,
                lesson_id=LESSON,
                playback_id="pb-earning",
                position_s=100,
                issued_at=AT,
                deadline=AT,
                answered_at=AT,
                passed=passed,
                reason="ok" if passed else "face_mismatch",
                **common,
            )
            for cid, passed in (("cap-failed", False), ("cap-passed", True))
        ],
        quiz_answers=[
            SupQuizAnswer(
                lesson_id=LESSON,
                hour=0,
                question_id="q1",
                option="A",
                correct=True,
                answered_at=AT,
                **common,
            )
        ],
        progress=[
            SupLessonProgress(
                lesson_id=LESSON,
                seq=1,
                lesson_hours=1,
                duration_s=2700,
                credited_s=2700,
                furthest_position_s=2700,
                captures_passed=1,
                hour_credited=True,
                **common,
            )
        ],
        certificates=[],
    )


def _facts() -> list[tuple[str, dict[str, Any]]]:
    return [
        ("enrolment", {"enrolment_id": "enr", "course_id": "crs"}),
        ("session", {"playback_id": "pb-idle", "course_id": "crs", "lesson_id": LESSON}),
        ("session", {"playback_id": "pb-earning", "course_id": "crs", "lesson_id": LESSON}),
        (
            "capture",
            {"challenge_id": "cap-failed", "lesson_id": LESSON, "hour": 0, "passed": False},
        ),
        ("capture", {"challenge_id": "cap-passed", "lesson_id": LESSON, "hour": 0, "passed": True}),
        ("quiz_answer", {"question_id": "q1", "option": "A"}),
        (
            "credited_hours",
            {
                "lesson_id": LESSON,
                "lesson_hours": 1,
                "sessions": ["pb-earning"],
                "captures": ["cap-passed"],
                "quiz_answers": ["q1"],
            },
        ),
    ]


def _chain(
    facts: list[tuple[str, dict[str, Any]]], at: dict[int, str] | None = None
) -> list[dict[str, Any]]:
    """The facts as a verified chain, each record at AT (17:00 in Shanghai) unless `at` gives
    another time for its position (0-based)."""
    records, previous = [], GENESIS_HASH
    for seq, (kind, data) in enumerate(facts, start=1):
        record = {
            "record_id": f"r{seq}",
            "id_number": "14010719770604165X",
            "seq": seq,
            "kind": kind,
            "at": (at or {}).get(seq - 1, "2026-12-02T17:00:00+08:00"),
            "data": data,
            "prev_hash": previous,
        }
        record["hash"] = previous = record_hash(record)
        records.append(record)
    return records


def test_the_archive_of_the_view_has_no_problem() -> None:
    records = _chain(_facts())
    assert archive_problems(_view(), records) == []
    assert missing(_view().expected(), records) == []


def _without(kind: str, key: str) -> list[tuple[str, dict[str, Any]]]:
    return [(k, d) for k, d in _facts() if not (k == kind and key in d.values())]


def _relinked(**links: list[str]) -> list[tuple[str, dict[str, Any]]]:
    facts = _facts()
    kind, data = facts[-1]
    facts[-1] = (kind, {**data, **links})
    return facts


@pytest.mark.parametrize(
    ("case", "facts", "named"),
    [
        ("a capture dropped", _without("capture", "cap-passed"), "missing: the capture record"),
        ("a session dropped", _without("session", "pb-idle"), "missing: the session record"),
        (
            "a changed verdict",
            [
                (k, {**d, "passed": True}) if d.get("challenge_id") == "cap-failed" else (k, d)
                for k, d in _facts()
            ],
            "inconsistent: the capture record of cap-failed",
        ),
        (
            "a one-hour lesson's capture filed under hour 1 (hours counted from 1)",
            [
                (k, {**d, "hour": 1}) if d.get("challenge_id") == "cap-passed" else (k, d)
                for k, d in _facts()
            ],
            "inconsistent: the capture record of cap-passed has hour 1",
        ),
        ("a duplicated record", [*_facts()[:2], _facts()[1], *_facts()[2:]], "duplicated"),
        (
            "a fact the view does not show",
            [*_facts(), ("session", {"playback_id": "pb-ghost", "course_id": "crs"})],
            "unknown: a session record of pb-ghost",
        ),
        ("an earning session not linked", _relinked(sessions=[]), "does not link session"),
        ("a quiz answer not linked", _relinked(quiz_answers=[]), "does not link quiz_answer"),
        (
            "a session that earned nothing linked",
            _relinked(sessions=["pb-earning", "pb-idle"]),
            "links session pb-idle, which did not earn it",
        ),
        (
            "a failed capture linked beside the passed one",
            _relinked(captures=["cap-passed", "cap-failed"]),
            "links capture cap-failed, which did not earn it",
        ),
        (
            "a link to a record not held",
            _relinked(captures=["cap-passed", "cap-elsewhere"]),
            "links capture cap-elsewhere, not held",
        ),
        (
            "only a failed capture linked",
            _relinked(captures=["cap-failed"]),
            "links 0 passed captures",
        ),
        (
            "the credited record before what it links",
            [_facts()[0], _facts()[-1], *_facts()[1:-1]],
            "not held before it",
        ),
    ],
)
def test_each_way_of_not_being_the_view_is_named(
    case: str, facts: list[tuple[str, dict[str, Any]]], named: str
) -> None:
    problems = archive_problems(_view(), _chain(facts))
    assert any(named in p for p in problems), (case, problems)


def test_a_tampered_record_breaks_the_chain() -> None:
    records = _chain(_facts())
    records[3]["data"] = {**records[3]["data"], "passed": True}
    problems = archive_problems(_view(), records)
    assert any(p.startswith("chain: record 4") and "hash" in p for p in problems)


def test_only_the_judged_kinds_are_judged() -> None:
    records = _chain(_without("capture", "cap-passed"))
    kinds = frozenset({"enrolment", "session", "quiz_answer"})
    assert archive_problems(_view(), records, kinds) == []


PASSED_CAPTURE = 4  # its position in _facts()


@pytest.mark.parametrize(
    ("at", "misdated"),
    [
        ("2026-12-02T17:00:01+08:00", False),  # 1 s after: within the tolerance
        ("2026-12-02T16:59:59+08:00", False),  # 1 s before
        ("2026-12-02T09:00:00.800000+00:00", False),  # the same moment in another offset
        ("2026-12-02T17:00:01.500000+08:00", True),  # 1.5 s after: misdated
        ("2026-12-02T16:59:58.500000+08:00", True),  # 1.5 s before
        ("2026-12-02T17:01:00+08:00", True),  # the deadline, a minute after the answer
        ("2026-12-02T17:00:00", True),  # no offset: not a moment
        ("yesterday", True),
    ],
)
def test_a_record_is_dated_when_its_fact_happened(at: str, misdated: bool) -> None:
    problems = archive_problems(_view(), _chain(_facts(), {PASSED_CAPTURE: at}))
    named = [p for p in problems if p.startswith("misdated: the capture record of cap-passed")]
    assert bool(named) is misdated, problems
    assert len(problems) == len(named), problems


def test_an_expired_capture_and_a_credited_lesson_are_not_dated_by_the_view() -> None:
    view = _view()
    view.captures[0] = view.captures[0].model_copy(update={"answered_at": None})
    later = "2026-12-02T17:05:00+08:00"
    assert archive_problems(view, _chain(_facts(), {3: later, 6: later})) == []
