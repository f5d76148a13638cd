"""Faults the harness may inject into the sandbox, for tests of how a platform copes.

A real province goes down, and loses races between two platforms; a sandbox must be able to show
both on demand, deterministically. Nothing here is reachable by a platform: the switches are set
through the admin-only sandbox API, and a province starts with none set.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

RIVAL_PLATFORM = "sandbox-rival"  # who wins a lost race: not a platform any key belongs to


@dataclass
class FaultStore:
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _unavailable: bool = False
    _lost_races: set[str] = field(default_factory=set)
    _archive_refused: set[str] = field(default_factory=set)  # ID numbers

    @property
    def unavailable(self) -> bool:
        """True while every platform-facing call is to be answered 503."""
        with self._lock:
            return self._unavailable

    def set_unavailable(self, unavailable: bool) -> None:
        with self._lock:
            self._unavailable = unavailable

    def lose_race(self, code: str) -> None:
        """Arm: the next verify of `code` is answered, then a rival redeems the voucher."""
        with self._lock:
            self._lost_races.add(code)

    def take_lost_race(self, code: str) -> bool:
        """True (once) when the verify just answered for `code` is to be followed by a rival."""
        with self._lock:
            if code in self._lost_races:
                self._lost_races.discard(code)
                return True
            return False

    def refuse_archive(self, id_number: str, refused: bool) -> None:
        """While set, the archive receiver refuses (409) every record of this person."""
        with self._lock:
            if refused:
                self._archive_refused.add(id_number)
            else:
                self._archive_refused.discard(id_number)

    def archive_refused(self, id_number: str) -> bool:
        with self._lock:
            return id_number in self._archive_refused
