"""Sign-in throttling (POST-03): guessing passwords is slowed to a stop.

After `MAX_FAILURES` consecutive failed sign-ins of one key (a learner's ID number, or a
supervision username, existing or not, so that the answer does not reveal which accounts exist)
within `WINDOW`, every sign-in of that key — the right password too — is refused with 429 until
`LOCK` after the last failure. A successful sign-in clears the key's failures. Attempts refused
while locked are not counted, so a lock ends on time however often it is hit.
"""

from __future__ import annotations

import datetime as dt

from fastapi import HTTPException, status
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from reference_platform.defects import ActiveDefects
from reference_platform.models import SignInFailure

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
LOCK = dt.timedelta(minutes=15)
LOCKED = "Too many failed sign-ins; try again later"
SUPERVISOR = "supervisor:"
PER_MINUTE = dt.timedelta(minutes=1)  # the `supervision_sign_in_limited_per_minute` defect's


def learner_key(id_number: str, device_id: str = "", *, per_device: bool = False) -> str:
    """The learner's key: the ID number alone, whatever device a guesser sends (`per_device` is
    the `throttles_per_device` defect, whose count a guesser resets by naming a new device)."""
    key = "learner:" + id_number.strip().upper()
    return f"{key}@{device_id}" if per_device else key


def supervisor_key(username: str) -> str:
    return SUPERVISOR + username


def refuse_if_locked(db: Session, key: str, now: dt.datetime, defects: ActiveDefects) -> None:
    """429 when the key has `MAX_FAILURES` failures within `WINDOW` and the last is under `LOCK`
    ago."""
    if defects.active("no_login_throttling"):  # the defect: no throttling at all
        return
    if defects.active("sign_in_counter_expires_from_first_failure"):
        _refuse_by_fixed_window(db, key, now)  # the defect
        return
    window, lock = WINDOW, LOCK
    if key.startswith(SUPERVISOR) and defects.active("supervision_sign_in_limited_per_minute"):
        window = lock = PER_MINUTE  # the defect: an admin console's "10 a minute" limiter
    count, last = db.execute(
        select(func.count(), func.max(SignInFailure.at)).where(
            SignInFailure.key == key, SignInFailure.at > now - window
        )
    ).one()
    if count >= MAX_FAILURES and last is not None and now < _aware(last) + lock:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, LOCKED)


def _refuse_by_fixed_window(db: Session, key: str, now: dt.datetime) -> None:
    """The `sign_in_counter_expires_from_first_failure` defect: a cache counter of failures
    whose expiry is set at the first one (INCR, then EXPIRE 15 min once) and a limit of 10 —
    the lock ends 15 minutes after the *first* failure, however recent the last."""
    limit = 10  # the counter's: a limit the interface allows (at most 10)
    count, first = db.execute(
        select(func.count(), func.min(SignInFailure.at)).where(
            SignInFailure.key == key, SignInFailure.at > now - WINDOW
        )
    ).one()
    if count >= limit and first is not None and now < _aware(first) + WINDOW:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, LOCKED)


def record_failure(db: Session, key: str, now: dt.datetime) -> None:
    db.add(SignInFailure(key=key, at=now))
    db.commit()


def clear_failures(db: Session, key: str) -> None:
    db.execute(delete(SignInFailure).where(SignInFailure.key == key))


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)
