"""The province's state file: a restarted province knows what it told platforms before.

Restarts are made three ways: a second app on the same folder (what `sxcert certify` does on its
next run), a real server process killed with SIGKILL (nothing acknowledged may be lost), and a
damaged or foreign file (the start is refused with the file named, never a fresh province).
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient

from harness.embedded import PROVINCE_FACTORY, PROVINCE_HEALTH, running_province
from harness.province import state as state_module
from harness.province.app import create_app
from harness.province.settings import ProvinceSettings
from harness.province.state import STATE_FILE, STATE_VERSION, ProvinceStateError
from harness.province.stores.courses import CourseStore
from harness.province.stores.identities import IdentityStore
from harness.province.stores.log import CallLog
from harness.province.stores.vouchers import VoucherStore
from harness.servers import ServerStartError, start_server, stop

ADMIN = {"Authorization": "Bearer admin-token"}
ALPHA = {"X-Platform-Key": "key-alpha"}


def province(state_dir: Path | None) -> TestClient:
    settings = ProvinceSettings(
        admin_token="admin-token", platform_keys={"alpha": "key-alpha"}, state_dir=state_dir
    )
    return TestClient(create_app(settings))


def stage(client: TestClient) -> dict[str, object]:
    """What a platform's first certification run leaves in the province: a registered learner,
    a redeemed and an unspent voucher, a course approval and the log of those calls."""
    person = client.post("/sandbox/v1/identities", json={}, headers=ADMIN).json()
    face = client.get(f"/sandbox/v1/identities/{person['id_number']}/face.png", headers=ADMIN)
    registered = client.post(
        "/province/v1/identity/registrations",
        json={
            "id_number": person["id_number"],
            "name": person["name"],
            "face_photo": base64.b64encode(face.content).decode(),
        },
        headers=ALPHA,
    )
    assert registered.status_code == 201, registered.text
    voucher_body = {
        "holder_id_number": person["id_number"],
        "occupation_code": "4-10-01-05",
        "level": "junior",
    }
    spent = client.post("/sandbox/v1/vouchers", json=voucher_body, headers=ADMIN).json()
    unspent = client.post("/sandbox/v1/vouchers", json=voucher_body, headers=ADMIN).json()
    applied = client.post(
        "/province/v1/courses/applications",
        json={
            "platform_course_id": "course-1",
            "title": "养老护理员（初级）在线课程",
            "occupation_code": "4-10-01-05",
            "level": "junior",
            "standard": "养老护理员国家职业技能标准（2019年版）",
            "lesson_hours": 80,
        },
        headers=ALPHA,
    ).json()
    redeemed = client.post(
        "/province/v1/vouchers/redeem",
        json={
            "code": spent["code"],
            "id_number": person["id_number"],
            "course_id": "course-1",
            "approval_number": applied["approval_number"],
        },
        headers=ALPHA,
    )
    assert redeemed.status_code == 200, redeemed.text
    return {"person": person, "spent": spent, "unspent": unspent, "approval": applied}


def test_a_restarted_province_knows_what_it_told_the_platform(tmp_path: Path) -> None:
    first = province(tmp_path)
    staged = stage(first)
    log_before = first.get("/sandbox/v1/log", headers=ADMIN).json()
    first.put("/sandbox/v1/faults/unavailable", json={"unavailable": True}, headers=ADMIN)

    again = province(tmp_path)
    person, approval = staged["person"], staged["approval"]
    number = approval["approval_number"]  # type: ignore[index]
    looked_up = again.get(f"/province/v1/courses/approvals/{number}", headers=ALPHA)
    assert looked_up.status_code == 200, "the approval of the first run is known"
    spent = again.get(f"/sandbox/v1/vouchers/{staged['spent']['code']}", headers=ADMIN).json()  # type: ignore[index]
    unspent = again.get(f"/sandbox/v1/vouchers/{staged['unspent']['code']}", headers=ADMIN).json()  # type: ignore[index]
    assert (spent["state"], unspent["state"]) == ("redeemed", "issued")
    frames = again.post(
        f"/sandbox/v1/identities/{person['id_number']}/liveness-frames",  # type: ignore[index]
        json={"kind": "live"},
        headers=ADMIN,
    ).json()["frames"]
    verdict = again.post(
        "/province/v1/identity/liveness",
        json={"id_number": person["id_number"], "frames": frames},  # type: ignore[index]
        headers=ALPHA,
    )
    assert verdict.status_code == 200, "the learner registered in the first run is still known"
    assert verdict.json()["passed"] is True  # and so the faults of the last run are not

    log_after = again.get("/sandbox/v1/log", headers=ADMIN).json()
    assert log_after[: len(log_before)] == log_before
    assert [e["seq"] for e in log_after] == list(range(1, len(log_after) + 1))
    assert [e["operation"] for e in log_after[len(log_before) :]] == ["approval", "liveness"]


def test_the_file_is_written_atomically_and_only_on_change(tmp_path: Path) -> None:
    client = province(tmp_path)
    path = tmp_path / STATE_FILE
    assert not path.exists()  # an empty province has nothing to keep yet
    client.post("/sandbox/v1/identities", json={}, headers=ADMIN)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["version"] == STATE_VERSION
    assert set(saved) == {"version", "identities", "vouchers", "courses", "log", "subsidy"}
    assert len(saved["identities"]["identities"]) == 1
    written = path.stat()
    for read in ("/sandbox/v1/health", "/sandbox/v1/log", "/sandbox/v1/occupations"):
        assert client.get(read, headers=ADMIN).status_code == 200
    assert path.stat().st_ino == written.st_ino  # reads wrote nothing
    client.get("/province/v1/occupations", headers=ALPHA)  # a platform call: logged, so saved
    assert path.stat().st_ino != written.st_ino  # replaced, not rewritten in place
    assert len(json.loads(path.read_text(encoding="utf-8"))["log"]["entries"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [STATE_FILE]  # no temporary left over
    assert path.stat().st_mode & 0o077 == 0  # synthetic, but personal-looking data: owner only


def test_a_change_that_cannot_be_saved_is_not_acknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = province(tmp_path)

    def disk_full(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(state_module, "write_atomically", disk_full)
    answer = client.post("/sandbox/v1/identities", json={}, headers=ADMIN)
    assert (answer.status_code, answer.json()) == (
        500,
        {"detail": "Province state could not be saved"},
    )
    # while the change is unsaved, nothing is answered: a read could show the unsaved person
    assert client.get("/sandbox/v1/health").status_code == 500
    monkeypatch.undo()  # the disk has room again: the next request saves what was pending
    assert client.get("/sandbox/v1/health").status_code == 200
    saved = json.loads((tmp_path / STATE_FILE).read_text(encoding="utf-8"))
    assert len(saved["identities"]["identities"]) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "not a JSON object"),
        (json.dumps({"version": 99}), "version 99, this sxcert reads version 1"),
        (json.dumps({"version": 1}), "lacks courses, identities, log, vouchers"),
        (
            json.dumps(
                {
                    "version": 1,
                    "identities": {"identities": [], "registrations": [], "captures": []},
                    "vouchers": {"vouchers": [], "serials": {}},
                    "courses": {"approvals": [], "serials": {}},
                    "log": {"last_seq": 0, "entries": []},
                }
            ),
            "identities section lacks 'serials'",
        ),
        (b"\xff\xfe".decode("latin-1"), "not valid JSON"),
    ],
)
def test_a_damaged_or_foreign_file_refuses_the_start(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / STATE_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(ProvinceStateError) as refused:
        province(tmp_path)
    assert str(tmp_path / STATE_FILE) in str(refused.value)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_state_folder_that_cannot_be_created_refuses_the_start(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(ProvinceStateError, match="cannot create the province state folder"):
        province(blocker / "state")


def test_the_emulator_process_refuses_a_damaged_file_in_one_line(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE).write_text(json.dumps({"version": 0}), encoding="utf-8")
    env = {
        **os.environ,
        "SXCERT_PROVINCE_ADMIN_TOKEN": "tok",
        "SXCERT_PROVINCE_STATE_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "uvicorn", "--factory", PROVINCE_FACTORY, "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert f"{tmp_path / STATE_FILE}: province state version 0" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_running_province_names_the_damaged_file_before_starting(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    (state_dir / STATE_FILE).write_text("{", encoding="utf-8")
    starting = running_province(tmp_path, {"alpha": "key-alpha"}, state_dir=state_dir)
    with pytest.raises(ServerStartError) as refused, starting:
        pass
    assert str(refused.value).startswith(f"province: {state_dir / STATE_FILE}: ")
    assert not (tmp_path / "logs" / "province.log").exists()  # refused before any server started


def test_a_killed_province_loses_nothing_it_acknowledged(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    env = {
        "SXCERT_PROVINCE_ADMIN_TOKEN": "tok",
        "SXCERT_PROVINCE_PLATFORM_KEYS": "alpha=key-alpha",
        "SXCERT_PROVINCE_STATE_DIR": str(state_dir),
    }
    admin = {"Authorization": "Bearer tok"}
    server = start_server("province", PROVINCE_FACTORY, env, tmp_path / "logs", PROVINCE_HEALTH)
    try:
        people = [
            requests.post(f"{server.url}/sandbox/v1/identities", json={}, headers=admin, timeout=10)
            for _ in range(5)
        ]
        assert all(p.status_code == 201 for p in people)
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
    finally:
        stop(server)

    restarted = start_server("again", PROVINCE_FACTORY, env, tmp_path / "logs", PROVINCE_HEALTH)
    try:
        for person in people:
            number = person.json()["id_number"]
            face = requests.get(
                f"{restarted.url}/sandbox/v1/identities/{number}/face.png",
                headers=admin,
                timeout=10,
            )
            assert face.status_code == 200, f"{number} was acknowledged, then forgotten"
    finally:
        stop(restarted)


def test_without_a_state_dir_nothing_is_written(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    client = province(None)
    client.post("/sandbox/v1/identities", json={}, headers=ADMIN)
    assert list(tmp_path.iterdir()) == []
    assert province(None).get("/sandbox/v1/log", headers=ADMIN).json() == []


def test_concurrent_changes_are_all_saved_and_the_file_stays_whole(tmp_path: Path) -> None:
    stores = state_module.persisted(IdentityStore(), VoucherStore(), CourseStore(), CallLog())
    saved = state_module.ProvinceState(tmp_path, stores)
    saved.load()
    start = threading.Barrier(16)

    def change_and_save() -> None:
        start.wait()
        stores["identities"].new_identity()  # type: ignore[attr-defined]
        saved.save_if_changed()

    threads = [threading.Thread(target=change_and_save) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    on_disk = json.loads((tmp_path / STATE_FILE).read_text(encoding="utf-8"))
    assert len(on_disk["identities"]["identities"]) == 16
    assert not saved.save_if_changed()  # the last save already held every change
