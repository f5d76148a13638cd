"""Overload never costs a 5xx or an unbounded wait, and a refused request changed nothing.

Issue #14: at 128 concurrent connections every heartbeat used to fail after 30 s with a 500 (a
connection held across a thread hand-off, the pool and the thread pool waiting on each other).
Probed here: the two bounds of admission.py on their own (a full queue, a slot not had in time:
refused at once or within the wait bound), the 503 answer on the wire (Retry-After, and the
heartbeat it refused neither recorded nor consuming its sequence number), and a real server under
128 keep-alive connections of heartbeats and a burst of 128 concurrent lesson openings (a sync
route with the session dependency): every answer 200/201 or 503, within a bound, credit `ok`.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from reference_platform.admission import Overloaded, RequestSlots, Shedding, WorkQueue
from reference_platform.errors import BUSY
from tests.test_reference_study_support import LESSON_S, Player, enrolled
from tests.test_reference_support import running_platform

ROOT = Path(__file__).resolve().parents[1]


def test_a_full_work_queue_refuses_at_once_and_runs_the_rest() -> None:
    queue = WorkQueue(workers=1, max_pending=1, name="test")
    release = threading.Event()

    async def scenario() -> tuple[str, float]:
        first = asyncio.ensure_future(queue.run(release.wait, 10))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        with pytest.raises(Overloaded):
            await queue.run(lambda: "never")
        refused_in = time.monotonic() - started
        release.set()
        assert await first is True
        return await queue.run(lambda: "after"), refused_in

    try:
        answer, refused_in = asyncio.run(scenario())
    finally:
        release.set()
        queue.close()
    assert answer == "after" and refused_in < 0.5


def test_a_work_queue_bounds_the_wait_in_seconds() -> None:
    """Refused at once when the expected wait is too long; refused undone when a unit still
    waited too long by the time a worker takes it."""
    queue = WorkQueue(workers=1, max_pending=100, name="test", max_wait_s=0.2)
    done: list[str] = []

    async def scenario() -> None:
        slow = asyncio.ensure_future(queue.run(time.sleep, 0.3))
        await asyncio.sleep(0.05)
        late = asyncio.ensure_future(queue.run(done.append, "late"))  # waits ~0.25 s > 0.2 s
        with pytest.raises(Overloaded):
            await late
        await slow  # the mean time per unit is now 0.3 s
        await queue.run(done.append, "alone")  # nothing ahead: no wait expected
        slow = asyncio.ensure_future(queue.run(time.sleep, 0.3))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        with pytest.raises(Overloaded):  # one unit ahead, 0.3 s expected: refused at once
            await queue.run(done.append, "expected too late")
        assert time.monotonic() - started < 0.1
        await slow

    try:
        asyncio.run(scenario())
    finally:
        queue.close()
    assert done == ["alone"]


def test_request_slots_bound_both_the_queue_and_the_wait() -> None:
    async def scenario() -> None:
        slots = RequestSlots(slots=1, max_waiting=1, max_wait_s=0.2)
        async with slots.slot():
            started = time.monotonic()
            with pytest.raises(Overloaded):  # waited its 0.2 s, no slot came
                async with slots.slot():
                    pass
            assert 0.15 < time.monotonic() - started < 1.0
            waiter = asyncio.ensure_future(slots.slot().__aenter__())
            await asyncio.sleep(0.01)
            with pytest.raises(Overloaded):  # one already waits: refused at once
                async with slots.slot():
                    pass
            with pytest.raises(Overloaded):
                await waiter
        async with slots.slot():  # free again
            pass

    asyncio.run(scenario())


def test_a_refused_heartbeat_is_answered_503_and_changes_nothing(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        player = Player(platform, learner)
        player.open()
        player.wait(30)
        context = platform.client.app.state.platform  # type: ignore[attr-defined]
        working, context.heartbeats = context.heartbeats, WorkQueue(1, 0, "full")
        body = {"seq": 1, "position_s": 30.0, "rate": 1.0, "window_id": "window-1"}
        try:
            refused = player.send(body)
        finally:
            context.heartbeats.close()
            context.heartbeats = working
        assert refused.status_code == 503 and refused.json() == {"detail": BUSY}
        assert refused.headers["Retry-After"] == "1"
        assert platform.supervise("heartbeats", playback_id=player.playback_id) == []
        assert player.progress()["credited_s"] == 0.0
        retried = player.send(body).json()  # the same seq: not consumed by the refusal
        assert (retried["reason"], retried["credited_delta_s"]) == ("ok", 30.0)


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "heartbeat_bench", ROOT / "benchmarks/heartbeat.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_128_connections_get_answers_not_a_deadlock(tmp_path: Path) -> None:
    bench = _benchmark()
    url = f"sqlite:///{tmp_path / 'reference.db'}"

    async def burst_of_openings(port: int) -> list[int]:
        learners = bench.seed_learners(url, 128)
        connections = [await bench.Connection.open(port) for _ in learners]

        async def open_one(connection: object, learner: object) -> int:
            try:
                await asyncio.wait_for(bench.open_playback(connection, learner), 20)
                return 201
            except bench.Refused as refused:
                return int(refused.status)

        try:
            return await asyncio.gather(
                *(open_one(c, lr) for c, lr in zip(connections, learners, strict=True))
            )
        finally:
            for connection in connections:
                connection.close()

    with bench.running_server("uvicorn", url) as port:
        started = time.monotonic()
        opened = asyncio.run(burst_of_openings(port))
        assert set(opened) <= {201, 503} and opened.count(201) >= 64
        assert time.monotonic() - started < 30
        beats = asyncio.run(bench.closed_loop(port, bench.seed_learners(url, 128), "heartbeat", 2))
    assert set(beats["statuses"]) <= {200, 503} and beats["statuses"].get(200, 0) > 0
    assert beats["not_ok"] == {}
    assert beats["max_ms"] < 10_000


def test_a_slot_given_back_early_is_free_at_once_and_never_given_back_twice() -> None:
    """The event stream gives its slot back when it stops using the database: the next request
    gets it at once, and the slot's end does not release it a second time."""
    slots = RequestSlots(slots=1, max_waiting=4, max_wait_s=0.2)

    async def scenario() -> None:
        async with slots.slot() as held:
            held.release()
            async with slots.slot():  # would wait 0.2 s and be refused if still held
                pass
            held.release()
        async with slots.slot():
            with pytest.raises(Overloaded):  # one slot only: a double release would let it in
                async with slots.slot():
                    pass

    asyncio.run(scenario())


