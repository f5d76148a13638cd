"""Study events for real-time supervision (STUDY-09): what is recorded, and who may read it.

Events are not written by the routers: one ORM hook looks at every flush and records an event
for each row that is one (a new login, liveness check, playback, quiz answer or completion
report; a login ended through the ORM), so a new way of, say, creating a playback cannot forget
its event. The rules that end or answer rows with one compare-and-set UPDATE (closing or
superseding playbacks, superseding logins, answering a capture) call `record` /
`login_ended` themselves, since the ORM hook does not see such statements. Either way the event
commits (or rolls back) with the change it is about.

The stream's order is a position (xact, id). SQLite serialises writers, so an id is committed only
after every smaller one, and xact is 0: the id alone orders. PostgreSQL takes ids from a sequence
and commits them in any order: an event with id 7 may become visible after one with id 8, and a
poller that went on from 8 would never send 7. There each event carries its transaction's id
(xact), and a poll sends only events of transactions older than every transaction still running
(`pg_snapshot_xmin`), ordered by (xact, id): once a poll has sent a position, no event at a smaller
one can commit any more. A long transaction holds the stream back by its length (the reference's
last at most a few seconds; the stream's promise is 10 s).

Types and their `ref` (docs/interface.md, "Real-time supervision"):
`login` / `logout` (the login id; logout also when a newer login replaces it), `liveness` (the
province's verification id), `playback_start` / `playback_stop`
(the playback id; stop also for a playback still open when its login ends), `capture` (the
challenge id, once answered), `quiz` (the question id, one event per accepted answer),
`completion` (the completion report's id: the course is completed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, event, false, inspect, literal_column, or_, select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from reference_platform.defects import ActiveDefects
from reference_platform.models import (
    CompletionReport,
    Learner,
    LivenessEvent,
    Login,
    Playback,
    QuizAnswer,
    StudyEvent,
    Supervisor,
)
from reference_platform.scope import (
    PLATFORM_WIDE,
    institution_courses,
    restrict,
    visible_learners,
)


def wall_clock() -> dt.datetime:
    """Real time: delivery latency is a real-world promise, the test clock does not move it."""
    return dt.datetime.now(dt.UTC)


def _just_set(row: Any, attribute: str) -> bool:
    """True when this flush sets `attribute` from empty to a value (an end, an answer)."""
    history = inspect(row).attrs[attribute].history
    return bool(history.added) and history.added[0] is not None and not any(history.deleted)


def _event(
    kind: str, learner_id: str, at: dt.datetime, ref: str | None, course_id: str | None = None
) -> StudyEvent:
    return StudyEvent(
        type=kind,
        learner_id=learner_id,
        course_id=course_id,
        ref=ref,
        at=at,
        recorded_at=wall_clock(),
    )


def _events_of_new(row: Any) -> Iterable[StudyEvent]:
    if isinstance(row, Login):
        yield _event("login", row.learner_id, row.started_at, row.id)
    elif isinstance(row, LivenessEvent) and not getattr(row, "unstreamed", False):
        yield _event("liveness", row.learner_id, row.at, row.verification_id)  # passed or not
    elif isinstance(row, Playback):
        yield _event("playback_start", row.learner_id, row.opened_at, row.id, row.course_id)
    elif isinstance(row, QuizAnswer):
        yield _event("quiz", row.learner_id, row.answered_at, row.question_id, row.course_id)
    elif isinstance(row, CompletionReport):
        yield _event("completion", row.learner_id, row.created_at, row.id, row.course_id)


def _ended_login_events(
    session: Session, login_id: str, learner_id: str, at: dt.datetime
) -> list[StudyEvent]:
    """A login's end: its open playbacks end with it (the supervision views show them ended,
    though their rows are not touched), then the logout."""
    with session.no_autoflush:
        open_playbacks = session.execute(
            select(Playback.id, Playback.course_id).where(
                Playback.login_id == login_id, Playback.ended_at.is_(None)
            )
        ).all()
    stops = [_event("playback_stop", learner_id, at, pid, course) for pid, course in open_playbacks]
    return [*stops, _event("logout", learner_id, at, login_id)]


StreamPosition = tuple[int, int]
"""Where a stream stands: (xact, id) of the last event it sent (module docstring)."""
START: StreamPosition = (0, 0)


def _commits_out_of_order(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _stamp_transaction(session: Session, rows: list[StudyEvent]) -> None:
    """Give the events their transaction's id, where ids commit out of order (PostgreSQL)."""
    if not rows or not _commits_out_of_order(session):
        return
    with session.no_autoflush:
        xact = session.scalar(select(literal_column("pg_current_xact_id()::text::bigint")))
    for row in rows:
        row.xact = xact


def _record_events(session: Session, _context: Any, _instances: Any) -> None:
    found: list[StudyEvent] = []
    for row in list(session.new):
        found.extend(_events_of_new(row))
    for row in list(session.dirty):
        if isinstance(row, Login) and row.ended_at is not None and _just_set(row, "ended_at"):
            found.extend(_ended_login_events(session, row.id, row.learner_id, row.ended_at))
    session.add_all(found)
    _stamp_transaction(session, [row for row in session.new if isinstance(row, StudyEvent)])


