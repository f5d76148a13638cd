"""The course registry's review clock (COURSE-02): due 10 working days after the application,
overdue ones flagged; the days are the State Council notices' (National Day 2024, Spring
Festival 2025), written here as literals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from harness.province.app import create_app
from harness.province.clock import SHANGHAI
from harness.province.settings import ProvinceSettings
from harness.province.stores.courses import CourseStore
from harness.spec.courses import CourseApplicationIn

ADMIN = {"Authorization": "Bearer admin-token"}
ALPHA = {"X-Platform-Key": "key-alpha"}
D = dt.date.fromisoformat
COURSE = {
    "platform_course_id": "course-1",
    "title": "养老护理员（初级）",
    "occupation_code": "4-10-01-05",
    "level": "junior",
    "standard": "养老护理员国家职业技能标准（2019年版）",
    "lesson_hours": 80,
}


class FixedClock:
    def __init__(self, day: str) -> None:
        self.day = D(day)

    def __call__(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(9, 30), tzinfo=SHANGHAI)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock("2024-10-20")


@pytest.fixture
def client(clock: FixedClock) -> TestClient:
    app = create_app(
        ProvinceSettings(admin_token="admin-token", platform_keys={"alpha": "key-alpha"})
    )
    app.state.courses.clock = clock
    return TestClient(app)


def receive(client: TestClient, applied_on: str, **changes: object) -> dict:
    body = {**COURSE, "platform_id": "alpha", "applied_on": applied_on, **changes}
    answer = client.post("/sandbox/v1/courses/applications", json=body, headers=ADMIN)
    assert answer.status_code == 201, answer.text
    return answer.json()


def review(client: TestClient, application_id: str, on: str | None = None):
    body = {} if on is None else {"on": on}
    path = f"/sandbox/v1/courses/applications/{application_id}/review"
    return client.post(path, json=body, headers=ADMIN)


def listed(client: TestClient, overdue: bool = False) -> list[dict]:
    params = {"overdue": "true"} if overdue else {}
    return client.get("/sandbox/v1/courses/applications", params=params, headers=ADMIN).json()


@pytest.mark.parametrize(
    ("applied_on", "due"),
    [
        ("2024-09-27", "2024-10-16"),  # 9-29 (make-up Sun), 9-30, 10-8 … 10-12 (make-up Sat) …
        ("2024-09-30", "2024-10-18"),  # 10-8, 9, 10, 11, 12 (make-up Sat), 14, 15, 16, 17, 18
        ("2024-10-03", "2024-10-18"),  # received in the holiday: counting starts on 10-8
    ],
)
def test_the_review_is_due_ten_working_days_after_the_application(
    client: TestClient, applied_on: str, due: str
) -> None:
    assert receive(client, applied_on)["review_due"] == due


def test_an_application_reviewed_on_its_due_day_is_on_time(client: TestClient) -> None:
    pending = receive(client, "2024-09-27")
    assert pending["status"] == "pending" and pending["overdue"] is True  # today is 10-20
    done = review(client, pending["application_id"], "2024-10-16").json()
    assert done["status"] == "approved" and done["overdue"] is False
    assert done["approval_number"] == "SXJD-2024-0001"
    approval = client.get(f"/sandbox/v1/courses/approvals/{done['approval_number']}", headers=ADMIN)
    assert approval.json()["approved_on"] == "2024-10-16"


def test_a_review_a_day_late_is_flagged(client: TestClient) -> None:
    pending = receive(client, "2024-09-27")
    late = review(client, pending["application_id"], "2024-10-17").json()
    assert late["overdue"] is True and late["status"] == "approved"
    assert [a["application_id"] for a in listed(client, overdue=True)] == [late["application_id"]]


def test_an_open_application_becomes_overdue_the_day_after_its_due_date(
    client: TestClient, clock: FixedClock
) -> None:
    pending = receive(client, "2025-01-24")  # Spring Festival 2025: due 2-13
    assert pending["review_due"] == "2025-02-13"
    clock.day = D("2025-02-13")
    assert listed(client)[0]["overdue"] is False and listed(client, overdue=True) == []
    clock.day = D("2025-02-14")
    assert listed(client, overdue=True)[0]["application_id"] == pending["application_id"]


def test_a_rejected_review_also_stops_the_clock(client: TestClient) -> None:
    pending = receive(client, "2024-10-08", lesson_hours=79)
    done = review(client, pending["application_id"]).json()  # today, 10-20
    assert done["status"] == "rejected" and done["reviewed_on"] == "2024-10-20"
    assert done["overdue"] is False and "minimum of 80" in done["reason"]


def test_reviews_out_of_order_are_refused(client: TestClient) -> None:
    application_id = receive(client, "2024-10-08")["application_id"]
    before = review(client, application_id, "2024-10-07")
    assert before.status_code == 409 and "before the application arrived" in before.json()["detail"]
    future = review(client, application_id, "2024-10-21")
    assert future.status_code == 409 and "in the future" in future.json()["detail"]
    assert review(client, application_id, "2024-10-09").status_code == 200
    again = review(client, application_id)
    assert again.status_code == 409 and "already reviewed" in again.json()["detail"]
    assert review(client, "APP-999999").status_code == 404
    unauthorised = client.get("/sandbox/v1/courses/applications", headers=ALPHA)
    assert unauthorised.status_code == 401


def test_the_platform_api_reviews_at_once_and_is_never_late(client: TestClient) -> None:
    answer = client.post("/province/v1/courses/applications", json=COURSE, headers=ALPHA)
    assert answer.status_code == 201
    (record,) = listed(client)
    assert record["application_id"] == answer.json()["application_id"]
    assert record["applied_on"] == record["reviewed_on"] == "2024-10-20"
    assert record["review_due"] == "2024-11-01" and record["overdue"] is False


def test_a_year_the_calendar_does_not_know_is_named(client: TestClient, clock) -> None:
    clock.day = D("2026-12-28")
    record = receive(client, "2026-12-24")
    assert record["review_due"] is None and record["overdue"] is False
    assert "2027" in record["calendar_gap"]


def test_applications_survive_a_snapshot_and_older_snapshots_load() -> None:
    clock = FixedClock("2024-10-20")
    store = CourseStore(clock=clock)
    pending = store.receive("alpha", CourseApplicationIn.model_validate(COURSE), D("2024-09-27"))
    store.apply("alpha", CourseApplicationIn.model_validate(COURSE))
    copy = CourseStore(clock=clock)
    copy.restore(store.snapshot())
    assert copy.applications() == store.applications()
    assert copy.review(pending.application_id, D("2024-10-16")).overdue is False
    older = store.snapshot()
    del older["applications"]
    empty = CourseStore(clock=clock)
    empty.restore(older)
    assert empty.applications() == []


def test_the_documented_example_table_is_the_2025_notice() -> None:
    """docs/holidays.example.toml is the 2025 notice: as a table it must give every day of 2025
    as the package does (both transcribe the same notice)."""
    from harness.province.workdays import WorkingCalendar

    example = Path(__file__).parents[1] / "docs" / "holidays.example.toml"
    table = WorkingCalendar.from_files([example])
    package = WorkingCalendar()
    day = D("2025-01-01")
    while day.year == 2025:
        assert table.is_workday(day) == package.is_workday(day), day
        day += dt.timedelta(days=1)
