"""The learner's electronic training archive (ARCH-01, ARCH-02): every learning and supervision
record reaches the province's archive receiver, hash-chained per learner.

What compliant means, for a vendor: every enrolment, session (playback), settled capture, quiz
answer, credited lesson and certificate becomes one record of the learner's chain; a credited
lesson's record links the sessions that earned its time, its passed captures and the quiz
answers of its hours, all earlier in the chain (traceability); records are sent until the
province acknowledges them, in chain order, with the same `record_id` on every retry.

How the reference does it: `collect` finds the facts the archive does not hold yet, turns them
into records, chains them and writes them to the outbox table (`ArchiveRecord`) in one
transaction, so that a record exists durably before anything is sent; `deliver` sends the
unacknowledged ones. Both run in the pusher (archive_pusher.py). The chain is built in one place
only, from the database, so a restart continues it where the last committed record left it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, cast, exists, literal, select, update
from sqlalchemy.orm import Session

from harness.spec.archive import GENESIS_HASH, MAX_BATCH, RECORD_KINDS, record_hash
from reference_platform.completion import lesson_credited
from reference_platform.db import SHANGHAI
from reference_platform.defects import ActiveDefects
from reference_platform.models import (
    ArchiveRecord,
    CaptureChallenge,
    Certificate,
    Enrolment,
    Learner,
    LessonProgress,
    Playback,
    QuizAnswer,
)
from reference_platform.province_client import ProvinceClient, ProvinceRefused, ProvinceUnavailable
from reference_platform.security import new_id

log = logging.getLogger(__name__)
MAX_PENDING = 2000  # records read per delivery round


@dataclass(order=True)
class Fact:
    """One thing that happened, to become one archive record; ordered as the chain takes them:
    by time, credited lessons and certificates after what they link to."""

    after_links: bool  # credited lessons and certificates come after the facts of their round
    at: dt.datetime
    kind_order: int
    source_key: str
    learner_id: str = field(compare=False)
    kind: str = field(compare=False)
    data: dict[str, Any] = field(compare=False)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(SHANGHAI).isoformat()


def _fact(learner_id: str, kind: str, key: str, at: dt.datetime, data: dict[str, Any]) -> Fact:
    late = kind in ("credited_hours", "certificate")
    return Fact(late, at, RECORD_KINDS.index(kind), f"{kind}:{key}", learner_id, kind, data)


def _unarchived(prefix: str, key_column: Any) -> Any:
    """`WHERE` clause: no archive record holds the fact `prefix:<key_column>` yet."""
    return ~exists().where(ArchiveRecord.source_key == literal(f"{prefix}:") + key_column)


def new_facts(db: Session, now: dt.datetime, defects: ActiveDefects) -> list[Fact]:
    """Every fact of every learner the archive does not hold yet.

    Credited lessons are read first: each statement sees what was committed before it (no
    snapshot spans them), so everything a credited lesson links was committed before the reads
    of the linked facts below and is in this round, or in the archive already. Read last, a quiz
    answer committed between the two reads would be linked before the chain holds it."""
    facts: list[Fact] = _credited_lessons(db, now, defects)
    for row in db.scalars(select(Enrolment).where(_unarchived("enrolment", Enrolment.id))):
        data = {
            "enrolment_id": row.id,
            "course_id": row.course_id,
            "voucher_code": row.voucher_code,
        }
        facts.append(_fact(row.learner_id, "enrolment", row.id, row.enrolled_at, data))
    for row in db.scalars(select(Playback).where(_unarchived("session", Playback.id))):
        data = {
            "playback_id": row.id,
            "login_id": row.login_id,
            "course_id": row.course_id,
            "lesson_id": row.lesson_id,
            "window_id": row.window_id,
        }
        facts.append(_fact(row.learner_id, "session", row.id, row.opened_at, data))
    if not defects.active("archive_drops_captures"):
        # the defect: a capture is recorded when it is answered, so an expired one never is
        answered_only = defects.active("archive_leaves_out_expired_captures")
        done = CaptureChallenge.answered_at if answered_only else CaptureChallenge.passed
        settled = select(CaptureChallenge).where(
            done.is_not(None), _unarchived("capture", CaptureChallenge.id)
        )
        for row in db.scalars(settled):
            data = {
                "challenge_id": row.id,
                "playback_id": row.playback_id,
                "course_id": row.course_id,
                "lesson_id": row.lesson_id,
                # 0-based in the lesson; the defect counts from 1, as the province's clerks do
                "hour": row.hour_index
                + (1 if defects.active("archive_counts_hours_from_one") else 0),
                "passed": bool(row.passed),
                "reason": row.reason,
            }
            at = row.answered_at or row.deadline  # answered, or expired at its deadline
            if defects.active("archive_dates_captures_at_their_deadline"):
                at = row.deadline
            facts.append(_fact(row.learner_id, "capture", row.id, at, data))
    answers = select(QuizAnswer).where(_unarchived("quiz_answer", cast(QuizAnswer.id, String)))
    for row in db.scalars(answers):
        data = {
            "question_id": row.question_id,
            "course_id": row.course_id,
            "lesson_id": row.lesson_id,
            "hour": row.hour_index,
            "option": row.option,
            "correct": row.correct,
        }
        facts.append(_fact(row.learner_id, "quiz_answer", str(row.id), row.answered_at, data))
    for row in db.scalars(
        select(Certificate).where(_unarchived("certificate", Certificate.number))
    ):
        data = {
            "certificate_number": row.number,
            "course_id": row.course_id,
            "lesson_hours": row.lesson_hours,
            "score": row.score,
            "finished_on": row.finished_on.isoformat(),
            "issued_on": row.issued_on.isoformat(),
        }
        facts.append(_fact(row.learner_id, "certificate", row.number, now, data))
    return facts


def _credited_lessons(db: Session, now: dt.datetime, defects: ActiveDefects) -> list[Fact]:
    """A record per credited lesson, linking what earned it (ARCH-02): the playbacks that earned
    its time, its passed captures and the learner's answers to its questions."""
    candidates = db.scalars(
        select(LessonProgress).where(
            LessonProgress.credited_s >= LessonProgress.duration_s - 60,  # cheap prefilter
            _unarchived("credited_hours", LessonProgress.id),
        )
    ).all()
    facts = []
    for row in candidates:
        if not lesson_credited(row, defects):
            continue
        sessions = db.scalars(
            select(Playback.id).where(Playback.progress_id == row.id, Playback.credited_s > 0)
        ).all()
        captures = db.scalars(
            select(CaptureChallenge.id).where(
                CaptureChallenge.progress_id == row.id, CaptureChallenge.passed.is_(True)
            )
        ).all()
        answers = db.scalars(
            select(QuizAnswer.question_id).where(
                QuizAnswer.learner_id == row.learner_id, QuizAnswer.lesson_id == row.lesson_id
            )
        ).all()
        data = {
            "course_id": row.course_id,
            "lesson_id": row.lesson_id,
            "lesson_hours": row.lesson_hours,
            "credited_s": math.floor(row.credited_s),
            "sessions": sorted(sessions),
            "captures": sorted(captures),
            "quiz_answers": sorted(answers),
        }
        facts.append(_fact(row.learner_id, "credited_hours", row.id, now, data))
    return facts


