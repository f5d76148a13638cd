"""The subsidy office: claims checked line by line (rates, amounts, GEN-01), the yearly cap
(SUB-04, atomically under concurrent claims) and the SUB-03 timeline of HR and finance steps."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.province.app import create_app
from harness.province.clock import SHANGHAI
from harness.province.refusals import Conflict
from harness.province.settings import ProvinceConfigError, ProvinceSettings
from harness.province.stores.subsidy import SubsidyStore
from harness.province.subsidy_rules import cap_refusal, claim_refusal
from harness.spec import resident_id
from harness.spec.subsidy import SubsidyClaimIn

ADMIN = {"Authorization": "Bearer admin-token"}
ALPHA = {"X-Platform-Key": "key-alpha"}
BETA = {"X-Platform-Key": "key-beta"}
RATE = {"junior": 3, "intermediate": 4, "senior": 5}
D = dt.date.fromisoformat


class FixedClock:
    """The province's clock, set by the test to a day."""

    def __init__(self, day: str) -> None:
        self.day = D(day)

    def __call__(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(10, 0), tzinfo=SHANGHAI)


def id_number(serial: int) -> str:
    birth = dt.date(1980, 1, 1) + dt.timedelta(days=serial // 999)
    return resident_id.build("140105", birth, serial % 999 + 1)


def line(serial: int = 0, level: str = "junior", hours: int = 80, **changes: object) -> dict:
    body = {
        "id_number": id_number(serial),
        "course_id": "C-1",
        "approval_number": "SXJD-2024-0001",
        "level": level,
        "certificate_number": f"CERT-{serial:06d}",
        "certificate_issued_on": "2024-09-02",
        "lesson_hours": hours,
        "rate": str(RATE[level]),
        "amount": f"{hours * RATE[level]}.00",
    }
    body.update(changes)
    return body


def claim(*lines: dict, quarter: str = "2024Q3", total: str | None = None) -> dict:
    amount = sum(Decimal(str(item["amount"])) for item in lines)
    return {"quarter": quarter, "lines": list(lines), "total_amount": total or str(amount)}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock("2024-09-27")


def make_client(clock: FixedClock, **settings: object) -> TestClient:
    app = create_app(
        ProvinceSettings(
            admin_token="admin-token",
            platform_keys={"alpha": "key-alpha", "beta": "key-beta"},
            **settings,
        )
    )
    app.state.subsidy.clock = clock
    return TestClient(app)


@pytest.fixture
def client(clock: FixedClock) -> TestClient:
    return make_client(clock)


def submit(client: TestClient, body: dict, headers: dict = ALPHA):
    return client.post("/province/v1/subsidy/claims", json=body, headers=headers)


def step(client: TestClient, claim_id: str, name: str, on: str | None = None):
    body = {"step": name} if on is None else {"step": name, "on": on}
    return client.post(f"/sandbox/v1/subsidy/claims/{claim_id}/steps", json=body, headers=ADMIN)


# ---- a claim and its lines ---------------------------------------------------------------------
def test_a_consistent_claim_is_accepted_with_its_review_due_date(client: TestClient) -> None:
    answer = submit(client, claim(line(0), line(1, "intermediate", 70), line(2, "senior", 61)))
    assert answer.status_code == 201, answer.text
    receipt = answer.json()
    assert receipt["accepted_on"] == "2024-09-27"
    assert receipt["total_amount"] == "825.00"  # 240 + 280 + 305, a string to the fen
    assert receipt["hr_review_due"] == "2024-10-16"  # National Day week and its make-up days
    mine = client.get(f"/province/v1/subsidy/claims/{receipt['claim_id']}", headers=ALPHA)
    assert mine.status_code == 200
    assert mine.json()["lines"][2]["amount"] == "305.00"
    assert mine.json()["status"] == "accepted"
    other = client.get(f"/province/v1/subsidy/claims/{receipt['claim_id']}", headers=BETA)
    assert other.status_code == 404
    assert client.post("/province/v1/subsidy/claims", json=claim(line())).status_code == 401


@pytest.mark.parametrize("level", ["junior", "intermediate", "senior"])
@pytest.mark.parametrize("rate", [3, 4, 5])
def test_every_level_is_paid_its_own_rate_only(client: TestClient, level: str, rate: int) -> None:
    answer = submit(client, claim(line(0, level, 80, rate=str(rate), amount=f"{80 * rate}.00")))
    if rate == RATE[level]:
        assert answer.status_code == 201, answer.text
    else:
        assert answer.status_code == 422
        detail = answer.json()["detail"]
        assert detail.startswith("line 1 (certificate CERT-000000): rate")
        assert f"{level}" in detail and f"rate of {RATE[level]} yuan" in detail


@pytest.mark.parametrize("amount", ["239.99", "240.01", "0.00", "2400.00"])
def test_an_amount_other_than_hours_times_rate_is_refused_naming_the_line(
    client: TestClient, amount: str
) -> None:
    answer = submit(client, claim(line(0), line(1), line(2, amount=amount)))
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("line 3 (certificate CERT-000002): amount")
    assert "80 lesson hours × 3 = 240.00" in answer.json()["detail"]


def test_amounts_are_exact_decimals_to_the_fen(client: TestClient) -> None:
    assert submit(client, claim(line(0, amount=240))).status_code == 201  # a JSON number is fine
    three_places = submit(client, claim(line(1, amount="240.001")))
    assert three_places.status_code == 422  # refused by the wire model: no fractions of a fen
    assert submit(client, claim(line(2, amount="240.000"))).status_code == 201  # the same value


def test_a_total_other_than_the_sum_of_the_lines_is_refused(client: TestClient) -> None:
    for total in ("479.99", "480.01"):
        answer = submit(client, claim(line(0), line(1), total=total))
        assert answer.status_code == 422
        expected = f"total_amount {total} is not the sum of the lines, 480.00"
        assert answer.json()["detail"] == expected


@pytest.mark.parametrize(
    ("issued", "status"),
    [("2021-05-31", 422), ("2021-06-01", 201), ("2020-12-31", 422), ("2024-09-27", 201)],
)
def test_certificates_before_the_scheme_began_are_refused(
    client: TestClient, issued: str, status: int
) -> None:
    answer = submit(client, claim(line(0), line(1, certificate_issued_on=issued)))
    assert answer.status_code == status, answer.text
    if status == 422:
        detail = answer.json()["detail"]
        where = "line 2 (certificate CERT-000001)"
        assert detail.startswith(f"{where}: certificate issued on {issued},")
        assert "2021-06-01" in detail and "晋人社厅发〔2020〕40号" in detail


def test_a_certificate_dated_ahead_of_the_province_is_accepted(client: TestClient) -> None:
    """A certification instance runs on a test clock that may be ahead of the province's."""
    assert submit(client, claim(line(0, certificate_issued_on="2025-03-01"))).status_code == 201


def test_a_bad_id_number_is_refused_naming_the_line(client: TestClient) -> None:
    wrong = id_number(5)[:17] + ("0" if id_number(5)[17] != "0" else "1")
    bad_id = submit(client, claim(line(0), line(5, id_number=wrong)))
    assert bad_id.status_code == 422
    assert bad_id.json()["detail"].startswith("line 2 (certificate CERT-000005):")


def test_refusals_and_acceptances_are_in_the_call_log(client: TestClient) -> None:
    submit(client, claim(line(0)))
    submit(client, claim(line(1, amount="1.00")))
    entries = client.get("/sandbox/v1/log", params={"service": "subsidy"}, headers=ADMIN).json()
    assert [(e["operation"], e["status_code"]) for e in entries] == [
        ("submit_claim", 201),
        ("submit_claim", 422),
    ]


# ---- the yearly cap (SUB-04) -------------------------------------------------------------------
def big_claim(first_serial: int, lines: int, quarter: str = "2024Q3") -> dict:
    """`lines` senior lines of 10,000 lesson hours: 50,000.00 yuan each."""
    return claim(*(line(first_serial + n, "senior", 10_000) for n in range(lines)), quarter=quarter)


def test_the_cap_is_reached_exactly_and_never_passed(client: TestClient, clock) -> None:
    assert submit(client, big_claim(0, 599)).status_code == 201  # 29,950,000.00
    over = submit(client, claim(line(1000, "senior", 10_000, amount="50000.00"), line(1001)))
    assert over.status_code == 409
    assert over.json()["detail"] == (
        "the claim (50,240.00 yuan) would bring the subsidies of 2024 to 30,000,240.00, over the"
        " yearly cap of 30,000,000.00 (50,000.00 remaining)"
    )
    assert submit(client, big_claim(2000, 1), BETA).status_code == 201  # exactly 30,000,000.00
    one_fen = claim(line(3000, "junior", 1, amount="3.00"))
    assert submit(client, one_fen).status_code == 409
    year = client.get("/sandbox/v1/subsidy/years/2024", headers=ADMIN).json()
    assert year == {
        "year": 2024,
        "cap": "30000000.00",
        "committed": "30000000.00",
        "remaining": "0.00",
        "claims": 2,
    }
    clock.day = D("2025-01-02")  # a new year has its own cap
    assert submit(client, one_fen | {"quarter": "2024Q4"}).status_code == 201


def test_concurrent_claims_never_pass_the_cap_together() -> None:
    store = SubsidyStore(clock=FixedClock("2024-09-27"))
    store.submit("alpha", SubsidyClaimIn.model_validate(big_claim(0, 590)))  # 29,500,000.00
    claims = [SubsidyClaimIn.model_validate(big_claim(1000 + 10 * n, 3)) for n in range(12)]
    start = threading.Barrier(len(claims))
    accepted: list[str] = []
    refused: list[str] = []

    def send(body: SubsidyClaimIn) -> None:
        start.wait()
        try:
            accepted.append(store.submit("beta", body).claim_id)
        except Conflict as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=send, args=(body,)) for body in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # 500,000.00 remained: three claims of 150,000.00 fit, the fourth would pass the cap
    assert len(accepted) == 3 and len(refused) == 9
    year = store.year(2024)
    assert year.committed == Decimal("29950000.00") and year.claims == 4
    total = sum(store.claim(claim_id).total_amount for claim_id in accepted)
    assert total == Decimal("450000.00")


