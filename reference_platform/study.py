"""Study sessions (STUDY-01..07): opening a lesson, judging heartbeats, issuing capture challenges.

What compliant means, for a vendor, for the rules this module owns (the heartbeat's credit rules
are in `credit.py`, the one-login rule in `logins.py`):

* One account studies in one window: opening a playback ends the account's other open playbacks
  at once, and an ended playback's heartbeats earn nothing (409, STUDY-04). Refusing the new
  playback (409) while another one is in use — a heartbeat within the last two intervals — is
  compliant too: the alternative `refuses_second_playback`.
* Re-opening a lesson resumes at the furthest point honestly reached (STUDY-07).
* A lesson hour's last minutes are credited only once its quiz is answered (EXAM-01, the gate
  of `quizzes.py`); the heartbeat answer names the hour in `quiz_due` until then.
* Each lesson hour's capture point is drawn at random when the learner first opens the lesson,
  kept secret and never moved (STUDY-02); a capture challenge has 60 s to be answered.

This module reads the defect flags of those rules and applies `credit.judge` to the database, one
transaction per request. Concurrent requests about one playback are serialised by making the
request's first write a claim on the playback row: on SQLite that takes the database's write lock
before anything is read, on PostgreSQL it locks the row, so no heartbeat judges stale state and
no credit is counted twice.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Any

from fastapi import HTTPException, status
from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from harness.spec.study import CaptureChallenge as ChallengeOut
from harness.spec.study import HeartbeatIn, HeartbeatOut, PlaybackIn, PlaybackOut
from reference_platform import heartbeat_store as store
from reference_platform import study_events
from reference_platform.alternatives import ChosenAlternatives
from reference_platform.clock import Clock
from reference_platform.credit import Beat, CreditRules, PlaybackState, capture_points, judge
from reference_platform.db import aware_utc
from reference_platform.defects import ActiveDefects
from reference_platform.in_flight import STUDY_REQUESTS
from reference_platform.logins import expiry_after_request, study_may_earn, token_lifetime
from reference_platform.models import (
    Course,
    Enrolment,
    Heartbeat,
    Learner,
    Lesson,
    LessonProgress,
    Login,
    Playback,
)
from reference_platform.quizzes import quiz_gate
from reference_platform.security import new_id
from reference_platform.settings import PlatformSettings

SUPERSEDED_PLAYBACK = "Superseded by a newer playback"
CLOSED = "Closed"
PLAYBACK_ENDED = "Playback ended"
PLAYBACK_NOT_FOUND = "Playback not found"
OTHER_WINDOW = "Heartbeat from another window"
NOT_ENROLLED = "Not enrolled in the course"
ANOTHER_PLAYBACK = "Another playback is active"
IN_USE_INTERVALS = 2  # a playback with a heartbeat this many intervals ago is still in use
CAPTURE_ANSWER_TIME = dt.timedelta(seconds=60)
SHORT_ANSWER_TIME = dt.timedelta(seconds=20)  # the `capture_answer_time_20_s` defect's
FIXED_CAPTURE_OFFSET_S = 600.0  # where capture_at_fixed_offset puts every hour's capture


def existing_lesson_progress(db: Session, learner_id: str, lesson_id: str) -> LessonProgress | None:
    return db.scalar(
        select(LessonProgress).where(
            LessonProgress.learner_id == learner_id, LessonProgress.lesson_id == lesson_id
        )
    )


def lesson_progress(
    db: Session, learner_id: str, lesson: Lesson, defects: ActiveDefects
) -> LessonProgress:
    """The learner's row for the lesson, made (with its secret capture points) on first use."""
    row = existing_lesson_progress(db, learner_id, lesson.id)
    if row is not None:
        return row
    fixed = FIXED_CAPTURE_OFFSET_S if defects.active("capture_at_fixed_offset") else None
    row = LessonProgress(
        id=new_id("lpr"),
        learner_id=learner_id,
        course_id=lesson.course_id,
        lesson_id=lesson.id,
        seq=lesson.seq,
        lesson_hours=lesson.lesson_hours,
        duration_s=lesson.duration_s,
        credited_s=0.0,
        furthest_position_s=0.0,
        capture_points_s=capture_points(
            lesson.duration_s,
            lesson.lesson_hours,
            fixed_offset_s=fixed,
            all_in_first_hour=defects.active("captures_of_a_long_lesson_in_its_first_hour"),
            one_offset=defects.active("capture_offset_drawn_once_per_lesson"),
        ),
        passed_hours=[],
        captures_passed=0,
        quiz_hours_done=[],
    )
    db.add(row)
    db.flush()
    return row


