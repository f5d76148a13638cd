"""The deliberate defects: each one makes exactly the named checks fail, and no other check.

A defect is switched on by name (`SXCERT_REF_DEFECTS`) and read in the platform's service code,
as a plain `defects.active("name")` whose answer is passed on to the pure rule as a plain value,
so that reading the compliant code also shows how it can go wrong. The names are part of the
product (`sxcert defects`, the detection matrix).

Each defect names the requirements it breaks and the checks (functions in `harness/checks/`)
that must fail when it is on; where it is read is not written down but found in the source
(`read_sites`), so that `sxcert defects` always points at the code as it is.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent  # the repository root: `where` is relative to it


@dataclass(frozen=True)
class Defect:
    name: str
    breaks: tuple[str, ...]  # requirement IDs
    checks: tuple[str, ...]  # names of the checks that must fail when this defect is on
    description: str

    @property
    def sites(self) -> tuple[str, ...]:
        """Every `path:line` that reads this defect's flag, the primary (first) one first."""
        return read_sites().get(self.name, ())

    @property
    def where(self) -> str:
        """The primary place that reads the flag: where a newcomer starts reading."""
        return self.sites[0] if self.sites else ""


_DEFECT_LIST = (
    Defect(
        "accepts_under_16",
        ("ELIG-01",),
        ("learner_under_minimum_age_is_refused",),
        "The minimum age is compared as 15.",
    ),
    Defect(
        "no_upper_age_limit",
        ("ELIG-02",),
        ("learner_at_upper_age_bound_is_refused",),
        "There is no upper age bound.",
    ),
    Defect(
        "ignores_employment_status",
        ("ELIG-03",),
        ("only_unemployed_or_flexible_workers_are_enrolled",),
        "An employed, student or retired voucher holder is enrolled.",
    ),
    Defect(
        "offers_unapproved_course",
        ("COURSE-01",),
        ("every_offered_course_has_a_valid_provincial_approval",),
        "An extra course is offered with approval number SXJD-2026-9999, which the province"
        " never issued, and can be enrolled in.",
    ),
    Defect(
        "approvals_checked_only_at_start",
        ("COURSE-01",),
        ("revoked_approval_withdraws_the_course",),
        "The platform looks its approvals up only when it starts: a course whose approval the"
        " province revokes later is still offered and enrolled in.",
    ),
    Defect(
        "enrols_in_courses_not_offered",
        ("COURSE-01",),
        (
            "every_offered_course_has_a_valid_provincial_approval",
            "revoked_approval_withdraws_the_course",
        ),
        "The course list shows approved courses only, but an enrolment is taken for any course "
        "of the catalogue: one awaiting its approval, or refused one, redeems a voucher.",
    ),
    Defect(
        "course_without_standard",
        ("COURSE-03",),
        ("every_course_names_occupation_level_and_standard",),
        "One offered course has no standard.",
    ),
    Defect(
        "short_course_content",
        ("COURSE-04",),
        ("course_content_meets_level_minimum_hours",),
        "A junior course has 79 lessons while it declares (and is approved for) 80 lesson hours.",
    ),
    Defect(
        "accepts_unknown_voucher",
        ("VOUCH-01",),
        ("unknown_voucher_is_refused",),
        "A voucher code the province does not know is accepted and the enrolment created.",
    ),
    Defect(
        "skips_voucher_redeem",
        ("VOUCH-01", "VOUCH-02"),
        ("enrolment_redeems_the_voucher_at_the_province", "voucher_is_single_use"),
        "Enrolment never redeems the voucher at the province (local uniqueness still holds), so"
        " a voucher another platform has redeemed enrols here too.",
    ),
    Defect(
        "ignores_redeem_refusal",
        ("VOUCH-02",),
        ("voucher_is_single_use",),
        "Reuse of a voucher is accepted: no local uniqueness check, the province's 409 ignored.",
    ),
    Defect(
        "ignores_voucher_holder",
        ("VOUCH-02",),
        ("voucher_of_another_person_is_refused",),
        "A voucher of another person is accepted.",
    ),
    Defect(
        "ignores_voucher_course_match",
        ("VOUCH-02",),
        ("voucher_for_another_occupation_or_level_is_refused",),
        "A voucher for another occupation or level is accepted.",
    ),
    Defect(
        "skips_id_check_digit",
        ("ID-01",),
        ("invalid_id_numbers_are_refused",),
        "Registration does not verify the GB 11643 check digit (shape, region, birth date still).",
    ),
    Defect(
        "discards_id_card_photo",
        ("ID-01",),
        ("registration_keeps_real_name_face_and_id_card",),
        "The ID-card photo is not stored (no hash in supervision, photo endpoint 404).",
    ),
    Defect(
        "stores_id_card_photo_unread",
        ("ID-01",),
        ("registration_refuses_photos_that_are_not_images",),
        "The ID-card photo is stored as sent, never read as an image (an attachment field): text"
        " or a PNG cut short registers the learner with an ID card no one can open.",
    ),
    Defect(
        "liveness_only_on_first_login",
        ("ID-02", "ID-03", "STUDY-09"),
        (
            "every_login_passes_its_own_liveness_check",
            "impostor_face_is_refused_at_login",
            "still_photo_replay_is_refused_at_login",
            # no liveness at a re-login, so no liveness event reaches the supervisors' stream
            "study_events_reach_exactly_their_scope_in_real_time",
        ),
        "After the first passed liveness, later logins skip the province and reuse its id (so an"
        " impostor or a still photo passes at a re-login, and the supervision stream shows no"
        " liveness event for it).",
    ),
    Defect(
        "ignores_face_mismatch",
        ("ID-03",),
        ("impostor_face_is_refused_at_login",),
        "A face_mismatch verdict is treated as passed.",
    ),
    Defect(
        "ignores_still_replay",
        ("ID-03",),
        ("still_photo_replay_is_refused_at_login",),
        "A still_replay verdict is treated as passed.",
    ),
    Defect(
        "allows_concurrent_logins",
        ("STUDY-03",),
        (
            "cheating_learner_machine_earns_nothing_after_a_newer_login",
            "second_login_never_leaves_two_sessions_valid",
            "superseded_session_earns_no_credit",
        ),
        "A new login does not end the learner's other active logins.",
    ),
    Defect(
        "capture_image_not_kept",
        ("STUDY-01",),
        (
            "every_lesson_hour_has_a_capture_with_time_and_image",
            "cheating_learner_machine_finds_every_passed_capture_kept",
        ),
        "Capture images are verified but not stored (no hash in supervision, image endpoint 404).",
    ),
    Defect(
        "failed_capture_images_not_kept",
        ("STUDY-01",),
        ("every_lesson_hour_has_a_capture_with_time_and_image",),
        "A capture's image is kept only when the face matched: another person's face at a capture,"
        " the very evidence of cheating, is recorded as failed with no image.",
    ),
    Defect(
        "accepts_late_capture",
        ("STUDY-01",),
        ("capture_answer_window_is_the_profiles_answer_time",),
        "A capture answered after its deadline is still judged (and passes with the right face).",
    ),
    Defect(
        "capture_at_fixed_offset",
        ("STUDY-02",),
        ("capture_moments_are_unpredictable",),
        "Every lesson hour's capture point is at 600 s into the hour, not drawn at random.",
    ),
    Defect(
        "captures_of_a_long_lesson_in_its_first_hour",
        ("STUDY-01",),
        ("every_lesson_hour_has_a_capture_with_time_and_image",),
        "Every hour's capture point of a lesson of several lesson hours is drawn inside the"
        " lesson's first hour, so its later hours are watched without a capture.",
    ),
    Defect(
        "credits_hour_without_capture",
        ("STUDY-02", "COURSE-05"),  # the hour also counts toward completion (a derived value)
        (
            "hour_without_passed_capture_is_not_credited",
            "completion_needs_the_level_minimum_of_credited_hours",
            # Every exploration of the FakedCaptures machine starts with a whole lesson in one
            # stretch, its capture faked or ignored: found whatever the capture moment drawn.
            "cheating_learner_never_gets_an_hour_without_genuine_capture",
        ),
        "A lesson hour is credited once fully watched, without a passed capture.",
    ),
    Defect(
        "accepts_any_capture_face",
        ("STUDY-02", "COURSE-05"),  # the hour also counts toward completion (a derived value)
        (
            "hour_without_passed_capture_is_not_credited",
            "completion_needs_the_level_minimum_of_credited_hours",
        ),
        "Capture images are not sent to the province; every answer passes.",
    ),
    Defect(
        "credits_two_windows",
        ("STUDY-04",),
        (
            "cheating_learner_never_out_earns_the_clock_with_windows",
            "second_window_never_doubles_credit",
        ),
        "Opening a playback does not end the account's other active playbacks; each earns credit.",
    ),
    Defect(
        "furthest_point_follows_the_player",
        ("COURSE-05",),
        ("lesson_hour_counts_only_when_fully_watched",),
        "An accepted heartbeat moves the furthest point to the position the player reported, while"
        " it earns only the clock's time: a player running ahead inside the seek bound reaches the"
        " lesson's end in half its time, and resumes there, its content never watched.",
    ),
    Defect(
        "trusts_client_position",
        ("STUDY-05",),
        (
            "cheating_learner_never_gets_beyond_honest_position",
            "seek_past_furthest_point_earns_no_credit",
        ),
        "No seek detection: a jump past the furthest point is taken as watched (the furthest"
        " point moves there, and the heartbeat earns its elapsed time).",
    ),
    Defect(
        "honours_lesson_complete_call",
        ("STUDY-05",),
        (
            "cheating_learner_never_gets_beyond_honest_position",
            "lesson_finished_call_earns_no_credit",
        ),
        "An extra endpoint POST /api/v1/lessons/{lesson_id}/complete marks a lesson fully watched.",
    ),
    Defect(
        "credits_fast_playback",
        ("STUDY-06",),
        (
            "cheating_learner_never_earns_more_than_clock_time",
            "credited_time_never_exceeds_wall_clock",
            "faster_than_real_time_playback_earns_no_extra_credit",
            "userscript_cheats_earn_only_real_watching",
        ),
        "The playback rate is ignored and credit is the content advance, not capped by elapsed"
        " time.",
    ),
    Defect(
        "credits_duplicate_heartbeats",
        ("STUDY-06",),
        (
            "cheating_learner_never_earns_more_than_clock_time",
            "credited_time_never_exceeds_wall_clock",
        ),
        "Heartbeat sequence numbers are not checked: every duplicated or replayed heartbeat earns"
        " one heartbeat interval again, whatever the clock says.",
    ),
    Defect(
        "credits_superseded_session",
        ("STUDY-03",),
        (
            "cheating_learner_machine_earns_nothing_after_a_newer_login",
            "superseded_session_earns_no_credit",
        ),
        "Heartbeats and captures on a playback whose login a newer login ended are still accepted"
        " and credited.",
    ),
    Defect(
        "breakpoint_kept_per_device",
        ("STUDY-07",),
        ("reentering_a_lesson_resumes_where_it_stopped",),
        "A lesson resumes at its breakpoint only on a device it was played on: on another device "
        "the learner starts from the beginning.",
    ),
    Defect(
        "loses_resume_position",
        ("STUDY-07",),
        (
            "cheating_learner_machine_always_resumes_at_the_furthest_point",
            "reentering_a_lesson_resumes_where_it_stopped",
        ),
        "Re-opening a lesson answers resume_position_s 0 (the furthest point is still kept).",
    ),
    Defect(
        "completion_below_level_minimum",
        ("COURSE-05",),
        ("completion_needs_the_level_minimum_of_credited_hours",),
        "A course counts as completed at the level minimum minus one lesson hour.",
    ),
    # UI-only defects (player_rules.py): the pages misbehave, the server's rules stay right, so
    # only the browser check of the requirement fails and every API check passes.
    Defect(
        "player_lets_seek_through",
        ("STUDY-05",),
        ("player_blocks_forward_seeking",),
        "The lesson player lets a forward seek through (the server still credits none of it).",
    ),
    Defect(
        "player_keeps_speed",
        ("STUDY-06",),
        ("player_resets_speed_up",),
        "The lesson player keeps a playbackRate above 1× (the server still credits none of it).",
    ),
    Defect(
        "player_no_second_window_guard",
        ("STUDY-03", "STUDY-04"),
        ("second_browser_login_stops_the_first", "second_tab_never_plays_alongside"),
        "A lesson window whose playback or login was superseded, or that sees another window "
        "play, keeps playing (the server still credits only the newest playback).",
    ),
    Defect(
        "player_skips_captures",
        ("STUDY-01",),
        ("player_answers_captures_from_camera",),
        "The lesson player never takes the capture picture (the server still credits no hour "
        "without a passed capture).",
    ),
    Defect(
        "player_no_resume",
        ("STUDY-07",),
        ("player_resumes_at_breakpoint",),
        "The lesson player starts at 0 instead of the resume position the server answers.",
    ),
    Defect(
        "login_page_reuses_session",
        ("ID-02",),
        ("login_page_checks_liveness_every_time",),
        "The login page remembers the last token and logs in again without the camera.",
    ),
    Defect(
        "enterprise_sees_every_learner",
        ("STUDY-08",),
        ("every_account_kind_sees_exactly_its_scope",),
        "The supervision learner list of an enterprise account is not narrowed to its employees.",
    ),
    Defect(
        "employee_enrolment_open_to_every_kind",
        ("STUDY-08", "ENT-01"),
        (
            "supervision_accounts_cannot_change_data",
            "enterprise_enrols_employees_and_follows_their_training",
        ),
        "Any supervision account (authority, auditor, institution) may enrol employees, moving a"
        " learner to its own scope (or to none), and a learner employed elsewhere is moved.",
    ),
    Defect(
        "employee_enrolment_skips_name_check",
        ("ENT-01",),
        ("enterprise_enrols_employees_and_follows_their_training",),
        "An enterprise enrols a learner by ID number alone: a wrong name is not refused.",
    ),
    Defect(
        "capture_image_without_auth",
        ("POST-03",),
        ("authorisation_matrix_holds_on_every_endpoint",),
        "A capture image is served to a request without any token.",
    ),
    Defect(
        "throttles_per_device",
        ("POST-03",),
        ("failed_sign_ins_are_throttled",),
        "Failed sign-ins are counted per learner and device, so a guesser naming a new device id "
        "for every try is never locked out.",
    ),
    Defect(
        "no_login_throttling",
        ("POST-03",),
        ("failed_sign_ins_are_throttled",),
        "Sign-in is never throttled: any number of wrong passwords may be tried.",
    ),
    Defect(
        "supervisor_token_never_expires",
        ("POST-03",),
        ("tokens_expire",),
        "A supervision token is accepted after its expiry.",
    ),
    Defect(
        "supervisor_access_not_logged",
        ("POST-03",),
        ("supervisor_access_is_audited",),
        "Supervision requests are not written to the access log.",
    ),
    Defect(
        "export_not_audited",
        ("POST-03",),
        ("supervisor_access_is_audited",),
        "The learning-data export (a bulk download) is not written to the access log; every "
        "other supervision request is.",
    ),
    Defect(
        "deletes_after_one_year",
        ("POST-05",),
        ("records_are_kept_three_years_after_training",),
        "A learner's records may be deleted 1 year after the end of training.",
    ),
    Defect(
        "retention_leap_day_ends_28_february",
        ("POST-05",),
        ("records_are_kept_three_years_after_training",),
        "A training ended on 29 February is kept until 28 February of the common year 3 years"
        " on (a day early; the interface's reading is 1 March).",
    ),
    Defect(
        "unmasked_id_numbers",
        ("POST-03",),
        ("id_numbers_are_masked_for_scoped_accounts",),
        "Enterprise and institution accounts see full ID numbers in the learner list.",
    ),
    Defect(
        "enrols_students",
        ("ELIG-03",),
        ("only_unemployed_or_flexible_workers_are_enrolled",),
        "A voucher holder whose employment status is student is enrolled (taken as unemployed).",
    ),
    Defect(
        "counts_age_by_utc_date",
        ("ELIG-01", "ELIG-02"),
        ("learner_under_minimum_age_is_refused", "learner_at_upper_age_bound_is_refused"),
        "Ages are counted on the UTC date, not the Asia/Shanghai one: from 00:00 to 08:00 in"
        " Shanghai a learner whose birthday is today is a day younger.",
    ),
    Defect(
        "next_login_answers_an_ended_logins_capture",
        ("STUDY-03",),
        ("ended_login_study_earns_nothing_for_the_next_login",),
        "A capture challenge of a login that ended (logout, a newer login) is answered, and"
        " passes, under the next login: the player runs on one device, the face answers on"
        " another.",
    ),
    Defect(
        "credits_heartbeats_of_another_window",
        ("STUDY-04",),
        ("heartbeats_from_another_window_earn_nothing",),
        "A heartbeat naming another window than its playback's is credited: a second window"
        " rides on the first one's playback.",
    ),
    Defect(
        "opens_lessons_of_any_course",
        ("VOUCH-01",),
        ("study_needs_an_enrolment_in_the_lessons_course",),
        "A playback naming the learner's enrolled course opens a lesson of another course (the"
        " enrolment named is checked, not the lesson's own course): study without a voucher.",
    ),
    Defect(
        "registers_when_the_province_refuses",
        ("ID-01",),
        ("registration_follows_the_identity_authority",),
        "A registration the identity authority refuses (a name that is not the person's, an"
        " identity it does not hold, a face photo it cannot use) is kept anyway, to be checked"
        " again later (it never is).",
    ),
    Defect(
        "accepts_nonexistent_region",
        ("ID-01",),
        ("invalid_id_numbers_are_refused",),
        "An ID number whose region prefix is not in GB/T 2260 (99…, 00…) is accepted when its"
        " check digit is right; the province is asked about it.",
    ),
    Defect(
        "accepts_future_birth_date",
        ("ID-01",),
        ("invalid_id_numbers_are_refused",),
        "An ID number with a birth date in the future is accepted; the province is asked about it.",
    ),
    Defect(
        "keeps_id_number_as_typed",
        ("ID-01",),
        ("valid_id_numbers_register_exactly_once",),
        "The ID number is kept as typed: a number ending in x registers a second learner beside"
        " the same number ending in X.",
    ),
    Defect(
        "same_device_relogin_skips_liveness",
        ("ID-02", "ID-03"),
        (
            "every_login_passes_its_own_liveness_check",
            "impostor_face_is_refused_at_login",
            "still_photo_replay_is_refused_at_login",
        ),
        "Logging in again on a device whose login has not ended (no logout) skips the province"
        " and reuses that login's liveness verification (so an impostor or a still photo passes).",
    ),
    Defect(
        "same_device_logins_coexist",
        ("STUDY-03",),
        ("second_login_never_leaves_two_sessions_valid",),
        "A new login ends the learner's logins on other devices only: a second login on the same"
        " device leaves both sessions valid.",
    ),
    Defect(
        "matches_voucher_holder_by_name",
        ("VOUCH-02",),
        ("voucher_of_another_person_is_refused",),
        "A voucher is taken as the learner's when the holder's name matches: a namesake's voucher"
        " is accepted.",
    ),
    Defect(
        "ages_at_registration_date",
        ("ELIG-01", "ELIG-02"),
        ("learner_under_minimum_age_is_refused", "learner_at_upper_age_bound_is_refused"),
        "Ages are counted on the registration date, not the enrolment date: a learner who"
        " registered the day before the 60th birthday is enrolled on it.",
    ),
    Defect(
        "refuses_uncommon_name_characters",
        ("ID-01",),
        ("registration_keeps_real_name_face_and_id_card",),
        "Registration takes only names of 2-4 characters of the basic CJK block (the validator"
        " most snippets copy): a minority name with its middle dot, or a rare character, is"
        " refused (422).",
    ),
    Defect(
        "ages_fail_on_leap_day_births",
        ("ELIG-01", "ELIG-02"),
        ("learner_under_minimum_age_is_refused", "learner_at_upper_age_bound_is_refused"),
        "The age rule makes this year's and next year's birthday by replacing the birth date's"
        " year, which fails for 29 February in a common year: a learner born on a leap day"
        " cannot enrol (500).",
    ),
    Defect(
        "credits_stock_player_rates",
        ("STUDY-06",),
        ("faster_than_real_time_playback_earns_no_extra_credit",),
        "Only rates above 1.5× count as speed-up: 1.25× and 1.5×, the rates a stock player"
        " offers, are credited (never beyond the clock time, but credited).",
    ),
    Defect(
        "credits_windows_of_other_courses",
        ("STUDY-04",),
        ("second_window_never_doubles_credit",),
        "Opening a playback ends the account's other playbacks of the same course only: a window"
        " on a lesson of another course keeps playing and earning.",
    ),
    Defect(
        "completion_minimum_short_below_senior",
        ("COURSE-05",),
        ("completion_needs_the_level_minimum_of_credited_hours",),
        "The completion threshold is right for senior courses (40) but one hour short for"
        " intermediate (49) and junior (59) ones.",
    ),
    Defect(
        "expired_capture_counts_as_passed",
        ("STUDY-02", "STUDY-01"),
        (
            "unattended_playback_earns_no_lesson_hour",
            "capture_answer_window_is_the_profiles_answer_time",
        ),
        "A capture challenge left unanswered past its deadline is settled as passed at the next"
        " heartbeat (silence read as no objection), so an unattended hour is credited.",
    ),
    Defect(
        "accepts_capture_minutes_late",
        ("STUDY-01",),
        ("capture_answer_window_is_the_profiles_answer_time",),
        "A capture answer is judged up to 10 minutes after its 60-second deadline (a grace for"
        " slow uploads): the learner's face minutes late passes and credits the hour.",
    ),
    Defect(
        "credits_hour_a_minute_short",
        ("COURSE-05",),
        ("lesson_hour_counts_only_when_fully_watched",),
        "A lesson counts as fully watched 60 s before its end (the closing credits), so an hour"
        " is credited with its last minute unwatched.",
    ),
    # ---- outcomes (issue 9): quizzes ------------------------------------------------------------
    Defect(
        "four_questions_in_one_hour",
        ("EXAM-01",),
        ("every_lesson_hour_has_at_least_five_questions",),
        "The first hour of every course's third lesson puts only 4 questions to learners.",
    ),
    Defect(
        "credits_hour_without_quiz",
        ("EXAM-01",),
        ("an_hours_last_minutes_wait_for_its_quiz",),
        "No quiz gate: a lesson hour is credited to its end with its questions unanswered.",
    ),
    Defect(
        "quiz_gates_at_lesson_end",
        ("EXAM-01",),
        ("an_hours_last_minutes_wait_for_its_quiz",),
        "A lesson of several hours holds every hour's quiz for the lesson's last minutes, so its"
        " first hour is credited to its end with its questions unanswered.",
    ),
    Defect(
        "passes_at_50_percent",
        ("EXAM-02", "POST-02"),
        (
            "course_passes_at_sixty_percent_accuracy_and_not_below",
            "certificate_only_for_a_pass_once_and_verifiable",
        ),
        "The pass mark is 50 % instead of 60 % (so a failing learner is also certified).",
    ),
    Defect(
        "rounds_accuracy_to_whole_percent",
        ("EXAM-02", "POST-02"),
        (
            "course_passes_at_sixty_percent_accuracy_and_not_below",
            "certificate_only_for_a_pass_once_and_verifiable",
        ),
        "Accuracy is rounded to a whole percent before it is compared, so 59.5 % passes.",
    ),
    # ---- outcomes (issue 9): certificates --------------------------------------------------------
    Defect(
        "certificate_for_failing_learner",
        ("POST-02",),
        ("certificate_only_for_a_pass_once_and_verifiable",),
        "A certificate is issued on the credited hours alone, whatever the quiz accuracy.",
    ),
    Defect(
        "unverifiable_certificate_number",
        ("POST-02",),
        ("certificate_only_for_a_pass_once_and_verifiable",),
        "The public verification answers 404 for every certificate number.",
    ),
    Defect(
        "certificate_qr_points_elsewhere",
        ("POST-02",),
        ("certificate_only_for_a_pass_once_and_verifiable",),
        "The certificate PDF's QR code points at the platform's health page, not at the"
        " verification of its number.",
    ),
    Defect(
        "certificate_at_the_lowest_level_minimum",
        ("COURSE-05",),
        ("completion_needs_the_level_minimum_of_credited_hours",),
        "Certificates are issued at the smallest level minimum (senior's 40 h) for every level, "
        "so a junior or intermediate learner short of the course's minimum is certified.",
    ),
    Defect(
        "certificate_dates_by_utc",
        ("POST-02",),
        (
            "certificate_only_for_a_pass_once_and_verifiable",
            "certificates_of_every_level_are_distinct_and_verifiable",
        ),
        "A certificate's start and end dates are the UTC dates of the enrolment and the pass (the "
        "server's zone), a day early for an enrolment or a pass in the Shanghai early morning.",
    ),
    Defect(
        "certificate_prints_intermediate_as_junior",
        ("POST-02",),
        ("certificates_of_every_level_are_distinct_and_verifiable",),
        "The certificate PDF's table of level names has its intermediate entry copied from "
        "junior's: an intermediate certificate prints 初级.",
    ),
    Defect(
        "issues_certificate_twice",
        ("POST-02",),
        ("certificate_only_for_a_pass_once_and_verifiable",),
        "Every further credited hour after a pass issues another certificate.",
    ),
    # ---- outcomes (issue 9): the offline hand-over --------------------------------------------
    Defect(
        "no_completion_report",
        ("VOUCH-03",),
        ("offline_voucher_for_every_completer_and_nobody_else",),
        "A pass is certified but never reported to the province: no offline voucher is issued.",
    ),
    Defect(
        "duplicates_completion_report",
        ("VOUCH-03",),
        ("offline_voucher_for_every_completer_and_nobody_else",),
        "Every certificate sweep reports each completion again under a new report id.",
    ),
    Defect(
        "completion_report_dated_when_sent",
        ("VOUCH-03",),
        ("offline_voucher_follows_the_pass_at_every_level",),
        "A completion report's `completed_on` is the UTC date of the moment it is sent, not the "
        "certificate's completion date: a day early for a pass in the Shanghai early morning.",
    ),
    Defect(
        "yields_the_hour_on_its_first_answer",
        ("EXAM-01",),
        ("an_hours_last_minutes_wait_for_its_quiz",),
        "An hour's quiz counts as answered once any of its questions is: the hour's last minutes "
        "are released with the other questions unanswered.",
    ),
    Defect(
        "voucher_report_writes_intermediate_as_junior",
        ("VOUCH-03",),
        ("offline_voucher_follows_the_pass_at_every_level",),
        "The completion report's level comes from a code table whose intermediate entry was "
        "copied from junior's: an intermediate passer's offline voucher is for the junior level.",
    ),
    Defect(
        "institution_sees_other_courses_playbacks",
        ("STUDY-08",),
        ("institution_sees_only_its_own_courses_of_a_shared_learner",),
        "The playbacks view narrows an institution to its learners but not to its courses: of a "
        "learner also enrolled elsewhere, it sees the other institution's lessons played.",
    ),
    Defect(
        "quiz_answers_unscoped",
        ("STUDY-08", "POST-03"),
        (
            "every_account_kind_sees_exactly_its_scope",
            "institution_sees_only_its_own_courses_of_a_shared_learner",
            "authorisation_matrix_holds_on_every_endpoint",
        ),
        "The supervision quiz-answer list (and its export) forgets the account's scope: an "
        "enterprise or institution account sees every learner's answers.",
    ),
    Defect(
        "institution_sees_shared_learners_other_certificates",
        ("STUDY-08",),
        ("certificates_reach_exactly_their_scope",),
        "The certificate list narrows an institution to its learners but not to its courses: of "
        "a learner also enrolled in one of its courses, it sees a certificate another "
        "institution's course earned.",
    ),
    Defect(
        "login_lookup_by_id_number_skips_scope",
        ("STUDY-08", "POST-03"),
        (
            "every_account_kind_sees_exactly_its_scope",
            "authorisation_matrix_holds_on_every_endpoint",
        ),
        "The sign-in list looked up by ID number (a help desk's search) skips the account's "
        "scope: an enterprise or institution sees the sign-ins of anyone whose number it types.",
    ),
    Defect(
        "self_check_findings_unscoped",
        ("STUDY-08", "POST-03"),
        (
            "every_account_kind_sees_exactly_its_scope",
            "authorisation_matrix_holds_on_every_endpoint",
        ),
        "The self-check's findings list forgets the account's scope: an enterprise or institution "
        "reads the brushing findings of every learner on the platform.",
    ),
    Defect(
        "stream_sends_institution_other_courses_events",
        ("STUDY-09",),
        ("study_events_reach_exactly_their_scope_in_real_time",),
        "The event stream narrows an institution to its learners but not to its courses: of a "
        "learner also enrolled elsewhere, it gets the other institution's course events.",
    ),
    Defect(
        "capture_verdicts_cached_by_image",
        ("STUDY-02",),
        ("hour_without_passed_capture_is_not_credited",),
        "A capture image byte-identical to one that passed before passes without asking the "
        "province (a verdict cache to save face-match calls): a recorded picture replayed "
        "passes every later capture.",
    ),
    Defect(
        "certificate_pdf_for_any_learner",
        ("POST-02",),
        ("certificate_only_for_a_pass_once_and_verifiable",),
        "Any signed-in learner gets the PDF of a certificate whose number it knows (the PDF "
        "carries another learner's name and training): the owner is not compared.",
    ),
    Defect(
        "quiz_answers_from_ended_logins",
        ("STUDY-03",),
        ("ended_login_study_earns_nothing_for_the_next_login",),
        "A quiz answer is taken from a login that ended (logout, a newer login): a second "
        "session answers the quiz for the learner studying under the new one.",
    ),
    Defect(
        "stream_delayed_30s",
        ("STUDY-09",),
        ("study_events_reach_exactly_their_scope_in_real_time",),
        "The supervision event stream holds every event back 30 s (the bound is 10 s).",
    ),
    Defect(
        "stream_resume_starts_from_now",
        ("STUDY-09",),
        ("study_events_reach_exactly_their_scope_in_real_time",),
        "A stream resumed with Last-Event-ID starts from now: what happened while the supervisor "
        "was disconnected never arrives.",
    ),
    Defect(
        "live_view_lists_signed_out_learners",
        ("STUDY-09",),
        ("study_events_reach_exactly_their_scope_in_real_time",),
        "The live view lists a learner who logged out as studying while the playback was never "
        "closed: it looks at the login's expiry, not at the logout.",
    ),
    Defect(
        "live_view_ignores_login_expiry",
        ("STUDY-09",),
        ("live_view_lists_exactly_open_playbacks_of_live_logins",),
        "The live view reads logouts but not expiry: a learner whose login lapsed with its"
        " playback open is listed as studying for good.",
    ),
    Defect(
        "stream_leaks_other_scope",
        ("STUDY-09",),
        ("study_events_reach_exactly_their_scope_in_real_time",),
        "The supervision event stream sends every account every event, whatever its scope.",
    ),
    # ---- oversight (issue 10): the electronic training archive --------------------------------
    Defect(
        "archive_drops_captures",
        ("ARCH-01", "ARCH-02"),
        ("archive_holds_what_supervision_shows",),
        "Capture challenges never become archive records: the province's archive lacks them and"
        " a credited lesson's record links captures the archive does not hold.",
    ),
    Defect(
        "archive_chain_broken",
        ("ARCH-01", "ARCH-02"),
        ("archive_holds_what_supervision_shows", "archive_push_survives_a_platform_restart"),
        "Record hashes are taken over json.dumps' default form, not the canonical one: no chain"
        " verifies, the province refuses every record and holds nothing.",
    ),
    Defect(
        "archive_push_lost_on_restart",
        ("ARCH-01", "SUB-05"),
        (
            "archive_push_survives_a_platform_restart",
            "claim_leaves_out_flagged_and_unarchived_learners",
        ),
        "The pusher marks records sent when it takes them into an in-memory queue: a restart"
        " while the province is unavailable loses them, and the learner's chain stops there."
        " Records marked sent count as acknowledged, so a subsidy claim also lists a learner"
        " whose archive the province refused (SUB-05).",
    ),
    Defect(
        "archive_push_stops_at_a_refused_chain",
        ("ARCH-01", "ARCH-02"),
        ("archive_holds_what_supervision_shows",),
        "The pusher sends every learner's records every round, in its own order of learners (by"
        " learner id), and ends the round at the first chain the province refuses, as it does"
        " when the province is unavailable: while one learner's records are refused, no record"
        " of a learner after them in that order arrives.",
    ),
    Defect(
        "archive_push_newest_first_stops_at_a_refused_chain",
        ("ARCH-01", "ARCH-02"),
        ("archive_holds_what_supervision_shows",),
        "The pusher sends every learner's records every round, the learner with the newest"
        " record first, and ends the round at the first chain the province refuses: while a"
        " learner's records are refused, a learner whose records are all older waits until the"
        " refused one's are accepted (a learner who acted after the refused one is not held up).",
    ),
    Defect(
        "export_omits_last_row",
        ("POST-01",),
        ("export_matches_the_supervision_view",),
        "The learning-data export (CSV and XLSX) drops its last row: a streaming writer that"
        " writes each row when the next arrives.",
    ),
    Defect(
        "export_leaves_out_failed_captures",
        ("POST-01",),
        ("export_datasets_match_their_views",),
        "The captures file of the export holds only the passed captures: a filter written for a"
        " report of passed captures, reused for the supervisors' file.",
    ),
    Defect(
        "export_leaks_other_scope",
        ("POST-01",),
        ("export_matches_the_supervision_view",),
        "An institution account's learning-data export is not narrowed to its scope: it holds"
        " every learner's rows (its views are right).",
    ),
    Defect(
        "self_check_silent_on_forged_end_reports",
        ("POST-06",),
        ("self_check_flags_every_cheat_and_no_honest_learner",),
        "The self-check has no rule for a lesson's end reported without the steady reports "
        "before it.",
    ),
    Defect(
        "refuses_only_known_liveness_failures",
        ("ID-02",),
        ("every_login_passes_its_own_liveness_check",),
        "A login is refused only for the liveness failures the platform names (a replayed still, "
        "another face), so one or two camera frames, too few for the authority to judge, sign in.",
    ),
    Defect(
        "refuses_playback_while_any_is_open",
        ("STUDY-04",),
        ("abandoned_playback_never_locks_the_learner_out",),
        "A new playback is refused while any of the account's playbacks is open, however long it "
        "has been idle: a learner whose browser closed without closing the player is locked out.",
    ),
    Defect(
        "archive_dates_captures_at_their_deadline",
        ("ARCH-01", "ARCH-02"),
        ("archive_holds_what_supervision_shows",),
        "The archive dates every capture record at the challenge's deadline, not when it was "
        "answered: the learner's training archive says a capture happened up to a minute later "
        "than it did.",
    ),
    Defect(
        "passes_captures_the_authority_cannot_judge",
        ("STUDY-02",),
        ("hour_without_passed_capture_is_not_credited",),
        "A capture passes when the identity authority gives no verdict (it no longer knows the "
        "person): the platform fails open, and a lesson hour is credited on no face check at all.",
    ),
    Defect(
        "admits_logins_the_authority_cannot_judge",
        ("ID-02",),
        ("every_login_passes_its_own_liveness_check",),
        "A login is admitted when the identity authority gives no liveness verdict (it no longer "
        "knows the person): the platform fails open, and study starts on no liveness check.",
    ),
    Defect(
        "auditor_may_delete_records",
        ("POST-05",),
        ("records_are_kept_three_years_after_training",),
        "The auditor may delete a learner's records once their retention is over, as the HR "
        "authority may (the deletion log's reader rule copied to the deletion).",
    ),
    Defect(
        "credits_hour_a_heartbeat_short",
        ("COURSE-05",),
        ("lesson_hour_counts_only_when_fully_watched",),
        "A lesson counts as fully watched 30 s (one heartbeat interval) before its end, because "
        "a player's last report may come early: hours short of their content are credited.",
    ),
    Defect(
        "same_window_id_not_superseded",
        ("STUDY-04",),
        ("second_window_never_doubles_credit",),
        "Opening a lesson ends the account's playbacks of other window ids only: two players "
        "opened under one window id (the client chooses it) both stay active and both earn.",
    ),
    Defect(
        "pause_keeps_the_credit_baseline",
        ("STUDY-05",),
        ("seek_past_furthest_point_earns_no_credit",),
        "A paused heartbeat does not move the elapsed baseline (a paused player is not "
        "studying): after a pause, a jump as far as the time spent paused is credited.",
    ),
    Defect(
        "employment_judged_at_first_enrolment_only",
        ("ELIG-03",),
        ("only_unemployed_or_flexible_workers_are_enrolled",),
        "A learner's employment status is judged at the first enrolment only (an eligibility "
        "review made once per learner): a later voucher saying employed or retired enrols.",
    ),
    Defect(
        "women_bounded_at_55",
        ("ELIG-02",),
        ("learner_at_upper_age_bound_is_refused",),
        "Women (an even 17th digit of the ID number) are refused from their 55th birthday, "
        "the statutory retirement age of many women workers, instead of the one bound of 60.",
    ),
    Defect(
        "region_ranges_miss_hainan_chongqing",
        ("ID-01",),
        ("valid_id_numbers_register_exactly_once",),
        "The ID number's region is checked against hand-written prefix ranges with two slips "
        "(41-45 for 41-46, 51-54 for 50-54): people born in Hainan or Chongqing are refused.",
    ),
    Defect(
        "occupation_matched_by_group",
        ("VOUCH-02",),
        ("voucher_for_another_occupation_or_level_is_refused",),
        "A voucher's occupation is compared with the course's down to the group only (N-NN-NN): "
        "a 中式面点师 voucher enrols in the 中式烹调师 course.",
    ),
    Defect(
        "expired_logins_shown_active",
        ("STUDY-03",),
        ("ended_login_study_earns_nothing_for_the_next_login",),
        "The supervision view's logins call a login active until it is logged out or "
        "superseded: an expired login shows active beside the learner's new one.",
    ),
    Defect(
        "resume_at_last_reported_position",
        ("STUDY-07",),
        ("reentering_a_lesson_resumes_where_it_stopped",),
        "A lesson resumes where the player last reported it was, a refused drag included, not "
        "at its furthest point: a lesson closed after a drag reopens past what was watched.",
    ),
    Defect(
        "certificate_scores_every_answer",
        ("POST-02",),
        ("certificate_only_for_a_pass_once_and_verifiable",),
        "The certificate's score is right answers over every answer the learner gave in the "
        "course, answers of lessons never credited included (the pass itself is judged right).",
    ),
    Defect(
        "claims_held_back_certificates_later",
        ("SUB-02",),
        ("quarter_claimed_once_listing_what_certificates_and_archive_show",),
        "A certificate left out of its quarter's claim (its archive was not complete at that "
        "filing) is paid with a later quarter's claim, though a claim lists only certificates "
        "issued within its quarter.",
    ),
    Defect(
        "self_check_reads_scripts_too_narrowly",
        ("POST-06",),
        ("self_check_flags_every_cheat_and_no_honest_learner",),
        "The self-check takes a script for one only when it is exact: heartbeat gaps with a "
        "spread under 0.05 s (not 0.1 s) and quiz answers within 1 s (not 2 s) of each other.",
    ),
    Defect(
        "superseding_login_sends_no_events",
        ("STUDY-09",),
        ("study_events_reach_exactly_their_scope_in_real_time",),
        "A login ended by the learner's newer login sends no `logout` and its open playback no "
        "`playback_stop` event: supervisors watching the stream see the learner study on.",
    ),
    Defect(
        "failed_liveness_not_streamed",
        ("STUDY-09",),
        ("study_events_reach_exactly_their_scope_in_real_time",),
        "A liveness check that failed at login sends no `liveness` event: supervisors see "
        "passed checks only, never an impostor's attempt.",
    ),
    Defect(
        "capture_image_reads_not_logged",
        ("POST-03",),
        ("supervisor_access_is_audited",),
        "A supervisor's reads of capture images are left out of the access log (pages fetch "
        "them in bulk): who looked at a learner's biometric pictures is not audited.",
    ),
    Defect(
        "capture_offset_drawn_once_per_lesson",
        ("STUDY-01",),
        ("every_lesson_hour_has_a_capture_with_time_and_image",),
        "A lesson of several hours draws one capture offset for all its hours: after the first "
        "hour's capture, every later hour's moment is known to the learner.",
    ),
    Defect(
        "archive_counts_hours_from_one",
        ("ARCH-01", "ARCH-02"),
        ("archive_holds_what_supervision_shows",),
        "The archive's capture records number a lesson's hours from 1, not 0 as the interface "
        "says: each capture is filed under the hour after the one it proves.",
    ),
    Defect(
        "completion_report_sent_once",
        ("VOUCH-03",),
        ("offline_voucher_for_every_completer_and_nobody_else",),
        "A completion report is sent once: one that met an unavailable province is never sent "
        "again, and the learner never gets the offline voucher.",
    ),
    Defect(
        "claim_kept_before_the_office_answers",
        ("SUB-02",),
        ("quarter_claimed_once_listing_what_certificates_and_archive_show",),
        "A quarter's filing is stored before the subsidy office answers (so that two filings at "
        "once send one claim): a filing the office never took, the province unavailable, is "
        "kept, and the quarter is never claimed.",
    ),
    Defect(
        "self_check_counts_capture_failures_per_kind",
        ("POST-06",),
        ("self_check_flags_every_cheat_and_no_honest_learner",),
        "The self-check counts failed captures of each kind apart (missed, replayed): a "
        "learner who let one capture expire and answered the next with a still photo is not "
        "flagged, though 2 captures failed or expired.",
    ),
    Defect(
        "baseline_kept_per_lesson",
        ("STUDY-05",),
        ("seek_past_furthest_point_earns_no_credit",),
        "A new playback's first stretch is timed from the lesson's last heartbeat, not from its "
        "opening: a lesson closed for ten minutes and opened again takes a ten-minute jump.",
    ),
    Defect(
        "export_scopes_institution_by_learner",
        ("POST-01",),
        ("export_matches_the_supervision_view",),
        "An institution's learning-data export holds every course of its learners, the rows "
        "of a learner's lessons in another institution's course included.",
    ),
    Defect(
        "variant_course_borrows_approval",
        ("COURSE-01",),
        ("every_offered_course_has_a_valid_provincial_approval",),
        "A variant of an approved course (same occupation, level and lesson hours) is offered "
        "under that course's approval number instead of being applied for: never reviewed.",
    ),
    Defect(
        "claims_hours_credited_at_filing",
        ("SUB-01", "SUB-02"),
        (
            "claim_pays_each_certified_learner_at_its_levels_rate_once",
            "quarter_claimed_once_listing_what_certificates_and_archive_show",
        ),
        "A claim line pays the hours the learner has credited when the claim is filed, not the "
        "hours the certificate was issued for: hours studied after the certificate are paid.",
    ),
    Defect(
        "liveness_fails_open_when_authority_down",
        ("ID-02",),
        ("every_login_passes_its_own_liveness_check",),
        "A login is admitted while the identity authority is unavailable (so that learners are "
        "not locked out of study by an outage): study starts on no liveness check at all.",
    ),
    Defect(
        "sub_second_advances_read_as_review",
        ("STUDY-06",),
        ("honest_heartbeats_earn_exactly_their_advance",),
        "A heartbeat advancing less than a second (a player reporting on a click or a fullscreen "
        "change) is read as a review and earns nothing: honest study goes uncredited.",
    ),
    Defect(
        "enterprise_takes_another_enterprises_employee",
        ("ENT-01",),
        ("enterprise_enrols_employees_and_follows_their_training",),
        "An enterprise can enrol a learner another enterprise already employs: the learner's "
        "training records move to the new enterprise, out of the employer's sight.",
    ),
    Defect(
        "refuses_playback_after_its_login_ended",
        ("STUDY-04",),
        ("abandoned_playback_never_locks_the_learner_out",),
        "A new playback is refused while another was used in the last two heartbeat intervals, "
        "even when that one's login has ended: a learner who signs out and in again (on another "
        "device, which cannot close the old player) waits a minute to study.",
    ),
    Defect(
        "self_check_flags_one_missed_capture",
        ("POST-06",),
        ("self_check_flags_every_cheat_and_no_honest_learner",),
        "The self-check reads every failed capture as another person's face, so an honest "
        "learner who let one capture challenge expire is flagged at once.",
    ),
    Defect(
        "self_check_reads_any_seek_as_forged_end",
        ("POST-06",),
        ("self_check_flags_every_cheat_and_no_honest_learner",),
        "The self-check reads any report ahead of the clock as a forged report of the lesson's "
        "end, so a learner who drags the slider forward once, mid-lesson, is flagged.",
    ),
    Defect(
        "self_check_counts_study_per_lesson",
        ("POST-06",),
        ("self_check_flags_every_cheat_and_no_honest_learner",),
        "The self-check adds up a day's study per lesson, not per learner, so a learner who plays"
        " lessons all day and night is never found studying around the clock.",
    ),
    Defect(
        "self_check_flags_honest_learner",
        ("POST-06",),
        ("self_check_flags_every_cheat_and_no_honest_learner",),
        "The self-check reads heartbeat gaps with a spread under 10 s as machine-regular, which "
        "flags honest learners.",
    ),
    Defect(
        "self_check_address_rule_keyed_by_device",
        ("POST-06",),
        (
            "self_check_flags_every_cheat_and_no_honest_learner",
            "forwarded_for_is_believed_only_from_the_trusted_proxy",
        ),
        "The self-check counts the accounts of one network address per device, so a brushing shop"
        " whose accounts sign in from one address on devices of their own is never flagged.",
    ),
    Defect(
        "self_check_traces_hide_own_sign_in",
        ("POST-06",),
        ("self_check_flags_every_cheat_and_no_honest_learner",),
        "A shared-device or shared-address finding shows every sign-in of its trace as"
        ' "another account", the learner\'s own too: the privacy rule for the others applied'
        " to all, so a supervisor cannot tell which sign-in was the learner's.",
    ),
    Defect(
        "believes_forwarded_for_from_anyone",
        ("POST-06",),
        ("forwarded_for_is_believed_only_from_the_trusted_proxy",),
        "A sign-in's network address is the last X-Forwarded-For entry whoever sent it, so a"
        " brushing shop that reaches the platform directly and writes another address into every"
        " sign-in is never flagged.",
    ),
    Defect(
        "self_check_flags_training_room",
        ("POST-06",),
        ("self_check_flags_every_cheat_and_no_honest_learner",),
        "The self-check counts an enterprise's employees signing in from its training room as many"
        " unrelated accounts of one address, which flags honest in-post learners.",
    ),
    Defect(
        "finding_details_name_the_id_number",
        ("POST-03",),
        ("full_id_numbers_reach_no_scoped_account",),
        "A self-check finding's detail begins with the learner's full ID number, for every"
        " account: the enterprise and the institution read in a finding what their lists mask.",
    ),
    Defect(
        "restore_loses_last_table",
        ("POST-04",),
        ("restored_backup_serves_the_same_data_and_keeps_working",),
        "`sxcert reference restore` leaves the last table in dependency order (heartbeats) empty.",
    ),
    Defect(
        "restore_loses_images",
        ("POST-04",),
        ("restored_backup_serves_the_same_data_and_keeps_working",),
        "`sxcert reference restore` brings every row back but not the pictures: capture images and"
        " ID-card photos (kept beside the database and left out of the backup) are gone, while"
        " their rows, with the pictures' SHA-256, still list them.",
    ),
    # ---- load (issue 14): caught by the load checks -------------------------------------------
    Defect(
        "heartbeat_takes_300_ms",
        ("LOAD-01",),
        ("profile_load_is_held_within_latency_and_error_bounds",),
        "Every heartbeat waits 300 ms inside its transaction (a slow call before the commit), so"
        " heartbeats queue behind each other under load.",
    ),
    Defect(
        "drops_heartbeat_under_concurrency",
        ("LOAD-02",),
        ("acknowledged_study_is_neither_lost_nor_doubled_under_load",),
        "A heartbeat that arrives while another learning request is being handled is answered"
        " as usual but its record is never written (its platform runs every heartbeat on worker"
        " threads, where they overlap, not on the event loop).",
    ),
    Defect(
        "counts_capture_twice_under_concurrency",
        ("LOAD-02",),
        ("acknowledged_study_is_neither_lost_nor_doubled_under_load",),
        "A capture answer handled while another learning request is under way is credited"
        " twice (captures_passed counts it again).",
    ),
    # ---- subsidy claims (issue 9, SUB-01/02/05) ------------------------------------------------
    Defect(
        "claim_junior_at_4_yuan",
        ("SUB-01",),
        ("claim_pays_each_certified_learner_at_its_levels_rate_once",),
        "The quarterly claim pays junior (初级) lesson hours at the intermediate rate, 4 yuan.",
    ),
    Defect(
        "claim_includes_uncertified",
        ("SUB-01", "SUB-02"),
        (
            "claim_pays_each_certified_learner_at_its_levels_rate_once",
            "quarter_claimed_once_listing_what_certificates_and_archive_show",
        ),
        "The quarterly claim also lists learners with the level's hours credited but no"
        " certificate (the quiz failed).",
    ),
    Defect(
        "claims_learner_twice_across_quarters",
        ("SUB-02",),
        ("quarter_claimed_once_listing_what_certificates_and_archive_show",),
        "A quarter's claim lists every certificate issued up to its end, whether or not an"
        " earlier quarter's claim held it.",
    ),
    Defect(
        "claim_quarter_misses_its_last_day",
        ("SUB-01",),
        ("claim_pays_each_certified_learner_at_its_levels_rate_once",),
        "A quarter's claim takes certificates issued before its last day: one issued on the"
        " last day (Asia/Shanghai) is in no quarter's claim.",
    ),
    Defect(
        "claims_flagged_learner",
        ("SUB-05",),
        ("claim_leaves_out_flagged_and_unarchived_learners",),
        "The quarterly claim ignores the self-check: a learner flagged for cheating is claimed.",
    ),
    Defect(
        "claims_the_levels_minimum_hours",
        ("SUB-01", "SUB-02"),
        (
            "claim_pays_each_certified_learner_at_its_levels_rate_once",
            "quarter_claimed_once_listing_what_certificates_and_archive_show",
        ),
        "A claim line's lesson hours are the level's completion minimum (60, 50, 40), not the"
        " credited hours the certificate was issued for: a learner who passed an hour past the"
        " minimum is paid an hour short.",
    ),
    Defect(
        "claims_learners_flagged_after_certification",
        ("SUB-05",),
        ("claim_leaves_out_flagged_and_unarchived_learners",),
        "The quarterly claim leaves out only learners flagged on or before their certificate's"
        " issue date: one flagged later (quiz answers given with no time to read, after the"
        " pass) is claimed.",
    ),
    Defect(
        "closed_playback_keeps_earning",
        ("STUDY-04",),
        ("second_window_never_doubles_credit",),
        "A closed playback still takes heartbeats and earns (read as a player's last heartbeats"
        " in flight after its closing call): a learner who closes a lesson, opens another and"
        " keeps beating both earns twice in one clock time.",
    ),
    Defect(
        "ended_login_opens_playbacks",
        ("STUDY-03",),
        ("ended_login_study_earns_nothing_for_the_next_login",),
        "Opening a lesson reads the caller's login as the study routes do (an ended login still"
        " names its learner): a device whose login ended opens a lesson, and so ends the"
        " playback the learner's live login studies in.",
    ),
    Defect(
        "login_token_lives_two_hours",
        ("POST-03",),
        ("tokens_expire",),
        "A learner's token lives 2 h (a web session's default) from its login, and from each"
        " request where it slides, not the 12 h the interface promises at least: a learner idle"
        " for two hours must sign in again.",
    ),
    Defect(
        "capture_answer_time_20_s",
        ("STUDY-01",),
        ("capture_answer_window_is_the_profiles_answer_time",),
        "A capture challenge's deadline is 20 s after it was issued, not 60 s: a learner"
        " answering in the time promised is refused (the deadline it announces is its own, and"
        " answers before it pass).",
    ),
    Defect(
        "sign_in_counter_expires_from_first_failure",
        ("POST-03",),
        ("failed_sign_ins_are_throttled",),
        "Failed sign-ins are counted as a cache counter whose expiry is set at the first failure"
        " (15 min) with a limit of 10: the lock ends 15 minutes after the first failure, so a"
        " guesser whose 10th failure came late is free again minutes after it.",
    ),
    Defect(
        "supervision_sign_in_limited_per_minute",
        ("POST-03",),
        ("failed_sign_ins_are_throttled",),
        "A supervision username's failed sign-ins are limited per minute (an admin console's"
        " limiter): the lock ends a minute after the last failure, and failures a minute apart"
        " never add up.",
    ),
    Defect(
        "archive_leaves_out_expired_captures",
        ("ARCH-01", "ARCH-02"),
        ("archive_holds_what_supervision_shows",),
        "A capture is archived when it is answered: one left unanswered past its deadline, which"
        " the supervision view shows settled as expired, never reaches the province's archive.",
    ),
    Defect(
        "close_moves_an_ended_playbacks_end",
        ("STUDY-04",),
        ("second_window_never_doubles_credit",),
        "Closing a playback is not idempotent: closing one already ended (superseded by a newer"
        " playback, or closed) ends it again now, so the supervision view shows it running on"
        " beside the newer one, and a second `playback_stop` is sent.",
    ),
    Defect(
        "capture_events_only_when_passed",
        ("STUDY-09",),
        ("study_events_reach_exactly_their_scope_in_real_time",),
        "The event stream sends a `capture` event only for a capture that passed: supervisors"
        " never see a capture answered with another person's face.",
    ),
    Defect(
        "claim_lines_without_approval_number",
        ("SUB-02",),
        ("quarter_claimed_once_listing_what_certificates_and_archive_show",),
        "A claim line leaves out the course's approval number (the claim's wire model marks it"
        " optional, and the office takes the line): the line does not name the approved course"
        " the subsidy is for.",
    ),
    Defect(
        "claim_reads_devices_of_claimed_learners_only",
        ("SUB-05",),
        ("claim_leaves_out_flagged_and_unarchived_learners",),
        "The quarterly claim judges each certified learner's self-check standing from the"
        " sign-ins of the certified learners alone: a device shared with accounts that hold no"
        " certificate shows one account, so a learner the self-check flags for `shared_device`"
        " is claimed.",
    ),
)

