"""Courses (COURSE-01, -03, -04): the seeded catalogue, province approvals, content."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reference_platform.catalogue import ApprovalSync
from tests.test_reference_support import (
    OCCUPATIONS,
    ServedProvince,
    running_platform,
)

SEEDED = {
    "crs-cook-junior-a": ("中式烹调师（初级）A", "4-03-02-01", "中式烹调师", "junior", 80),
    "crs-cook-junior-b": ("中式烹调师（初级）B", "4-03-02-01", "中式烹调师", "junior", 80),
    "crs-care-intermediate": ("养老护理员（中级）", "4-10-01-05", "养老护理员", "intermediate", 70),
    "crs-elec-senior": ("电工（高级）", "6-31-01-03", "电工", "senior", 60),
}


def _summary(course: dict) -> tuple:
    return (
        course["title"],
        course["occupation_code"],
        course["occupation_name"],
        course["level"],
        course["lesson_hours"],
    )


def test_four_approved_courses_are_offered(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        courses = platform.client.get("/api/v1/courses").json()
        assert {c["course_id"]: _summary(c) for c in courses} == SEEDED
        applications = {
            body["platform_course_id"]: body for body in platform.province.calls_of("apply")
        }
        for course in courses:
            assert course["standard"].startswith("《") and "国家职业技能标准" in course["standard"]
            assert re.fullmatch(r"SXJD-\d{4}-\d{4}", course["approval"]["number"])
            sent = applications[course["course_id"]]
            assert (sent["title"], sent["lesson_hours"], sent["standard"]) == (
                course["title"],
                course["lesson_hours"],
                course["standard"],
            )


def test_lessons_cover_the_declared_hours(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        for course_id, summary in SEEDED.items():
            lessons = platform.client.get(f"/api/v1/courses/{course_id}/lessons").json()
            # One lesson per hour, 45 min each, except junior course B's last lesson: 2 hours.
            long = 2 if course_id == "crs-cook-junior-b" else 1
            count = summary[4] - (long - 1)
            assert [lesson["seq"] for lesson in lessons] == list(range(1, count + 1))
            assert [lesson["lesson_hours"] for lesson in lessons] == [1] * (count - 1) + [long]
            assert all(lesson["duration_s"] == 2700 * lesson["lesson_hours"] for lesson in lessons)
            assert sum(lesson["lesson_hours"] for lesson in lessons) == summary[4]
        missing = platform.client.get("/api/v1/courses/no-such-course/lessons")
        assert (missing.status_code, missing.json()) == (404, {"detail": "Course not found"})


def test_restart_does_not_apply_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    with running_platform(tmp_path, database_url=url) as platform:
        first = platform.client.get("/api/v1/courses").json()
        applications = len(platform.province.calls_of("apply"))
    with running_platform(tmp_path, database_url=url) as platform:
        assert platform.client.get("/api/v1/courses").json() == first
        assert len(platform.province.calls_of("apply")) == applications


def test_province_down_at_startup_then_lazy_approval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    province = ServedProvince().start()
    # Retries far apart, whatever the machine's load: the first look-up after the outage must
    # fall inside the retry interval (the interval is then set to 0 to end the wait).
    monkeypatch.setattr(ApprovalSync, "FIRST_RETRY_S", 600.0)
    monkeypatch.setattr(ApprovalSync, "RETRY_INTERVAL_S", 600.0)
    try:
        with province.outage(), running_platform(tmp_path, province=province) as platform:
            assert platform.client.get("/api/v1/courses").json() == []
            province.start()
            # Within the retry interval the province is not asked again.
            attempts = len(province.calls)
            assert platform.client.get("/api/v1/courses").json() == []
            assert len(province.calls) == attempts
            monkeypatch.setattr(ApprovalSync, "FIRST_RETRY_S", 0.0)
            monkeypatch.setattr(ApprovalSync, "RETRY_INTERVAL_S", 0.0)
            courses = platform.client.get("/api/v1/courses").json()
            assert {course["course_id"] for course in courses} == set(SEEDED)
            attempts = len(province.calls)
            platform.client.get("/api/v1/courses")
            assert len(province.calls) == attempts  # nothing pending: no more calls
    finally:
        province.stop()


def test_occupation_codes_follow_the_province_and_rejections_are_not_offered(
    tmp_path: Path,
) -> None:
    renamed = {"4-03-02-01": "中式烹调师", "4-10-01-05": "养老护理员", "6-31-01-99": "电工"}
    province = ServedProvince(occupations=renamed).start()
    without_electricians = {code: name for code, name in OCCUPATIONS.items() if name != "电工"}
    smaller = ServedProvince(occupations=without_electricians).start()
    try:
        with running_platform(tmp_path, province=province) as platform:
            courses = {c["course_id"]: c for c in platform.client.get("/api/v1/courses").json()}
            assert courses["crs-elec-senior"]["occupation_code"] == "6-31-01-99"
        with running_platform(tmp_path, province=smaller) as platform:
            offered = {c["course_id"] for c in platform.client.get("/api/v1/courses").json()}
            assert offered == set(SEEDED) - {"crs-elec-senior"}
            lessons = platform.client.get("/api/v1/courses/crs-elec-senior/lessons")
            assert lessons.status_code == 404
    finally:
        province.stop()
        smaller.stop()


def test_defect_offers_unapproved_course(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'phantom.db'}"
    with running_platform(
        tmp_path, defects=("offers_unapproved_course",), database_url=url
    ) as platform:
        courses = {c["course_id"]: c for c in platform.client.get("/api/v1/courses").json()}
        assert courses["crs-cook-junior-x"]["approval"]["number"] == "SXJD-2026-9999"
        applied = {body["platform_course_id"] for body in platform.province.calls_of("apply")}
        assert "crs-cook-junior-x" not in applied
        person = platform.register()
        code = platform.province.issue_voucher(person.id_number)
        answer = platform.enrol(platform.learner_headers(person), "crs-cook-junior-x", code)
        assert answer.status_code == 201
    # Without the defect the same database no longer offers it.
    with running_platform(tmp_path, database_url=url) as platform:
        offered = {c["course_id"] for c in platform.client.get("/api/v1/courses").json()}
        assert offered == set(SEEDED)


def test_defect_course_without_standard(tmp_path: Path) -> None:
    with running_platform(tmp_path, defects=("course_without_standard",)) as platform:
        courses = {c["course_id"]: c for c in platform.client.get("/api/v1/courses").json()}
        assert courses["crs-elec-senior"]["standard"] is None
        assert all(c["standard"] for cid, c in courses.items() if cid != "crs-elec-senior")


def test_defect_short_course_content(tmp_path: Path) -> None:
    with running_platform(tmp_path, defects=("short_course_content",)) as platform:
        courses = {c["course_id"]: c for c in platform.client.get("/api/v1/courses").json()}
        assert courses["crs-cook-junior-a"]["lesson_hours"] == 80
        lessons = platform.client.get("/api/v1/courses/crs-cook-junior-a/lessons").json()
        assert len(lessons) == 79
        other = platform.client.get("/api/v1/courses/crs-cook-junior-b/lessons").json()
        assert len(other) == 79  # its last lesson spans 2 of its 80 hours (STUDY-01)
        assert sum(lesson["lesson_hours"] for lesson in other) == 80