def record(
    session: Session,
    kind: str,
    learner_id: str,
    at: dt.datetime,
    ref: str,
    course_id: str | None = None,
) -> None:
    """Record one event of a change made by a Core UPDATE; the caller commits."""
    session.add(_event(kind, learner_id, at, ref, course_id))


def login_ended(session: Session, login_id: str, learner_id: str, at: dt.datetime) -> None:
    """Record the end of a login made by a Core UPDATE (superseded by a newer login)."""
    session.add_all(_ended_login_events(session, login_id, learner_id, at))


def record_study_events(sessions: sessionmaker[Session]) -> None:
    """Record study events in every flush of the app's sessions."""
    event.listen(sessions, "before_flush", _record_events)


def in_scope(query: Select[Any], account: Supervisor, course_bound: bool = True) -> Select[Any]:
    """Narrow an event query to `account`'s scope (reference_platform/scope.py): a scoped account
    sees the events of its learners; an institution, of their course-bound events, only those of
    its own courses (a login is not course-bound: it sees its learners' logins). `course_bound`
    is off only under a deliberate defect."""
    if account.kind not in PLATFORM_WIDE and account.scope_id is None:
        return query.where(false())
    learners = visible_learners(account)
    if learners is not None:
        query = query.where(StudyEvent.learner_id.in_(learners))
    if account.kind == "institution" and course_bound:
        courses = institution_courses(account.scope_id or "")
        query = query.where(or_(StudyEvent.course_id.is_(None), StudyEvent.course_id.in_(courses)))
    return query


def events_after(
    session: Session,
    account: Supervisor,
    after: StreamPosition,
    *,
    limit: int = 200,
    scoped: bool = True,
    course_bound: bool = True,
    held_back: dt.timedelta = dt.timedelta(0),
) -> list[StudyEvent]:
    """The events after position `after` that `account` may see, in stream order, and only those
    no transaction still running can precede. `scoped`, `course_bound` and `held_back` exist for
    the deliberate defects (leaking, delaying); a compliant stream sends every visible event as
    soon as it is committed."""
    query = select(StudyEvent).where(tuple_(StudyEvent.xact, StudyEvent.id) > tuple_(*after))
    if _commits_out_of_order(session):
        oldest_running = literal_column("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        query = query.where(StudyEvent.xact < oldest_running)
    if scoped:
        query = in_scope(query, account, course_bound)
    if held_back:
        query = query.where(StudyEvent.recorded_at <= wall_clock() - held_back)
    return list(session.scalars(query.order_by(StudyEvent.xact, StudyEvent.id).limit(limit)))


def position(row: StudyEvent) -> StreamPosition:
    return (row.xact, row.id)


def latest_position(session: Session) -> StreamPosition:
    """Where a new connection without `Last-Event-ID` starts: after everything already stored
    (on PostgreSQL, an event still uncommitted in an older transaction is not "after")."""
    row = session.execute(
        select(StudyEvent.xact, StudyEvent.id)
        .order_by(StudyEvent.xact.desc(), StudyEvent.id.desc())
        .limit(1)
    ).first()
    return (row.xact, row.id) if row else START


def position_of(session: Session, event_id: int) -> StreamPosition:
    """Where a stream resumes after the event `event_id` (`Last-Event-ID`); for an id not stored
    (never, or not any more), after the stored event before it."""
    row = session.execute(
        select(StudyEvent.xact, StudyEvent.id)
        .where(StudyEvent.id <= event_id)
        .order_by(StudyEvent.id.desc())
        .limit(1)
    ).first()
    return (row.xact, row.id) if row else START


def stream_start(
    session: Session, last_event_id: int | None, defects: ActiveDefects
) -> StreamPosition:
    """Where a stream starts: after `last_event_id` when the client resumes (nothing it missed
    while disconnected is lost), else from now."""
    if last_event_id is None or defects.active("stream_resume_starts_from_now"):
        return latest_position(session)
    return position_of(session, last_event_id)


def studying_now(
    session: Session, account: Supervisor, now: dt.datetime, defects: ActiveDefects
) -> list[Any]:
    """Who is studying now: every open playback on a login that is signed in (not ended, not
    expired), in `account`'s scope, with its learner's name."""
    signed_in = []
    if not defects.active("live_view_lists_signed_out_learners"):  # the slip: no logout read
        signed_in.append(Login.ended_at.is_(None))
    if not defects.active("live_view_ignores_login_expiry"):  # the slip: expired still studies
        signed_in.append(Login.expires_at > now)
    query = (
        select(Playback, Login, Learner.name)
        .join(Login, Login.id == Playback.login_id)
        .join(Learner, Learner.id == Playback.learner_id)
        .where(Playback.ended_at.is_(None), *signed_in)
    )
    query = restrict(query, account, Playback.learner_id, Playback.course_id)
    return list(session.execute(query.order_by(Playback.opened_at)).all())