def enrolment_in(db: Session, learner_id: str, course_id: str) -> Enrolment | None:
    return db.scalar(
        select(Enrolment)
        .where(Enrolment.learner_id == learner_id, Enrolment.course_id == course_id)
        .order_by(Enrolment.enrolled_at)
        .limit(1)
    )


def lock_account(db: Session, learner_id: str) -> None:
    """Make concurrent opens of one account take turns. On PostgreSQL a row lock covers only rows
    that exist, so ending the account's open playbacks would not see a playback another request is
    inserting at the same moment: the learner's row is locked first. SQLite ignores FOR UPDATE
    (its first write takes the database's write lock, which serialises all writers anyway)."""
    db.execute(select(Learner.id).where(Learner.id == learner_id).with_for_update())


def _refuse_as_the_lock_out_defects_do(
    db: Session,
    learner_id: str,
    now: dt.datetime,
    settings: PlatformSettings,
    defects: ActiveDefects,
) -> None:
    """The two ways a refusing platform wrongly keeps a learner from study (defects, kept apart
    from the compliant refusing choice below so that choice reads whole): refusing while any
    playback is left open however long it has been idle, or while one was used recently although
    its login has ended (a learner who signs out and in again, on a device that never knew the
    old player, cannot close it)."""
    left_open = [Playback.learner_id == learner_id, Playback.ended_at.is_(None)]
    if defects.active("refuses_playback_while_any_is_open"):
        left_open += [Login.ended_at.is_(None), Login.expires_at > now]
    else:  # refuses_playback_after_its_login_ended
        idle_bound = dt.timedelta(seconds=IN_USE_INTERVALS * settings.heartbeat_interval_s)
        left_open.append(Playback.last_credit_at >= now - idle_bound)
    found = select(Playback.id).join(Login, Login.id == Playback.login_id).where(*left_open)
    if db.scalar(found.limit(1)) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, ANOTHER_PLAYBACK)


