"""Login (ID-02, ID-03, STUDY-03): liveness on every login, one active login, token lifetime."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.test_reference_support import live_frames, running_platform


def test_login_verifies_liveness_and_issues_a_token(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person = platform.register()
        calls_before = len(platform.province.calls_of("liveness"))
        answer = platform.login(person)
        assert answer.status_code == 200, answer.text
        out = answer.json()
        assert len(platform.province.calls_of("liveness")) == calls_before + 1
        expires = dt.datetime.fromisoformat(out["expires_at"])
        now = dt.datetime.now(dt.UTC)
        assert dt.timedelta(hours=11, minutes=59) < expires - now <= dt.timedelta(hours=12)
        me = platform.client.get("/api/v1/me", headers={"Authorization": f"Bearer {out['token']}"})
        assert me.json() == {
            "learner_id": person.learner_id,
            "name": person.name,
            "login_id": out["login_id"],
        }
        [event] = platform.supervise("liveness-events", learner_id=person.learner_id or "")
        assert event["passed"] and event["reason"] == "ok"
        assert event["verification_id"] == out["liveness_verification_id"]
        assert event["login_id"] == out["login_id"]
        [login] = platform.supervise("logins", id_number=person.id_number)
        assert login["active"] and login["device_id"] == "dev-1"
        assert login["liveness_verification_id"] == out["liveness_verification_id"]


def test_bad_credentials_get_one_message(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person = platform.register()
        wrong_password = platform.client.post(
            "/api/v1/login",
            json={
                "id_number": person.id_number,
                "password": "wrong-password",
                "device_id": "d",
                "liveness_frames": live_frames(),
            },
        )
        other = platform.register()
        other.id_number = other.id_number[:6] + "19000101" + other.id_number[14:]
        unknown = platform.login(other)
        assert wrong_password.status_code == unknown.status_code == 401
        assert wrong_password.json() == unknown.json() == {"detail": "Wrong ID number or password"}
        assert platform.supervise("liveness-events", learner_id=person.learner_id or "") == []


def test_failed_liveness_is_refused_and_recorded(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person = platform.register()
        province, face = platform.province, person.id_number
        for reason, frames in (
            ("face_mismatch", province.frames(face, "impostor")),
            ("too_few_frames", province.frames(face, "live", 2)),
        ):
            answer = platform.login(person, frames=frames)
            assert answer.status_code == 403
            assert answer.json()["detail"] == f"Liveness check failed: {reason}"
        still = platform.login(person, frames=province.frames(face, "still"))
        assert still.json()["detail"] == "Liveness check failed: still_replay"
        events = platform.supervise("liveness-events", learner_id=person.learner_id or "")
        assert [(e["passed"], e["reason"], e["login_id"]) for e in events] == [
            (False, "face_mismatch", None),
            (False, "too_few_frames", None),
            (False, "still_replay", None),
        ]
        assert platform.supervise("logins", learner_id=person.learner_id or "") == []


def test_frames_must_be_images(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person = platform.register()
        answer = platform.login(person, frames=["bm90IGFuIGltYWdlIGF0IGFsbA=="])
        assert answer.status_code == 422
        assert platform.supervise("liveness-events", learner_id=person.learner_id or "") == []


def test_a_new_login_ends_the_older_one(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person = platform.register()
        first = platform.learner_headers(person)
        second = platform.login(person, device="dev-2").json()
        assert platform.client.get("/api/v1/me", headers=first).status_code == 401
        headers = {"Authorization": f"Bearer {second['token']}"}
        assert platform.client.get("/api/v1/me", headers=headers).status_code == 200
        old, new = platform.supervise("logins", learner_id=person.learner_id or "")
        assert not old["active"] and old["end_reason"] == "Superseded by a newer login"
        assert old["ended_at"] is not None
        assert new["active"] and new["login_id"] == second["login_id"]


def test_logout_and_expiry_end_the_token(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person = platform.register()
        headers = platform.learner_headers(person)
        assert platform.client.post("/api/v1/logout", headers=headers).status_code == 204
        assert platform.client.get("/api/v1/me", headers=headers).status_code == 401
        assert platform.client.post("/api/v1/logout", headers=headers).status_code == 401
        [ended] = platform.supervise("logins", learner_id=person.learner_id or "")
        assert ended["end_reason"] == "Logged out" and not ended["active"]

        # The expiry slides: 12 h after the last accepted request, not after the login.
        headers = platform.learner_headers(person)
        platform.advance(11.9 * 3600)
        assert platform.client.get("/api/v1/me", headers=headers).status_code == 200
        platform.advance(11.9 * 3600)
        assert platform.client.get("/api/v1/me", headers=headers).status_code == 200
        platform.advance(12 * 3600 + 1)
        assert platform.client.get("/api/v1/me", headers=headers).status_code == 401
        assert not platform.supervise("logins", learner_id=person.learner_id or "")[-1]["active"]


def test_unknown_tokens_and_foreign_tokens_are_refused(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person = platform.register()
        learner = platform.learner_headers(person)
        supervisor = platform.supervisor_headers()
        assert platform.client.get("/api/v1/me").status_code == 401
        assert (
            platform.client.get("/api/v1/me", headers={"Authorization": "Bearer x"}).status_code
            == 401
        )
        assert platform.client.get("/api/v1/me", headers=supervisor).status_code == 401
        assert platform.client.get("/api/v1/me/enrolments", headers=supervisor).status_code == 401
        for path in ("learners", "enrolments", "logins", "liveness-events"):
            assert platform.client.get(f"/api/v1/supervision/{path}").status_code == 401
            answer = platform.client.get(f"/api/v1/supervision/{path}", headers=learner)
            assert answer.status_code == 401
        photo = f"/api/v1/supervision/learners/{person.learner_id}/face-photo"
        assert platform.client.get(photo, headers=learner).status_code == 401
        bad = platform.client.post(
            "/api/v1/supervision/token", json={"username": "hr-authority", "password": "guess"}
        )
        assert bad.status_code == 401


def test_province_outage_at_login_is_a_503(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person = platform.register()
        with platform.province.outage():
            assert platform.login(person).status_code == 503
        assert platform.supervise("logins", learner_id=person.learner_id or "") == []


def test_defect_liveness_only_on_first_login(tmp_path: Path) -> None:
    with running_platform(tmp_path, defects=("liveness_only_on_first_login",)) as platform:
        person = platform.register()
        first = platform.login(person).json()
        calls = len(platform.province.calls_of("liveness"))
        second = platform.login(person, frames=platform.province.frames(person.id_number, "still"))
        assert second.status_code == 200
        assert second.json()["liveness_verification_id"] == first["liveness_verification_id"]
        assert len(platform.province.calls_of("liveness")) == calls


def test_defects_ignoring_liveness_verdicts(tmp_path: Path) -> None:
    defects = ("ignores_face_mismatch", "ignores_still_replay")
    with running_platform(tmp_path, defects=defects) as platform:
        person = platform.register()
        province, face = platform.province, person.id_number
        assert platform.login(person, frames=province.frames(face, "impostor")).status_code == 200
        assert platform.login(person, frames=province.frames(face, "still")).status_code == 200
        assert platform.login(person, frames=province.frames(face, "live", 2)).status_code == 403
    with running_platform(tmp_path, defects=("ignores_face_mismatch",)) as platform:
        person = platform.register()
        still = platform.province.frames(person.id_number, "still")
        assert platform.login(person, frames=still).status_code == 403


def test_defect_allows_concurrent_logins(tmp_path: Path) -> None:
    with running_platform(tmp_path, defects=("allows_concurrent_logins",)) as platform:
        person = platform.register()
        first = platform.learner_headers(person)
        second = platform.learner_headers(person)
        assert platform.client.get("/api/v1/me", headers=first).status_code == 200
        assert platform.client.get("/api/v1/me", headers=second).status_code == 200
        logins = platform.supervise("logins", learner_id=person.learner_id or "")
        assert [login["active"] for login in logins] == [True, True]


def test_identity_unknown_at_the_province_fails_liveness(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person = platform.register()
        platform.province.forget_registrations(person.id_number)  # e.g. the province was reset
        answer = platform.login(person)
        assert answer.status_code == 403
        assert answer.json()["detail"] == "Liveness check failed: identity_not_registered"
        [event] = platform.supervise("liveness-events", learner_id=person.learner_id or "")
        assert not event["passed"] and event["verification_id"] is None
