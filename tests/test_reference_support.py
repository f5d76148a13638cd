"""Test support for the reference platform: the real province, served in-process, and a driver.

The province is the emulator itself (`harness.province.app:create_app`, configured through its
settings) served by uvicorn on a free 127.0.0.1 port in a thread, because the platform calls the
province over HTTP with `requests`. Tests stage it through its sandbox API, as the harness does:
sandbox people with their faces and camera frames, vouchers, the call log, and — for what cannot
be staged otherwise — the sandbox's fault injection. No tests live here; the `test_reference_*`
modules import it.
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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import uvicorn
from fastapi.testclient import TestClient
from PIL import Image
from pydantic import SecretStr

from harness.embedded import THROWAWAY_PASSWORD_HASH_COST
from harness.province.app import create_app as create_province_app
from harness.province.calllog import summarise
from harness.province.clock import shanghai_now
from harness.province.registry import OCCUPATIONS as NATIONAL_OCCUPATIONS
from harness.province.settings import ProvinceSettings
from harness.province_sandbox import ProvinceSandboxClient
from harness.spec import resident_id
from harness.spec.courses import Occupation
from harness.spec.sandbox import LogEntry
from reference_platform.main import create_app
from reference_platform.settings import PlatformSettings

PLATFORM_ID = "reference"
PROVINCE_KEY = secrets.token_urlsafe(16)  # the platform's key; per test process, never shown
RIVAL_ID, RIVAL_KEY = "rival", secrets.token_urlsafe(16)  # another platform, to redeem first
ADMIN_TOKEN = secrets.token_urlsafe(16)
TEST_TOKEN = "test-hook-token"
AUTHORITY = ("hr-authority", "authority-password-for-tests")
OCCUPATIONS = {"4-03-02-01": "中式烹调师", "4-10-01-05": "养老护理员", "6-31-01-03": "电工"}
COOK = ("4-03-02-01", "junior")
CARE = ("4-10-01-05", "intermediate")


def image_b64(colour: int = 0, fmt: str = "PNG") -> str:
    """A small distinct image, nobody's face (different `colour` → different bytes).

    48 pixels a side: large enough for the province to accept it as an image (it refuses
    anything under 32), so that only the face in it can make a verdict fail.
    """
    image = Image.new("RGB", (48, 48), ((colour * 37) % 256, (colour * 91) % 256, colour % 256))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return base64.b64encode(buffer.getvalue()).decode()


def live_frames(count: int = 4) -> list[str]:
    """Frames that change (so not a still) but show no registered face."""
    return [image_b64(100 + i) for i in range(count)]


_sequence = itertools.count(1)


def new_id_number(birth_date: dt.date | None = None) -> str:
    """A valid Shanxi ID number the province has (almost surely) never issued."""
    n = next(_sequence)
    region = resident_id.SHANXI_REGION_CODES[n % len(resident_id.SHANXI_REGION_CODES)]
    birth = birth_date or dt.date(1990, 1, 1) + dt.timedelta(days=n % 5000)
    return resident_id.build(region, birth, (n * 7) % 999 + 1)


def _free_socket(port: int = 0) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


class ServedProvince:
    """The province emulator on a 127.0.0.1 port, and the sandbox calls the tests need.

    The platform under test holds the key of `PLATFORM_ID`; a second platform (`RIVAL_ID`)
    exists so that a voucher can be redeemed elsewhere through the real platform-facing API.
    """

    def __init__(self, occupations: Mapping[str, str] | None = None) -> None:
        catalogue = NATIONAL_OCCUPATIONS
        if occupations is not None:  # a province whose registry knows other occupations
            catalogue = tuple(Occupation(code=c, name=n) for c, n in occupations.items())
        settings = ProvinceSettings(
            admin_token=SecretStr(ADMIN_TOKEN),
            platform_keys={PLATFORM_ID: SecretStr(PROVINCE_KEY), RIVAL_ID: SecretStr(RIVAL_KEY)},
            occupations=catalogue,
        )
        self.app = create_province_app(settings)
        self._socket: socket.socket | None = _free_socket()  # the port is the province's for good
        self._port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self._port}"
        self.sandbox = ProvinceSandboxClient(self.url, ADMIN_TOKEN)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._faces: dict[str, str] = {}
        self._frames: dict[str, list[str]] = {}

    # ---- serving --------------------------------------------------------------------------------
    def start(self) -> ServedProvince:
        """Serve (again, on the same port after a `stop`)."""
        sock, self._socket = self._socket or _free_socket(self._port), None
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("province did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving (the state is kept: `start` brings the same province back)."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None

    @property
    def serving(self) -> bool:
        return self._server is not None

    @contextmanager
    def outage(self) -> Iterator[None]:
        """The province is down (nothing listens on its port) until the block ends; the block
        may bring it back early with `start()`."""
        self.stop()
        try:
            yield
        finally:
            if not self.serving:
                self.start()

    @contextmanager
    def failing(self) -> Iterator[None]:
        """The province answers every platform call 503 (and logs it) until the block ends."""
        self.sandbox.set_unavailable(True)
        try:
            yield
        finally:
            self.sandbox.set_unavailable(False)

    # ---- sandbox people -------------------------------------------------------------------------
    def new_person(self, birth_date: dt.date | None = None) -> tuple[str, str, str]:
        """(id_number, name, face_of) of a fresh sandbox person, who shows their own face.

        Their face photo and login frames are fetched now, so that a test may still register and
        log them in while the province is down (and see the platform cope).
        """
        identity = self.sandbox.new_identity(birth_date=birth_date)
        self.face(identity.id_number)
        self.frames(identity.id_number)
        return identity.id_number, identity.name, identity.id_number

    def face(self, id_number: str) -> str:
        """The person's face photo (base64 PNG), as they would register it."""
        if id_number not in self._faces:
            self._faces[id_number] = base64.b64encode(self.sandbox.face_png(id_number)).decode()
        return self._faces[id_number]

    def frames(self, id_number: str, kind: str = "live", count: int = 4) -> list[str]:
        """Camera frames of the person: `live`, `still` (a photo held up) or `impostor`."""
        if kind == "live" and count == 4:  # a login's frames: drawn once per person
            if id_number not in self._frames:
                self._frames[id_number] = self.sandbox.liveness_frames(id_number, "live", 4)
            return self._frames[id_number]
        return self.sandbox.liveness_frames(id_number, kind, count)

    def capture(self, id_number: str, kind: str = "live") -> str:
        """A fresh camera image of the person (`impostor`: of somebody else), never sent before."""
        return self.sandbox.liveness_frames(id_number, kind, 1)[0]

    def forget_registrations(self, id_number: str) -> None:
        """As if the province had been reset: it no longer knows the person's registered face."""
        self.sandbox.forget_registrations(id_number)

    # ---- vouchers -------------------------------------------------------------------------------
    def issue_voucher(
        self,
        holder: str,
        occupation_level: tuple[str, str] = COOK,
        employment_status: str = "unemployed",
        state: str = "issued",
        expires_on: dt.date | None = None,
    ) -> str:
        """A voucher's code; `state` "expired" issues it already expired, "redeemed" has the
        rival platform redeem it first."""
        if state == "expired":
            expires_on = shanghai_now().date() - dt.timedelta(days=1)
        voucher = self.sandbox.issue_voucher(
            holder, occupation_level[0], occupation_level[1], employment_status, expires_on
        )
        if state == "redeemed":
            self.redeem_elsewhere(voucher.code, holder)
        return voucher.code

    def redeem_elsewhere(self, code: str, holder: str) -> None:
        """Redeem the voucher as another platform would, through the platform-facing API."""
        body = {
            "code": code,
            "id_number": holder,
            "course_id": "rival-course",
            "approval_number": "SXJD-RIVAL",
        }
        answer = requests.post(
            f"{self.url}/province/v1/vouchers/redeem",
            json=body,
            headers={"X-Platform-Key": RIVAL_KEY},
            timeout=10,
        )
        answer.raise_for_status()

    def lose_race(self, code: str) -> None:
        """Another platform redeems the voucher right after the platform's next verify of it."""
        self.sandbox.lose_race(code)

    def voucher_state(self, code: str) -> str:
        return self.sandbox.voucher(code).state

    # ---- the call log ---------------------------------------------------------------------------
    @property
    def calls(self) -> list[LogEntry]:
        """Every call the platform under test made, oldest first."""
        return self.sandbox.log(platform_id=PLATFORM_ID)

    def calls_of(self, operation: str) -> list[dict[str, Any]]:
        """The request bodies (as logged) of the platform's calls of one operation."""
        log = self.sandbox.log(platform_id=PLATFORM_ID, operation=operation)
        return [entry.request for entry in log]

    def registered_face(self, id_number: str) -> str | None:
        """The sha256 of the face photo the province accepted last for the person, if any."""
        log = self.sandbox.log(platform_id=PLATFORM_ID, operation="register", id_number=id_number)
        accepted = [e.request for e in log if e.status_code in (200, 201)]
        return str(accepted[-1]["face_photo"]["sha256"]) if accepted else None  # type: ignore[index]

    @staticmethod
    def as_logged(body: dict[str, Any]) -> object:
        """A request body as the province's log records it (long strings and images hashed)."""
        return summarise(body)