def open_playback(
    db: Session,
    login: Login,
    body: PlaybackIn,
    clock: Clock,
    settings: PlatformSettings,
    defects: ActiveDefects,
    alternatives: ChosenAlternatives,
) -> PlaybackOut:
    course = db.get(Course, body.course_id)
    if course is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Course not found")
    lesson = db.get(Lesson, body.lesson_id)
    of_another_course = lesson is not None and lesson.course_id != course.id
    if of_another_course and defects.active("opens_lessons_of_any_course"):
        of_another_course = False  # the defect: the enrolment named is checked, not the lesson's
    if lesson is None or of_another_course:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Lesson not found")
    enrolment = enrolment_in(db, login.learner_id, course.id)
    if enrolment is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, NOT_ENROLLED)
    now = clock.now()
    lock_account(db, login.learner_id)
    lock_out_defect = defects.active("refuses_playback_while_any_is_open") or defects.active(
        "refuses_playback_after_its_login_ended"
    )
    if lock_out_defect:
        _refuse_as_the_lock_out_defects_do(db, login.learner_id, now, settings, defects)
    if alternatives.chosen("refuses_second_playback"):
        in_use_since = now - dt.timedelta(seconds=IN_USE_INTERVALS * settings.heartbeat_interval_s)
        # A playback whose login ended (logout, a newer login, expiry) has ended with it: it is
        # in use by nobody, however recent its last heartbeat (docs/interface.md: 409 "playback
        # ended ... or its login ended").
        in_use = db.scalar(
            select(Playback.id)
            .join(Login, Login.id == Playback.login_id)
            .where(
                Playback.learner_id == login.learner_id,
                Playback.ended_at.is_(None),
                Playback.last_credit_at >= in_use_since,
                Login.ended_at.is_(None),
                Login.expires_at > now,
            )
            .limit(1)
        )
        if in_use is not None:
            raise HTTPException(status.HTTP_409_CONFLICT, ANOTHER_PLAYBACK)
    if not defects.active("credits_two_windows"):
        superseded = [Playback.learner_id == login.learner_id, Playback.ended_at.is_(None)]
        if defects.active("same_window_id_not_superseded"):  # "only the other windows stop"
            superseded.append(Playback.window_id != body.window_id)
        if defects.active("credits_windows_of_other_courses"):
            superseded.append(Playback.course_id == course.id)
        ended = db.execute(  # the first write: also serialises concurrent opens of one account
            update(Playback)
            .where(*superseded)
            .values(ended_at=now, end_reason=SUPERSEDED_PLAYBACK)
            .returning(Playback.id, Playback.course_id)
            .execution_options(synchronize_session=False)
        ).all()
        for playback_id, course_id in ended:
            study_events.record(db, "playback_stop", login.learner_id, now, playback_id, course_id)
    progress = lesson_progress(db, login.learner_id, lesson, defects)
    playback = Playback(
        id=new_id("pbk"),
        learner_id=login.learner_id,
        login_id=login.id,
        enrolment_id=enrolment.id,
        course_id=course.id,
        lesson_id=lesson.id,
        progress_id=progress.id,
        window_id=body.window_id,
        opened_at=now,
        last_seq=None,
        last_credit_at=now,  # a playback's first stretch is timed from its opening
        credited_s=0.0,
        heartbeats_received=0,
    )
    if defects.active("baseline_kept_per_lesson"):
        playback.last_credit_at = _lesson_baseline(db, progress, now)
    db.add(playback)
    db.commit()
    resume = progress.furthest_position_s  # the furthest point: never where a refused drag was
    if defects.active("resume_at_last_reported_position"):
        resume = _last_reported_position(db, progress, playback, lesson, resume)
    if defects.active("loses_resume_position"):
        resume = 0.0
    if defects.active("breakpoint_kept_per_device") and login.device_id not in set(
        db.scalars(  # the slip: a breakpoint found only on a device the lesson was played on
            select(Login.device_id)
            .join(Playback, Playback.login_id == Login.id)
            .where(Playback.progress_id == progress.id, Playback.id != playback.id)
        )
    ):
        resume = 0.0
    return PlaybackOut(
        playback_id=playback.id,
        course_id=course.id,
        lesson_id=lesson.id,
        duration_s=lesson.duration_s,
        resume_position_s=resume,
        heartbeat_interval_s=settings.heartbeat_interval_s,
        opened_at=now,
    )


def claim_playback(connection: Connection, learner_id: str, playback_id: str) -> None:
    """The request's first write (see the module docstring); 404 for another learner's."""
    claimed = store.CLAIM.run(connection, {"playback_id": playback_id, "learner": learner_id})
    if claimed.rowcount != 1:
        raise HTTPException(status.HTTP_404_NOT_FOUND, PLAYBACK_NOT_FOUND)


def challenge_out(challenge: store.OpenChallenge | None) -> ChallengeOut | None:
    if challenge is None:
        return None
    return ChallengeOut(
        challenge_id=challenge.id, issued_at=challenge.issued_at, deadline=challenge.deadline
    )


def issue_challenge(
    connection: Connection,
    lesson: Any,
    hour: int,
    position_s: float,
    now: dt.datetime,
    defects: ActiveDefects,
) -> store.OpenChallenge:
    """A new capture challenge for `hour`, answerable for CAPTURE_ANSWER_TIME from now."""
    answer_time = CAPTURE_ANSWER_TIME
    if defects.active("capture_answer_time_20_s"):  # the defect: a third of the time promised
        answer_time = SHORT_ANSWER_TIME
    challenge = store.OpenChallenge(new_id("cap"), hour, now, now + answer_time)
    store.NEW_CHALLENGE.run(
        connection,
        {
            "id": challenge.id,
            "learner_id": lesson.learner_id,
            "course_id": lesson.course_id,
            "lesson_id": lesson.lesson_id,
            "progress_id": lesson.progress_id,
            "playback_id": lesson.playback_id,
            "hour_index": hour,
            "position_s": position_s,
            "issued_at": challenge.issued_at,
            "deadline": challenge.deadline,
        },
    )
    return challenge


def missed_capture_unmade(
    connection: Connection, progress_id: str, passed_hours: Iterable[int]
) -> bool:
    """Has an hour of this lesson an expired challenge and no passed capture since? (Read only
    under the `overdue_capture_stops_credit` alternative: one query per heartbeat.)"""
    expired_hours = store.EXPIRED_HOURS.run(connection, {"progress_id": progress_id}).scalars()
    return bool(set(expired_hours) - set(passed_hours))


