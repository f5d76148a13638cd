"""Test support for the reference platform: a tiny fake province and a platform driver.

The fake province is a real HTTP server (uvicorn on a free 127.0.0.1 port, in a thread) because the
platform calls the province over HTTP with `requests`; it implements just the platform-facing
endpoints of docs/interface.md that the platform uses, and records every call.
No tests live here; the `test_reference_*` modules import it.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import itertools
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Header, HTTPException
from fastapi.testclient import TestClient
from PIL import Image

from harness.spec import resident_id
from harness.spec.courses import CourseApplicationIn
from harness.spec.identity import FaceMatchIn, IdentityRegistrationIn, LivenessIn
from harness.spec.vouchers import RedeemIn, VoucherCodeIn
from reference_platform.main import create_app
from reference_platform.settings import PlatformSettings

PROVINCE_KEY = "fake-province-key"
TEST_TOKEN = "test-hook-token"
AUTHORITY = ("hr-authority", "authority-password-for-tests")
OCCUPATIONS = {"4-03-02-01": "中式烹调师", "4-10-01-05": "养老护理员", "6-31-01-03": "电工"}
COOK = ("4-03-02-01", "junior")
CARE = ("4-10-01-05", "intermediate")


def image_b64(colour: int = 0, fmt: str = "PNG") -> str:
    """A small distinct image (different `colour` → different bytes)."""
    image = Image.new("RGB", (24, 24), ((colour * 37) % 256, (colour * 91) % 256, colour % 256))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return base64.b64encode(buffer.getvalue()).decode()


def live_frames(count: int = 4) -> list[str]:
    return [image_b64(100 + i) for i in range(count)]


_sequence = itertools.count(1)


def new_id_number(birth_date: dt.date | None = None) -> str:
    n = next(_sequence)
    region = resident_id.SHANXI_REGION_CODES[n % len(resident_id.SHANXI_REGION_CODES)]
    birth = birth_date or dt.date(1990, 1, 1) + dt.timedelta(days=n % 5000)
    return resident_id.build(region, birth, (n * 7) % 999 + 1)


class FakeProvince:
    """The province's platform-facing services, in memory, with switches for tests."""

    def __init__(self, occupations: dict[str, str] | None = None) -> None:
        self.occupations = occupations or OCCUPATIONS
        self.identities: dict[str, str] = {}
        self.registered: dict[str, str] = {}
        self.vouchers: dict[str, dict[str, Any]] = {}
        self.liveness_reason: dict[str, str] = {}
        self.redeem_conflicts: set[str] = set()  # codes whose redeem answers 409 (a lost race)
        self.foreign_faces: set[str] = set()  # capture images that show somebody else
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.down = False
        self.app = self._build_app()
        self.url = ""
        self._server: uvicorn.Server | None = None

    # ---- test helpers ---------------------------------------------------------------------------
    def new_person(self, birth_date: dt.date | None = None) -> tuple[str, str]:
        id_number = new_id_number(birth_date)
        name = f"测试{len(self.identities) + 1}号"
        self.identities[id_number] = name
        return id_number, name

    def issue_voucher(
        self,
        holder: str,
        occupation_level: tuple[str, str] = COOK,
        employment_status: str = "unemployed",
        state: str = "issued",
        expires_on: dt.date | None = None,
    ) -> str:
        code = f"V-{uuid.uuid4().hex[:12].upper()}"
        self.vouchers[code] = {
            "code": code,
            "holder_id_number": holder,
            "holder_name": self.identities.get(holder, "某人"),
            "occupation_code": occupation_level[0],
            "level": occupation_level[1],
            "employment_status": employment_status,
            "state": state,
            "issued_at": "2026-01-01T09:00:00+08:00",
            "expires_on": (expires_on or dt.date(2099, 12, 31)).isoformat(),
        }
        return code

    def calls_of(self, operation: str) -> list[dict[str, Any]]:
        return [body for name, body in self.calls if name == operation]

    @contextmanager
    def outage(self) -> Iterator[None]:
        self.down = True
        try:
            yield
        finally:
            self.down = False

    # ---- the served app -------------------------------------------------------------------------
    def _guard(self, operation: str, body: dict[str, Any], key: str | None) -> None:
        self.calls.append((operation, body))
        if self.down:
            raise HTTPException(503, "Province is down")
        if key != PROVINCE_KEY:
            raise HTTPException(401, "Unknown platform key")

    def _build_app(self) -> FastAPI:
        app = FastAPI()
        Key = Header(default=None, alias="X-Platform-Key")

        @app.post("/province/v1/identity/registrations", status_code=201)
        def register(body: IdentityRegistrationIn, key: str | None = Key) -> dict[str, Any]:
            self._guard("register", body.model_dump(), key)
            if body.id_number not in self.identities:
                raise HTTPException(404, "Identity unknown")
            if self.identities[body.id_number] != body.name:
                raise HTTPException(409, "Name does not match")
            self.registered[body.id_number] = body.face_photo
            return {
                "registration_id": uuid.uuid4().hex,
                "id_number": body.id_number,
                "face_phash": "0" * 16,
            }

        @app.post("/province/v1/identity/liveness")
        def liveness(body: LivenessIn, key: str | None = Key) -> dict[str, Any]:
            self._guard("liveness", body.model_dump(), key)
            if body.id_number not in self.registered:
                raise HTTPException(404, "Identity not registered")
            reason = self.liveness_reason.get(body.id_number, "ok")
            if reason == "ok" and len(set(body.frames)) == 1:
                reason = "still_replay"
            return {
                "verification_id": f"ver-{uuid.uuid4().hex[:12]}",
                "id_number": body.id_number,
                "passed": reason == "ok",
                "reason": reason,
                "distance": 3.0,
                "at": dt.datetime.now(dt.UTC).isoformat(),
            }

        @app.post("/province/v1/identity/face-match")
        def face_match(body: FaceMatchIn, key: str | None = Key) -> dict[str, Any]:
            """Passes unless the image is the registered photo (a replay) or marked foreign."""
            self._guard("face_match", body.model_dump(), key)
            if body.id_number not in self.registered:
                raise HTTPException(404, "Identity not registered")
            reason = "ok"
            if body.image == self.registered[body.id_number]:
                reason = "replay"
            elif body.image in self.foreign_faces:
                reason = "face_mismatch"
            return {
                "match_id": f"fm-{uuid.uuid4().hex[:12]}",
                "id_number": body.id_number,
                "passed": reason == "ok",
                "reason": reason,
                "distance": 2.0,
                "at": dt.datetime.now(dt.UTC).isoformat(),
            }

        @app.post("/province/v1/vouchers/verify")
        def verify(body: VoucherCodeIn, key: str | None = Key) -> dict[str, Any]:
            self._guard("verify", body.model_dump(), key)
            if body.code not in self.vouchers:
                raise HTTPException(404, "Unknown voucher")
            return self.vouchers[body.code]

        @app.post("/province/v1/vouchers/redeem")
        def redeem(body: RedeemIn, key: str | None = Key) -> dict[str, Any]:
            self._guard("redeem", body.model_dump(), key)
            voucher = self.vouchers.get(body.code)
            if voucher is None:
                raise HTTPException(404, "Unknown voucher")
            if voucher["state"] != "issued" or body.code in self.redeem_conflicts:
                raise HTTPException(409, f"Voucher {voucher['state']}")
            voucher["state"] = "redeemed"
            return {
                "code": body.code,
                "redeemed_at": dt.datetime.now(dt.UTC).isoformat(),
                "redemption_id": uuid.uuid4().hex,
            }

        @app.post("/province/v1/courses/applications", status_code=201)
        def apply(body: CourseApplicationIn, key: str | None = Key) -> dict[str, Any]:
            self._guard("apply", body.model_dump(), key)
            approved = body.occupation_code in self.occupations
            number = f"SXJD-2026-{len(self.calls_of('apply')):04d}" if approved else None
            return {
                "application_id": uuid.uuid4().hex,
                "status": "approved" if approved else "rejected",
                "approval_number": number,
                "approved_on": "2026-01-10" if approved else None,
                "reason": "ok" if approved else "Unknown occupation code",
            }

        @app.get("/province/v1/occupations")
        def occupations(key: str | None = Key) -> Any:
            self._guard("occupations", {}, key)
            return [{"code": code, "name": name} for code, name in self.occupations.items()]

        return app

    def start(self) -> FakeProvince:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True).start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake province did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True


