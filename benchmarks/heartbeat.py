"""Benchmark: the reference platform's heartbeat against a bare endpoint on the same server stack.

Not a timed test: a measurement to read (issue #14). It starts the reference platform in a child
process (uvicorn or granian, SQLite or a throw-away PostgreSQL), adds one bare async endpoint to
the same app (`POST /bench/bare`: the heartbeat's body parsed by the same pydantic model, no
database), seeds fresh learners straight into the database for every phase (one playback each,
opened over HTTP), and drives both from this process with keep-alive connections:

* closed loop at each `--connections` (every connection sends its next request when the answer
  came), bare and heartbeat interleaved, `--runs` times; the median of the runs is reported;
* an open-loop sweep of heartbeats at each `--rates` (requests scheduled at a fixed rate whatever
  the answers do; latency counted from the scheduled moment, so a stalled server is not hidden).

Every heartbeat is honest (rate 1, the position advancing with the wall clock), so every answer
must be `ok` and earn credit: the real credit path. Other answers are counted and printed.
Prints requests/s, p50/p95/p99, the status codes, the heartbeat/bare ratio (target ≥ 0.5) and the
machine. The client is one asyncio process; on a small machine it takes a core of its own, which
the figures share with the server (as a real load generator on the same machine would).

`--in-process` measures the app without a server or a socket (SQLite): the ASGI app called
directly on its own event loop, `--learners` requests per round, bare and heartbeat rounds
interleaved, `--runs` × 2 rounds each; prints the median µs per request and the ratio. It
isolates what the app itself costs a request (routing, dependencies, the unit of work) from the
server and the client.

Usage: python benchmarks/heartbeat.py [--servers uvicorn,granian] [--backends sqlite,postgresql]
       [--runs 3] [--seconds 5] [--connections 32,128] [--rates 120,240,480,700] [--json FILE]
       python benchmarks/heartbeat.py --in-process [--runs 3] [--learners 200]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.util
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.local_postgres import PostgresUnavailable  # noqa: E402
from harness.spec.study import HeartbeatIn  # noqa: E402  (the bare endpoint's body)

API = "/api/v1"
BARE_PATH = "/bench/bare"
WARM_UP_S = 1.0
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 30.0  # one request: longer means the server is stuck (counted as an error)
OPEN_LOOP_POOL = 256  # connections (learners) the open loop may use at once


# ---------------------------------------------------------------- the server (child process)


def bench_app() -> Any:
    """The reference app from `SXCERT_REF_*` plus the bare endpoint (the servers' factory)."""
    from reference_platform.main import create_app

    app = create_app()

    @app.post(BARE_PATH, include_in_schema=False)
    async def bare(body: HeartbeatIn) -> dict[str, object]:
        return {"accepted": True, "seq": body.seq}

    return app


def serve(server: str, port: int) -> None:
    if server == "granian":
        from granian import Granian
        from granian.constants import Interfaces

        Granian(
            "heartbeat:bench_app",
            address="127.0.0.1",
            port=port,
            interface=Interfaces.ASGI,
            factory=True,
            log_level="warning",  # type: ignore[arg-type]
        ).serve()
    else:
        import uvicorn

        uvicorn.run(
            "heartbeat:bench_app",
            factory=True,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(server: str, database_url: str) -> Iterator[int]:
    """Start the child, wait until it answers, yield its port; stop it by PID (its group)."""
    port = _free_port()
    env = {
        **os.environ,
        "SXCERT_REF_DATABASE_URL": database_url,
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), str(ROOT)]),
    }
    child = subprocess.Popen(
        [sys.executable, __file__, "serve", server, str(port)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_ready(port, child)
        yield port
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        if child.stderr is not None:
            child.stderr.close()


def _wait_ready(port: int, child: subprocess.Popen[bytes]) -> None:
    import requests

    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if child.poll() is not None:
            why = child.stderr.read().decode()[-2000:] if child.stderr else ""
            raise CannotRun(f"the server exited while starting:\n{why}")
        try:
            if requests.get(f"http://127.0.0.1:{port}{API}/health", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise CannotRun(f"the server did not answer within {START_TIMEOUT_S:g} s")


# ---------------------------------------------------------------- learners (straight into the db)


class CannotRun(Exception):
    """The benchmark could not be made (exit 2 with this reason, no traceback)."""


class Refused(Exception):
    """The platform answered a set-up request otherwise than expected."""

    def __init__(self, status: int, answer: bytes) -> None:
        super().__init__(f"answered {status}: {answer[:200]!r}")
        self.status = status


@dataclass
class Learner:
    token: str
    course_id: str
    lesson_id: str
    playback_id: str = ""
    opened_at: float = 0.0  # monotonic, when the playback was opened
    seq: int = 0


def seed_learners(database_url: str, count: int) -> list[Learner]:
    """Enrolled learners with a live login each, written through the platform's own models."""
    from sqlalchemy import select

    from reference_platform.db import make_engine, make_sessionmaker
    from reference_platform.models import Course, Enrolment, Lesson, Login
    from reference_platform.models import Learner as LearnerRow
    from reference_platform.security import new_id, token_hash

    engine = make_engine(database_url)
    now = dt.datetime.now(dt.UTC)
    learners = []
    try:
        with make_sessionmaker(engine)() as db:
            course = db.scalars(select(Course).order_by(Course.id)).first()
            if course is None:
                raise CannotRun("the reference platform seeded no course")
            lesson = db.scalars(
                select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.seq)
            ).first()
            assert lesson is not None
            for _ in range(count):
                learner_id, token = new_id("lrn"), secrets.token_urlsafe(32)
                number = f"{secrets.randbelow(10**17):017d}X"
                db.add(
                    LearnerRow(
                        id=learner_id,
                        name="压测学员",
                        id_number=number,
                        birth_date=dt.date(1990, 1, 1),
                        password_hash="-",
                        face_photo=b"-",
                        face_photo_type="image/png",
                        face_photo_sha256="0" * 64,
                        province_registration_id=new_id("reg"),
                        registered_at=now,
                    )
                )
                db.flush()  # the learner's row first: logins and enrolments refer to it
                db.add(
                    Login(
                        id=new_id("lgn"),
                        learner_id=learner_id,
                        device_id="bench",
                        token_hash=token_hash(token),
                        started_at=now,
                        expires_at=now + dt.timedelta(hours=12),
                    )
                )
                db.add(
                    Enrolment(
                        id=new_id("enr"),
                        learner_id=learner_id,
                        course_id=course.id,
                        voucher_code=new_id("vch"),
                        enrolled_at=now,
                    )
                )
                learners.append(Learner(token, course.id, lesson.id))
            db.commit()
    finally:
        engine.dispose()
    return learners


# ---------------------------------------------------------------- a minimal keep-alive client


class Connection:
    """HTTP/1.1 with keep-alive over asyncio streams: a few microseconds per request, so that the
    client's own cost stays far below the server's."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    @classmethod
    async def open(cls, port: int) -> Connection:
        connection = cls(port)
        await connection.connect()
        return connection

    async def connect(self) -> None:
        self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self._port)
        sock = self._writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def post(self, path: str, body: bytes, token: str) -> tuple[int, bytes]:
        """One exchange; a keep-alive connection the server closed while idle (before this
        request) is opened again first, as any HTTP client does."""
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        if self._reader is None or self._reader.at_eof():
            self.close()
            await self.connect()
        assert self._reader is not None and self._writer is not None
        self._writer.write(head + body)
        status_line = await self._reader.readuntil(b"\r\n")
        length = 0
        while (line := await self._reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return int(status_line.split()[1]), await self._reader.readexactly(length)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def heartbeat_body(learner: Learner, window: str) -> bytes:
    learner.seq += 1
    position = round(time.monotonic() - learner.opened_at, 3)  # honest: the wall clock's advance
    return json.dumps(
        {"seq": learner.seq, "position_s": position, "rate": 1.0, "window_id": window}
    ).encode()


async def open_playback(connection: Connection, learner: Learner) -> None:
    body = json.dumps(
        {"course_id": learner.course_id, "lesson_id": learner.lesson_id, "window_id": "bench"}
    ).encode()
    status, answer = await connection.post(f"{API}/playbacks", body, learner.token)
    if status != 201:
        raise Refused(status, answer)
    learner.playback_id = json.loads(answer)["playback_id"]
    learner.opened_at = time.monotonic()


@dataclass
class Phase:
    """What one measured phase saw."""

    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    not_ok: Counter[str] = field(default_factory=Counter)  # heartbeat answers other than `ok`
    seconds: float = 0.0

    def record(self, endpoint: str, latency: float, status: int, answer: bytes) -> None:
        self.latencies_s.append(latency)
        self.statuses[status] += 1
        if endpoint == "heartbeat" and status == 200 and b'"reason":"ok"' not in answer:
            self.not_ok[json.loads(answer).get("reason", "?")] += 1

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_s)

        def pct(p: float) -> float:
            if not ordered:
                return float("nan")
            return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

        return {
            "requests": len(ordered),
            "rps": len(ordered) / self.seconds if self.seconds else 0.0,
            # answered 200 (and, for heartbeats, `ok`): what was served, not refused
            "ok_rps": (self.statuses[200] - self.not_ok.total()) / self.seconds
            if self.seconds
            else 0.0,
            "p50_ms": pct(50),
            "p95_ms": pct(95),
            "p99_ms": pct(99),
            "max_ms": 1000 * ordered[-1] if ordered else float("nan"),
            "statuses": dict(sorted(self.statuses.items())),
            "not_ok": dict(self.not_ok),
        }


NO_ANSWER = 0  # the status recorded when the server closed the connection or did not answer


async def _send(connection: Connection, learner: Learner, endpoint: str) -> tuple[int, bytes]:
    path = BARE_PATH if endpoint == "bare" else f"{API}/playbacks/{learner.playback_id}/heartbeats"
    try:
        return await asyncio.wait_for(
            connection.post(path, heartbeat_body(learner, "bench"), learner.token),
            REQUEST_TIMEOUT_S,
        )
    except (TimeoutError, OSError, asyncio.IncompleteReadError):
        connection.close()
        await connection.connect()
        return NO_ANSWER, b""


async def _connected(port: int, learners: list[Learner]) -> list[Connection]:
    """One connection per learner, each with its playback opened."""
    connections = []
    for learner in learners:
        connections.append(await Connection.open(port))
        await open_playback(connections[-1], learner)
    return connections


async def closed_loop(
    port: int, learners: list[Learner], endpoint: str, seconds: float
) -> dict[str, Any]:
    """Each connection sends its next request as soon as the answer came."""
    connections = await _connected(port, learners)
    phase = Phase()
    start = time.monotonic()
    measure_from, stop_at = start + WARM_UP_S, start + WARM_UP_S + seconds

    async def worker(connection: Connection, learner: Learner) -> None:
        while (sent := time.monotonic()) < stop_at:
            status, answer = await _send(connection, learner, endpoint)
            if sent >= measure_from:
                phase.record(endpoint, time.monotonic() - sent, status, answer)

    try:
        await asyncio.gather(*(worker(c, lr) for c, lr in zip(connections, learners, strict=True)))
    finally:
        for connection in connections:
            connection.close()
    phase.seconds = seconds
    return phase.summary()


async def open_loop(port: int, learners: list[Learner], rate: float, seconds: float) -> dict:
    """Heartbeats scheduled at `rate`/s on a pool of connections; latency from the schedule."""
    connections = await _connected(port, learners)
    idle: asyncio.Queue[tuple[Connection, Learner]] = asyncio.Queue()
    for pair in zip(connections, learners, strict=True):
        idle.put_nowait(pair)
    phase = Phase()
    total = int(rate * seconds)
    start = time.monotonic() + 0.1

    async def one(scheduled: float) -> None:
        connection, learner = await idle.get()
        try:
            status, answer = await _send(connection, learner, "heartbeat")
            phase.record("heartbeat", time.monotonic() - scheduled, status, answer)
        finally:
            idle.put_nowait((connection, learner))

    tasks = []
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.gather(*tasks)
    phase.seconds = max(seconds, time.monotonic() - start)
    for connection in connections:
        connection.close()
    summary = phase.summary()
    summary["offered_rps"] = rate
    return summary


# ---------------------------------------------------------------- in process, no server


async def _asgi_post(app: Any, path: str, body: bytes, token: str) -> int:
    """One request straight into the ASGI app; answers its status. Not through httpx's
    ASGITransport: its client's own cost per request would be added to both endpoints and hide
    the app's."""
    headers = [
        (b"host", b"127.0.0.1"),
        (b"authorization", f"Bearer {token}".encode()),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.sleep(3600)  # the client never disconnects
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0]


def in_process(args: argparse.Namespace) -> dict[str, Any]:
    """Median µs per request of the bare endpoint and the heartbeat, the app called directly."""
    from fastapi.testclient import TestClient

    with tempfile.TemporaryDirectory(prefix="sxcert-bench-") as folder:
        url = f"sqlite:///{folder}/reference.db"
        os.environ["SXCERT_REF_DATABASE_URL"] = url
        app = bench_app()
        with TestClient(app) as client:  # runs the lifespan; its portal's loop serves the app
            learners = seed_learners(url, args.learners)
            for learner in learners:
                answer = client.post(
                    f"{API}/playbacks",
                    json={
                        "course_id": learner.course_id,
                        "lesson_id": learner.lesson_id,
                        "window_id": "bench",
                    },
                    headers={"Authorization": f"Bearer {learner.token}"},
                )
                if answer.status_code != 201:
                    raise Refused(answer.status_code, answer.content)
                learner.playback_id = answer.json()["playback_id"]
                learner.opened_at = time.monotonic()

            async def one_round(endpoint: str) -> float:
                await asyncio.sleep(0.2)  # the learners' positions advance: honest heartbeats
                started = time.perf_counter()
                for learner in learners:
                    path = (
                        BARE_PATH
                        if endpoint == "bare"
                        else f"{API}/playbacks/{learner.playback_id}/heartbeats"
                    )
                    status = await _asgi_post(
                        app, path, heartbeat_body(learner, "bench"), learner.token
                    )
                    if status != 200:
                        raise Refused(status, f"{endpoint} answered {status}".encode())
                return (time.perf_counter() - started) / len(learners) * 1e6

            async def rounds() -> dict[str, list[float]]:
                times: dict[str, list[float]] = {"bare": [], "heartbeat": []}
                for _ in range(args.runs * 2):
                    for endpoint in times:
                        times[endpoint].append(await one_round(endpoint))
                return times

            times = client.portal.call(rounds)
    bare, heartbeat = (statistics.median(times[e]) for e in ("bare", "heartbeat"))
    return {"bare_us": bare, "heartbeat_us": heartbeat, "ratio": bare / heartbeat, "rounds": times}


# ---------------------------------------------------------------- the benchmark


def measure(
    server: str, backend: str, database_url: str, args: argparse.Namespace
) -> dict[str, Any]:
    """Closed loop (median of interleaved runs) and the open-loop sweep, on one server+backend."""
    closed: dict[str, dict[int, list[dict[str, Any]]]] = {"bare": {}, "heartbeat": {}}
    sweep = []
    with running_server(server, database_url) as port:
        for _ in range(args.runs):
            for connections in args.connections:
                for endpoint in ("bare", "heartbeat"):
                    learners = seed_learners(database_url, connections)
                    result = asyncio.run(closed_loop(port, learners, endpoint, args.seconds))
                    closed[endpoint].setdefault(connections, []).append(result)
                    _progress(server, backend, endpoint, connections, result)
        for rate in args.rates:
            learners = seed_learners(database_url, OPEN_LOOP_POOL)
            result = asyncio.run(open_loop(port, learners, rate, args.seconds))
            sweep.append(result)
            _progress(server, backend, f"open {rate:g}/s", OPEN_LOOP_POOL, result)
    return {
        "server": server,
        "backend": backend,
        "closed_loop": {
            endpoint: {str(c): _median(runs) for c, runs in by_c.items()}
            for endpoint, by_c in closed.items()
        },
        "closed_loop_runs": closed,
        "open_loop": sweep,
    }


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("rps", "ok_rps", "p50_ms", "p95_ms", "p99_ms", "max_ms")
    merged: dict[str, Any] = {k: statistics.median(r[k] for r in runs) for k in keys}
    statuses: Counter[int] = Counter()
    not_ok: Counter[str] = Counter()
    for r in runs:
        statuses.update(r["statuses"])
        not_ok.update(r["not_ok"])
    merged["statuses"] = dict(statuses)
    merged["not_ok"] = dict(not_ok)
    return merged


def _progress(server: str, backend: str, what: str, connections: int, r: dict[str, Any]) -> None:
    print(
        f"  {server:8} {backend:10} {what:14} c={connections:<4} {r['rps']:8.0f} req/s  "
        f"p50 {r['p50_ms']:7.1f}  p95 {r['p95_ms']:7.1f}  p99 {r['p99_ms']:7.1f} ms  "
        f"{r['statuses']}{'  not ok: ' + str(r['not_ok']) if r['not_ok'] else ''}",
        file=sys.stderr,
        flush=True,
    )


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlite3

    import sqlalchemy
    import uvicorn

    try:
        import granian

        granian_version = granian.__version__
    except ImportError:
        granian_version = "not installed"

    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "system": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "uvicorn": uvicorn.__version__,
        "granian": granian_version,
    }


def _ok_rps(r: dict[str, Any]) -> float:
    """Answers served (200, and `ok` for a heartbeat) per second; from older JSON, computed."""
    if "ok_rps" in r:
        return float(r["ok_rps"])
    answered = sum(r["statuses"].values())
    served = r["statuses"].get("200", r["statuses"].get(200, 0)) - sum(r["not_ok"].values())
    return served / answered * r["rps"] if answered else 0.0


def report(results: list[dict[str, Any]], info: dict[str, Any]) -> None:
    """The table: served/s is what the ratio compares (a 503 is fast, but serves nothing)."""
    print(f"machine: {info['cores']} cores, {info['cpu']}; {info['system']}")
    print(
        f"python {info['python']}, sqlite {info['sqlite']}, sqlalchemy {info['sqlalchemy']}, "
        f"uvicorn {info['uvicorn']}, granian {info['granian']}; load average at start "
        f"{info['load_average'][0]:.2f}, at end {info.get('load_at_end', os.getloadavg()[0]):.2f}"
    )
    print("closed loop, keep-alive, median of the runs (served/s: 200 and, for heartbeats, ok):")
    print(
        f"{'server':9}{'backend':11}{'conns':>6}{'endpoint':>10}{'answers/s':>10}{'served/s':>9}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'ratio':>7}  statuses"
    )
    for result in results:
        closed = result["closed_loop"]
        for conns, beat in closed["heartbeat"].items():
            bare = closed["bare"][conns]
            ratio = _ok_rps(beat) / _ok_rps(bare) if _ok_rps(bare) else float("nan")
            for endpoint, r in (("bare", bare), ("heartbeat", beat)):
                shown = f"{ratio:7.3f}" if endpoint == "heartbeat" else " " * 7
                print(
                    f"{result['server']:9}{result['backend']:11}{conns:>6}{endpoint:>10}"
                    f"{r['rps']:10.0f}{_ok_rps(r):9.0f}{r['p50_ms']:9.1f}{r['p95_ms']:9.1f}"
                    f"{r['p99_ms']:9.1f}{shown}  {r['statuses']} {r['not_ok'] or ''}"
                )
    print(f"open loop, heartbeats, {OPEN_LOOP_POOL} connections (latency from the schedule):")
    for result in results:
        for r in result["open_loop"]:
            statuses = {int(k) for k in r["statuses"]}
            holds = r["p95_ms"] <= 500 and statuses == {200} and not r["not_ok"]
            print(
                f"{result['server']:9}{result['backend']:11}{r['offered_rps']:6.0f}/s offered "
                f"{_ok_rps(r):7.0f}/s served  p50 {r['p50_ms']:7.1f}  p95 {r['p95_ms']:7.1f}  "
                f"p99 {r['p99_ms']:7.1f} ms  {r['statuses']}  "
                f"{'holds p95 ≤ 500 ms, all served' if holds else 'does not hold'}"
            )


@contextmanager
def database(backend: str, stack: ExitStack) -> Iterator[str]:
    if backend == "sqlite":
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="sxcert-bench-"))
        yield f"sqlite:///{folder}/reference.db"
        return
    from harness.local_postgres import fresh_database, local_postgres

    server = stack.enter_context(local_postgres())
    yield fresh_database(server, f"bench_{secrets.token_hex(4)}")


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main() -> None:
    try:
        run()
    except CannotRun as exc:
        print(f"heartbeat benchmark: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def run() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", default="uvicorn,granian")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=_numbers, default=[32, 128])
    parser.add_argument("--rates", type=_numbers, default=[120, 240, 480, 700])
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument("--report-from", type=Path, help="print the table of an earlier --json")
    parser.add_argument("--in-process", action="store_true", help="the app alone, no server")
    parser.add_argument("--learners", type=int, default=200, help="--in-process: per round")
    args = parser.parse_args()
    if args.in_process:
        if args.runs < 1 or args.learners < 1:
            raise CannotRun("nothing to measure: --runs and --learners must be positive")
        try:
            found = in_process(args)
        except Refused as exc:
            raise CannotRun(f"benchmark could not run: {exc}") from None
        print(
            f"in process (SQLite, {args.learners} requests a round, median of "
            f"{args.runs * 2} rounds each): bare {found['bare_us']:.0f} µs, heartbeat "
            f"{found['heartbeat_us']:.0f} µs per request; ratio {found['ratio']:.2f}"
        )
        if args.json:
            args.json.write_text(json.dumps({"machine": machine(), "in_process": found}))
        return
    if args.report_from:
        saved = json.loads(args.report_from.read_text())
        report(saved["results"], saved["machine"])
        return
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    servers, backends = args.servers.split(","), args.backends.split(",")
    unknown = sorted({*servers} - {"uvicorn", "granian"} | {*backends} - {"sqlite", "postgresql"})
    if unknown or args.runs < 1 or args.seconds <= 0:
        raise CannotRun(f"nothing to measure: unknown {unknown} or --runs/--seconds not positive")
    if "granian" in servers and importlib.util.find_spec("granian") is None:
        raise CannotRun("granian is not installed (pip install -e '.[dev]'), or pass --servers")
    # a `kill` (SIGTERM) unwinds like Ctrl-C: the server and the PostgreSQL server are stopped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    info = machine()
    results = []
    try:
        for backend in backends:
            for server in servers:
                with ExitStack() as stack, database(backend, stack) as url:
                    results.append(measure(server, backend, url, args))
    except Refused as exc:
        raise CannotRun(f"benchmark could not run: opening a playback {exc}") from None
    except PostgresUnavailable as exc:
        raise CannotRun(f"no PostgreSQL server: {exc} (or pass --backends sqlite)") from None
    except (OSError, TimeoutError) as exc:
        raise CannotRun(f"benchmark could not run: {type(exc).__name__}: {exc}") from None
    info["load_at_end"] = os.getloadavg()[0]
    report(results, info)
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": results}, indent=1))


if __name__ == "__main__":
    main()
