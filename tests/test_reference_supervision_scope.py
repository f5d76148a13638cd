"""Supervision accounts and their scopes on the reference platform (POST-03, POST-07).

One platform is seeded with an account of every kind and three learners:
- A works for enterprise ENT-A and is enrolled in a cooking course (run by INST-001) and a care
  course (run by INST-002), with a playback, a capture and quiz answers in each (five back to
  back in the cooking course: a self-check finding), and a second cooking lesson whose capture
  failed (the registered photo held up: a replay);
- B has no employer and is enrolled in the care course, with a playback, a capture and five quiz
  answers back to back (a self-check finding);
- C works for ENT-B, has signed in but is enrolled nowhere.

Each account's view is compared, endpoint by endpoint, with what the rule says it should be,
computed here from the authority's complete view and the facts above (not from scope.py).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn
from sqlalchemy import select, update

from harness.profile import ResolvedAccount
from harness.supervision import Supervisors
from reference_platform.main import create_app
from reference_platform.models import Learner as LearnerRow
from reference_platform.models import Supervisor
from reference_platform.security import PasswordHasher
from reference_platform.settings import PlatformSettings
from tests.test_reference_study_support import Learner, Player, lesson_id
from tests.test_reference_support import AUTHORITY, CARE, COOK, PlatformDriver, running_platform

COOK_COURSE, CARE_COURSE = "crs-cook-junior-a", "crs-care-intermediate"
INSTITUTION_OF = {COOK_COURSE: "INST-001", CARE_COURSE: "INST-002"}  # the reference seed's
ACCOUNTS = {
    "hr-authority": ("authority", None, AUTHORITY[1]),
    "audit-office": ("auditor", None, "audit-password-for-tests"),
    "enterprise-a": ("enterprise", "ENT-A", "enterprise-password-for-tests"),
    "school-1": ("institution", "INST-001", "school-1-password-for-tests"),
    "school-2": ("institution", "INST-002", "school-2-password-for-tests"),
}
EXTRA_SUPERVISORS = [
    {"username": name, "password": password, "kind": kind, "scope": scope}
    for name, (kind, scope, password) in ACCOUNTS.items()
    if kind != "authority"
]
# Each list endpoint with the fields that identify a row.
LISTS = {
    "learners": ("learner_id",),
    "enrolments": ("enrolment_id",),
    "logins": ("login_id",),
    "liveness-events": ("learner_id", "at"),
    "progress": ("learner_id", "lesson_id"),
    "course-progress": ("learner_id", "course_id"),
    "playbacks": ("playback_id",),
    "captures": ("challenge_id",),
    "quiz-answers": ("learner_id", "question_id"),
}


@dataclass
class World:
    platform: PlatformDriver
    a: Learner
    b: Learner
    c: Learner
    employer: dict[str, str]  # learner id → enterprise id
    tokens: dict[str, str] = field(default_factory=dict)  # signed in once per account: scrypt

    def headers(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            body = {"username": username, "password": ACCOUNTS[username][2]}
            answer = self.platform.client.post("/api/v1/supervision/token", json=body)
            assert answer.status_code == 200, answer.text
            self.tokens[username] = answer.json()["token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def get(self, username: str, path: str, **params: str) -> Any:
        return self.platform.client.get(
            f"/api/v1/supervision/{path}", params=params, headers=self.headers(username)
        )

    def rows(self, username: str, path: str, **params: str) -> list[dict[str, Any]]:
        answer = self.get(username, path, **params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def learners_in(self, institution: str) -> set[str]:
        enrolments = self.rows("hr-authority", "enrolments")
        return {
            e["learner_id"] for e in enrolments if INSTITUTION_OF[e["course_id"]] == institution
        }

    def rule(self, username: str) -> Callable[[dict[str, Any]], bool]:
        """Whether `username` may see a row: the scope rule, written out for the test."""
        kind, scope, _ = ACCOUNTS[username]
        if kind in ("authority", "auditor"):
            return lambda row: True
        if kind == "enterprise":
            return lambda row: self.employer.get(row["learner_id"]) == scope
        students = self.learners_in(scope or "")

        def institution_sees(row: dict[str, Any]) -> bool:
            course = row.get("course_id")
            return row["learner_id"] in students and (
                course is None or INSTITUTION_OF[course] == scope
            )

        return institution_sees


def _no_id(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "id_number"} for row in rows]


def _key(path: str, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[name] for name in LISTS[path])


def _play_until_a_capture(
    platform: PlatformDriver, learner: Learner, course: str, lesson: int = 1, still: bool = False
) -> None:
    """Open the lesson, play until a capture challenge comes, answer it (with the registered
    photo itself when `still`: a failed capture)."""
    player = Player(platform, learner, lesson_id(lesson, course), course=course)
    player.open()
    while player.challenge is None:
        player.step(30)
    player.answer(platform.face(learner.person) if still else None)


def _answer_questions(platform: PlatformDriver, learner: Learner, course: str, count: int) -> None:
    """`count` quiz answers of the learner in `course`, back to back (course-bound rows of the
    quiz-answer list; five of them also a self-check finding, `fast_quiz_answers`). A question
    the player answered already (at an hour's quiz gate reached before its capture came) is
    skipped: the count is of answers given here."""
    questions = platform.client.get(f"/api/v1/courses/{course}/questions", headers=learner.headers)
    assert questions.status_code == 200, questions.text
    given = 0
    for question in questions.json():
        if given == count:
            break
        answer = platform.client.post(
            f"/api/v1/questions/{question['question_id']}/answer",
            json={"option": question["options"][0]["key"]},
            headers=learner.headers,
        )
        if answer.status_code == 409:  # answered by the player at its quiz gate
            continue
        assert answer.status_code in (200, 201), answer.text
        given += 1
    assert given == count


def _enrol(platform: PlatformDriver, learner: Learner, course: str) -> None:
    occupation = COOK if course == COOK_COURSE else CARE
    voucher = platform.province.issue_voucher(learner.person.id_number, occupation)
    answer = platform.enrol(learner.headers, course, voucher)
    assert answer.status_code == 201, answer.text


def _signed_in(platform: PlatformDriver) -> Learner:
    person = platform.register()
    return Learner(person, platform.learner_headers(person))


def _set_employer(platform: PlatformDriver, learner_id: str, enterprise: str) -> None:
    """The employer written straight to the table, so these tests depend on the scope rule only
    (the enrolment route itself: tests/test_reference_employment.py)."""
    sessions = platform.client.app.state.platform.sessions  # type: ignore[attr-defined]
    with sessions() as session:
        session.execute(
            update(LearnerRow).where(LearnerRow.id == learner_id).values(enterprise_id=enterprise)
        )
        session.commit()


@contextmanager
def scoped_world(folder: Path) -> Iterator[World]:
    """The world above on a fresh platform (the export tests build their own)."""
    with running_platform(folder, supervisors=EXTRA_SUPERVISORS) as platform:
        a, b, c = (_signed_in(platform) for _ in range(3))
        _enrol(platform, a, COOK_COURSE)
        _enrol(platform, a, CARE_COURSE)
        _enrol(platform, b, CARE_COURSE)
        _play_until_a_capture(platform, a, COOK_COURSE)
        _play_until_a_capture(platform, a, CARE_COURSE)
        _play_until_a_capture(platform, b, CARE_COURSE)
        _play_until_a_capture(platform, a, COOK_COURSE, lesson=2, still=True)
        for learner, course, count in (
            (a, COOK_COURSE, 5),
            (a, CARE_COURSE, 1),
            (b, CARE_COURSE, 5),
        ):
            _answer_questions(platform, learner, course, count)
        employer = {a.learner_id: "ENT-A", c.learner_id: "ENT-B"}
        for learner_id, enterprise in employer.items():
            _set_employer(platform, learner_id, enterprise)
        yield World(platform, a, b, c, employer)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with scoped_world(tmp_path_factory.mktemp("scope")) as built:
        yield built


def test_the_world_has_something_to_hide_on_every_list(world: World) -> None:
    """Guards the other tests: every list has rows, and every scoped account misses some."""
    for path in LISTS:
        everything = world.rows("hr-authority", path)
        assert everything, path
        for username, (kind, _, _) in ACCOUNTS.items():
            if kind in ("enterprise", "institution"):
                hidden = [row for row in everything if not world.rule(username)(row)]
                assert hidden, (username, path)


@pytest.mark.parametrize("username", sorted(ACCOUNTS))
def test_each_account_sees_exactly_its_scope_on_every_list(world: World, username: str) -> None:
    allowed = world.rule(username)
    for path in LISTS:
        everything = world.rows("hr-authority", path)
        expected = sorted(_key(path, row) for row in everything if allowed(row))
        seen = sorted(_key(path, row) for row in world.rows(username, path))
        assert seen == expected, path


@pytest.mark.parametrize("username", sorted(ACCOUNTS))
def test_a_learner_filter_never_widens_the_scope(world: World, username: str) -> None:
    allowed = world.rule(username)
    for learner in (world.a, world.b, world.c):
        for path in ("learners", "enrolments", "logins", "playbacks", "captures"):
            rows = world.rows(username, path, learner_id=learner.learner_id)
            everything = world.rows("hr-authority", path, learner_id=learner.learner_id)
            expected = [row for row in everything if allowed(row)]
            # ID numbers are masked for scoped accounts (tests/test_reference_masking.py)
            assert _no_id(rows) == _no_id(expected), (path, learner)


@pytest.mark.parametrize("username", sorted(ACCOUNTS))
def test_an_id_number_look_up_never_widens_the_scope(world: World, username: str) -> None:
    """The lists the interface narrows by the full ID number too answer only the scope."""
    allowed = world.rule(username)
    for learner in (world.a, world.b, world.c):
        number = learner.person.id_number
        for path in ("learners", "enrolments", "logins", "liveness-events"):
            rows = world.rows(username, path, id_number=number)
            everything = world.rows("hr-authority", path, learner_id=learner.learner_id)
            expected = [row for row in everything if allowed(row)]
            assert _no_id(rows) == _no_id(expected), (path, learner)


@pytest.mark.parametrize("username", sorted(ACCOUNTS))
def test_self_check_findings_follow_the_scope(world: World, username: str) -> None:
    """Every account reads the findings of the learners in its scope, each as the authority
    reads it (a finding is the learner's, not a course's)."""
    everything = world.rows("hr-authority", "self-check/findings")
    flagged = {row["learner_id"] for row in everything}
    assert {world.a.learner_id, world.b.learner_id} <= flagged  # fast_quiz_answers
    allowed = world.rule(username)
    for learner_id in (None, world.a.learner_id, world.b.learner_id):
        narrowed = {} if learner_id is None else {"learner_id": learner_id}
        seen = world.rows(username, "self-check/findings", **narrowed)
        expected = [r for r in everything if allowed(r) and learner_id in (None, r["learner_id"])]
        assert sorted(map(_canonical, seen)) == sorted(map(_canonical, expected)), learner_id
    if username in ("enterprise-a", "school-1"):  # B is outside their scope: hidden
        assert [r for r in everything if not allowed(r)]


def _canonical(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize("username", sorted(ACCOUNTS))
def test_objects_outside_the_scope_are_not_found(world: World, username: str) -> None:
    """Photos and capture images answer 404 outside the scope (not 403: existence is not
    revealed); heartbeats of an invisible playback are an empty list, as for an unknown one."""
    allowed = world.rule(username)
    for learner in world.rows("hr-authority", "learners"):
        for kind in ("face", "id-card"):
            answer = world.get(username, f"learners/{learner['learner_id']}/{kind}-photo")
            assert answer.status_code == (200 if allowed(learner) else 404), (kind, learner)
    for capture in world.rows("hr-authority", "captures"):
        answer = world.get(username, f"captures/{capture['challenge_id']}/image")
        assert answer.status_code == (200 if allowed(capture) else 404), capture
        if answer.status_code == 404:
            assert answer.json() == {"detail": "Capture image not kept"}
    for playback in world.rows("hr-authority", "playbacks"):
        beats = world.rows(username, "heartbeats", playback_id=playback["playback_id"])
        everything = world.rows("hr-authority", "heartbeats", playback_id=playback["playback_id"])
        assert everything
        assert beats == (everything if allowed(playback) else []), playback


@pytest.mark.parametrize("username", sorted(ACCOUNTS))
def test_me_and_the_token_answer_name_the_account(world: World, username: str) -> None:
    kind, scope, password = ACCOUNTS[username]
    account = {"username": username, "kind": kind, "scope": scope}
    token = world.platform.client.post(
        "/api/v1/supervision/token", json={"username": username, "password": password}
    )
    assert token.json()["account"] == account
    assert world.get(username, "me").json() == account


@pytest.mark.parametrize("username", [*sorted(ACCOUNTS), "nobody"])
def test_a_wrong_password_is_refused(world: World, username: str) -> None:
    body = {"username": username, "password": "not-the-password"}
    answer = world.platform.client.post("/api/v1/supervision/token", json=body)
    assert (answer.status_code, answer.json()) == (401, {"detail": "Wrong username or password"})


def test_another_accounts_password_does_not_open_an_account(world: World) -> None:
    body = {"username": "school-1", "password": ACCOUNTS["school-2"][2]}
    answer = world.platform.client.post("/api/v1/supervision/token", json=body)
    assert answer.status_code == 401


def test_passwords_are_stored_salted_and_hashed(world: World) -> None:
    sessions = world.platform.client.app.state.platform.sessions  # type: ignore[attr-defined]
    with sessions() as session:
        rows = {row.username: row for row in session.scalars(select(Supervisor))}
    assert set(rows) == set(ACCOUNTS)
    salts = set()
    for username, (kind, scope, password) in ACCOUNTS.items():
        row = rows[username]
        assert (row.kind, row.scope_id) == (kind, scope)
        assert row.password_hash.startswith("scrypt$")
        assert password not in row.password_hash
        assert PasswordHasher().verify(password, row.password_hash)
        salts.add(row.password_hash.split("$")[4])
    assert len(salts) == len(ACCOUNTS)


def test_a_restart_applies_changed_accounts_and_drops_their_tokens(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'accounts.db'}"
    first = [{"username": "school", "password": "first-pw", "kind": "institution", "scope": "I1"}]
    with running_platform(tmp_path, database_url=url, supervisors=first) as platform:
        body = {"username": "school", "password": "first-pw"}
        token = platform.client.post("/api/v1/supervision/token", json=body).json()["token"]
    moved = [{**first[0], "password": "second-pw", "scope": "I2"}]
    with running_platform(tmp_path, database_url=url, supervisors=moved) as platform:
        client = platform.client
        old = client.get("/api/v1/supervision/me", headers={"Authorization": f"Bearer {token}"})
        assert old.status_code == 401
        body = {"username": "school", "password": "first-pw"}
        assert client.post("/api/v1/supervision/token", json=body).status_code == 401
        body["password"] = "second-pw"
        answer = client.post("/api/v1/supervision/token", json=body)
        assert answer.json()["account"] == {
            "username": "school",
            "kind": "institution",
            "scope": "I2",
        }
    with running_platform(tmp_path, database_url=url) as platform:  # no longer configured
        body = {"username": "school", "password": "second-pw"}
        assert platform.client.post("/api/v1/supervision/token", json=body).status_code == 401


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[{", "SXCERT_REF_SUPERVISORS: not valid JSON"),
        ('{"username": "x"}', "SXCERT_REF_SUPERVISORS: must be a JSON list"),
        (
            '[{"username": "e", "password": "p", "kind": "enterprise"}]',
            "SXCERT_REF_SUPERVISORS[0]: an enterprise account needs a scope",
        ),
        (
            '[{"username": "a", "password": "p", "kind": "auditor", "scope": "X"}]',
            "SXCERT_REF_SUPERVISORS[0]: an auditor account sees the whole platform",
        ),
        (
            '[{"username": "a", "password": "p", "kind": "inspector"}]',
            "SXCERT_REF_SUPERVISORS[0].kind: Input should be 'authority', 'auditor'",
        ),
        (
            json.dumps([{"username": "hr-authority", "password": "p", "kind": "auditor"}]),
            "supervision username given twice: hr-authority",
        ),
    ],
)
def test_bad_supervisor_settings_refuse_to_start_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("SXCERT_REF_SUPERVISORS", value)
    monkeypatch.setenv("SXCERT_REF_AUTHORITY_PASSWORD", "authority-secret-pw")
    with pytest.raises(SystemExit) as refused:
        create_app()
    text = str(refused.value.code)
    assert text.startswith("Invalid SXCERT_REF_* settings")
    assert message in text
    assert '"p"' not in text and "authority-secret-pw" not in text


@pytest.fixture(scope="module")
def served(world: World) -> Iterator[str]:
    """The world's app over real HTTP (uvicorn in a thread, lifespan already run by the test
    client), for the harness's requests-based supervision clients."""
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