def record_heartbeat(
    connection: Connection,
    login: Any,
    playback_id: str,
    body: HeartbeatIn,
    clock: Clock,
    settings: PlatformSettings,
    defects: ActiveDefects,
    alternatives: ChosenAlternatives,
) -> HeartbeatOut:
    """Judge and store one heartbeat, in one transaction; a refused one writes nothing.

    `login` is the sender's login, live when it was read; its expiry slides in this transaction
    (`logins.expiry_after_request`). Rows and prebuilt statements, not ORM objects: see
    heartbeat_store.py for why."""
    claim_playback(connection, login.learner_id, playback_id)
    now = clock.now()
    lesson = store.PLAYBACK_STATE.run(connection, {"playback_id": playback_id}).one()
    ended = lesson.playback_ended_at is not None
    if lesson.playback_end_reason == CLOSED and defects.active("closed_playback_keeps_earning"):
        ended = False  # the defect: a player's last heartbeats, in flight after its close, count
    live = not ended and study_may_earn(
        (lesson.owner_ended_at, lesson.owner_end_reason, lesson.owner_expires_at),
        (login.ended_at, login.end_reason, login.expires_at),
        now,
        defects,
    )
    if not live:
        raise HTTPException(status.HTTP_409_CONFLICT, PLAYBACK_ENDED)
    another_window = body.window_id != lesson.window_id
    if another_window and not defects.active("credits_heartbeats_of_another_window"):
        raise HTTPException(status.HTTP_409_CONFLICT, OTHER_WINDOW)
    challenge = store.OpenChallenge.of(lesson)
    open_challenge_id: str | None = lesson.open_challenge_id
    passed_hours = list(lesson.passed_hours)
    settled: dict[str, bool] = {}  # challenge id → passed, each now ended with reason "expired"
    if (
        challenge is not None
        and challenge.answered_at is None
        and now > challenge.deadline
        and defects.active("expired_capture_counts_as_passed")
    ):  # the defect: silence read as no objection, so the unanswered challenge passes its hour
        settled[challenge.id] = True
        passed_hours = sorted({*passed_hours, challenge.hour_index})
        open_challenge_id, challenge = None, None
    rules = CreditRules.of(defects, alternatives)
    quiz_rules = settings.quiz_rules
    answered_quiz_hours = lesson.quiz_hours_done or ()
    gate = quiz_gate(
        lesson.furthest_position_s,
        lesson.duration_s,
        lesson.lesson_hours,
        answered_quiz_hours,
        quiz_rules,
        defects,
    )
    state = PlaybackState(
        last_seq=lesson.last_seq,
        last_credit_at=lesson.last_credit_at,
        furthest_s=lesson.furthest_position_s,
        credited_s=lesson.credited_s,
        duration_s=lesson.duration_s,
        capture_points_s=tuple(lesson.capture_points_s),
        passed_hours=frozenset(passed_hours),
        challenge_deadline=challenge.deadline if challenge else None,
        challenge_hour=challenge.hour_index if challenge else None,
        ceiling_s=gate.ceiling_s,
        missed_capture_unmade=rules.overdue_stops_credit
        and missed_capture_unmade(connection, lesson.progress_id, passed_hours),
    )
    beat = Beat(body.seq, body.position_s, body.rate, body.paused)
    outcome = judge(state, beat, now, settings.heartbeat_interval_s, rules)
    furthest_s, credited_s = lesson.furthest_position_s, lesson.credited_s
    if outcome.accepted:
        furthest_s, credited_s = outcome.furthest_s, outcome.credited_s
        store.CREDIT_PLAYBACK.run(
            connection,
            {
                "playback_id": playback_id,
                "last_seq": outcome.last_seq,
                "last_credit_at": outcome.last_credit_at,
                "credited_delta_s": outcome.credited_delta_s,
            },
        )
    if outcome.challenge == "issue" and outcome.challenge_hour is not None:
        if challenge is not None:  # replaced unanswered after its deadline
            settled[challenge.id] = False
        challenge = issue_challenge(
            connection, lesson, outcome.challenge_hour, furthest_s, now, defects
        )
        open_challenge_id = challenge.id
    elif outcome.challenge == "expire" and challenge is not None:
        settled[challenge.id] = False
        open_challenge_id, challenge = None, None
    elif outcome.challenge == "none":
        challenge = None
    for challenge_id, passed in settled.items():
        store.SETTLE_CHALLENGE.run(
            connection,
            {"challenge_id": challenge_id, "passed": passed, "reason": "expired"},
        )
    if outcome.accepted or open_challenge_id != lesson.open_challenge_id or settled:
        store.STORE_PROGRESS.run(
            connection,
            {
                "progress_id": lesson.progress_id,
                "furthest_s": furthest_s,
                "credited_s": credited_s,
                "passed_hours": passed_hours,
                "open_challenge_id": open_challenge_id,
            },
        )
    if not (defects.active("drops_heartbeat_under_concurrency") and STUDY_REQUESTS.others()):
        # the defect: acknowledged below, never written, when not alone
        store.NEW_HEARTBEAT.run(
            connection,
            {
                "playback_id": playback_id,
                "seq": body.seq,
                "at": now,
                "position_s": body.position_s,
                "rate": body.rate,
                "paused": body.paused,
                "accepted": outcome.accepted,
                "reason": outcome.reason,
                "credited_delta_s": outcome.credited_delta_s,
            },
        )
    renewed = expiry_after_request(
        login, now, token_lifetime(settings.token_ttl_s, defects), alternatives
    )
    if renewed is not None:
        store.SLIDE_EXPIRY.run(connection, {"login_id": login.id, "expires_at": renewed})
    if defects.active("heartbeat_takes_300_ms"):
        time.sleep(0.3)  # a slow call inside the transaction: every heartbeat waits its turn
    connection.commit()
    due = quiz_gate(
        furthest_s, lesson.duration_s, lesson.lesson_hours, answered_quiz_hours, quiz_rules, defects
    ).due_hour
    return HeartbeatOut(
        accepted=outcome.accepted,
        reason=outcome.reason,  # type: ignore[arg-type]
        credited_delta_s=outcome.credited_delta_s,
        credited_s=credited_s,
        furthest_position_s=furthest_s,
        challenge=challenge_out(challenge),
        quiz_due=due,
    )