_shared: FakeProvince | None = None


def shared_province() -> FakeProvince:
    """One fake province per test process; tests use fresh people and vouchers, so they share."""
    global _shared
    if _shared is None:
        _shared = FakeProvince().start()
    return _shared


def closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


@dataclass
class Person:
    id_number: str
    name: str
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    learner_id: str | None = None


class PlatformDriver:
    """A TestClient on the platform plus the few journeys every test needs."""

    def __init__(self, client: TestClient, province: FakeProvince) -> None:
        self.client = client
        self.province = province
        self._supervisor: dict[str, str] | None = None

    def registration_body(self, person: Person, **overrides: Any) -> dict[str, Any]:
        body = {
            "name": person.name,
            "id_number": person.id_number,
            "password": person.password,
            "phone": "13800000000",
            "face_photo": image_b64(1),
            "id_card_photo": image_b64(2, "JPEG"),
        }
        body.update(overrides)
        return body

    def register(self, birth_date: dt.date | None = None) -> Person:
        person = Person(*self.province.new_person(birth_date))
        answer = self.client.post("/api/v1/learners", json=self.registration_body(person))
        assert answer.status_code == 201, answer.text
        person.learner_id = answer.json()["learner_id"]
        return person

    def login(self, person: Person, frames: list[str] | None = None, device: str = "dev-1") -> Any:
        body = {
            "id_number": person.id_number,
            "password": person.password,
            "device_id": device,
            "liveness_frames": frames or live_frames(),
        }
        return self.client.post("/api/v1/login", json=body)

    def learner_headers(self, person: Person) -> dict[str, str]:
        answer = self.login(person)
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['token']}"}

    def enrol(self, headers: dict[str, str], course_id: str, code: str) -> Any:
        body = {"course_id": course_id, "voucher_code": code}
        return self.client.post("/api/v1/enrolments", json=body, headers=headers)

    def supervisor_headers(self) -> dict[str, str]:
        if self._supervisor is None:
            body = {"username": AUTHORITY[0], "password": AUTHORITY[1]}
            answer = self.client.post("/api/v1/supervision/token", json=body)
            assert answer.status_code == 200, answer.text
            self._supervisor = {"Authorization": f"Bearer {answer.json()['token']}"}
        return self._supervisor

    def supervise(self, path: str, **params: str) -> Any:
        self._supervisor = None  # the clock may have moved past the last token's expiry
        answer = self.client.get(
            f"/api/v1/supervision/{path}", params=params, headers=self.supervisor_headers()
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def today(self) -> dt.date:
        answer = self.client.get("/api/v1/test/clock", headers=hook_headers())
        return dt.datetime.fromisoformat(answer.json()["now"]).date()

    def advance(self, seconds: float) -> None:
        answer = self.client.post(
            "/api/v1/test/clock/advance", json={"seconds": seconds}, headers=hook_headers()
        )
        assert answer.status_code == 200, answer.text


def hook_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {TEST_TOKEN}"}


def settings_for(
    tmp_path: Path, province_url: str, defects: tuple[str, ...] = (), **extra: Any
) -> PlatformSettings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / f'ref-{uuid.uuid4().hex[:8]}.db'}",
        "province_url": province_url,
        "province_key": PROVINCE_KEY,
        "authority_user": AUTHORITY[0],
        "authority_password": AUTHORITY[1],
        "test_token": TEST_TOKEN,
        "defects": frozenset(defects),
    }
    return PlatformSettings(**(values | extra))


@contextmanager
def running_platform(
    tmp_path: Path,
    defects: tuple[str, ...] = (),
    province: FakeProvince | None = None,
    province_url: str | None = None,
    raise_server_exceptions: bool = True,
    **extra: Any,
) -> Iterator[PlatformDriver]:
    """A started platform (lifespan run) wired to the fake province."""
    province = province or shared_province()
    settings = settings_for(tmp_path, province_url or province.url, defects, **extra)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
        yield PlatformDriver(client, province)