# ---- the timeline (SUB-03) ---------------------------------------------------------------------
def accepted_claim(client: TestClient) -> str:
    answer = submit(client, claim(line(0)))
    assert answer.status_code == 201
    return answer.json()["claim_id"]


def read(client: TestClient, claim_id: str) -> dict:
    return client.get(f"/sandbox/v1/subsidy/claims/{claim_id}", headers=ADMIN).json()


def test_a_claim_handled_on_time_through_national_day(client: TestClient, clock) -> None:
    claim_id = accepted_claim(client)  # 2024-09-27 (Fri)
    clock.day = D("2024-12-31")
    assert step(client, claim_id, "review", "2024-10-16").status_code == 200  # the 10th day
    assert step(client, claim_id, "notice", "2024-10-16").status_code == 200
    # the notice's working days: 10-16, 17, 18, 21, 22: a request on 10-22 is one day short
    short = step(client, claim_id, "fund_request", "2024-10-22")
    assert short.status_code == 409
    assert short.json()["detail"] == (
        "the public notice from 2024-10-16 has run 4 working day(s) by 2024-10-22; at least 5"
        " are needed before the fund request (earliest 2024-10-23)"
    )
    assert step(client, claim_id, "fund_request", "2024-10-23").status_code == 200
    # finance: 10-24, 25, 28, 29, 30, 31, 11-1, 4, 5, 6
    view = read(client, claim_id)
    assert view["due"] == {
        "hr_review_due": "2024-10-16",
        "notice_from": "2024-10-16",
        "fund_request_earliest": "2024-10-23",
        "finance_payment_due": "2024-11-06",
        "calendar_gap": None,
    }
    assert view["overdue"] == ["payment"]  # today is 12-31 and it is not paid
    paid = step(client, claim_id, "payment", "2024-11-06")
    assert paid.status_code == 200
    assert paid.json()["status"] == "paid" and paid.json()["overdue"] == []


