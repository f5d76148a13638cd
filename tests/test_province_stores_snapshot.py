"""Each province store survives a snapshot → JSON → restore round trip, and refuses bad input.

The state file is what a restarted province knows; a store that came back subtly different (a
redeemed voucher issued again, a serial counted from 1, a log numbered afresh) would break the
next run against the same platform in ways that look like the platform's fault.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from harness.province.clock import SHANGHAI
from harness.province.refusals import Conflict, NotFound
from harness.province.stores import log as log_module
from harness.province.stores.courses import CourseStore
from harness.province.stores.identities import IdentityStore
from harness.province.stores.log import CallLog
from harness.province.stores.vouchers import VoucherStore
from harness.spec.courses import CourseApplicationIn

NOW = dt.datetime(2026, 12, 1, 9, 30, 15, 123000, tzinfo=SHANGHAI)


def clock() -> dt.datetime:
    return NOW


def through_json(snapshot: dict[str, object]) -> dict[str, object]:
    """What a restarted province reads back: the snapshot as written to and read from a file."""
    return json.loads(json.dumps(snapshot))


def application(**change: object) -> CourseApplicationIn:
    body = {
        "platform_course_id": "course-1",
        "title": "养老护理员（初级）在线课程",
        "occupation_code": "4-10-01-05",
        "level": "junior",
        "standard": "养老护理员国家职业技能标准（2019年版）",
        "lesson_hours": 80,
    } | change
    return CourseApplicationIn.model_validate(body)


# ---- identities ---------------------------------------------------------------------------------
def test_identities_keep_people_registrations_captures_and_serials() -> None:
    store = IdentityStore(clock=clock)
    person = store.new_identity()
    other = store.new_identity(sex="F")
    reg, _ = store.register_face(
        "alpha", person.identity.id_number, person.identity.name, 2**63 + 5, "ab" * 32
    )
    assert store.first_sight("alpha", person.identity.id_number, "cd" * 32)
    store.next_match_id()
    store.next_verification_id()

    restored = IdentityStore(clock=clock)
    restored.restore(through_json(store.snapshot()))

    assert restored.identity(person.identity.id_number) == person
    assert restored.identity(other.identity.id_number) == other
    back = restored.registration("alpha", person.identity.id_number)
    assert back == reg
    assert back.registered_at == NOW and back.registered_at.utcoffset() == dt.timedelta(hours=8)
    assert not restored.first_sight("alpha", person.identity.id_number, "cd" * 32)  # a replay
    assert restored.next_match_id() == "FM-000002"  # serials go on, never reissued
    assert restored.next_verification_id() == "LV-000002"
    again, created = restored.register_face(
        "alpha", person.identity.id_number, person.identity.name, 1, "ef" * 32
    )
    assert (again.registration_id, created) == (reg.registration_id, False)
    with pytest.raises(NotFound):
        restored.registration("beta", person.identity.id_number)
    assert restored.forget_registrations(person.identity.id_number) == 1
    forgotten = IdentityStore(clock=clock)
    forgotten.restore(through_json(restored.snapshot()))
    with pytest.raises(NotFound):  # a sandbox reset is kept too
        forgotten.registration("alpha", person.identity.id_number)


def test_a_restored_identity_store_never_draws_a_taken_number() -> None:
    store = IdentityStore(clock=clock)
    born = dt.date(1990, 5, 17)
    taken = [store.new_identity(birth_date=born, region_code="140105", sex="M") for _ in range(40)]
    restored = IdentityStore(clock=clock)
    restored.restore(through_json(store.snapshot()))
    numbers = {r.identity.id_number for r in taken}
    for _ in range(40):
        drawn = restored.new_identity(birth_date=born, region_code="140105", sex="M")
        assert drawn.identity.id_number not in numbers
        numbers.add(drawn.identity.id_number)


# ---- vouchers -----------------------------------------------------------------------------------
def test_vouchers_keep_their_redemption_and_serials() -> None:
    store = VoucherStore(clock=clock)
    spent = store.issue("140105199001010011", "张三", "6-31-01-03", "senior", "unemployed", None)
    fresh = store.issue("140105199001010022", "李四", "6-31-01-03", "junior", "flexible", None)
    first = store.redeem(spent.code, "alpha", spent.holder_id_number, "c-1", "SXJD-2026-0001")

    restored = VoucherStore(clock=clock)
    restored.restore(through_json(store.snapshot()))

    assert restored.voucher(spent.code).state == "redeemed"
    assert restored.voucher(fresh.code) == fresh
    with pytest.raises(Conflict, match="already redeemed"):
        restored.redeem(spent.code, "beta", spent.holder_id_number, "c-1", "SXJD-2026-0001")
    second = restored.redeem(fresh.code, "alpha", fresh.holder_id_number, "c-2", "SXJD-2026-0002")
    assert (first.redemption_id, second.redemption_id) == ("RDM-000001", "RDM-000002")
    assert store.snapshot()["vouchers"][0]["redemption"]["redeemed_at"] == NOW.isoformat()


# ---- courses ------------------------------------------------------------------------------------
def test_courses_keep_approvals_revocations_and_serials() -> None:
    store = CourseStore(clock=clock)
    _, kept, _ = store.apply("alpha", application())
    _, withdrawn, _ = store.apply("alpha", application(platform_course_id="course-2"))
    assert kept and withdrawn
    store.revoke(withdrawn.number)

    restored = CourseStore(clock=clock)
    restored.restore(through_json(store.snapshot()))

    assert restored.approval(kept.number) == kept
    assert restored.approval(withdrawn.number).status == "revoked"
    application_id, third, _ = restored.apply("beta", application(platform_course_id="x"))
    assert application_id == "APP-000003"
    assert third is not None and third.number == "SXJD-2026-0003"


# ---- call log -----------------------------------------------------------------------------------
def log_entry(log: CallLog, operation: str) -> None:
    log.append(
        at=NOW,
        platform_id="alpha",
        service="registry",
        operation=operation,
        id_number=None,
        status_code=200,
        request={"title": "电工"},
        response={},
        method="GET",
        path="/province/v1/occupations",
    )


def test_the_log_continues_its_sequence_after_a_restore() -> None:
    log = CallLog()
    for n in range(3):
        log_entry(log, f"op-{n}")
    restored = CallLog()
    restored.restore(through_json(log.snapshot()))
    assert [e.seq for e in restored.entries()] == [1, 2, 3]
    assert restored.entries() == log.entries()
    log_entry(restored, "after-restart")
    assert [e.seq for e in restored.entries(after_seq=2)] == [3, 4]


def test_the_snapshot_keeps_only_recent_entries_but_the_whole_sequence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(log_module, "SNAPSHOT_ENTRIES", 2)
    log = CallLog()
    for n in range(5):
        log_entry(log, f"op-{n}")
    restored = CallLog()
    restored.restore(through_json(log.snapshot()))
    assert [e.seq for e in restored.entries()] == [4, 5]
    assert [e.seq for e in restored.entries(after_seq=4)] == [5]
    assert [e.operation for e in restored.entries(after_seq=1, limit=1)] == ["op-3"]
    log_entry(restored, "next")
    assert restored.entries()[-1].seq == 6


# ---- refusals -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "damage"),
    [
        (IdentityStore, lambda s: s["registrations"].append({"registration_id": 1})),
        (
            IdentityStore,
            lambda s: s["captures"].append({"platform_id": "a", "id_number": "b", "images": "x"}),
        ),
        (IdentityStore, lambda s: s.update(serials={"registration": -1})),
        (
            VoucherStore,
            lambda s: s["vouchers"].append({"voucher": {"code": 1}, "redemption": None}),
        ),
        (CourseStore, lambda s: s.update(serials=[1])),
        (CourseStore, lambda s: s.pop("approvals")),
        (CallLog, lambda s: s.update(last_seq=1)),  # two entries cannot end at seq 1
        (CallLog, lambda s: s.update(last_seq="2")),
    ],
)
def test_a_malformed_snapshot_is_refused_and_changes_nothing(make, damage) -> None:
    store = make()
    if isinstance(store, IdentityStore):
        store.new_identity()
    elif isinstance(store, VoucherStore):
        store.issue("140105199001010011", "张三", "6-31-01-03", "senior", "unemployed", None)
    elif isinstance(store, CourseStore):
        store.apply("alpha", application())
    else:
        log_entry(store, "a")
        log_entry(store, "b")
    before = store.snapshot()
    bad = through_json(before)
    damage(bad)
    with pytest.raises((KeyError, TypeError, ValueError)):
        store.restore(bad)
    assert store.snapshot() == before


def test_every_change_moves_the_revision_and_reads_do_not() -> None:
    store = VoucherStore(clock=clock)
    start = store.revision
    voucher = store.issue("140105199001010011", "张三", "6-31-01-03", "senior", "unemployed", None)
    issued = store.revision
    store.voucher(voucher.code)
    assert store.revision == issued > start
    store.redeem(voucher.code, "alpha", voucher.holder_id_number, "c", "a")
    assert store.revision > issued
