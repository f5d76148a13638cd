"""The one-login rule (STUDY-03, with ID-02 for what a login is): one learner, one live session.

What compliant means, for a vendor:

* A login exists only after the province passed the liveness frames of *this* login (ID-02,
  ID-03; see `liveness.py`).
* A new login ends every other live login of the same learner, at once and for good: the older
  one's end reason is `SUPERSEDED` and its token answers 401 from then on (STUDY-03). Refusing
  the new login instead (409 `ANOTHER_LOGIN_ACTIVE`) is compliant too: the alternative
  `refuses_second_login`.
* Only a live login may earn credit: not expired, not logged out, not superseded. A heartbeat or
  capture answer of a playback opened under an ended login earns nothing, however well-formed, and
  so does one sent with an ended login's token (STUDY-03: one account never earns in two sessions).
* On study routes (heartbeat, capture, close) an ended login's token still identifies its
  learner, so that the answer can be the precise "Playback ended" (409) rather than a bare 401;
  it earns nothing there either (`get_study_login` in `dependencies.py`).
* A token's expiry slides: each accepted request moves it to `token_ttl_s` after that request
  (`expiry_after_request`, applied in `dependencies.py`, the one place that authenticates a
  request). A fixed expiry `token_ttl_s` after the login is compliant too (the alternative
  `fixed_token_expiry`): a client then signs in again, with a new liveness check.

The pure rules (`is_signed_in`, `may_earn_credit`) take plain values; the service functions below
them read the defect flags and touch the database, so that this file is the whole rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reference_platform import study_events
from reference_platform.alternatives import ChosenAlternatives
from reference_platform.defects import ActiveDefects
from reference_platform.models import Login
from reference_platform.security import new_id, new_token, token_hash

SUPERSEDED = "Superseded by a newer login"
LOGGED_OUT = "Logged out"
ANOTHER_LOGIN_ACTIVE = "Another login is active"
SLIDE_STEP = dt.timedelta(minutes=1)  # a smaller move of the expiry is not worth a write


class SecondLoginRefused(Exception):
    """The `refuses_second_login` alternative: the learner has a live login already (409)."""


LoginEnd = tuple[dt.datetime | None, str | None, dt.datetime]
"""A login's `(ended_at, end_reason, expires_at)`: all the one-login rule needs to know of it."""


def is_signed_in(ended_at: dt.datetime | None, expires_at: dt.datetime, now: dt.datetime) -> bool:
    """May this login's token be used at all? Not once it expired or ended (logout, newer login)."""
    return ended_at is None and expires_at > now


def may_earn_credit(
    ended_at: dt.datetime | None,
    end_reason: str | None,
    expires_at: dt.datetime,
    now: dt.datetime,
    *,
    superseded_still_earns: bool = False,
) -> bool:
    """May study under this login still earn credit? Only while it is signed in.

    `superseded_still_earns` is the `credits_superseded_session` defect's plain value: a login a
    newer one ended keeps earning, which is exactly the multi-session study STUDY-03 forbids."""
    if is_signed_in(ended_at, expires_at, now):
        return True
    return expires_at > now and end_reason == SUPERSEDED and superseded_still_earns


def login_is_live(
    ended_at: dt.datetime | None,
    end_reason: str | None,
    expires_at: dt.datetime,
    now: dt.datetime,
    defects: ActiveDefects,
) -> bool:
    """`may_earn_credit` with this platform's defect flags: what heartbeats and captures ask."""
    return may_earn_credit(
        ended_at,
        end_reason,
        expires_at,
        now,
        superseded_still_earns=defects.active("credits_superseded_session"),
    )


def study_may_earn(
    owner: LoginEnd, sender: LoginEnd, now: dt.datetime, defects: ActiveDefects
) -> bool:
    """May a heartbeat or capture answer earn? Both the login the playback was opened under
    (`owner`) and the login whose token sent it (`sender`) must still be live."""
    return login_is_live(*owner, now, defects) and login_is_live(*sender, now, defects)


@dataclass(frozen=True)
class NewLogin:
    """A login just stored, with its token (shown to the learner once, stored only hashed)."""

    login: Login
    token: str


