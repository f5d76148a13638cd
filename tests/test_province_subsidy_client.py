"""The harness's sandbox client reads the subsidy office and the review clock over real HTTP
(uvicorn in a thread, loopback), as later platform checks (SUB-01/02/05) will."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests
import uvicorn

from harness.province.app import create_app
from harness.province.clock import SHANGHAI
from harness.province.settings import ProvinceSettings
from harness.province_sandbox import ProvinceSandboxClient, ProvinceSandboxError
from harness.spec import resident_id

PLATFORM = {"X-Platform-Key": "key-ref"}
TODAY = dt.date(2024, 11, 29)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    app = create_app(ProvinceSettings(admin_token="admin-token", platform_keys={"ref": "key-ref"}))
    app.state.subsidy.clock = lambda: dt.datetime.combine(TODAY, dt.time(9), tzinfo=SHANGHAI)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "province did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)


def test_a_claim_read_back_and_moved_through_its_steps(base_url: str) -> None:
    line = {
        "id_number": resident_id.build("140105", dt.date(1990, 5, 17), 33),
        "course_id": "C-9",
        "level": "intermediate",
        "certificate_number": "CERT-9",
        "certificate_issued_on": "2024-11-01",
        "lesson_hours": 70,
        "rate": "4",
        "amount": "280.00",
    }
    body = {"quarter": "2024Q4", "lines": [line], "total_amount": "280.00"}
    with requests.Session() as platform:
        sent = platform.post(f"{base_url}/province/v1/subsidy/claims", json=body, headers=PLATFORM)
    assert sent.status_code == 201, sent.text
    claim_id = sent.json()["claim_id"]

    sandbox = ProvinceSandboxClient(base_url, "admin-token", timeout=10)
    (claim,) = sandbox.subsidy_claims(platform_id="ref")
    assert claim.claim_id == claim_id and claim.lines[0].amount == Decimal("280.00")
    assert claim.due.hr_review_due == dt.date(2024, 12, 13)  # 11-29 (Fri) + 10 working days
    assert sandbox.subsidy_claims(platform_id="another") == []
    assert sandbox.subsidy_claim("CLM-999999") is None
    reviewed = sandbox.record_claim_step(claim_id, "review", dt.date(2024, 11, 29))
    assert reviewed.status == "reviewed" and reviewed.overdue == []
    with pytest.raises(ProvinceSandboxError) as refused:
        sandbox.record_claim_step(claim_id, "payment")
    assert refused.value.status_code == 409
    year = sandbox.subsidy_year(2024)
    assert (year.committed, year.remaining) == (Decimal("280.00"), Decimal("29999720.00"))
    assert sandbox.course_applications() == []
    assert sandbox.course_applications(overdue=True) == []


def test_the_client_rejects_a_claim_at_its_review(base_url: str) -> None:
    line = {
        "id_number": resident_id.build("140105", dt.date(1991, 2, 3), 45),
        "course_id": "C-10",
        "level": "junior",
        "certificate_number": "CERT-10",
        "certificate_issued_on": "2024-11-02",
        "lesson_hours": 60,
        "rate": 3,
        "amount": 180,
    }
    body = {"quarter": "2024Q4", "lines": [line], "total_amount": 180}
    with requests.Session() as platform:
        sent = platform.post(f"{base_url}/province/v1/subsidy/claims", json=body, headers=PLATFORM)
    assert sent.status_code == 201, sent.text
    sandbox = ProvinceSandboxClient(base_url, "admin-token", timeout=10)
    before = sandbox.subsidy_year(2024).committed
    rejected = sandbox.record_claim_step(sent.json()["claim_id"], "review", rejection="No archive")
    assert rejected.status == "rejected" and rejected.rejection_reason == "No archive"
    assert sandbox.subsidy_year(2024).committed == before - Decimal("180.00")