_shared: ServedProvince | None = None


def shared_province() -> ServedProvince:
    """One province per test process; tests use fresh people and vouchers, so they share."""
    global _shared
    if _shared is None:
        _shared = ServedProvince().start()
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
    face_of: str | None = None  # the sandbox person whose face this one shows (None: nobody's)
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    learner_id: str | None = None


class PlatformDriver:
    """A TestClient on the platform plus the few journeys every test needs."""

    def __init__(self, client: TestClient, province: ServedProvince) -> None:
        self.client = client
        self.province = province
        self._supervisor: dict[str, str] | None = None

    def registration_body(self, person: Person, **overrides: Any) -> dict[str, Any]:
        body = {
            "name": person.name,
            "id_number": person.id_number,
            "password": person.password,
            "phone": "13800000000",
            "face_photo": self.face(person),
            "id_card_photo": image_b64(2, "JPEG"),
        }
        body.update(overrides)
        return body

    def face(self, person: Person) -> str:
        """The person's face photo: the sandbox face, or an image of nobody for a stranger."""
        return self.province.face(person.face_of) if person.face_of else image_b64(1)

    def frames(self, person: Person) -> list[str]:
        """Live camera frames of the person, as a genuine login sends them."""
        return self.province.frames(person.face_of) if person.face_of else live_frames()

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
            "liveness_frames": frames or self.frames(person),
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
        "password_hash_cost": THROWAWAY_PASSWORD_HASH_COST,  # as `sxcert certify` embeds it
    }
    return PlatformSettings(**(values | extra))


@contextmanager
def running_platform(
    tmp_path: Path,
    defects: tuple[str, ...] = (),
    province: ServedProvince | None = None,
    province_url: str | None = None,
    raise_server_exceptions: bool = True,
    **extra: Any,
) -> Iterator[PlatformDriver]:
    """A started platform (lifespan run) wired to the province (the shared one by default)."""
    province = province or shared_province()
    settings = settings_for(tmp_path, province_url or province.url, defects, **extra)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
        yield PlatformDriver(client, province)
