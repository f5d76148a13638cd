"""What the province's archive must hold of one learner, derived from the platform's supervision
view, and what is wrong with what it holds (ARCH-01, ARCH-02).

Why from the supervision view: "observe, don't trust". The supervision view is the platform's
own account of the learner; the archive must be that account, complete and consistent, and
traceable (a credited lesson's record links the sessions, captures and quiz answers behind it,
each held earlier in the chain). The comparison is pure, so that it is tested without a platform.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from harness.spec.archive import chain_problems
from harness.spec.certificates import SupCertificate
from harness.spec.quizzes import SupQuizAnswer
from harness.spec.supervision import SupCapture, SupEnrolment, SupLessonProgress, SupPlayback

# The data field that names the fact a record of each kind is about (docs/interface.md).
KEY_FIELDS = {
    "enrolment": "enrolment_id",
    "session": "playback_id",
    "capture": "challenge_id",
    "quiz_answer": "question_id",
    "credited_hours": "lesson_id",
    "certificate": "certificate_number",
}
# A credited lesson's links: data field → the kind of record each link names.
LINKS = {"sessions": "session", "captures": "capture", "quiz_answers": "quiz_answer"}
# A record's `at` is when its fact happened: the moment the view shows for it, to this much (a
# platform may keep whole seconds where the view shows milliseconds).
AT_TOLERANCE_S = 1.0


@dataclass(frozen=True)
class Expected:
    """One record the archive must hold: its kind, the fact's id, and fields it must carry."""

    kind: str
    key: str
    fields: dict[str, Any] = field(default_factory=dict, hash=False)
    # when the fact happened, as the view shows it; None where the view shows no one moment (an
    # expired capture: noticed at some heartbeat after its deadline; a credited lesson and a
    # certificate: dated when archived)
    at: dt.datetime | None = field(default=None, hash=False, compare=False)


@dataclass(frozen=True)
class CreditedLesson:
    """A lesson the supervision view shows credited, and what its record must link."""

    lesson_id: str
    lesson_hours: int
    sessions: frozenset[str]  # the playbacks of the lesson that earned credit
    captures: frozenset[str]  # its passed captures
    quiz_answers: frozenset[str]  # the questions of the lesson the learner answered


@dataclass
class SupervisionView:
    """The learner as the supervision view shows them (one learner, every course)."""

    enrolments: list[SupEnrolment]
    playbacks: list[SupPlayback]
    captures: list[SupCapture]
    quiz_answers: list[SupQuizAnswer]
    progress: list[SupLessonProgress]
    certificates: list[SupCertificate]

    def known(self) -> set[tuple[str, str]]:
        """Every fact the view shows, settled or not (a record of any of them is consistent)."""
        return {(e.kind, e.key) for e in self.expected()} | {
            ("capture", c.challenge_id) for c in self.captures
        }

    def expected(self) -> list[Expected]:
        rows = [
            Expected("enrolment", e.enrolment_id, {"course_id": e.course_id}, e.enrolled_at)
            for e in self.enrolments
        ]
        rows += [
            Expected(
                "session",
                p.playback_id,
                {"course_id": p.course_id, "lesson_id": p.lesson_id},
                p.opened_at,
            )
            for p in self.playbacks
        ]
        hours = {r.lesson_id: r.lesson_hours for r in self.progress}
        rows += [
            Expected(
                "capture",
                c.challenge_id,
                # a one-hour lesson's capture is of its hour 0 (`hour` is 0-based in the lesson;
                # a longer lesson's hours are judged by what its credited record links)
                {"lesson_id": c.lesson_id, "passed": c.passed}
                | ({"hour": 0} if hours.get(c.lesson_id) == 1 else {}),
                c.answered_at,  # None for an expired one
            )
            for c in self.captures
            if c.passed is not None  # settled: answered, or expired
        ]
        rows += [
            Expected("quiz_answer", q.question_id, {"option": q.option}, q.answered_at)
            for q in self.quiz_answers
        ]
        rows += [
            Expected("credited_hours", c.lesson_id, {"lesson_hours": c.lesson_hours})
            for c in self.credited()
        ]
        rows += [
            Expected("certificate", c.number, {"course_id": c.course_id}) for c in self.certificates
        ]
        return rows

    def credited(self) -> list[CreditedLesson]:
        lessons = []
        for row in self.progress:
            if not row.hour_credited:
                continue
            lessons.append(
                CreditedLesson(
                    row.lesson_id,
                    row.lesson_hours,
                    frozenset(
                        p.playback_id
                        for p in self.playbacks
                        if p.lesson_id == row.lesson_id and p.credited_s > 0
                    ),
                    frozenset(
                        c.challenge_id
                        for c in self.captures
                        if c.lesson_id == row.lesson_id and c.passed
                    ),
                    frozenset(
                        q.question_id for q in self.quiz_answers if q.lesson_id == row.lesson_id
                    ),
                )
            )
        return lessons


def _index(records: list[dict[str, Any]]) -> dict[tuple[str, str], list[int]]:
    """(kind, fact id) → the chain positions (0-based) of the records about it."""
    index: dict[tuple[str, str], list[int]] = defaultdict(list)
    for position, record in enumerate(records):
        kind = str(record.get("kind"))
        data = record.get("data") if isinstance(record.get("data"), dict) else {}
        key = data.get(KEY_FIELDS.get(kind, ""))
        index[(kind, str(key))].append(position)
    return index


