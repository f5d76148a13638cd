"""The province's archive receiver (ARCH-01, ARCH-02): it appends records that continue a
learner's hash chain, answers a retried record with the same receipt, refuses a changed,
missing, reordered or duplicated record with its reason, logs every push under service
"archive", and shows the harness each chain it holds."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from harness.province.app import create_app
from harness.province.settings import ProvinceSettings
from harness.spec.archive import GENESIS_HASH, chain_problems, record_hash

PLATFORM = {"X-Platform-Key": "key-1"}
ADMIN = {"Authorization": "Bearer admin-token"}
ID_NUMBER = "14010719770604165X"


def _client() -> TestClient:
    settings = ProvinceSettings(admin_token="admin-token", platform_keys={"plat-1": "key-1"})
    return TestClient(create_app(settings))


def _chain(length: int) -> list[dict[str, Any]]:
    records, previous = [], GENESIS_HASH
    for seq in range(1, length + 1):
        record = {
            "record_id": f"rec-{seq}",
            "id_number": ID_NUMBER,
            "seq": seq,
            "kind": "quiz_answer",
            "at": f"2026-12-02T09:0{seq}:00+08:00",
            "data": {"question_id": f"q{seq}", "option": "A", "hour": 0},
            "prev_hash": previous,
        }
        record["hash"] = record_hash(record)
        records.append(record)
        previous = record["hash"]
    return records


def _push(client: TestClient, *records: dict[str, Any]) -> Any:
    body = {"id_number": records[0]["id_number"], "records": list(records)}
    return client.post("/province/v1/archive/records", json=body, headers=PLATFORM)


def test_an_intact_chain_is_held_and_a_retry_answers_the_same_receipt() -> None:
    client = _client()
    records = _chain(3)
    receipts = [_push(client, records[0]), _push(client, records[1], records[2])]
    again = _push(client, records[1])
    assert [r.status_code for r in receipts] == [201, 201]
    assert again.status_code == 201
    assert again.json()["receipts"] == receipts[1].json()["receipts"][:1]
    [held] = client.get(
        "/sandbox/v1/archive", params={"id_number": ID_NUMBER}, headers=ADMIN
    ).json()
    assert (held["platform_id"], held["length"], held["head_hash"]) == (
        "plat-1",
        3,
        records[2]["hash"],
    )
    assert chain_problems(held["records"]) == []
    pushes = client.get("/sandbox/v1/log", params={"service": "archive"}, headers=ADMIN).json()
    assert [e["status_code"] for e in pushes] == [201, 201, 201]


def test_a_batch_is_appended_all_or_none() -> None:
    client = _client()
    records = _chain(3)
    broken = {**records[2], "prev_hash": "f" * 64}
    broken["hash"] = record_hash(broken)
    refused = _push(client, records[0], records[1], broken)
    assert refused.status_code == 409 and "prev_hash" in refused.json()["detail"]
    assert client.get("/sandbox/v1/archive", headers=ADMIN).json() == []
    held_again = _push(client, *records)  # the retry, repaired, with nothing held yet
    assert held_again.status_code == 201 and held_again.json()["length"] == 3


def test_a_batch_of_two_learners_or_out_of_order_is_invalid() -> None:
    client = _client()
    first, second = _chain(2)
    other = {**second, "id_number": "140107197706041652"}
    other["hash"] = record_hash(other)
    assert _push(client, first, other).status_code == 422
    assert _push(client, second, first).status_code == 422
    assert (
        client.post(
            "/province/v1/archive/records",
            json={"id_number": ID_NUMBER, "records": []},
            headers=PLATFORM,
        ).status_code
        == 422
    )


def _changed(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "data": {**record["data"], "option": "B"}}


@pytest.mark.parametrize(
    ("case", "status", "reason"),
    [
        ("changed content, old hash", 422, "hash does not match"),
        ("missing record (2 skipped)", 409, "record 2 is missing"),
        ("reordered (3 before 2)", 409, "record 2 is missing"),
        ("duplicated seq, new id", 409, "already held"),
        ("wrong prev_hash", 409, "prev_hash"),
        ("same id, other content", 409, "already holds another record"),
    ],
)
def test_a_record_that_breaks_the_chain_is_refused_with_its_reason(
    case: str, status: int, reason: str
) -> None:
    client = _client()
    records = _chain(3)
    assert _push(client, records[0]).status_code == 201
    if case == "changed content, old hash":
        bad = _changed(records[1])
    elif case in ("missing record (2 skipped)", "reordered (3 before 2)"):
        bad = records[2]
    elif case == "duplicated seq, new id":
        bad = {**records[0], "record_id": "rec-other"}
        bad["hash"] = record_hash(bad)
    elif case == "wrong prev_hash":
        bad = {**records[1], "prev_hash": "f" * 64}
        bad["hash"] = record_hash(bad)
    else:
        bad = _changed(records[0])
        bad["hash"] = record_hash(bad)
    answer = _push(client, bad)
    assert answer.status_code == status, answer.text
    assert reason in answer.json()["detail"]
    [held] = client.get("/sandbox/v1/archive", headers=ADMIN).json()
    assert held["length"] == 1  # nothing of the refused record was kept


def test_a_float_in_data_and_a_time_without_offset_are_invalid() -> None:
    client = _client()
    [record] = _chain(1)
    with_float = {**record, "data": {"credited_s": 1.5}}
    no_offset = {**record, "at": "2026-12-02T09:00:00"}
    assert _push(client, with_float).status_code == 422
    assert _push(client, no_offset).status_code == 422
    assert client.get("/sandbox/v1/archive", headers=ADMIN).json() == []


def test_chain_problems_names_each_kind_of_break() -> None:
    records = _chain(4)
    assert chain_problems(records) == []
    assert "hash does not match" in " ".join(chain_problems([records[0], _changed(records[1])]))
    assert "seq 3, expected 2" in " ".join(chain_problems([records[0], records[2]]))
    swapped = chain_problems([records[0], records[2], records[1], records[3]])
    assert any("prev_hash" in p for p in swapped)
    assert "record id used twice" in " ".join(chain_problems([*records, records[3]]))


def test_a_push_refused_by_the_outage_fault_is_logged_with_its_learner() -> None:
    client = _client()
    client.put("/sandbox/v1/faults/unavailable", json={"unavailable": True}, headers=ADMIN)
    assert _push(client, *_chain(1)).status_code == 503
    query = {"service": "archive", "id_number": ID_NUMBER}
    [entry] = client.get("/sandbox/v1/log", params=query, headers=ADMIN).json()
    assert entry["status_code"] == 503


def test_the_archive_fault_refuses_one_persons_records_until_lifted() -> None:
    """The sandbox fault SUB-05 uses: while set, every batch of the person is refused (409) and
    nothing is held; lifted, the same records are taken."""
    client = _client()
    records = _chain(2)
    fault = f"/sandbox/v1/faults/archive/{ID_NUMBER}"
    assert client.put(fault, json={"refused": True}, headers=ADMIN).json() == {
        "id_number": ID_NUMBER,
        "refused": True,
    }
    refused = _push(client, *records)
    assert refused.status_code == 409 and "sandbox fault" in refused.json()["detail"]
    held = client.get("/sandbox/v1/archive", params={"id_number": ID_NUMBER}, headers=ADMIN)
    assert held.json() == []
    assert client.put(fault, json={"refused": False}, headers=ADMIN).status_code == 200
    assert _push(client, *records).status_code == 201
    assert client.put(fault, json={"refused": True}, headers=PLATFORM).status_code == 401