def _hash(fields: dict[str, Any], defects: ActiveDefects) -> str:
    if defects.active("archive_chain_broken"):  # not the canonical form: the province refuses
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode("utf-8")).hexdigest()
    return record_hash(fields)


def collect(db: Session, now: dt.datetime, defects: ActiveDefects) -> int:
    """Chain the new facts onto their learners' chains and write them to the outbox (committed
    here); answer how many records were written."""
    facts = sorted(new_facts(db, now, defects))
    if not facts:
        return 0
    by_learner: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        by_learner[fact.learner_id].append(fact)
    id_numbers = dict(
        db.execute(select(Learner.id, Learner.id_number).where(Learner.id.in_(by_learner))).all()
    )
    for learner_id, learner_facts in by_learner.items():
        if learner_id not in id_numbers:
            continue  # deleted meanwhile (retention, POST-05): nothing left to archive
        seq, previous = _chain_head(db, learner_id)
        for fact in learner_facts:
            seq += 1
            fields = {
                "record_id": new_id("arc"),
                "id_number": id_numbers[learner_id],
                "seq": seq,
                "kind": fact.kind,
                "at": _iso(fact.at),
                "data": fact.data,
                "prev_hash": previous,
            }
            previous = _hash(fields, defects)
            db.add(
                ArchiveRecord(
                    id=fields["record_id"],
                    learner_id=learner_id,
                    source_key=fact.source_key,
                    seq=seq,
                    kind=fact.kind,
                    at=fields["at"],
                    data=fact.data,
                    prev_hash=fields["prev_hash"],
                    hash=previous,
                    created_at=now,
                )
            )
    db.commit()
    return len(facts)