def test_a_notice_over_spring_festival_counts_only_working_days(client: TestClient, clock) -> None:
    clock.day = D("2025-01-20")
    claim_id = accepted_claim(client)
    clock.day = D("2025-03-31")
    step(client, claim_id, "review", "2025-01-23")
    step(client, claim_id, "notice", "2025-01-24")  # Fri: 1-24, 1-26 (Sun, make-up), 1-27, 2-5
    assert step(client, claim_id, "fund_request", "2025-02-06").status_code == 409  # 4 days
    assert step(client, claim_id, "fund_request", "2025-02-07").status_code == 200
    # 2-8 (Sat, make-up), 10, 11, 12, 13, 14, 17, 18, 19, 20
    assert read(client, claim_id)["due"]["finance_payment_due"] == "2025-02-20"


@pytest.mark.parametrize(("reviewed", "late"), [("2024-10-16", []), ("2024-10-17", ["review"])])
def test_a_late_review_is_recorded_and_flagged(
    client: TestClient, clock, reviewed: str, late: list[str]
) -> None:
    claim_id = accepted_claim(client)
    clock.day = D("2024-10-30")
    answer = step(client, claim_id, "review", reviewed)
    assert answer.status_code == 200
    assert answer.json()["overdue"] == late


@pytest.mark.parametrize(("today", "late"), [("2024-10-16", []), ("2024-10-17", ["review"])])
def test_an_open_review_becomes_overdue_after_its_due_date(
    client: TestClient, clock, today: str, late: list[str]
) -> None:
    claim_id = accepted_claim(client)
    clock.day = D(today)
    assert read(client, claim_id)["overdue"] == late
    flagged = client.get("/sandbox/v1/subsidy/claims?overdue=true", headers=ADMIN).json()
    assert [c["claim_id"] for c in flagged] == ([claim_id] if late else [])


