"""The one clock every rule reads: real UTC time plus a persisted, forward-only offset.

Keeping the offset in the database (not in process memory) means every worker process of one
instance agrees on "now", and a restart does not move time backwards.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reference_platform.db import SHANGHAI
from reference_platform.models import ClockState

CLOCK_ROW_ID = 1


def ensure_clock_row(session: Session) -> None:
    if session.get(ClockState, CLOCK_ROW_ID) is None:
        session.add(ClockState(id=CLOCK_ROW_ID, offset_s=0.0))
        session.commit()


class Clock:
    """Bound to one request's session; the offset is read once per request (or given, when the
    request read it together with something else: heartbeat_path.py)."""

    def __init__(self, session: Session | None, offset_s: float | None = None) -> None:
        self._session = session
        self._offset_s: float | None = offset_s

    @classmethod
    def at_offset(cls, offset_s: float) -> Clock:
        """A clock whose offset was read with something else (heartbeat_path.py): it reads
        nothing, so it needs no session."""
        return cls(None, offset_s)

    def _offset(self) -> float:
        if self._offset_s is None:
            assert self._session is not None, "a clock without a session is given its offset"
            offset = self._session.scalar(
                select(ClockState.offset_s).where(ClockState.id == CLOCK_ROW_ID)
            )
            self._offset_s = offset or 0.0
        return self._offset_s

    def now(self) -> dt.datetime:
        """Aware, in Asia/Shanghai (the zone of every calendar rule and of the wire examples)."""
        real = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self._offset())
        return real.astimezone(SHANGHAI)

    def today(self) -> dt.date:
        """The calendar date in Asia/Shanghai: ages and expiry days are counted there."""
        return self.now().date()

    def advance(self, seconds: float) -> dt.datetime:
        if seconds < 0:
            raise ValueError("the clock never goes back")
        assert self._session is not None, "only a request's clock advances"
        self._session.execute(
            update(ClockState)
            .where(ClockState.id == CLOCK_ROW_ID)
            .values(offset_s=ClockState.offset_s + seconds)
        )
        self._session.commit()
        self._offset_s = None
        return self.now()