def _chain_head(db: Session, learner_id: str) -> tuple[int, str]:
    """The learner's last written record: its `seq` and hash (0 and the genesis hash if none)."""
    last = db.execute(
        select(ArchiveRecord.seq, ArchiveRecord.hash)
        .where(ArchiveRecord.learner_id == learner_id)
        .order_by(ArchiveRecord.seq.desc())
        .limit(1)
    ).first()
    return (last[0], last[1]) if last else (0, GENESIS_HASH)


def wire(record: ArchiveRecord, id_number: str) -> dict[str, Any]:
    """The record as pushed (`ArchiveRecordIn`)."""
    return {
        "record_id": record.id,
        "id_number": id_number,
        "seq": record.seq,
        "kind": record.kind,
        "at": record.at,
        "data": record.data,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }


def pending(db: Session, waiting: Collection[str] = ()) -> dict[str, list[dict[str, Any]]]:
    """The unacknowledged records, as pushed, by learner id, each learner's in chain order;
    none of the `waiting` learners (a refused chain waits for its retry: its records, hundreds
    for a learner the province refuses, are not read on every round, nor take the round's
    MAX_PENDING places from the learners whose records can go)."""
    unacknowledged = ArchiveRecord.acknowledged_at.is_(None)
    if waiting:
        unacknowledged &= ArchiveRecord.learner_id.not_in(list(waiting))
    rows = db.execute(
        select(ArchiveRecord, Learner.id_number)
        .join(Learner, Learner.id == ArchiveRecord.learner_id)
        .where(unacknowledged)
        .order_by(ArchiveRecord.learner_id, ArchiveRecord.seq)
        .limit(MAX_PENDING)
    ).all()
    batches: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record, id_number in rows:
        if len(batches[record.learner_id]) < MAX_BATCH:
            batches[record.learner_id].append(wire(record, id_number))
    return dict(batches)


ACKNOWLEDGE_SLICE = 500


def acknowledge(db: Session, record_ids: Iterable[str], now: dt.datetime) -> None:
    """Mark the records acknowledged (in the caller's transaction): they are not sent again.
    In slices of ACKNOWLEDGE_SLICE ids: a round under load acknowledges thousands, past what
    one statement may bind."""
    ids = list(record_ids)
    for start in range(0, len(ids), ACKNOWLEDGE_SLICE):
        db.execute(
            update(ArchiveRecord)
            .where(ArchiveRecord.id.in_(ids[start : start + ACKNOWLEDGE_SLICE]))
            .values(acknowledged_at=now, last_error=None)
        )


def deliver(
    db: Session, province: ProvinceClient, now: dt.datetime, batches: dict[str, list[dict]]
) -> tuple[int, set[str]]:
    """Send each learner's unacknowledged records as one batch until the province is
    unavailable. Answers how many records the province acknowledged and the learners whose
    batch it refused (their records stay unacknowledged: nothing after a refused record can be
    appended); commits what it learnt.

    What it learnt is written after the round trips, in one short transaction: a write begun
    before them would hold the database's writer (SQLite has one) across every push of the
    round, and every learner's heartbeat would wait for the province. A process that ends
    between a push and that commit sends the batch again; the province accepts a record it
    already holds (same id, same hash) without adding it."""
    acknowledged_ids: list[str] = []
    refusals: dict[str, tuple[list[str], str]] = {}
    for learner_id, records in batches.items():
        ids = [r["record_id"] for r in records]
        try:
            province.push_archive_records(records)
        except ProvinceRefused as exc:
            error = f"{exc.status_code}: {exc.detail}"[:200]
            log.warning("archive records of %s refused: %s", learner_id, error)
            refusals[learner_id] = (ids, error)
            continue
        except ProvinceUnavailable as exc:
            log.info("archive push waits for the province: %s", exc)
            break  # everything waits for the next round
        acknowledged_ids.extend(ids)
    db.rollback()  # end the read transaction the batches came from before writing
    for ids, error in refusals.values():
        db.execute(update(ArchiveRecord).where(ArchiveRecord.id.in_(ids)).values(last_error=error))
    if acknowledged_ids:
        acknowledge(db, acknowledged_ids, now)
    db.commit()
    return len(acknowledged_ids), set(refusals)
