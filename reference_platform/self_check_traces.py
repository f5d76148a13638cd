"""Loading the learning traces the self-check rules read (reference_platform/self_check.py).

One query per kind of record for all the asked learners at once, so a supervisor's whole list
costs seven queries, not seven per learner.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from reference_platform.models import (
    CaptureChallenge,
    Heartbeat,
    Learner,
    Lesson,
    Login,
    Playback,
    QuizAnswer,
)
from reference_platform.self_check import (
    AddressLogin,
    Answer,
    Beat,
    Capture,
    DeviceLogin,
    LearnerTraces,
)


def load_traces(
    db: Session, learner_ids: Collection[str], *, every_account_on_devices: bool = True
) -> list[LearnerTraces]:
    """The traces of each learner in `learner_ids`, in the order given. The sign-ins on their
    devices are every account's (`shared_device` counts accounts, whoever they are); False
    keeps only those of `learner_ids` (the defect
    `claim_reads_devices_of_claimed_learners_only`)."""
    ids = list(learner_ids)
    beats: dict[str, list[Beat]] = {i: [] for i in ids}
    rows = db.execute(
        select(Playback.learner_id, Playback.id, Playback.lesson_id, Playback.opened_at)
        .add_columns(Lesson.duration_s, Heartbeat)
        .join(Lesson, Lesson.id == Playback.lesson_id)
        .join(Heartbeat, Heartbeat.playback_id == Playback.id)
        .where(Playback.learner_id.in_(ids))
        .order_by(Heartbeat.id)
    )
    for learner_id, playback_id, lesson_id, opened_at, duration_s, beat in rows:
        beats[learner_id].append(
            Beat(
                playback_id,
                lesson_id,
                float(duration_s),
                opened_at,
                beat.seq,
                beat.at,
                beat.position_s,
                beat.rate,
                beat.paused,
                beat.reason,
            )
        )
    captures: dict[str, list[Capture]] = {i: [] for i in ids}
    for row in db.scalars(
        select(CaptureChallenge)
        .where(CaptureChallenge.learner_id.in_(ids))
        .order_by(CaptureChallenge.issued_at, CaptureChallenge.id)
    ):
        captures[row.learner_id].append(
            Capture(row.id, row.issued_at, row.answered_at, row.passed, row.reason)
        )
    logins: dict[str, list[DeviceLogin]] = {i: [] for i in ids}
    for learner_id, device_id, started_at in db.execute(
        select(Login.learner_id, Login.device_id, Login.started_at).where(Login.learner_id.in_(ids))
    ):
        logins[learner_id].append(DeviceLogin(learner_id, device_id, started_at))
    devices = {login.device_id for own in logins.values() for login in own}
    on_devices: dict[str, list[DeviceLogin]] = {}
    on_these_devices = select(Login.learner_id, Login.device_id, Login.started_at).where(
        Login.device_id.in_(devices)
    )
    if not every_account_on_devices:
        on_these_devices = on_these_devices.where(Login.learner_id.in_(ids))
    for learner_id, device_id, started_at in db.execute(
        on_these_devices.order_by(Login.started_at, Login.id)
    ):
        on_devices.setdefault(device_id, []).append(DeviceLogin(learner_id, device_id, started_at))
    address_logins, from_addresses = _address_logins(db, ids)
    answers: dict[str, list[Answer]] = {i: [] for i in ids}
    for learner_id, question_id, answered_at in db.execute(
        select(QuizAnswer.learner_id, QuizAnswer.question_id, QuizAnswer.answered_at).where(
            QuizAnswer.learner_id.in_(ids)
        )
    ):
        answers[learner_id].append(Answer(question_id, answered_at))
    return [
        LearnerTraces(
            learner_id=i,
            beats=tuple(beats[i]),
            captures=tuple(captures[i]),
            logins=tuple(logins[i]),
            on_devices=on_devices,
            answers=tuple(answers[i]),
            address_logins=tuple(address_logins[i]),
            from_addresses=from_addresses,
        )
        for i in ids
    ]


def _address_logins(
    db: Session, ids: list[str]
) -> tuple[dict[str, list[AddressLogin]], dict[str, list[AddressLogin]]]:
    """Each learner's sign-ins with their addresses, and every sign-in from those addresses
    (oldest first), each with the signing learner's employer."""
    columns = (
        Login.learner_id,
        Login.address,
        Login.device_id,
        Login.started_at,
        Learner.enterprise_id,
    )
    own: dict[str, list[AddressLogin]] = {i: [] for i in ids}
    for row in db.execute(
        select(*columns)
        .join(Learner, Learner.id == Login.learner_id)
        .where(Login.learner_id.in_(ids), Login.address.is_not(None))
    ):
        own[row[0]].append(AddressLogin(*row))
    addresses = {login.address for logins in own.values() for login in logins}
    from_addresses: dict[str, list[AddressLogin]] = {}
    for row in db.execute(
        select(*columns)
        .join(Learner, Learner.id == Login.learner_id)
        .where(Login.address.in_(addresses))
        .order_by(Login.started_at, Login.id)
    ):
        from_addresses.setdefault(row[1], []).append(AddressLogin(*row))
    return own, from_addresses