def test_steps_that_break_the_order_or_the_dates_are_refused(client: TestClient, clock) -> None:
    claim_id = accepted_claim(client)
    clock.day = D("2024-10-10")
    refusals: list[tuple[str, str | None, str]] = [
        ("notice", "2024-10-08", "the next step of this claim is review, not notice"),
        ("payment", "2024-10-08", "the next step of this claim is review, not payment"),
        ("review", "2024-09-26", "2024-09-26 is before the previous step (2024-09-27)"),
        ("review", "2024-10-11", "2024-10-11 is in the future (today is 2024-10-10)"),
    ]
    for name, on, reason in refusals:
        answer = step(client, claim_id, name, on)
        assert answer.status_code == 409 and answer.json()["detail"].startswith(reason), name
    assert step(client, claim_id, "review").json()["reviewed_on"] == "2024-10-10"  # today
    again = step(client, claim_id, "review", "2024-10-10")
    assert again.status_code == 409 and "already recorded" in again.json()["detail"]
    early = step(client, claim_id, "notice", "2024-10-09")
    assert early.status_code == 409 and "before the previous step" in early.json()["detail"]
    assert step(client, "CLM-999999", "review").status_code == 404
    assert step(client, claim_id, "approve").status_code == 422


def test_a_rejected_claim_goes_no_further_and_frees_its_amount(client: TestClient, clock) -> None:
    first = submit(client, big_claim(0, 599)).json()["claim_id"]  # 29,950,000.00
    assert submit(client, big_claim(1000, 2), BETA).status_code == 409  # 100,000.00 does not fit
    clock.day = D("2024-10-08")
    body = {"step": "review", "outcome": "rejected", "reason": "Archive incomplete"}
    path = f"/sandbox/v1/subsidy/claims/{first}/steps"
    rejected = client.post(path, json=body, headers=ADMIN).json()
    assert rejected["status"] == "rejected" and rejected["rejection_reason"] == "Archive incomplete"
    year = client.get("/sandbox/v1/subsidy/years/2024", headers=ADMIN).json()
    assert (year["committed"], year["claims"]) == ("0.00", 0)
    assert submit(client, big_claim(1000, 2), BETA).status_code == 201  # now it fits
    after = step(client, first, "notice", "2024-10-08")
    assert after.status_code == 409 and "rejected at its review" in after.json()["detail"]