def test_an_inline_work_queue_runs_quick_units_on_the_loop_and_slow_ones_on_workers() -> None:
    """`inline`: a quick unit runs on the event loop's thread (no hand-off); after a slow one
    (the running mean past `INLINE_MAX_UNIT_S`) units go to the workers until they are quick
    again; a queue without `inline`, or whose `inline` says no, never runs a unit on the loop."""
    inline = WorkQueue(workers=1, max_pending=10, name="inline", inline=lambda: True)
    plain = WorkQueue(workers=1, max_pending=10, name="plain")
    refusing = WorkQueue(workers=1, max_pending=10, name="refusing", inline=lambda: False)

    async def scenario() -> list[str]:
        loop_thread = threading.current_thread()

        def where(pause_s: float = 0.0) -> str:
            time.sleep(pause_s)
            return "loop" if threading.current_thread() is loop_thread else "worker"

        seen = [await inline.run(where), await plain.run(where), await refusing.run(where)]
        seen.append(await inline.run(where, 0.05))  # quick so far: on the loop, 50 ms
        seen.append(await inline.run(where))  # the mean is now far past 2 ms: a worker
        for _ in range(60):  # quick units on the workers bring the mean down again
            await inline.run(where)
        seen.append(await inline.run(where))
        return seen

    try:
        assert asyncio.run(scenario()) == ["loop", "worker", "worker", "loop", "worker", "loop"]
    finally:
        inline.close()
        plain.close()
        refusing.close()