def start_login(
    db: Session,
    learner_id: str,
    device_id: str,
    liveness_verification_id: str | None,
    now: dt.datetime,
    ttl: dt.timedelta,
    defects: ActiveDefects,
    alternatives: ChosenAlternatives,
    address: str | None = None,
) -> NewLogin:
    """End the learner's other live logins (unless `allows_concurrent_logins`), store a new one;
    under `refuses_second_login`, raise `SecondLoginRefused` while another login is live.

    Flushed, not committed: the caller links the liveness event to the new login's id first."""
    if alternatives.chosen("refuses_second_login") and has_live_login(db, learner_id, now):
        raise SecondLoginRefused(ANOTHER_LOGIN_ACTIVE)
    if not defects.active("allows_concurrent_logins"):
        spared = device_id if defects.active("same_device_logins_coexist") else None
        quiet = defects.active("superseding_login_sends_no_events")
        end_other_logins(db, learner_id, now, spare_device=spared, send_events=not quiet)
    token = new_token()
    login = Login(
        id=new_id("lgn"),
        learner_id=learner_id,
        device_id=device_id,
        address=address,
        token_hash=token_hash(token),
        started_at=now,
        expires_at=now + ttl,
        liveness_verification_id=liveness_verification_id,
    )
    db.add(login)
    db.flush()
    return NewLogin(login, token)


def has_live_login(db: Session, learner_id: str, now: dt.datetime) -> bool:
    """Is any login of the learner still signed in (not ended, not expired)?"""
    live = db.scalar(
        select(Login.id)
        .where(Login.learner_id == learner_id, Login.ended_at.is_(None), Login.expires_at > now)
        .limit(1)
    )
    return live is not None


class LoginTimes(Protocol):
    """What the expiry rule reads of a login: an ORM `Login`, or the heartbeat's selected row."""

    @property
    def ended_at(self) -> dt.datetime | None: ...

    @property
    def expires_at(self) -> dt.datetime: ...


SHORT_SESSION = dt.timedelta(hours=2)  # the `login_token_lives_two_hours` defect's lifetime


def token_lifetime(ttl_s: int, defects: ActiveDefects) -> dt.timedelta:
    """A token's lifetime, from its login and (sliding) from each accepted request:
    `token_ttl_s` (12 h by default). docs/interface.md: at least 12 h after the login, so that a
    learner's working day needs one sign-in."""
    if defects.active("login_token_lives_two_hours"):  # the defect: a web session's default
        return SHORT_SESSION
    return dt.timedelta(seconds=ttl_s)


def expiry_after_request(
    login: LoginTimes, now: dt.datetime, ttl: dt.timedelta, alternatives: ChosenAlternatives
) -> dt.datetime | None:
    """The expiry to store after an accepted request of a signed-in login, or None to keep it:
    `ttl` after this request (sliding), never moved under `fixed_token_expiry`."""
    if login.ended_at is not None or alternatives.chosen("fixed_token_expiry"):
        return None
    renewed = now + ttl
    return renewed if renewed - login.expires_at >= SLIDE_STEP else None


def end_other_logins(
    db: Session,
    learner_id: str,
    now: dt.datetime,
    *,
    spare_device: str | None = None,
    send_events: bool = True,
) -> None:
    """What a new login does to the learner's others: every signed-in one is superseded now,
    and its end (its logout, its open playback's stop) is a study event like any other.

    `spare_device` is the `same_device_logins_coexist` defect's plain value: logins on that
    device are left alone, so two sessions of one device both stay valid. `send_events` False
    is `superseding_login_sends_no_events`'s: the Core UPDATE, which the ORM's flush hook never
    sees, left without its events."""
    ended = [Login.learner_id == learner_id, Login.ended_at.is_(None), Login.expires_at > now]
    if spare_device is not None:
        ended.append(Login.device_id != spare_device)
    superseded = db.execute(
        update(Login).where(*ended).values(ended_at=now, end_reason=SUPERSEDED).returning(Login.id)
    ).all()
    for (login_id,) in superseded if send_events else ():
        study_events.login_ended(db, login_id, learner_id, now)


def log_out(login: Login, now: dt.datetime) -> None:
    """End one login at the learner's request; the caller commits."""
    login.ended_at = now
    login.end_reason = LOGGED_OUT
