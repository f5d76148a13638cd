"""Study events and the live view on the reference platform (STUDY-09).

One platform with an account of every kind; learner A (employed by ENT-A, cooking course of
INST-001) studies: login, playback, capture, quiz, logout with the playback open; learner B (no
employer, care course of INST-002) closes its playback before logging out. What each account may
read is computed here from those facts, not from study_events.py. The stream itself is read over
real HTTP (uvicorn in a thread) to see resume and that a stream ends when its client goes.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

from reference_platform.db import Base
from reference_platform.models import CompletionReport, StudyEvent, Supervisor
from reference_platform.study_events import events_after, record_study_events
from tests.test_reference_study_support import Learner, Player, lesson_id
from tests.test_reference_supervision_scope import (
    ACCOUNTS,
    CARE_COURSE,
    COOK_COURSE,
    EXTRA_SUPERVISORS,
    _enrol,
    _set_employer,
    _signed_in,
)
from tests.test_reference_support import PlatformDriver, running_platform

JOURNEY = ["liveness", "login", "playback_start", "capture", "quiz", "playback_stop", "logout"]


@dataclass
class World:
    platform: PlatformDriver
    a: Learner
    b: Learner
    # learner id → the hour's quiz was answered before the capture (the player met the quiz's
    # gate before the capture point, which is drawn at random): its events come in that order
    quiz_first: dict[str, bool] = field(default_factory=dict)

    def events(self, username: str, after: int = 0) -> list[tuple[str, str]]:
        """(type, learner_id) of every event `username` may read, oldest first."""
        sessions = self.platform.client.app.state.platform.sessions  # type: ignore[attr-defined]
        with sessions() as session:
            account = session.scalar(select(Supervisor).where(Supervisor.username == username))
            assert account is not None
            return [(e.type, e.learner_id) for e in events_after(session, account, (0, after))]

    def live(self, username: str) -> set[str]:
        token = self.token(username)
        answer = self.platform.client.get(
            "/api/v1/supervision/live", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200, answer.text
        return {row["learner_id"] for row in answer.json()}

    def token(self, username: str) -> str:
        body = {"username": username, "password": ACCOUNTS[username][2]}
        answer = self.platform.client.post("/api/v1/supervision/token", json=body)
        assert answer.status_code == 200, answer.text
        return answer.json()["token"]


def _study(platform: PlatformDriver, learner: Learner, course: str) -> tuple[Player, bool]:
    """Open lesson 1, play until a capture, answer it and the first hour's questions; answers
    the player and whether the questions had been answered before the capture."""
    player = Player(platform, learner, lesson_id(1, course), course=course)
    player.open()
    while player.challenge is None:
        player.step(30)
    player.answer()
    answers = player.take_quiz(0)
    # the player answers the hour's quiz itself when it meets the gate before the capture point
    # (drawn at random): then the questions are answered already
    assert all(a["status"] == 200 or a["detail"] == "Question already answered" for a in answers), (
        answers
    )
    return player, all(a["status"] != 200 for a in answers)


def _logout(platform: PlatformDriver, learner: Learner) -> None:
    answer = platform.client.post("/api/v1/logout", headers=learner.headers)
    assert answer.status_code == 204, answer.text


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with running_platform(
        tmp_path_factory.mktemp("events"), supervisors=EXTRA_SUPERVISORS
    ) as platform:
        a, b = _signed_in(platform), _signed_in(platform)
        _enrol(platform, a, COOK_COURSE)
        _enrol(platform, b, CARE_COURSE)
        _set_employer(platform, a.learner_id, "ENT-A")
        yield World(platform, a, b)


@pytest.fixture(scope="module")
def studied(world: World) -> World:
    """Both journeys done; the live view checked while they study and after."""
    _, world.quiz_first[world.a.learner_id] = _study(world.platform, world.a, COOK_COURSE)
    player_b, world.quiz_first[world.b.learner_id] = _study(world.platform, world.b, CARE_COURSE)
    assert world.live("hr-authority") >= {world.a.learner_id, world.b.learner_id}
    assert world.live("enterprise-a") == {world.a.learner_id}
    assert world.live("school-1") == {world.a.learner_id}
    assert world.live("school-2") == {world.b.learner_id}
    _logout(world.platform, world.a)  # with its playback open: the stop comes with the logout
    player_b.close()
    _logout(world.platform, world.b)
    for username in ACCOUNTS:
        assert world.live(username).isdisjoint({world.a.learner_id, world.b.learner_id})
    return world


def _journey_of(events: list[tuple[str, str]], learner_id: str) -> list[str]:
    """The learner's event types, repeated quiz answers folded into one."""
    types = [kind for kind, who in events if who == learner_id]
    return [kind for i, kind in enumerate(types) if not (kind == "quiz" and types[i - 1] == kind)]