@pytest.fixture(scope="module")
def clients(served: str) -> Iterator[Supervisors]:
    session = requests.Session()
    accounts = [
        ResolvedAccount(kind=kind, username=name, password=password, scope=scope)
        for name, (kind, scope, password) in ACCOUNTS.items()
    ]
    yield Supervisors.for_accounts(served, session, accounts)
    session.close()


def test_the_harness_clients_see_what_each_account_sees(world: World, clients: Supervisors) -> None:
    """The harness side of the same contract: `whoami`, the unfiltered list calls and the
    per-learner calls the checks use, one client per account."""
    assert [client.username for client in clients] == list(ACCOUNTS)
    assert clients.authority.username == "hr-authority"
    for client in clients:
        kind, scope, _ = ACCOUNTS[client.username]
        me = client.whoami()
        assert (me.username, me.kind, me.scope) == (client.username, kind, scope)
        allowed = world.rule(client.username)
        everything = world.rows("hr-authority", "enrolments")
        assert sorted(e.enrolment_id for e in client.enrolments()) == sorted(
            row["enrolment_id"] for row in everything if allowed(row)
        )
        for learner in (world.a, world.b, world.c):
            sees = allowed({"learner_id": learner.learner_id})
            assert bool(client.learners(learner_id=learner.learner_id)) == sees
            assert (client.learner(learner.person.id_number) is not None) == sees
            assert (client.photo(learner.learner_id, "face") is not None) == sees
            assert bool(client.logins(learner.learner_id)) == sees
            theirs = clients.authority.captures(learner.learner_id)
            expected = [c.challenge_id for c in theirs if allowed(c.model_dump())]
            assert [c.challenge_id for c in client.captures(learner.learner_id)] == expected
        for capture in clients.authority.captures():
            image = client.capture_image(capture.challenge_id)
            assert (image is not None) == allowed(capture.model_dump())


def test_settings_read_the_supervisors_variable_beside_the_authority_shorthand() -> None:
    settings = PlatformSettings.from_env(
        {
            "SXCERT_REF_AUTHORITY_USER": "boss",
            "SXCERT_REF_AUTHORITY_PASSWORD": "pw-boss",
            "SXCERT_REF_SUPERVISORS": json.dumps(EXTRA_SUPERVISORS),
        }
    )
    accounts = settings.supervisor_accounts()
    assert [(a.username, a.kind, a.scope) for a in accounts] == [
        ("boss", "authority", None),
        *[(s["username"], s["kind"], s["scope"]) for s in EXTRA_SUPERVISORS],
    ]
    assert accounts[0].password.get_secret_value() == "pw-boss"
    assert "password-for-tests" not in repr(settings)
