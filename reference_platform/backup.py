"""Backup and restore of the reference platform's database (POST-04), on either backend.

SQLite: the online backup API (`sqlite3.Connection.backup`), which copies a consistent snapshot
page by page while the platform keeps serving: a backup never needs the platform stopped, and a
restore copies the backup over the live database in one step (writers wait on SQLite's lock
meanwhile).

PostgreSQL: `pg_dump --format=custom` (one consistent snapshot, taken while the platform serves)
and `pg_restore --clean --if-exists --single-transaction` (the database's tables replaced by the
backup's in one transaction: a failed restore leaves the database as it was). The tools are the
installed server's (Debian: /usr/lib/postgresql/<major>/bin) or on PATH. The URL, which may hold a
password, is passed in the environment (`PGDATABASE`), never on a command line or in a message.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from urllib.parse import unquote, urlsplit

from reference_platform.defects import ActiveDefects

POSTGRES_PREFIXES = ("postgresql://", "postgres://", "postgresql+psycopg://")
TOOL_TIMEOUT_S = 600


class BackupError(Exception):
    """The backup or restore could not be made; the message says why (for exit 2)."""


def sqlite_path(database_url: str) -> Path:
    """The file of a `sqlite:///FILE` URL; anything else is refused."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix) or database_url == "sqlite:///:memory:":
        raise BackupError(
            "only a SQLite file database (sqlite:///FILE) or a PostgreSQL one can be backed up; "
            f"got {database_url.split(':', 1)[0]}"
        )
    return Path(database_url[len(prefix) :])


def copy_database(source: Path, target: Path) -> None:
    """Copy one SQLite database into another with the online backup API."""
    if not source.is_file():
        raise BackupError(f"no database file at {source}")
    try:
        with (
            closing(sqlite3.connect(source)) as src,
            closing(sqlite3.connect(target, timeout=30)) as dst,
        ):
            src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite refused the copy: {exc}") from None


def is_postgres(database_url: str) -> bool:
    return database_url.startswith(POSTGRES_PREFIXES)


def postgres_tool(name: str) -> str:
    """`pg_dump` or `pg_restore`: the newest installed server's, else the one on PATH."""
    installed = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    found = installed[-1] if installed else shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def libpq_environment(database_url: str) -> dict[str, str]:
    """The URL as libpq's variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE)."""
    parts = urlsplit("postgresql://" + database_url.split("://", 1)[1])
    values = {
        "PGHOST": parts.hostname,
        "PGPORT": str(parts.port) if parts.port else None,
        "PGUSER": unquote(parts.username) if parts.username else None,
        "PGPASSWORD": unquote(parts.password) if parts.password else None,
        "PGDATABASE": unquote(parts.path.lstrip("/")) or None,
        "PGCONNECT_TIMEOUT": "10",
    }
    return {name: value for name, value in values.items() if value}


def run_postgres_tool(name: str, database_url: str, arguments: list[str]) -> None:
    """Run the tool against the database; its last error line on failure (no password: the
    password is only ever in the tool's environment)."""
    connection = libpq_environment(database_url)
    try:
        done = subprocess.run(
            [postgres_tool(name), *arguments],
            env={**os.environ, **connection},
            capture_output=True,
            text=True,
            timeout=TOOL_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BackupError(f"{name} did not finish within {TOOL_TIMEOUT_S} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else "no output"
        if "PGPASSWORD" in connection:
            reason = reason.replace(connection["PGPASSWORD"], "***")
        raise BackupError(f"{name} failed: {reason}")


def backup(database_url: str, file: Path) -> None:
    """Write a consistent copy of the platform's database to `file`."""
    if is_postgres(database_url):
        run_postgres_tool(
            "pg_dump", database_url, ["--format=custom", "--no-owner", f"--file={file}"]
        )
        return
    copy_database(sqlite_path(database_url), file)


def restore(database_url: str, file: Path, defects: ActiveDefects | None = None) -> None:
    """Replace the platform's database with the backup in `file`."""
    if is_postgres(database_url):
        if not file.is_file():
            raise BackupError(f"no backup file at {file}")
        arguments = ["--clean", "--if-exists", "--single-transaction", "--no-owner"]
        database = libpq_environment(database_url).get("PGDATABASE", "postgres")
        run_postgres_tool("pg_restore", database_url, [*arguments, "--dbname", database, str(file)])
        return
    target = sqlite_path(database_url)
    copy_database(file, target)
    if defects is not None and defects.active("restore_loses_last_table"):
        # A table-by-table restore that stops one table short (an off-by-one over the tables in
        # dependency order): the last one, the heartbeats, comes back empty. Named, so a table
        # added later to the schema does not change what the defect loses.
        last = "heartbeats"
        with closing(sqlite3.connect(target, timeout=30)) as db:
            db.execute(f'DELETE FROM "{last}"')  # a table name of our own schema
            db.commit()
    if defects is not None and defects.active("restore_loses_images"):
        # Images kept beside the database (as many platforms keep them in a file or object
        # store) and left out of the backup: the rows come back, their pictures do not.
        with closing(sqlite3.connect(target, timeout=30)) as db:
            db.execute("UPDATE capture_challenges SET image = NULL, image_type = NULL")
            db.execute("UPDATE learners SET id_card_photo = NULL, id_card_photo_type = NULL")
            db.commit()
