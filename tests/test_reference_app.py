"""The reference platform as a whole: settings, defects, OpenAPI copy, health, test hooks."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from reference_platform.defects import DEFECTS, ActiveDefects
from reference_platform.main import create_app
from reference_platform.openapi import openapi_document
from reference_platform.process_restart import BOOT_ID
from reference_platform.settings import PlatformSettings
from tests.test_reference_support import (
    Person,
    hook_headers,
    running_platform,
    settings_for,
    shared_province,
)

ROOT = Path(__file__).resolve().parents[1]
FINAL_DEFECTS = {
    "accepts_under_16": ("ELIG-01",),
    "no_upper_age_limit": ("ELIG-02",),
    "ignores_employment_status": ("ELIG-03",),
    "offers_unapproved_course": ("COURSE-01",),
    "course_without_standard": ("COURSE-03",),
    "short_course_content": ("COURSE-04",),
    "accepts_unknown_voucher": ("VOUCH-01",),
    "skips_voucher_redeem": ("VOUCH-01", "VOUCH-02"),
    "ignores_redeem_refusal": ("VOUCH-02",),
    "ignores_voucher_holder": ("VOUCH-02",),
    "ignores_voucher_course_match": ("VOUCH-02",),
    "skips_id_check_digit": ("ID-01",),
    "discards_id_card_photo": ("ID-01",),
    "stores_id_card_photo_unread": ("ID-01",),
    "liveness_only_on_first_login": ("ID-02", "ID-03", "STUDY-09"),
    "ignores_face_mismatch": ("ID-03",),
    "ignores_still_replay": ("ID-03",),
    "allows_concurrent_logins": ("STUDY-03",),
    "capture_image_not_kept": ("STUDY-01",),
    "failed_capture_images_not_kept": ("STUDY-01",),
    "accepts_late_capture": ("STUDY-01",),
    "capture_at_fixed_offset": ("STUDY-02",),
    "credits_hour_without_capture": ("STUDY-02", "COURSE-05"),
    "accepts_any_capture_face": ("STUDY-02", "COURSE-05"),
    "credits_two_windows": ("STUDY-04",),
    "furthest_point_follows_the_player": ("COURSE-05",),
    "trusts_client_position": ("STUDY-05",),
    "honours_lesson_complete_call": ("STUDY-05",),
    "credits_fast_playback": ("STUDY-06",),
    "credits_duplicate_heartbeats": ("STUDY-06",),
    "credits_superseded_session": ("STUDY-03",),
    "loses_resume_position": ("STUDY-07",),
    "completion_below_level_minimum": ("COURSE-05",),
    "player_lets_seek_through": ("STUDY-05",),
    "player_keeps_speed": ("STUDY-06",),
    "player_no_second_window_guard": ("STUDY-03", "STUDY-04"),
    "player_skips_captures": ("STUDY-01",),
    "player_no_resume": ("STUDY-07",),
    "login_page_reuses_session": ("ID-02",),
    "enterprise_sees_every_learner": ("STUDY-08",),
    "employee_enrolment_open_to_every_kind": ("STUDY-08", "ENT-01"),
    "employee_enrolment_skips_name_check": ("ENT-01",),
    "capture_image_without_auth": ("POST-03",),
    "no_login_throttling": ("POST-03",),
    "supervisor_token_never_expires": ("POST-03",),
    "supervisor_access_not_logged": ("POST-03",),
    "deletes_after_one_year": ("POST-05",),
    "retention_leap_day_ends_28_february": ("POST-05",),
    "unmasked_id_numbers": ("POST-03",),
    "enrols_students": ("ELIG-03",),
    "counts_age_by_utc_date": ("ELIG-01", "ELIG-02"),
    "accepts_nonexistent_region": ("ID-01",),
    "registers_when_the_province_refuses": ("ID-01",),
    "opens_lessons_of_any_course": ("VOUCH-01",),
    "credits_heartbeats_of_another_window": ("STUDY-04",),
    "next_login_answers_an_ended_logins_capture": ("STUDY-03",),
    "accepts_future_birth_date": ("ID-01",),
    "keeps_id_number_as_typed": ("ID-01",),
    "same_device_relogin_skips_liveness": ("ID-02", "ID-03"),
    "same_device_logins_coexist": ("STUDY-03",),
    "matches_voucher_holder_by_name": ("VOUCH-02",),
    "ages_at_registration_date": ("ELIG-01", "ELIG-02"),
    "ages_fail_on_leap_day_births": ("ELIG-01", "ELIG-02"),
    "refuses_uncommon_name_characters": ("ID-01",),
    "credits_stock_player_rates": ("STUDY-06",),
    "credits_windows_of_other_courses": ("STUDY-04",),
    "completion_minimum_short_below_senior": ("COURSE-05",),
    "expired_capture_counts_as_passed": ("STUDY-02", "STUDY-01"),
    "accepts_capture_minutes_late": ("STUDY-01",),
    "credits_hour_a_minute_short": ("COURSE-05",),
    "four_questions_in_one_hour": ("EXAM-01",),
    "credits_hour_without_quiz": ("EXAM-01",),
    "quiz_gates_at_lesson_end": ("EXAM-01",),
    "yields_the_hour_on_its_first_answer": ("EXAM-01",),
    "passes_at_50_percent": ("EXAM-02", "POST-02"),
    "rounds_accuracy_to_whole_percent": ("EXAM-02", "POST-02"),
    "certificate_for_failing_learner": ("POST-02",),
    "unverifiable_certificate_number": ("POST-02",),
    "certificate_qr_points_elsewhere": ("POST-02",),
    "issues_certificate_twice": ("POST-02",),
    "certificate_dates_by_utc": ("POST-02",),
    "certificate_prints_intermediate_as_junior": ("POST-02",),
    "completion_report_dated_when_sent": ("VOUCH-03",),
    "certificate_at_the_lowest_level_minimum": ("COURSE-05",),
    "no_completion_report": ("VOUCH-03",),
    "duplicates_completion_report": ("VOUCH-03",),
    "voucher_report_writes_intermediate_as_junior": ("VOUCH-03",),
    "stream_delayed_30s": ("STUDY-09",),
    "stream_leaks_other_scope": ("STUDY-09",),
    "stream_resume_starts_from_now": ("STUDY-09",),
    "live_view_lists_signed_out_learners": ("STUDY-09",),
    "live_view_ignores_login_expiry": ("STUDY-09",),
    "archive_drops_captures": ("ARCH-01", "ARCH-02"),
    "archive_chain_broken": ("ARCH-01", "ARCH-02"),
    "archive_push_lost_on_restart": ("ARCH-01", "SUB-05"),
    "archive_push_stops_at_a_refused_chain": ("ARCH-01", "ARCH-02"),
    "archive_push_newest_first_stops_at_a_refused_chain": ("ARCH-01", "ARCH-02"),
    "export_omits_last_row": ("POST-01",),
    "export_leaks_other_scope": ("POST-01",),
    "export_leaves_out_failed_captures": ("POST-01",),
    "self_check_silent_on_forged_end_reports": ("POST-06",),
    "self_check_flags_honest_learner": ("POST-06",),
    "self_check_counts_study_per_lesson": ("POST-06",),
    "self_check_address_rule_keyed_by_device": ("POST-06",),
    "self_check_flags_training_room": ("POST-06",),
    "self_check_traces_hide_own_sign_in": ("POST-06",),
    "self_check_reads_any_seek_as_forged_end": ("POST-06",),
    "self_check_flags_one_missed_capture": ("POST-06",),
    "throttles_per_device": ("POST-03",),
    "enrols_in_courses_not_offered": ("COURSE-01",),
    "approvals_checked_only_at_start": ("COURSE-01",),
    "breakpoint_kept_per_device": ("STUDY-07",),
    "institution_sees_other_courses_playbacks": ("STUDY-08",),
    "quiz_answers_unscoped": ("STUDY-08", "POST-03"),
    "login_lookup_by_id_number_skips_scope": ("STUDY-08", "POST-03"),
    "self_check_findings_unscoped": ("STUDY-08", "POST-03"),
    "export_not_audited": ("POST-03",),
    "stream_sends_institution_other_courses_events": ("STUDY-09",),
    "capture_verdicts_cached_by_image": ("STUDY-02",),
    "certificate_pdf_for_any_learner": ("POST-02",),
    "quiz_answers_from_ended_logins": ("STUDY-03",),
    "institution_sees_shared_learners_other_certificates": ("STUDY-08",),
    "refuses_playback_while_any_is_open": ("STUDY-04",),
    "refuses_playback_after_its_login_ended": ("STUDY-04",),
    "archive_dates_captures_at_their_deadline": ("ARCH-01", "ARCH-02"),
    "passes_captures_the_authority_cannot_judge": ("STUDY-02",),
    "admits_logins_the_authority_cannot_judge": ("ID-02",),
    "liveness_fails_open_when_authority_down": ("ID-02",),
    "auditor_may_delete_records": ("POST-05",),
    "credits_hour_a_heartbeat_short": ("COURSE-05",),
    "same_window_id_not_superseded": ("STUDY-04",),
    "pause_keeps_the_credit_baseline": ("STUDY-05",),
    "employment_judged_at_first_enrolment_only": ("ELIG-03",),
    "women_bounded_at_55": ("ELIG-02",),
    "region_ranges_miss_hainan_chongqing": ("ID-01",),
    "occupation_matched_by_group": ("VOUCH-02",),
    "expired_logins_shown_active": ("STUDY-03",),
    "resume_at_last_reported_position": ("STUDY-07",),
    "certificate_scores_every_answer": ("POST-02",),
    "claims_held_back_certificates_later": ("SUB-02",),
    "self_check_reads_scripts_too_narrowly": ("POST-06",),
    "superseding_login_sends_no_events": ("STUDY-09",),
    "failed_liveness_not_streamed": ("STUDY-09",),
    "capture_image_reads_not_logged": ("POST-03",),
    "capture_offset_drawn_once_per_lesson": ("STUDY-01",),
    "archive_counts_hours_from_one": ("ARCH-01", "ARCH-02"),
    "completion_report_sent_once": ("VOUCH-03",),
    "claim_kept_before_the_office_answers": ("SUB-02",),
    "self_check_counts_capture_failures_per_kind": ("POST-06",),
    "baseline_kept_per_lesson": ("STUDY-05",),
    "export_scopes_institution_by_learner": ("POST-01",),
    "variant_course_borrows_approval": ("COURSE-01",),
    "claims_hours_credited_at_filing": ("SUB-01", "SUB-02"),
    "sub_second_advances_read_as_review": ("STUDY-06",),
    "enterprise_takes_another_enterprises_employee": ("ENT-01",),
    "refuses_only_known_liveness_failures": ("ID-02",),
    "finding_details_name_the_id_number": ("POST-03",),
    "restore_loses_last_table": ("POST-04",),
    "restore_loses_images": ("POST-04",),
    "heartbeat_takes_300_ms": ("LOAD-01",),
    "drops_heartbeat_under_concurrency": ("LOAD-02",),
    "counts_capture_twice_under_concurrency": ("LOAD-02",),
    "claim_junior_at_4_yuan": ("SUB-01",),
    "claim_includes_uncertified": ("SUB-01", "SUB-02"),
    "claims_learner_twice_across_quarters": ("SUB-02",),
    "claims_flagged_learner": ("SUB-05",),
    "claims_learners_flagged_after_certification": ("SUB-05",),
    "claim_reads_devices_of_claimed_learners_only": ("SUB-05",),
    "claim_lines_without_approval_number": ("SUB-02",),
    "capture_events_only_when_passed": ("STUDY-09",),
    "close_moves_an_ended_playbacks_end": ("STUDY-04",),
    "archive_leaves_out_expired_captures": ("ARCH-01", "ARCH-02"),
    "ended_login_opens_playbacks": ("STUDY-03",),
    "login_token_lives_two_hours": ("POST-03",),
    "capture_answer_time_20_s": ("STUDY-01",),
    "sign_in_counter_expires_from_first_failure": ("POST-03",),
    "supervision_sign_in_limited_per_minute": ("POST-03",),
    "closed_playback_keeps_earning": ("STUDY-04",),
    "claims_the_levels_minimum_hours": ("SUB-01", "SUB-02"),
    "claim_quarter_misses_its_last_day": ("SUB-01",),
    "believes_forwarded_for_from_anyone": ("POST-06",),
    "captures_of_a_long_lesson_in_its_first_hour": ("STUDY-01",),
}


def test_defect_registry_has_exactly_the_final_names() -> None:
    assert {name: defect.breaks for name, defect in DEFECTS.items()} == FINAL_DEFECTS
    assert all(defect.description.endswith(".") for defect in DEFECTS.values())


def test_asking_about_a_misspelt_defect_is_an_error() -> None:
    defects = ActiveDefects(["accepts_under_16"])
    assert defects.active("accepts_under_16")
    assert not defects.active("no_upper_age_limit")
    with pytest.raises(KeyError):
        defects.active("accepts_under_61")


def test_settings_defaults_from_an_empty_environment() -> None:
    settings = PlatformSettings.from_env({})
    assert settings.database_url is None
    assert settings.platform_id == "sxcert-reference"
    assert settings.authority_user == "hr-authority"
    assert settings.authority_password_generated
    assert len(settings.authority_password.get_secret_value()) >= 20
    assert settings.test_token is None
    assert (settings.min_age, settings.max_age) == (16, 60)
    assert settings.defects == frozenset()
    # Two starts never share a generated password.
    other = PlatformSettings.from_env({}).authority_password.get_secret_value()
    assert other != settings.authority_password.get_secret_value()


def test_settings_read_every_variable() -> None:
    settings = PlatformSettings.from_env(
        {
            "SXCERT_REF_DATABASE_URL": "sqlite:///x.db",
            "SXCERT_REF_PLATFORM_ID": "vendor-7",
            "SXCERT_REF_PROVINCE_URL": "http://province:8001",
            "SXCERT_REF_PROVINCE_KEY": "k",
            "SXCERT_REF_AUTHORITY_USER": "boss",
            "SXCERT_REF_AUTHORITY_PASSWORD": "pw-123456",
            "SXCERT_REF_TEST_TOKEN": "tt",
            "SXCERT_REF_DEFECTS": " accepts_under_16 ,no_upper_age_limit,",
            "SXCERT_REF_MIN_AGE": "18",
            "SXCERT_REF_MAX_AGE": "65",
        }
    )
    assert settings.database_url == "sqlite:///x.db"
    assert settings.platform_id == "vendor-7"
    assert settings.province_url == "http://province:8001"
    assert settings.province_key and settings.province_key.get_secret_value() == "k"
    assert settings.authority_user == "boss"
    assert settings.authority_password.get_secret_value() == "pw-123456"
    assert not settings.authority_password_generated
    assert settings.test_token and settings.test_token.get_secret_value() == "tt"
    assert settings.defects == {"accepts_under_16", "no_upper_age_limit"}
    assert (settings.min_age, settings.max_age) == (18, 65)


def test_an_unknown_defect_refuses_to_start_and_lists_the_known_ones() -> None:
    with pytest.raises(ValidationError) as refused:
        PlatformSettings.from_env({"SXCERT_REF_DEFECTS": "accepts_under_16,typo_defect"})
    message = str(refused.value)
    assert "Unknown defect(s): typo_defect" in message
    assert all(name in message for name in DEFECTS)


def test_create_app_refuses_an_unknown_defect_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SXCERT_REF_DEFECTS", "no_such_defect")
    with pytest.raises(SystemExit) as refused:
        create_app()
    message = str(refused.value.code)
    assert message.startswith("Invalid SXCERT_REF_* settings")
    assert "no_such_defect" in message and "allows_concurrent_logins" in message


def test_a_refused_platform_key_is_a_503_not_a_crash(tmp_path: Path) -> None:
    with running_platform(tmp_path, province_key="wrong-key") as platform:
        assert platform.client.get("/api/v1/courses").json() == []
        person = Person(*platform.province.new_person())
        answer = platform.client.post("/api/v1/learners", json=platform.registration_body(person))
        assert (answer.status_code, answer.json()) == (
            503,
            {"detail": "Province service unavailable"},
        )


def test_without_an_authority_password_no_account_exists_and_no_secret_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path, shared_province().url).model_copy(
        update={"authority_password_generated": True}
    )
    with caplog.at_level(logging.WARNING), TestClient(create_app(settings)) as client:
        password = settings.authority_password.get_secret_value()
        answer = client.post(
            "/api/v1/supervision/token",
            json={"username": settings.authority_user, "password": password},
        )
    assert answer.status_code == 401
    assert not any(password in record.getMessage() for record in caplog.records)
    assert any("is not created" in record.getMessage() for record in caplog.records)


def test_stored_openapi_document_equals_the_apps() -> None:
    stored = json.loads((ROOT / "harness/spec/openapi.json").read_text(encoding="utf-8"))
    assert stored == json.loads(json.dumps(openapi_document()))


def test_openapi_declares_every_refusal() -> None:
    paths = openapi_document()["paths"]
    assert set(paths["/api/v1/enrolments"]["post"]["responses"]) == {
        "201",
        "401",
        "403",
        "404",
        "409",
        "422",
        "503",
    }
    assert set(paths["/api/v1/login"]["post"]["responses"]) >= {"200", "401", "403", "503"}
    assert "401" in paths["/api/v1/supervision/logins"]["get"]["responses"]
    assert "404" in paths["/api/v1/test/clock"]["get"]["responses"]
    heartbeats = paths["/api/v1/playbacks/{playback_id}/heartbeats"]["post"]["responses"]
    assert set(heartbeats) == {"200", "401", "404", "409", "422", "503"}  # 503: at capacity
    captures = paths["/api/v1/captures/{challenge_id}"]["post"]["responses"]
    assert set(captures) == {"200", "401", "404", "409", "422", "503"}
    assert set(paths["/api/v1/playbacks"]["post"]["responses"]) == {
        "201",
        "401",
        "403",
        "404",
        "409",  # another playback in use, under the refusing choice (refuses_second_playback)
        "422",
    }
    assert "/api/v1/lessons/{lesson_id}/complete" not in paths  # only with its defect


def test_health(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        answer = platform.client.get("/api/v1/health")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "platform_id": "sxcert-reference",
        "interface": "sxcert/1",
        "boot_id": BOOT_ID,
    }
    assert re.fullmatch(r"[0-9a-f]{32}", BOOT_ID)  # one per process image


def test_test_hooks_are_absent_without_a_test_token(tmp_path: Path) -> None:
    with running_platform(tmp_path, test_token=None) as platform:
        assert platform.client.get("/api/v1/test/clock", headers=hook_headers()).status_code == 404
        answer = platform.client.post(
            "/api/v1/test/clock/advance", json={"seconds": 5}, headers=hook_headers()
        )
        assert answer.status_code == 404


def test_test_hooks_need_the_test_token(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        assert platform.client.get("/api/v1/test/clock").status_code == 401
        wrong = {"Authorization": "Bearer not-the-token"}
        assert platform.client.get("/api/v1/test/clock", headers=wrong).status_code == 401
        # A supervisor token is not a test-hook token.
        supervisor = platform.supervisor_headers()
        assert platform.client.get("/api/v1/test/clock", headers=supervisor).status_code == 401


def test_clock_advances_only_forward_and_persists(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'clock.db'}"
    with running_platform(tmp_path, database_url=url) as platform:
        client = platform.client
        before = dt.datetime.fromisoformat(
            client.get("/api/v1/test/clock", headers=hook_headers()).json()["now"]
        )
        assert before.utcoffset() == dt.timedelta(hours=8)
        answer = client.post(
            "/api/v1/test/clock/advance", json={"seconds": 86400 * 3}, headers=hook_headers()
        )
        assert answer.status_code == 200
        after = dt.datetime.fromisoformat(answer.json()["now"])
        assert dt.timedelta(days=3) <= after - before < dt.timedelta(days=3, minutes=1)
        back = client.post(
            "/api/v1/test/clock/advance", json={"seconds": -1}, headers=hook_headers()
        )
        assert back.status_code == 422
    with running_platform(tmp_path, database_url=url) as restarted:
        now = dt.datetime.fromisoformat(
            restarted.client.get("/api/v1/test/clock", headers=hook_headers()).json()["now"]
        )
        assert now >= after


def test_the_defect_switch_exists_only_when_asked_for(tmp_path: Path) -> None:
    token = hook_headers()
    plain = settings_for(tmp_path, shared_province().url)
    with TestClient(create_app(plain)) as client:
        answer = client.put("/api/v1/test/defects", json={"names": []}, headers=token)
        assert answer.status_code == 404
    switchable = settings_for(tmp_path, shared_province().url, defect_switch=True)
    with TestClient(create_app(switchable)) as client:
        unauthenticated = client.put("/api/v1/test/defects", json={"names": []})
        assert unauthenticated.status_code == 401
        on = client.put("/api/v1/test/defects", json={"names": ["accepts_under_16"]}, headers=token)
        assert on.status_code == 200 and on.json() == {"names": ["accepts_under_16"]}
        assert client.app.state.platform.defects.active("accepts_under_16")
        for refused in (["no_such_defect"], ["offers_unapproved_course"]):
            answer = client.put("/api/v1/test/defects", json={"names": refused}, headers=token)
            assert answer.status_code == 422, answer.text
        assert client.app.state.platform.defects.names == {"accepts_under_16"}  # unchanged
        off = client.put("/api/v1/test/defects", json={"names": []}, headers=token)
        assert off.json() == {"names": []}
        assert "/api/v1/test/defects" not in client.get("/openapi.json").json()["paths"]