def test_an_inline_unit_that_finds_the_writer_lock_taken_runs_again_on_a_worker(
    tmp_path: Path,
) -> None:
    """On the loop a unit waits for SQLite's writer lock `LOOP_LOCK_WAIT_S` at most, then stops
    before its first write (`WouldWait`) and runs again, whole, on a worker, which waits its
    turn: the write is done once, after the other writer's commit."""
    from sqlalchemy import text

    from reference_platform.admission import LOOP_LOCK_WAIT_S
    from reference_platform.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    queue = WorkQueue(workers=1, max_pending=10, name="inline", inline=lambda: True)
    holding, release = threading.Event(), threading.Event()
    runs: list[str] = []

    def other_writer() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (who) VALUES ('other')"))
            holding.set()
            release.wait(5)

    def unit() -> str:
        runs.append(threading.current_thread().name)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (who) VALUES ('unit')"))
        return threading.current_thread().name

    async def scenario() -> tuple[str, float]:
        threading.Timer(0.3, release.set).start()
        started = time.monotonic()
        ran_on = await queue.run(unit)
        return ran_on, time.monotonic() - started

    writer = threading.Thread(target=other_writer)
    writer.start()
    try:
        assert holding.wait(5)
        ran_on, took = asyncio.run(scenario())
    finally:
        release.set()
        writer.join()
        queue.close()
    with engine.connect() as conn:
        written = conn.execute(text("SELECT who FROM t ORDER BY id")).scalars().all()
    engine.dispose()
    assert runs[0] == "MainThread" and ran_on.startswith("inline"), runs
    assert len(runs) == 2 and written == ["other", "unit"]
    assert took >= 0.25 > LOOP_LOCK_WAIT_S  # the worker waited for the other's commit


def test_shedding_refuses_one_request_in_every_and_only_when_chosen() -> None:
    chosen = [False]
    shedding = Shedding(lambda: chosen[0], every=3)
    for _ in range(9):
        shedding.check()  # not chosen: nothing is ever refused
    chosen[0] = True
    refused = []
    for i in range(9):
        try:
            shedding.check()
        except Overloaded as exc:
            refused.append((i, exc.retry_after_s))
    assert refused == [(2, 0), (5, 0), (8, 0)]


def test_a_shedding_platform_refuses_with_retry_after_and_the_retry_is_credited(
    tmp_path: Path,
) -> None:
    """Under `sheds_load_now_and_then` every kind of request is refused now and then, 503 with
    `Retry-After: 0` and the busy reason, before anything is done: a client that sends each
    refused request again studies a lesson to its end exactly as on a platform that never sheds
    (every heartbeat recorded once, the lesson credited in full, each hour's quiz answered)."""
    refused: Counter[str] = Counter()
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        player = Player(platform, learner)
        player.open()
        send = platform.client.request

        def patient(method: str, url: Any, **kwargs: Any) -> Any:
            answer = send(method, url, **kwargs)
            while answer.status_code == 503:
                assert answer.headers["Retry-After"] == "0"
                assert answer.json() == {"detail": BUSY}
                refused[str(url).rsplit("/", 1)[-1].split("?")[0]] += 1
                answer = send(method, url, **kwargs)
            return answer

        platform.client.request = patient  # type: ignore[method-assign]
        context = platform.client.app.state.platform  # type: ignore[attr-defined]
        context.alternatives.switch({"sheds_load_now_and_then"})
        last = player.watch_to_end()
        context.alternatives.switch(())
        assert refused["heartbeats"] >= 1 and refused["advance"] >= 1, refused
        assert sum(refused.values()) >= 5, refused
        beats = platform.supervise("heartbeats", playback_id=player.playback_id)
        seqs = [h["seq"] for h in beats]
        assert sorted(seqs) == list(range(1, player.seq + 1))  # each once, none lost
        progress = player.progress()
        assert progress["credited_s"] == last["credited_s"] == LESSON_S
