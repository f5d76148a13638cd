"""A throw-away PostgreSQL server for tests and benchmarks: initdb + pg_ctl in a temporary folder.

The reference platform's second backend is tested against a real server, not a mock: the row
locks that keep concurrent heartbeats from double-crediting are the server's. The server listens
on 127.0.0.1 only (no UNIX socket outside its folder), on a free port, trusts local connections
(it holds nothing but test data), and is stopped by its postmaster's PID when the block ends, also
on failure. As root (PostgreSQL refuses to run as root) it runs as the `postgres` account that
Debian's package creates. `scripts/setup-system.sh` installs the package.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

BIN_GLOB = "/usr/lib/postgresql/*/bin"
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10
SUPERUSER = "sxcert"
# Durability as SQLite's WAL with synchronous=NORMAL gives the default backend: a crash may lose
# the last commits, never corrupts. Benchmarks of both backends then compare like with like.
SERVER_OPTIONS = ("-c", "synchronous_commit=off", "-c", "max_connections=200")


class PostgresUnavailable(Exception):
    """No PostgreSQL server can be started here; the message says why (a test skips with it)."""


def postgres_bindir() -> Path:
    """The newest installed server's binaries (Debian: /usr/lib/postgresql/<major>/bin)."""
    found = sorted(Path(p) for p in glob.glob(BIN_GLOB) if (Path(p) / "initdb").is_file())
    if not found:
        raise PostgresUnavailable(
            f"no PostgreSQL server installed ({BIN_GLOB}/initdb missing; "
            "scripts/setup-system.sh installs Debian's postgresql)"
        )
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user() -> tuple[list[str], int | None, int | None]:
    """The command prefix and the uid/gid the server runs as (the `postgres` account as root)."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable(
            "running as root and no `postgres` account to run the server as"
        ) from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailable("running as root and no runuser to drop to `postgres`")
    return [runuser, "-u", "postgres", "--"], account.pw_uid, account.pw_gid


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise PostgresUnavailable(f"{what} failed: {reason[0]}")


def _postmaster_pid(data: Path) -> int | None:
    try:
        return int((data / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def _stop(pid: int) -> None:
    """SIGINT is PostgreSQL's fast shutdown; SIGKILL if it is still there after the timeout."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def local_postgres() -> Iterator[str]:
    """Start a server; yield its maintenance URL (`postgresql://sxcert@127.0.0.1:PORT/postgres`)."""
    bindir = postgres_bindir()
    prefix, uid, gid = _as_server_user()
    with tempfile.TemporaryDirectory(prefix="sxcert-pg-") as folder:
        root = Path(folder)
        data = root / "data"
        if uid is not None and gid is not None:
            os.chmod(root, 0o755)
            os.chown(root, uid, gid)
        _run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
            "initdb",
        )
        port = _free_port()
        options = " ".join(["-h 127.0.0.1", f"-p {port}", f"-k {data}", *SERVER_OPTIONS])
        pid = None
        try:
            _run(
                [
                    *prefix,
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(root / "server.log"),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    str(START_TIMEOUT_S),
                    "start",
                ],
                "pg_ctl start",
            )
            pid = _postmaster_pid(data)
            yield f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
        finally:
            pid = pid or _postmaster_pid(data)
            if pid is not None:
                _stop(pid)


def fresh_database(maintenance_url: str, name: str) -> str:
    """Create database `name` on the server; its URL."""
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return maintenance_url.rsplit("/", 1)[0] + f"/{name}"
