"""`sxcert reference backup|restore` (POST-04): an online SQLite copy and its restore."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from tests.conftest import run_sxcert


def rows(path) -> list[tuple]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT id, name FROM t ORDER BY id").fetchall()


def test_backup_then_changes_then_restore_gives_the_backed_up_rows(tmp_path):
    database, copy = tmp_path / "platform.db", tmp_path / "backup.db"
    with closing(sqlite3.connect(database)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        db.executemany("INSERT INTO t VALUES (?, ?)", [(1, "甲"), (2, "乙")])
        db.commit()
    url = f"sqlite:///{database}"
    done = run_sxcert("reference", "backup", str(copy), "--database-url", url)
    assert done.returncode == 0, done.stdout + done.stderr
    with closing(sqlite3.connect(database)) as db:
        db.execute("DELETE FROM t WHERE id = 1")
        db.execute("INSERT INTO t VALUES (3, '丙')")
        db.commit()
    done = run_sxcert("reference", "restore", str(copy), "--database-url", url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert rows(database) == [(1, "甲"), (2, "乙")]


def test_bad_input_exits_2_with_one_reason(tmp_path):
    missing = run_sxcert(
        "reference", "restore", str(tmp_path / "none.db"), "--database-url", "sqlite:///x.db"
    )
    assert missing.returncode == 2 and "no database file" in missing.stderr
    assert "Traceback" not in missing.stderr
    postgres = run_sxcert(  # nothing listens on port 1: pg_dump's reason, no password shown
        "reference",
        "backup",
        str(tmp_path / "b.dump"),
        "--database-url",
        "postgresql://u:secret-pw@127.0.0.1:1/db",
    )
    assert postgres.returncode == 2 and "pg_dump failed" in postgres.stderr
    assert "secret-pw" not in postgres.stderr + postgres.stdout
    assert "Traceback" not in postgres.stderr
    memory = run_sxcert(
        "reference", "backup", str(tmp_path / "b.db"), "--database-url", "sqlite://"
    )
    assert memory.returncode == 2 and "only a SQLite file database" in memory.stderr
    unknown = run_sxcert(
        "reference",
        "restore",
        str(tmp_path / "b.db"),
        "--database-url",
        "sqlite:///x.db",
        "--defect",
        "no_such_defect",
    )
    assert unknown.returncode == 2 and "Unknown defect(s): no_such_defect" in unknown.stderr
    assert "Traceback" not in unknown.stderr