def test_only_the_review_has_an_outcome(client: TestClient) -> None:
    claim_id = accepted_claim(client)
    for body in (
        {"step": "notice", "outcome": "rejected"},
        {"step": "payment", "reason": "late"},
        {"step": "review", "outcome": "maybe"},
    ):
        path = f"/sandbox/v1/subsidy/claims/{claim_id}/steps"
        assert client.post(path, json=body, headers=ADMIN).status_code == 422, body


# ---- a year the calendar does not know ---------------------------------------------------------
NOTICE_2027 = """\
year = 2027
notice = "test notice 2027"
makeup_workdays = []
[[holiday]]
name = "元旦"
first = 2027-01-01
last = 2027-01-03
"""


def test_a_december_claim_without_the_next_years_notice(clock) -> None:
    clock.day = D("2026-12-24")
    client = make_client(clock)
    answer = submit(client, claim(line(0)))
    assert answer.status_code == 201  # the claim is not the platform's fault
    assert answer.json()["hr_review_due"] is None
    due = read(client, answer.json()["claim_id"])["due"]
    assert due["hr_review_due"] is None and "2027" in due["calendar_gap"]


def test_the_deadlines_before_the_unknown_year_are_still_shown(clock) -> None:
    clock.day = D("2026-12-01")
    client = make_client(clock)
    claim_id = submit(client, claim(line(0))).json()["claim_id"]
    clock.day = D("2026-12-18")
    for name, on in (("review", "2026-12-01"), ("notice", "2026-12-01")):
        assert step(client, claim_id, name, on).status_code == 200
    # the notice: 12-1, 2, 3, 4, 7; the request on 12-18 is fine; its payment is due in 2027
    view = step(client, claim_id, "fund_request", "2026-12-18").json()
    assert view["due"]["hr_review_due"] == "2026-12-15"
    assert view["due"]["fund_request_earliest"] == "2026-12-08"
    assert view["due"]["finance_payment_due"] is None and "2027" in view["due"]["calendar_gap"]
    assert view["overdue"] == []


def test_a_december_claim_with_the_next_years_notice(tmp_path: Path, clock) -> None:
    notice = tmp_path / "2027.toml"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    clock.day = D("2026-12-24")
    client = make_client(clock, holiday_notices=(notice,))
    answer = submit(client, claim(line(0)))
    assert answer.json()["hr_review_due"] == "2027-01-08"


def test_a_malformed_notice_stops_the_province_naming_the_field(tmp_path: Path) -> None:
    notice = tmp_path / "2027.toml"
    notice.write_text(NOTICE_2027.replace("last = 2027-01-03", "last = 2026-12-30"), "utf-8")
    with pytest.raises(ProvinceConfigError, match=r"holiday\[1\]\.last"):
        create_app(ProvinceSettings(admin_token="t", holiday_notices=(notice,)))


def test_the_environment_names_the_notices(tmp_path: Path) -> None:
    env = {"SXCERT_PROVINCE_ADMIN_TOKEN": "t", "SXCERT_PROVINCE_HOLIDAYS": f"{tmp_path}/a.toml:"}
    assert ProvinceSettings.from_env(env).holiday_notices == (tmp_path / "a.toml",)


