"""Enterprise enrolment of employees on the reference platform (ENT-01, STUDY-08).

Each test signs in with one account of every kind and judges the route's answers and what the
enterprise account then sees through `/supervision/learners`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_reference_support import PlatformDriver, running_platform

ACCOUNTS = [
    {"username": "ent-a", "password": "ent-a-password", "kind": "enterprise", "scope": "ENT-A"},
    {"username": "ent-b", "password": "ent-b-password", "kind": "enterprise", "scope": "ENT-B"},
    {"username": "audit", "password": "audit-password", "kind": "auditor", "scope": None},
    {"username": "inst", "password": "inst-password", "kind": "institution", "scope": "INST-001"},
]
EMPLOYEES = "/api/v1/enterprise/employees"


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[PlatformDriver]:
    with running_platform(tmp_path, supervisors=ACCOUNTS) as driver:
        yield driver


def headers(platform: PlatformDriver, username: str) -> dict[str, str]:
    account = next(a for a in ACCOUNTS if a["username"] == username)
    body = {"username": username, "password": account["password"]}
    answer = platform.client.post("/api/v1/supervision/token", json=body)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def seen_by(platform: PlatformDriver, username: str) -> set[str]:
    answer = platform.client.get(
        "/api/v1/supervision/learners", headers=headers(platform, username)
    )
    assert answer.status_code == 200, answer.text
    return {row["learner_id"] for row in answer.json()}


def test_enterprise_enrols_a_registered_learner_and_then_sees_only_them(platform):
    employee, stranger = platform.register(), platform.register()
    body = {"id_number": employee.id_number, "name": employee.name}
    answer = platform.client.post(EMPLOYEES, json=body, headers=headers(platform, "ent-a"))
    assert answer.status_code == 201, answer.text
    assert answer.json() == {
        "learner_id": employee.learner_id,
        "id_number": employee.id_number,
        "name": employee.name,
        "enterprise_id": "ENT-A",
    }
    again = platform.client.post(EMPLOYEES, json=body, headers=headers(platform, "ent-a"))
    assert again.status_code == 201 and again.json() == answer.json()
    assert seen_by(platform, "ent-a") == {employee.learner_id}
    assert stranger.learner_id not in seen_by(platform, "ent-a")
    assert seen_by(platform, "ent-b") == set()


@pytest.mark.parametrize(
    ("case", "status"),
    [("wrong name", 409), ("unregistered", 404), ("employed elsewhere", 409)],
)
def test_enterprise_enrolment_refusals_change_nothing(platform, case, status):
    learner = platform.register()
    if case == "employed elsewhere":
        body = {"id_number": learner.id_number, "name": learner.name}
        taken = platform.client.post(EMPLOYEES, json=body, headers=headers(platform, "ent-b"))
        assert taken.status_code == 201, taken.text
    body = {
        "wrong name": {"id_number": learner.id_number, "name": learner.name + "甲"},
        "unregistered": {"id_number": platform.province.new_person()[0], "name": "张三"},
        "employed elsewhere": {"id_number": learner.id_number, "name": learner.name},
    }[case]
    answer = platform.client.post(EMPLOYEES, json=body, headers=headers(platform, "ent-a"))
    assert answer.status_code == status, answer.text
    assert answer.json()["detail"]
    assert seen_by(platform, "ent-a") == set()


@pytest.mark.parametrize("username", ["audit", "inst", None])
def test_only_an_enterprise_account_enrols(platform, username):
    learner = platform.register()
    body = {"id_number": learner.id_number, "name": learner.name}
    auth = headers(platform, username) if username else {}
    answer = platform.client.post(EMPLOYEES, json=body, headers=auth)
    assert answer.status_code == (403 if username else 401), answer.text
    assert seen_by(platform, "ent-a") == set() and seen_by(platform, "ent-b") == set()


def test_defect_lets_an_auditor_move_an_employee(tmp_path):
    with running_platform(
        tmp_path, ("employee_enrolment_open_to_every_kind",), supervisors=ACCOUNTS
    ) as platform:
        learner = platform.register()
        body = {"id_number": learner.id_number, "name": learner.name}
        platform.client.post(EMPLOYEES, json=body, headers=headers(platform, "ent-a"))
        answer = platform.client.post(EMPLOYEES, json=body, headers=headers(platform, "audit"))
        assert answer.status_code == 201
        assert seen_by(platform, "ent-a") == set()
