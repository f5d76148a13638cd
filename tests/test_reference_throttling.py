"""Sign-in throttling on the reference platform (POST-03): both sides of its bounds."""

from __future__ import annotations

import pytest

from reference_platform.throttling import LOCK, MAX_FAILURES
from tests.test_reference_support import AUTHORITY, running_platform


def test_learner_is_throttled_after_max_failures_until_the_lock_ends(tmp_path):
    with running_platform(tmp_path) as platform:
        person = platform.register()
        right = person.password
        person.password = "wrong-password"
        for _ in range(MAX_FAILURES):
            assert platform.login(person).status_code == 401
        person.password = right
        locked = platform.login(person)
        assert locked.status_code == 429 and locked.json()["detail"]
        platform.advance(LOCK.total_seconds() - 5)
        assert platform.login(person).status_code == 429
        platform.advance(6)
        assert platform.login(person).status_code == 200


def test_one_failure_short_of_the_bound_a_right_password_signs_in(tmp_path):
    with running_platform(tmp_path) as platform:
        person = platform.register()
        right = person.password
        person.password = "wrong-password"
        for _ in range(MAX_FAILURES - 1):
            assert platform.login(person).status_code == 401
        person.password = right
        assert platform.login(person).status_code == 200


@pytest.mark.parametrize("username", [AUTHORITY[0], "nobody-at-all"])
def test_supervision_username_is_throttled_whether_or_not_it_exists(tmp_path, username):
    with running_platform(tmp_path) as platform:
        wrong = {"username": username, "password": "wrong-password"}
        for _ in range(MAX_FAILURES):
            assert platform.client.post("/api/v1/supervision/token", json=wrong).status_code == 401
        answer = platform.client.post("/api/v1/supervision/token", json=wrong)
        assert answer.status_code == 429


def test_defect_switches_throttling_off(tmp_path):
    with running_platform(tmp_path, ("no_login_throttling",)) as platform:
        person = platform.register()
        right = person.password
        person.password = "wrong-password"
        for _ in range(MAX_FAILURES + 2):
            assert platform.login(person).status_code == 401
        person.password = right
        assert platform.login(person).status_code == 200