# ---- persistence -------------------------------------------------------------------------------
def test_claims_and_the_cap_survive_a_snapshot() -> None:
    clock: Callable[[], dt.datetime] = FixedClock("2024-09-27")
    store = SubsidyStore(clock=clock)
    first = store.submit("alpha", SubsidyClaimIn.model_validate(big_claim(0, 10)))
    store.record_step(first.claim_id, "review", D("2024-09-27"))
    copy = SubsidyStore(clock=clock)
    copy.restore(store.snapshot())
    assert copy.claim(first.claim_id) == store.claim(first.claim_id)
    assert copy.year(2024) == store.year(2024)
    second = copy.submit("alpha", SubsidyClaimIn.model_validate(claim(line(99))))
    assert second.claim_id != first.claim_id
    rejected = copy.submit("beta", SubsidyClaimIn.model_validate(claim(line(98))))
    copy.record_step(rejected.claim_id, "review", D("2024-09-27"), "Not certified")
    again = SubsidyStore(clock=clock)
    again.restore(copy.snapshot())
    assert again.year(2024) == copy.year(2024)  # the rejected claim holds nothing of the cap
    assert again.claim(rejected.claim_id).status == "rejected"
    with pytest.raises((ValueError, KeyError, TypeError)):
        copy.restore({"claims": [{"claim_id": 1}], "serials": {}})
    assert copy.year(2024).claims == 2  # a malformed snapshot replaced nothing (1 rejected)


def test_claims_survive_a_restart_and_an_older_state_file_still_loads(
    tmp_path: Path, clock
) -> None:
    first = make_client(clock, state_dir=tmp_path)
    claim_id = submit(first, claim(line(0))).json()["claim_id"]
    again = make_client(clock, state_dir=tmp_path)
    assert read(again, claim_id)["total_amount"] == "240.00"
    assert again.get("/sandbox/v1/subsidy/years/2024", headers=ADMIN).json()["committed"] == (
        "240.00"
    )
    state_file = tmp_path / "state.json"
    saved = json.loads(state_file.read_text(encoding="utf-8"))
    del saved["subsidy"]  # a file written before the subsidy office existed
    state_file.write_text(json.dumps(saved), encoding="utf-8")
    older = make_client(clock, state_dir=tmp_path)
    assert older.get("/sandbox/v1/subsidy/claims", headers=ADMIN).json() == []
    assert older.get("/sandbox/v1/health").status_code == 200


# ---- properties --------------------------------------------------------------------------------
LEVELS = st.sampled_from(["junior", "intermediate", "senior"])
CENTS = st.integers(min_value=0, max_value=5_000_000).map(lambda c: Decimal(c).scaleb(-2))


@settings(max_examples=300, deadline=None)
@given(
    level=LEVELS,
    hours=st.integers(min_value=1, max_value=10_000),
    rate=st.sampled_from([Decimal(n) for n in (1, 2, 3, 4, 5, 6)]),
    off_by=st.sampled_from([Decimal("0"), Decimal("0"), Decimal("0.01"), Decimal("-0.01")]),
    issued=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 12, 31)),
)
def test_a_line_is_accepted_exactly_when_rate_amount_and_date_are_right(
    level: str, hours: int, rate: Decimal, off_by: Decimal, issued: dt.date
) -> None:
    amount = hours * rate + off_by
    if amount < 0:
        return
    body = line(
        7, level, hours, rate=str(rate), amount=str(amount), certificate_issued_on=str(issued)
    )
    reason = claim_refusal(SubsidyClaimIn.model_validate(claim(body)))
    right = rate == RATE[level] and off_by == 0 and issued >= dt.date(2021, 6, 1)
    assert (reason is None) is right, reason
    if reason is not None:
        assert reason.startswith("line 1 (certificate CERT-000007): ")


@settings(max_examples=100, deadline=None)
@given(st.lists(CENTS, min_size=1, max_size=8), CENTS)
def test_the_cap_admits_a_claim_exactly_when_it_fits(committed: list[Decimal], amount: Decimal):
    already = sum(committed, Decimal(0)) * 6  # up to 2.4 million per list item: near the cap
    reason = cap_refusal(2024, already, amount)
    assert (reason is None) is (already + amount <= Decimal("30000000.00"))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