DEFECTS: dict[str, Defect] = {defect.name: defect for defect in _DEFECT_LIST}


def flag_reads(tree: ast.AST, method: str = "active") -> Iterable[tuple[str, int]]:
    """`(name, line)` of every `<x>.active("<name>")` call (`<x>.<method>(...)`: alternatives are
    read with `.chosen`); the line is the name's own, so that it contains the name even when the
    call is wrapped over several lines."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == method
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value, node.args[0].lineno


@functools.cache
def read_sites(method: str = "active") -> dict[str, tuple[str, ...]]:
    """For every flag name read anywhere in the platform's sources, its `path:line`s (relative
    to the repository root), in file and line order. Names no defect has are kept, so that a
    test can tell a misspelt read from an unread defect."""
    found: dict[str, list[tuple[str, int]]] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        relative = path.relative_to(SOURCE_ROOT).as_posix()
        for name, line in flag_reads(tree, method):
            found.setdefault(name, []).append((relative, line))
    return {
        name: tuple(f"{file}:{line}" for file, line in sorted(places))
        for name, places in found.items()
    }


def unknown_defects_message(unknown: Iterable[str]) -> str:
    return f"Unknown defect(s): {', '.join(unknown)}. Known defects: {', '.join(sorted(DEFECTS))}"


# Defects read while the platform starts (seed data, the routes it serves): switching them needs
# a restart, so the detection matrix's runtime switch (routers/defect_switch.py) refuses them.
# `restore_loses_last_table` and `restore_loses_images` are read by the restore command, which
# the embedded profile starts with the reference's defects on its command line: they follow a
# restart too.
READ_AT_START = frozenset(
    {
        "offers_unapproved_course",
        "short_course_content",
        "honours_lesson_complete_call",
        "restore_loses_last_table",
        "restore_loses_images",
    }
)


class ActiveDefects:
    """The defects switched on for one app; asking about a misspelt name is a bug, not `False`."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._names = frozenset(names)
        unknown = sorted(self._names - DEFECTS.keys())
        if unknown:
            raise ValueError(unknown_defects_message(unknown))
        self._at_start = self._names & READ_AT_START

    def switch(self, names: Iterable[str]) -> None:
        """Switch to exactly `names` while running (the matrix's certification-only hook). The
        swap is one assignment, so a request sees the old set or the new one, never a mix."""
        wanted = frozenset(names)
        unknown = sorted(wanted - DEFECTS.keys())
        if unknown:
            raise ValueError(unknown_defects_message(unknown))
        needs_restart = sorted((wanted ^ self._at_start) & READ_AT_START)
        if needs_restart:
            raise ValueError(f"Read at start-up, switch by restarting: {', '.join(needs_restart)}")
        self._names = wanted

    def active(self, name: str) -> bool:
        if name not in DEFECTS:
            raise KeyError(f"No defect named {name!r}")
        return name in self._names

    @property
    def names(self) -> frozenset[str]:
        return self._names