def missing(expected: Iterable[Expected], records: list[dict[str, Any]]) -> list[Expected]:
    index = _index(records)
    return [e for e in expected if (e.kind, e.key) not in index]


def archive_problems(
    view: SupervisionView, records: list[dict[str, Any]], kinds: frozenset[str] | None = None
) -> list[str]:
    """Everything that keeps `records` (the learner's chain as the province holds it) from being
    the view's complete, consistent and traceable archive; only `kinds` are judged when given.
    Empty when it is."""
    judged = kinds or frozenset(KEY_FIELDS)
    expected = [e for e in view.expected() if e.kind in judged]
    problems = [f"chain: {p}" for p in chain_problems(records)]
    index = _index(records)
    for item in expected:
        positions = index.get((item.kind, item.key))
        if not positions:
            problems.append(f"missing: the {item.kind} record of {item.key}")
            continue
        data = records[positions[0]].get("data") or {}
        for name, value in item.fields.items():
            if data.get(name) != value:
                problems.append(
                    f"inconsistent: the {item.kind} record of {item.key} has {name}"
                    f" {data.get(name)!r}, the supervision view {value!r}"
                )
        misdated = _misdated(item, records[positions[0]].get("at"))
        if misdated:
            problems.append(misdated)
    known = view.known()
    for (kind, key), positions in index.items():
        if kind not in judged:
            continue
        if len(positions) > 1:
            problems.append(f"duplicated: {len(positions)} {kind} records of {key}")
        if (kind, key) not in known:
            problems.append(f"unknown: a {kind} record of {key}, which the view does not show")
    if "credited_hours" in judged:
        for lesson in view.credited():
            problems += _link_problems(lesson, records, index)
    return problems


def _misdated(item: Expected, at: object) -> str | None:
    """A record whose `at` is not the moment the view shows for its fact (docs/interface.md:
    `at` is when the fact happened): the archive would date the learner's training wrongly."""
    if item.at is None:
        return None
    try:
        held = dt.datetime.fromisoformat(str(at))
        off_s = abs((held - item.at).total_seconds())
    except (TypeError, ValueError):  # no offset (naive) or not a time at all
        shown = f"`at` {at!r}"
        return f"misdated: the {item.kind} record of {item.key} has {shown}, not a time with offset"
    if off_s <= AT_TOLERANCE_S:
        return None
    return (
        f"misdated: the {item.kind} record of {item.key} is at {at}, the supervision view "
        f"{item.at.isoformat()} ({off_s:g} s apart)"
    )


def _link_problems(
    lesson: CreditedLesson, records: list[dict[str, Any]], index: dict[tuple[str, str], list[int]]
) -> list[str]:
    """ARCH-02: the credited lesson's record links what earned it, each held before it."""
    positions = index.get(("credited_hours", lesson.lesson_id))
    if not positions:
        return []  # reported as missing
    at = positions[0]
    data = records[at].get("data") or {}
    label = f"credited lesson {lesson.lesson_id}"
    problems = []
    wanted = {"sessions": lesson.sessions, "captures": lesson.captures}
    wanted["quiz_answers"] = lesson.quiz_answers
    for name, kind in LINKS.items():
        links = data.get(name)
        if not isinstance(links, list):
            problems.append(f"untraceable: {label} has no list of {name}")
            continue
        linked = {str(link) for link in links}
        for absent in sorted(wanted[name] - linked):
            problems.append(f"untraceable: {label} does not link {kind} {absent}")
        for extra in sorted(linked - wanted[name]):  # a link is a claim: this earned the hour
            problems.append(f"untraceable: {label} links {kind} {extra}, which did not earn it")
        for link in links:
            held = index.get((kind, str(link)))
            if not held or held[0] > at:
                problems.append(f"untraceable: {label} links {kind} {link}, not held before it")
    passed = [
        records[index[("capture", str(link))][0]].get("data") or {}
        for link in data.get("captures") or []
        if index.get(("capture", str(link)))
        and (records[index[("capture", str(link))][0]].get("data") or {}).get("passed") is True
    ]
    if len(passed) < lesson.lesson_hours:
        problems.append(
            f"untraceable: {label} ({lesson.lesson_hours} h) links {len(passed)} passed"
            " captures held in the archive"
        )
    hours = {capture.get("hour") for capture in passed}
    if len(passed) >= lesson.lesson_hours and not set(range(lesson.lesson_hours)) <= hours:
        problems.append(
            f"untraceable: {label} ({lesson.lesson_hours} h) links passed captures of hours"
            f" {sorted(hours, key=str)}, not of each of hours 0…{lesson.lesson_hours - 1}"
            " (0-based in the lesson)"
        )
    return problems


def poll_chain(
    read: Callable[[], list[dict[str, Any]]],
    expected: list[Expected],
    within_s: float,
    every_s: float = 0.25,
) -> tuple[list[dict[str, Any]], float]:
    """Read the learner's chain until it holds a record of every expected fact or `within_s`
    pass; answer the last chain read and the seconds it took."""
    start = time.monotonic()
    while True:
        records = read()
        elapsed = time.monotonic() - start
        if not missing(expected, records) or elapsed >= within_s:
            return records, elapsed
        time.sleep(every_s)
