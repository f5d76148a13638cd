"""Benchmark: the reference platform's learning-data export of 100,000 rows (POST-01).

Starts a reference platform in a child process (uvicorn, its own SQLite file, an unreachable
province: not needed here), seeds its database from this process with learners and one
lesson-progress row per learner and lesson until there are ROWS rows, and downloads the
authority's export in both formats over HTTP, reading the body in 64 KiB pieces and throwing them
away (as a browser saving to disk would). Reports per format: the time to the first and to the
last byte, the file size, and the server process's peak resident memory (Linux `VmHWM`) before
and after, so that "streamed, never the whole file in memory" is a measured figure. It also
reads each file back with the harness's reader and checks that it holds ROWS rows.

Usage: python benchmarks/export.py [rows]   (default 100000; prints a Markdown table)
"""

from __future__ import annotations

import datetime as dt
import secrets
import socket
import sys
import tempfile
import time
from pathlib import Path

import requests
from sqlalchemy import insert, select

from harness.embedded import PLATFORM_HEALTH, REFERENCE_FACTORY
from harness.export_reader import READERS
from harness.servers import ServerProcess, start_server, stop
from harness.spec.export import EXPORT_FORMATS
from reference_platform.db import make_engine, make_sessionmaker
from reference_platform.models import Learner, Lesson, LessonProgress

ROWS = 100_000
PIECE = 64 * 1024
AUTHORITY_USER = "bench-authority"
NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静")
DOWNLOAD_TIMEOUT = 1800  # seconds without a byte: the XLSX is built before its first byte


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mb(server: ServerProcess) -> float:
    """The server process's peak resident memory so far (Linux /proc; `VmHWM`)."""
    status = Path(f"/proc/{server.process.pid}/status").read_text(encoding="utf-8")
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def seed_rows(database_url: str, rows: int) -> None:
    """Learners, each with a progress row for every lesson of one course, until `rows` rows."""
    now = dt.datetime.now(dt.UTC)
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as db:
        lessons = list(db.execute(select(Lesson).order_by(Lesson.course_id, Lesson.seq)).scalars())
        learners_needed = -(-rows // len(lessons))
        learner_rows, progress_rows = [], []
        for n in range(learners_needed):
            learner_id = f"bench-{n:06d}"
            learner_rows.append(
                {
                    "id": learner_id,
                    "name": NAMES[n % len(NAMES)],
                    "id_number": f"1401051990{n:08d}"[:18],
                    "birth_date": dt.date(1990, 1, 1),
                    "password_hash": "-",
                    "face_photo": b"",
                    "face_photo_type": "image/png",
                    "face_photo_sha256": "0" * 64,
                    "province_registration_id": f"reg-{n}",
                    "registered_at": now,
                }
            )
            for lesson in lessons:
                if len(progress_rows) == rows:
                    break
                progress_rows.append(
                    {
                        "id": f"p{len(progress_rows):07d}",
                        "learner_id": learner_id,
                        "course_id": lesson.course_id,
                        "lesson_id": lesson.id,
                        "seq": lesson.seq,
                        "lesson_hours": lesson.lesson_hours,
                        "duration_s": lesson.duration_s,
                        "credited_s": float(lesson.duration_s),
                        "furthest_position_s": float(lesson.duration_s),
                        "capture_points_s": [600.0],
                        "passed_hours": [0],
                        "captures_passed": 1,
                        "quiz_hours_done": [0],
                    }
                )
        db.execute(insert(Learner), learner_rows)
        for start in range(0, len(progress_rows), 10_000):
            db.execute(insert(LessonProgress), progress_rows[start : start + 10_000])
        db.commit()
    engine.dispose()


def download(url: str, token: str, file_format: str, keep: Path) -> tuple[float, float, int]:
    """Download the export piece by piece into `keep`; answer the seconds to the first and to the
    last byte, and the size."""
    started = time.perf_counter()
    first = 0.0
    size = 0
    with requests.get(
        f"{url}/api/v1/supervision/export/learning-data",
        params={"format": file_format},
        headers={"Authorization": f"Bearer {token}"},
        stream=True,
        timeout=DOWNLOAD_TIMEOUT,
    ) as answer:
        answer.raise_for_status()
        with keep.open("wb") as sink:
            for piece in answer.iter_content(PIECE):
                first = first or time.perf_counter() - started
                size += len(piece)
                sink.write(piece)
    return first, time.perf_counter() - started, size


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else ROWS
    password = secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix="sxcert-export-bench-") as folder:
        database_url = f"sqlite:///{Path(folder) / 'bench.db'}"
        env = {
            "SXCERT_REF_DATABASE_URL": database_url,
            "SXCERT_REF_PROVINCE_URL": f"http://127.0.0.1:{free_port()}",
            "SXCERT_REF_AUTHORITY_USER": AUTHORITY_USER,
            "SXCERT_REF_AUTHORITY_PASSWORD": password,
        }
        server = start_server(
            "reference", REFERENCE_FACTORY, env, Path(folder) / "logs", PLATFORM_HEALTH
        )
        try:
            started = time.perf_counter()
            seed_rows(database_url, rows)
            print(f"seeded {rows} progress rows in {time.perf_counter() - started:.1f} s")
            token = requests.post(
                f"{server.url}/api/v1/supervision/token",
                json={"username": AUTHORITY_USER, "password": password},
                timeout=30,
            ).json()["token"]
            print(f"server peak RSS before exporting: {peak_rss_mb(server):.0f} MB")
            print("| format | rows | file size | first byte | last byte | server peak RSS after |")
            print("|---|---|---|---|---|---|")
            for file_format in EXPORT_FORMATS:
                kept = Path(folder) / f"export.{file_format}"
                first, last, size = download(server.url, token, file_format, kept)
                peak = peak_rss_mb(server)
                _, read = READERS[file_format](kept.read_bytes())
                if len(read) != rows:
                    raise SystemExit(f"{file_format}: {len(read)} rows read back, not {rows}")
                print(
                    f"| {file_format} | {len(read)} | {size / 1e6:.1f} MB | {first:.1f} s "
                    f"| {last:.1f} s | {peak:.0f} MB |",
                    flush=True,
                )
        finally:
            stop(server)


if __name__ == "__main__":
    main()