def close_playback(
    db: Session, login: Login, playback_id: str, clock: Clock, defects: ActiveDefects
) -> None:
    """Idempotent: closing an ended playback changes nothing."""
    claim_playback(db.connection(), login.learner_id, playback_id)
    now = clock.now()
    still_open = Playback.ended_at.is_(None)
    if defects.active("close_moves_an_ended_playbacks_end"):  # the defect: no guard
        still_open = Playback.id.is_not(None)
    closed = db.execute(
        update(Playback)
        .where(Playback.id == playback_id, still_open)
        .values(ended_at=now, end_reason=CLOSED)
        .returning(Playback.course_id)
        .execution_options(synchronize_session=False)
    ).first()
    if closed is not None:
        study_events.record(db, "playback_stop", login.learner_id, now, playback_id, closed[0])
    db.commit()


def _last_reported_position(
    db: Session, progress: LessonProgress, playback: Playback, lesson: Lesson, resume: float
) -> float:
    """The defect `resume_at_last_reported_position`: where the player last said it was (an
    accepted heartbeat of an earlier playback of the lesson), a refused drag included."""
    last = db.scalar(
        select(Heartbeat.position_s)
        .join(Playback, Playback.id == Heartbeat.playback_id)
        .where(
            Playback.progress_id == progress.id,
            Playback.id != playback.id,
            Heartbeat.accepted.is_(True),
        )
        .order_by(Heartbeat.id.desc())
        .limit(1)
    )
    return resume if last is None else min(float(last), float(lesson.duration_s))


def _lesson_baseline(db: Session, progress: LessonProgress, now: dt.datetime) -> dt.datetime:
    """The defect `baseline_kept_per_lesson`: a new playback's first stretch timed from the
    lesson's last accepted heartbeat (of any earlier playback), so the time the lesson was
    closed counts as watched."""
    last = db.scalar(
        select(Playback.last_credit_at)
        .where(Playback.progress_id == progress.id)
        .order_by(Playback.last_credit_at.desc())
        .limit(1)
    )
    return now if last is None else min(aware_utc(last), now)
