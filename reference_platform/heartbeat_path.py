"""The heartbeat's way through the server: one thread, one connection, one transaction.

A heartbeat is the platform's hottest request (a learner sends one every 30 s: 20,000 learners
are about 700 a second), so its plumbing is kept apart from the rule it serves (`study.py`
`record_heartbeat`, with `credit.judge`) and made cheap:

* the route is `async` and hands the whole unit of work to the heartbeat workers
  (`admission.WorkQueue`) in one call: the connection is taken, used and given back in one
  thread, never held across a hand-off between threads (the pool deadlock of issue #14), and a
  full queue is answered 503 with Retry-After at once; on a SQLite file the unit runs on the
  event loop's thread itself while units are quick, on one connection kept for that thread;
* the route reads its token and the platform from the request itself, without FastAPI's
  dependencies (solving its two took about a quarter of a heartbeat request, in process);
* the login and the clock's offset are read in one statement (the clock stays in the database, so
  that every process of one instance agrees on "now");
* the expiry slides in the heartbeat's own transaction: one commit per heartbeat;
* its statements are compiled once and run on the driver's cursor, its state read as rows, not
  ORM objects, on a Core connection without an ORM session (heartbeat_store.py, prepared.py:
  about a sixth of the time the ORM path took).

Everything a compliant answer depends on is read inside the transaction, so credit stays exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, select

from harness.spec.study import HeartbeatIn, HeartbeatOut
from reference_platform import heartbeat_store as store
from reference_platform.admission import on_the_loop
from reference_platform.clock import Clock
from reference_platform.context import PlatformContext
from reference_platform.dependencies import require_unexpired, unauthorized
from reference_platform.models import Login
from reference_platform.security import token_hash
from reference_platform.study import record_heartbeat


def heartbeat_unit(
    context: PlatformContext, token: str | None, playback_id: str, body: HeartbeatIn
) -> HeartbeatOut:
    """Authenticate, judge and store one heartbeat (runs on a heartbeat worker thread).

    As `dependencies.study_login`: an ended login still identifies its learner (so that the answer
    can be "Playback ended", 409), an expired or unknown token is 401."""
    if token is None:
        raise unauthorized("Not authenticated")
    with _unit_connection(context) as connection:
        sender = store.SENDER_BY_TOKEN.run(connection, {"token_hash": token_hash(token)}).first()
        clock = Clock.at_offset((sender.clock_offset_s if sender is not None else None) or 0.0)
        return record_heartbeat(
            connection,
            require_unexpired(sender, clock.now()),
            playback_id,
            body,
            clock,
            context.settings,
            context.defects,
            context.alternatives,
        )


@contextmanager
def _unit_connection(context: PlatformContext) -> Iterator[Connection]:
    """A connection for one unit, its transaction ended when the unit ends. On a worker, one
    from the pool; on the event loop's thread, the one kept for it (taking one from the pool and
    making its `Connection` was about a tenth of a unit), opened at the first such unit."""
    if not on_the_loop():
        with context.engine.connect() as connection:
            yield connection
        return
    if context.loop_connection is None:
        context.loop_connection = context.engine.connect()
    connection = context.loop_connection
    try:
        yield connection
    finally:
        try:
            if connection.in_transaction():  # the unit failed before its commit
                connection.rollback()
        except Exception:  # a connection that cannot roll back is not used again
            close_loop_connection(context)
            raise


def close_loop_connection(context: PlatformContext) -> None:
    """Give the event loop's heartbeat connection back (at shutdown, or when it broke)."""
    connection, context.loop_connection = context.loop_connection, None
    if connection is not None:
        connection.close()


def caller_is_signed_in(context: PlatformContext, token: str | None) -> bool:
    """Whether `token` is a live learner token. Asked only when a heartbeat's body or parameters
    are malformed: the interface answers 401 before 422, and the hot path authenticates inside
    its unit of work, after FastAPI has already validated the body."""
    if token is None:
        return False
    with context.sessions() as db:
        found = db.execute(
            select(Login.expires_at, store.CLOCK_OFFSET).where(
                Login.token_hash == token_hash(token)
            )
        ).first()
        if found is None:
            return False
        clock = Clock(db, offset_s=found[1] or 0.0)
        return found[0] > clock.now()
