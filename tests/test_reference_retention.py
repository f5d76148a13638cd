"""Retention on the reference platform (POST-05): the boundaries of `kept_until`."""

from __future__ import annotations

import datetime as dt

import pytest

from reference_platform.defects import ActiveDefects
from reference_platform.retention import RetentionRule, add_years, retention_rule
from tests.test_reference_support import running_platform

SH = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.datetime(2026, 12, 2, 9, 0, tzinfo=SH), dt.datetime(2029, 12, 2, 9, 0, tzinfo=SH)),
        (dt.datetime(2028, 2, 29, 23, 0, tzinfo=SH), dt.datetime(2031, 3, 1, 23, 0, tzinfo=SH)),
        (dt.datetime(2027, 2, 28, 1, 0, tzinfo=SH), dt.datetime(2030, 2, 28, 1, 0, tzinfo=SH)),
    ],
)
def test_three_calendar_years_and_29_february_becomes_1_march(moment, expected):
    assert add_years(moment, 3, RetentionRule().leap_day_to) == expected


def test_deletion_refused_one_second_before_and_allowed_and_logged_after(tmp_path):
    with running_platform(tmp_path) as platform:
        person = platform.register()
        headers = platform.supervisor_headers()
        path = f"/api/v1/records/learners/{person.learner_id}"
        refused = platform.client.delete(path, headers=headers)
        assert refused.status_code == 409, refused.text
        kept_until = dt.datetime.fromisoformat(refused.json()["detail"].split()[-1])
        now = dt.datetime.fromisoformat(
            platform.client.get("/api/v1/test/clock", headers=hook()).json()["now"]
        )
        platform.advance((kept_until - now).total_seconds() - 1)
        assert platform.client.delete(path, headers=fresh(platform)).status_code == 409
        platform.advance(2)
        headers = fresh(platform)
        allowed = platform.client.delete(path, headers=headers)
        assert allowed.status_code == 200, allowed.text
        assert platform.supervise("learners", learner_id=person.learner_id) == []
        log = platform.client.get("/api/v1/records/deletions", headers=headers).json()
        assert [row["learner_id"] for row in log] == [person.learner_id]


def fresh(platform) -> dict[str, str]:
    """A new authority token (the clock moved years past the last one's expiry)."""
    platform._supervisor = None
    return platform.supervisor_headers()


def hook() -> dict[str, str]:
    from tests.test_reference_support import hook_headers

    return hook_headers()


def test_a_learner_with_a_full_trail_is_deleted_from_every_view(tmp_path):
    """Playbacks, heartbeats, progress and captures go too (children before parents)."""
    from tests.test_reference_supervision_scope import (
        COOK_COURSE,
        _enrol,
        _play_until_a_capture,
        _signed_in,
    )

    with running_platform(tmp_path) as platform:
        learner = _signed_in(platform)
        _enrol(platform, learner, COOK_COURSE)
        _play_until_a_capture(platform, learner, COOK_COURSE)
        assert platform.supervise("captures", learner_id=learner.learner_id)
        platform.advance(4 * 366 * 86400)
        allowed = platform.client.delete(
            f"/api/v1/records/learners/{learner.learner_id}", headers=fresh(platform)
        )
        assert allowed.status_code == 200, allowed.text
        for view in ("learners", "enrolments", "logins", "playbacks", "progress", "captures"):
            assert platform.supervise(view, learner_id=learner.learner_id) == [], view


def test_a_learner_with_quiz_answers_and_a_certificate_is_deleted(tmp_path):
    """Quiz answers, certificates and the completion outbox go too, before the learner."""
    from sqlalchemy import func, select

    from reference_platform.models import Certificate, CompletionReport, QuizAnswer
    from tests.test_reference_progress import COURSES, enrolled_in, study

    course = COURSES["senior"][0]
    with running_platform(tmp_path) as platform:
        learner = enrolled_in(platform, "senior")
        study(platform, learner, course, range(1, 41))
        assert platform.supervise("certificates", learner_id=learner.learner_id)
        assert platform.supervise("quiz-answers", learner_id=learner.learner_id)
        platform.advance(4 * 366 * 86400)
        allowed = platform.client.delete(
            f"/api/v1/records/learners/{learner.learner_id}", headers=fresh(platform)
        )
        assert allowed.status_code == 200, allowed.text
        for view in ("learners", "certificates", "quiz-answers"):
            assert platform.supervise(view, learner_id=learner.learner_id) == [], view
        sessions = platform.client.app.state.platform.sessions  # type: ignore[attr-defined]
        with sessions() as db:
            for table in (QuizAnswer, Certificate, CompletionReport):
                left = db.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(table.learner_id == learner.learner_id)
                )
                assert left == 0, table.__tablename__


def test_the_retention_rule_is_the_policys_unless_a_defect_swaps_one_value() -> None:
    assert retention_rule(ActiveDefects()) == RetentionRule(3, (3, 1))
    assert retention_rule(ActiveDefects({"deletes_after_one_year"})).years == 1
    leap = retention_rule(ActiveDefects({"retention_leap_day_ends_28_february"}))
    assert leap == RetentionRule(3, (2, 28))
    moment = dt.datetime(2028, 2, 29, 9, 0, tzinfo=SH)
    assert add_years(moment, 3, leap.leap_day_to) == dt.datetime(2031, 2, 28, 9, 0, tzinfo=SH)
