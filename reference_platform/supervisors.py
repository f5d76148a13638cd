"""Supervision accounts: seeded from the settings at start-up, checked at sign-in.

The settings are the source of truth: every start makes the table match them (a changed password
or scope takes effect, an account no longer configured is removed with its tokens). Passwords are
kept only as salted scrypt hashes (reference_platform/security.py), and sign-in costs one scrypt
whether or not the username exists, so timing does not reveal which accounts there are.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from reference_platform.clock import Clock
from reference_platform.models import Supervisor, SupervisorToken
from reference_platform.security import PasswordHasher, new_id
from reference_platform.settings import SupervisorSetting


def seed_supervisors(
    session: Session, accounts: Iterable[SupervisorSetting], hasher: PasswordHasher
) -> None:
    """Create or update each configured account; drop the accounts no longer configured."""
    wanted = {account.username: account for account in accounts}
    stored = {row.username: row for row in session.scalars(select(Supervisor))}
    now = Clock(session).now()
    for username, account in wanted.items():
        password = account.password.get_secret_value()
        row = stored.get(username)
        if row is None:
            session.add(
                Supervisor(
                    id=new_id("sup"),
                    username=username,
                    kind=account.kind,
                    scope_id=account.scope,
                    password_hash=hasher.hash(password),
                    created_at=now,
                )
            )
            continue
        same_view = (row.kind, row.scope_id) == (account.kind, account.scope)
        same_password = hasher.verify(password, row.password_hash)
        if same_view and same_password:
            continue
        # A token issued under the old password, kind or scope must not outlive the change.
        _drop_tokens(session, row)
        row.kind, row.scope_id = account.kind, account.scope
        if not same_password:
            row.password_hash = hasher.hash(password)
    for username, row in stored.items():
        if username not in wanted:
            _drop_tokens(session, row)
            session.delete(row)
    session.commit()


def _drop_tokens(session: Session, row: Supervisor) -> None:
    session.execute(delete(SupervisorToken).where(SupervisorToken.supervisor_id == row.id))


def authenticate(
    session: Session, username: str, password: str, hasher: PasswordHasher
) -> Supervisor | None:
    """The account these credentials open, or None."""
    row = session.scalar(select(Supervisor).where(Supervisor.username == username))
    if not hasher.verify(password, row.password_hash if row else None):
        return None
    return row
