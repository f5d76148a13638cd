"""The archive pusher: a background worker that writes new archive records to the outbox and
sends them to the province until acknowledged (archive.py has the rules).

Why a thread and not the request: a push must not make a learner's heartbeat wait for the
province, and a push that failed must be retried even when nobody uses the platform. It wakes
every `interval_s` of real time; one round is cheap when nothing is new.

`restart` is what a process restart does to it: the worker stops, whatever it kept in memory is
gone, and a new worker starts from the database. The restart hook (`POST /test/restart`) calls it
only in an app embedded in another program; a server process of its own restarts for real
(process_restart.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import deque
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from reference_platform.alternatives import ChosenAlternatives
from reference_platform.archive import acknowledge, collect, deliver, pending
from reference_platform.clock import Clock
from reference_platform.defects import ActiveDefects
from reference_platform.process_lock import ProcessLock
from reference_platform.province_client import ProvinceClient, ProvinceRefused, ProvinceUnavailable

log = logging.getLogger(__name__)
INTERVAL_S = 0.5
REFUSED_RETRY_S = 2.0  # a learner whose record the province refused waits this long
# ... or this long, under the alternative `retries_refused_chains_slowly` (the interface sets no
# time for retrying a refused chain; a platform may back off for minutes).
SLOW_REFUSED_RETRY_S = 120.0


class ArchivePusher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        province: ProvinceClient,
        defects: ActiveDefects,
        interval_s: float = INTERVAL_S,
        round_lock: ProcessLock | None = None,
        alternatives: ChosenAlternatives | None = None,
    ) -> None:
        self._sessions = sessions
        self._province = province
        self._defects = defects
        self._alternatives = alternatives or ChosenAlternatives(())
        self._interval_s = interval_s
        self._lock = threading.Lock()  # one round at a time, also across a restart
        self._round_lock = round_lock  # and across the instance's processes (SQLite file)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Only the `archive_push_lost_on_restart` defect uses it: records taken off the outbox
        # and waiting in memory, where a restart loses them.
        self._in_memory: deque[list[dict[str, Any]]] = deque()
        self._refused: dict[str, float] = {}  # learner id → when its chain is tried again

    def start(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="archive-pusher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def restart(self) -> None:
        """Stop, forget everything held in memory (as a process restart would), start again."""
        self.stop()
        with self._lock:
            self._in_memory = deque()
        self.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self.push_round()
            except (OperationalError, IntegrityError) as exc:  # another worker raced us
                log.info("archive round skipped: %s", exc)
            except Exception:  # never let the worker die: the next round tries again
                log.exception("archive round failed")

    def push_round(self) -> int:
        """Collect new records, then send what is unacknowledged; answer how many were
        acknowledged in this round (0 also when another process of the instance is in one)."""
        with self._lock:
            if self._round_lock is None:
                return self._round()
            if not self._round_lock.try_acquire():
                return 0
            try:
                return self._round()
            finally:
                self._round_lock.release()

    def _round(self) -> int:
        with self._sessions() as db:
            now = Clock(db).now()
            try:
                collect(db, now, self._defects)
            except IntegrityError:
                db.rollback()  # another worker process chained these facts first
            if self._defects.active("archive_push_lost_on_restart"):
                return self._hand_over_in_memory(db, now)
            if self._defects.active("archive_push_stops_at_a_refused_chain"):
                return self._deliver_until_refused(db, now, newest_first=False)
            if self._defects.active("archive_push_newest_first_stops_at_a_refused_chain"):
                return self._deliver_until_refused(db, now, newest_first=True)
            moment = time.monotonic()
            self._refused = {learner: at for learner, at in self._refused.items() if at > moment}
            batches = pending(db, set(self._refused))
            acknowledged, refused = deliver(db, self._province, now, batches)
            slowly = self._alternatives.chosen("retries_refused_chains_slowly")
            retry_s = SLOW_REFUSED_RETRY_S if slowly else REFUSED_RETRY_S
            for learner_id in refused:  # a refused chain is retried, but not every round
                self._refused[learner_id] = time.monotonic() + retry_s
            return acknowledged

    def _deliver_until_refused(self, db: Session, now: Any, *, newest_first: bool) -> int:
        """The defects `archive_push_stops_at_a_refused_chain` and
        `archive_push_newest_first_stops_at_a_refused_chain`: every learner's records every
        round, in the platform's own order of learners (by learner id; or the learner with the
        newest record first), and the round ends at the first refusal, as at an unavailable
        province."""
        batches = list(pending(db).values())
        if newest_first:
            batches.sort(key=_newest_moment, reverse=True)
        sent: list[str] = []
        for records in batches:
            try:
                self._province.push_archive_records(records)
            except (ProvinceRefused, ProvinceUnavailable):
                break
            sent += [r["record_id"] for r in records]
        db.rollback()  # end the read transaction before writing, as `deliver` does
        acknowledge(db, sent, now)
        db.commit()
        return len(sent)

    def _hand_over_in_memory(self, db: Session, now: Any) -> int:
        """The defect: records are marked sent when taken into an in-memory queue, and only
        that queue is retried."""
        for records in pending(db).values():
            self._in_memory.append(records)
            acknowledge(db, [r["record_id"] for r in records], now)
        db.commit()
        sent = 0
        while self._in_memory:
            try:
                self._province.push_archive_records(self._in_memory[0])
            except ProvinceRefused:
                pass  # dropped, as it was "sent"
            except ProvinceUnavailable:
                break
            sent += len(self._in_memory.popleft())
        return sent


def _newest_moment(records: list[dict[str, Any]]) -> dt.datetime:
    """When a learner's newest record's fact happened (compared as times: the texts' second
    fractions are not always written)."""
    return max(dt.datetime.fromisoformat(r["at"]) for r in records)