def test_every_study_step_is_an_event_in_order(studied: World) -> None:
    events = studied.events("hr-authority")
    # The liveness check comes before the login it opens.
    for learner in (studied.a, studied.b):
        journey = list(JOURNEY)
        if studied.quiz_first[learner.learner_id]:  # the study's steps came in that order
            journey[3:5] = ["quiz", "capture"]
        assert _journey_of(events, learner.learner_id) == journey
        assert sum(1 for kind, who in events if who == learner.learner_id and kind == "quiz") >= 5


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_each_account_reads_exactly_the_events_of_its_scope(studied: World, username: str) -> None:
    sees = {
        "hr-authority": {studied.a.learner_id, studied.b.learner_id},
        "audit-office": {studied.a.learner_id, studied.b.learner_id},
        "enterprise-a": {studied.a.learner_id},
        "school-1": {studied.a.learner_id},
        "school-2": {studied.b.learner_id},
    }[username]
    events = studied.events(username)
    assert {who for _, who in events} == sees
    assert events == [e for e in studied.events("hr-authority") if e[1] in sees]


def test_the_stream_refuses_bad_callers(world: World) -> None:
    client = world.platform.client
    assert client.get("/api/v1/supervision/events").status_code == 401
    learner = client.get("/api/v1/supervision/events", headers=world.a.headers)
    assert learner.status_code == 401
    bad = client.get(
        "/api/v1/supervision/events",
        headers={
            "Authorization": f"Bearer {world.token('hr-authority')}",
            "Last-Event-ID": "not-an-id",
        },
    )
    assert bad.status_code == 422 and "Last-Event-ID" in bad.text


@pytest.fixture(scope="module")
def served(world: World) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(world.platform.client.app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)


def _first_messages(url: str, headers: dict[str, str], count: int) -> list[dict[str, str]]:
    """The first `count` messages with data, read with a bounded wait."""
    found: list[dict[str, str]] = []
    current: dict[str, str] = {}
    with httpx.stream("GET", url, headers=headers, timeout=httpx.Timeout(5.0)) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        for line in answer.iter_lines():
            if line:
                field, _, value = line.partition(":")
                current[field] = value.strip()
            elif "data" in current:
                found.append(current)
                current = {}
                if len(found) == count:
                    break
            else:
                current = {}
    return found


def test_resume_sends_what_follows_the_id_once_and_the_stream_ends_with_its_client(
    studied: World, served: str
) -> None:
    app_state = studied.platform.client.app.state
    headers = {"Authorization": f"Bearer {studied.token('enterprise-a')}", "Last-Event-ID": "0"}
    everything = studied.events("enterprise-a")
    first = _first_messages(served + "/api/v1/supervision/events", headers, len(everything))
    assert [(m["event"], json.loads(m["data"])["learner_id"]) for m in first] == everything
    assert all(m["id"] == json.loads(m["data"])["event_id"] for m in first)
    middle = first[len(first) // 2]["id"]
    rest = _first_messages(
        served + "/api/v1/supervision/events",
        headers | {"Last-Event-ID": middle},
        len(first) - len(first) // 2 - 1,
    )
    assert [m["id"] for m in rest] == [m["id"] for m in first[len(first) // 2 + 1 :]]
    deadline = time.monotonic() + 5
    while getattr(app_state, "open_event_streams", 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert app_state.open_event_streams == 0, "a stream outlived its client"


def test_a_completion_report_is_a_completion_event() -> None:
    """The hook on its own (a whole course per test is too slow): a completion report written
    in a flush becomes one `completion` event of its learner and course, in the same commit."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    sessions = sessionmaker(engine)
    record_study_events(sessions)
    at = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    with sessions() as session:
        session.add(
            CompletionReport(
                id="rep_1",
                learner_id="lrn_1",
                course_id="crs-1",
                certificate_number="CERT-1",
                created_at=at,
            )
        )
        session.commit()
        rows = session.scalars(select(StudyEvent)).all()
    assert [(e.type, e.learner_id, e.course_id, e.ref, e.at) for e in rows] == [
        ("completion", "lrn_1", "crs-1", "rep_1", at)
    ]


def test_an_idle_stream_holds_no_database_connection(studied: World, served: str) -> None:
    """The stream polls with a session of its own per poll: between polls no connection is
    checked out (a held one would show in every sample) but the heartbeats' own on the event
    loop's thread (heartbeat_path.py), kept open on purpose."""
    context = studied.platform.client.app.state.platform
    engine = context.engine
    headers = {"Authorization": f"Bearer {studied.token('hr-authority')}"}
    url = served + "/api/v1/supervision/events"
    with httpx.stream("GET", url, headers=headers, timeout=httpx.Timeout(5.0)) as answer:
        assert answer.status_code == 200
        samples = []
        for _ in range(20):
            kept = 1 if context.loop_connection is not None else 0
            samples.append(engine.pool.checkedout() - kept)
            time.sleep(0.05)
    assert samples.count(0) >= len(samples) // 2, samples