FIELDS = ("quarter", "lines", "total_amount")
LINE_FIELDS = tuple(line())


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES),
    st.lists(st.dictionaries(st.sampled_from(LINE_FIELDS), JSON_VALUES), max_size=2),
    st.booleans(),
)
def test_fuzzed_claims_are_answered_below_500_and_logged(
    client: TestClient, body: dict, lines: list[dict], mixed: bool
) -> None:
    if mixed:  # mostly-valid lines with a few fuzzed fields
        mixed_lines = [{**line(n), **fuzzed} for n, fuzzed in enumerate(lines)] or [line()]
        body = {"quarter": "2024Q3", "lines": mixed_lines, "total_amount": "240.00"}
    before = len(client.get("/sandbox/v1/log", headers=ADMIN).json())
    answer = client.post(
        "/province/v1/subsidy/claims",
        content=json.dumps(body, allow_nan=True),
        headers={**ALPHA, "Content-Type": "application/json"},
    )
    assert answer.status_code in (201, 400, 409, 422), answer.text
    assert len(client.get("/sandbox/v1/log", headers=ADMIN).json()) == before + 1


def test_a_served_province_with_a_malformed_notice_exits_2(monkeypatch, tmp_path: Path, capsys):
    notice = tmp_path / "2027.toml"
    notice.write_text("year = 2027\n", encoding="utf-8")
    monkeypatch.setenv("SXCERT_PROVINCE_ADMIN_TOKEN", "t")
    monkeypatch.setenv("SXCERT_PROVINCE_HOLIDAYS", str(notice))
    with pytest.raises(SystemExit) as stopped:
        create_app()
    assert stopped.value.code == 2
    assert f"{notice}: notice:" in capsys.readouterr().err


STEP_NAMES = st.sampled_from(["review", "notice", "fund_request", "payment"])


@settings(max_examples=150, deadline=None)
@given(
    accepted=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2025, 9, 30)),
    attempts=st.lists(st.tuples(STEP_NAMES, st.integers(0, 25)), min_size=1, max_size=10),
)
def test_whatever_is_tried_the_recorded_steps_keep_the_timeline(
    accepted: dt.date, attempts: list[tuple[str, int]]
) -> None:
    """Any sequence of steps on any days: what the office records keeps every SUB-03 rule,
    and a step on the earliest day the rules allow is never refused."""
    from harness.province.workdays import WorkingCalendar

    calendar = WorkingCalendar()
    clock = FixedClock(accepted.isoformat())
    store = SubsidyStore(clock=clock)
    claim_id = store.submit("alpha", SubsidyClaimIn.model_validate(claim(line(0)))).claim_id
    clock.day = accepted + dt.timedelta(days=300)  # past any step tried (10 × 25 days at most)
    last = accepted
    for name, days_later in attempts:
        with contextlib.suppress(Conflict):
            store.record_step(claim_id, name, last + dt.timedelta(days=days_later))
        view = store.claim(claim_id)
        recorded = [view.reviewed_on, view.notice_from, view.fund_requested_on, view.paid_on]
        done = [day for day in recorded if day is not None]
        assert recorded[: len(done)] == done  # in order, none skipped
        assert done == sorted(done) and all(day >= accepted for day in done)
        if view.fund_requested_on is not None:
            assert view.notice_from is not None
            assert calendar.workdays_between(view.notice_from, view.fund_requested_on) >= 5
        due = view.due.hr_review_due
        assert ("review" in view.overdue) is ((view.reviewed_on or clock.day) > due)
        last = done[-1] if done else accepted
    earliest = {
        "review": last,
        "notice": last,
        "fund_request": view.due.fund_request_earliest,
        "payment": last,
    }
    following = ["review", "notice", "fund_request", "payment"][len(done) :]
    if following:
        day = max(earliest[following[0]] or last, last)
        moved = store.record_step(claim_id, following[0], day)  # raises Conflict if refused
        assert [moved.reviewed_on, moved.notice_from, moved.fund_requested_on, moved.paid_on][
            len(done)
        ] == day
