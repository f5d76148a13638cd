"""The database an embedded reference platform may be given (`certify --reference-database`).

The embedded run's province starts empty every time, so the reference's database must start
empty too: rows of an earlier run would name learners, approvals and registrations the new
province never made. A password in the URL is refused because the URL reaches the profile's
backup commands, which the POST-04 evidence records; PostgreSQL reads it from `PGPASSWORD`.
"""

from __future__ import annotations

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

BACKENDS = ("sqlite", "postgresql")


class DatabaseUrlError(ValueError):
    """Why a database cannot be the embedded reference's; the message is for the user."""


def backend(url: str) -> str:
    """`sqlite` or `postgresql` (the dialect, without its driver)."""
    try:
        name = make_url(url).get_backend_name()
    except ArgumentError:
        raise DatabaseUrlError(f"not a database URL: {url!r}") from None
    if name == "postgres":
        name = "postgresql"
    if name not in BACKENDS:
        raise DatabaseUrlError(f"the reference platform runs on SQLite or PostgreSQL, not {name}")
    return name


def check_reference_database(url: str) -> str:
    """The backend of `url`, after making sure the database can be reached and holds no table."""
    kind = backend(url)
    parsed = make_url(url)
    if parsed.password:
        raise DatabaseUrlError(
            "the database URL holds a password; give it in PGPASSWORD instead "
            "(the URL is written into the run's backup commands)"
        )
    if kind == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(
        parsed, connect_args={"connect_timeout": 5} if kind == "postgresql" else {}
    )
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    except SQLAlchemyError as exc:
        reason = str(exc.orig if getattr(exc, "orig", None) else exc).strip().splitlines()[0]
        raise DatabaseUrlError(f"cannot open the database: {reason}") from None
    finally:
        engine.dispose()
    if tables:
        raise DatabaseUrlError(
            f"the database is not empty ({len(tables)} tables); the embedded reference starts "
            "on an empty one"
        )
    return kind
