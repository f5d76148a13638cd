"""Enrolment (ELIG-01..03, VOUCH-01, VOUCH-02): every refusal, every boundary, every defect."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.test_reference_support import CARE, PlatformDriver, running_platform

COURSE_A, COURSE_B = "crs-cook-junior-a", "crs-cook-junior-b"


def born(today: dt.date, years: int, days_later: int = 0) -> dt.date:
    """The birth date of someone who turns `years` old `days_later` days after `today`."""
    day = today + dt.timedelta(days=days_later)
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def _learner(platform: PlatformDriver, birth_date: dt.date | None = None):
    person = platform.register(birth_date)
    return person, platform.learner_headers(person)


def _nothing_written(platform: PlatformDriver, learner_id: str | None, redeems: int) -> None:
    assert platform.supervise("enrolments", learner_id=learner_id or "") == []
    assert len(platform.province.calls_of("redeem")) == redeems


def test_enrolment_redeems_the_voucher_and_is_recorded(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person, headers = _learner(platform)
        code = platform.province.issue_voucher(person.id_number)
        answer = platform.enrol(headers, COURSE_A, code)
        assert answer.status_code == 201, answer.text
        out = answer.json()
        assert (out["course_id"], out["voucher_code"]) == (COURSE_A, code)
        [redeem] = [r for r in platform.province.calls_of("redeem") if r["code"] == code]
        approval = {c["course_id"]: c for c in platform.client.get("/api/v1/courses").json()}
        assert redeem == {
            "code": code,
            "id_number": person.id_number,
            "course_id": COURSE_A,
            "approval_number": approval[COURSE_A]["approval"]["number"],
        }
        mine = platform.client.get("/api/v1/me/enrolments", headers=headers).json()
        assert mine == [out]
        [supervised] = platform.supervise("enrolments", id_number=person.id_number)
        assert supervised["enrolment_id"] == out["enrolment_id"]
        assert supervised["learner_id"] == person.learner_id


def test_refusals_write_nothing(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person, headers = _learner(platform)
        other, _ = _learner(platform)
        issue = platform.province.issue_voucher
        today = platform.today()
        redeems = len(platform.province.calls_of("redeem"))
        cases = [
            (COURSE_A, "V-NOT-ISSUED", 422, "Voucher unknown to the province"),
            ("crs-unknown", issue(person.id_number), 404, "Course not found"),
            (COURSE_A, issue(person.id_number, state="redeemed"), 409, "Voucher already redeemed"),
            (COURSE_A, issue(person.id_number, state="expired"), 409, "Voucher expired"),
            (
                COURSE_A,
                issue(person.id_number, expires_on=today - dt.timedelta(days=1)),
                409,
                "Voucher expired",
            ),
            (COURSE_A, issue(other.id_number), 403, "Voucher belongs to another person"),
            (
                COURSE_A,
                issue(person.id_number, CARE),
                422,
                "Voucher is for another occupation or level",
            ),
            (
                COURSE_A,
                issue(person.id_number, ("4-03-02-01", "senior")),
                422,
                "Voucher is for another occupation or level",
            ),
        ] + [
            (
                COURSE_A,
                issue(person.id_number, employment_status=status),
                403,
                "Only unemployed or flexibly employed workers are eligible",
            )
            for status in ("employed", "student", "retired")
        ]
        for course_id, code, status_code, detail in cases:
            answer = platform.enrol(headers, course_id, code)
            assert (answer.status_code, answer.json()["detail"]) == (status_code, detail), code
        _nothing_written(platform, person.learner_id, redeems)
        flexible = platform.province.issue_voucher(person.id_number, employment_status="flexible")
        assert platform.enrol(headers, COURSE_A, flexible).status_code == 201


def test_enrolment_needs_a_login(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        body = {"course_id": COURSE_A, "voucher_code": "V-X"}
        assert platform.client.post("/api/v1/enrolments", json=body).status_code == 401
        assert platform.client.get("/api/v1/me/enrolments").status_code == 401


def test_age_limits_on_the_enrolment_date(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        today = platform.today()
        expectations = [
            (born(today, 16), 201, None),
            (born(today, 16, days_later=1), 403, "Learner is under 16 on the enrolment date"),
            (born(today, 60, days_later=1), 201, None),
            (born(today, 60), 403, "Learner is over the age limit on the enrolment date"),
        ]
        for birth_date, status_code, detail in expectations:
            person, headers = _learner(platform, birth_date)
            code = platform.province.issue_voucher(person.id_number)
            answer = platform.enrol(headers, COURSE_A, code)
            assert answer.status_code == status_code, birth_date
            if detail:
                assert answer.json()["detail"] == detail
                _nothing_written(
                    platform, person.learner_id, len(platform.province.calls_of("redeem"))
                )


def test_age_follows_the_test_clock(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        today = platform.today()
        person, headers = _learner(platform, born(today, 16, days_later=2))
        code = platform.province.issue_voucher(person.id_number)
        assert platform.enrol(headers, COURSE_A, code).status_code == 403
        platform.advance(3 * 86400)
        headers = platform.learner_headers(person)  # the old login expired meanwhile
        assert platform.enrol(headers, COURSE_A, code).status_code == 201


def test_a_voucher_is_used_once(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person, headers = _learner(platform)
        code = platform.province.issue_voucher(person.id_number)
        assert platform.enrol(headers, COURSE_A, code).status_code == 201
        redeems = len(platform.province.calls_of("redeem"))
        again = platform.enrol(headers, COURSE_B, code)
        assert (again.status_code, again.json()["detail"]) == (409, "Voucher already redeemed")
        assert len(platform.province.calls_of("redeem")) == redeems
        assert len(platform.client.get("/api/v1/me/enrolments", headers=headers).json()) == 1


def test_province_refusing_the_redeem_is_a_409(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person, headers = _learner(platform)
        code = platform.province.issue_voucher(person.id_number)
        # Redeemed elsewhere between our verify and our redeem: the province has the last word.
        platform.province.lose_race(code)
        answer = platform.enrol(headers, COURSE_A, code)
        assert (answer.status_code, answer.json()["detail"]) == (409, "Voucher already redeemed")
        _nothing_written(platform, person.learner_id, len(platform.province.calls_of("redeem")))


def test_province_outage_at_enrolment_is_a_503(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person, headers = _learner(platform)
        code = platform.province.issue_voucher(person.id_number)
        with platform.province.outage():
            answer = platform.enrol(headers, COURSE_A, code)
        assert (answer.status_code, answer.json()) == (
            503,
            {"detail": "Province service unavailable"},
        )
        _nothing_written(platform, person.learner_id, len(platform.province.calls_of("redeem")))


def test_defects_on_age(tmp_path: Path) -> None:
    with running_platform(tmp_path, defects=("accepts_under_16", "no_upper_age_limit")) as platform:
        today = platform.today()
        for birth_date, status_code in [
            (born(today, 15), 201),
            (born(today, 15, days_later=1), 403),
            (born(today, 60), 201),
            (born(today, 75), 201),
        ]:
            person, headers = _learner(platform, birth_date)
            code = platform.province.issue_voucher(person.id_number)
            assert platform.enrol(headers, COURSE_A, code).status_code == status_code


def test_leap_day_births_enrol_by_age_and_the_defect_fails_them(tmp_path: Path) -> None:
    """A learner born on 29 February is aged like anyone else (its birthday is 1 March in a
    common year); under `ages_fail_on_leap_day_births` its enrolment answers 500, whatever the
    year (one of this year and the next is common)."""
    for defects, expected in [((), (201, 403)), (("ages_fail_on_leap_day_births",), (500, 500))]:
        folder = tmp_path / "-".join(defects or ("clean",))
        folder.mkdir()
        with running_platform(folder, defects=defects, raise_server_exceptions=False) as platform:
            today = platform.today()
            inside = dt.date(next(y for y in range(today.year - 16, 0, -1) if y % 4 == 0), 2, 29)
            over = dt.date(next(y for y in range(today.year - 60, 0, -1) if y % 4 == 0), 2, 29)
            statuses = []
            for birth_date in (inside, over):
                person, headers = _learner(platform, birth_date)
                code = platform.province.issue_voucher(person.id_number)
                statuses.append(platform.enrol(headers, COURSE_A, code).status_code)
            assert tuple(statuses) == expected, (today, inside, over)


def test_defect_ignores_employment_status(tmp_path: Path) -> None:
    with running_platform(tmp_path, defects=("ignores_employment_status",)) as platform:
        person, headers = _learner(platform)
        code = platform.province.issue_voucher(person.id_number, employment_status="employed")
        assert platform.enrol(headers, COURSE_A, code).status_code == 201


def test_defect_accepts_unknown_voucher(tmp_path: Path) -> None:
    with running_platform(tmp_path, defects=("accepts_unknown_voucher",)) as platform:
        person, headers = _learner(platform)
        redeems = len(platform.province.calls_of("redeem"))
        answer = platform.enrol(headers, COURSE_A, "V-MADE-UP-CODE")
        assert answer.status_code == 201
        assert platform.supervise("enrolments", learner_id=person.learner_id or "")
        assert len(platform.province.calls_of("redeem")) == redeems


def test_defect_skips_voucher_redeem(tmp_path: Path) -> None:
    with running_platform(tmp_path, defects=("skips_voucher_redeem",)) as platform:
        person, headers = _learner(platform)
        code = platform.province.issue_voucher(person.id_number)
        assert platform.enrol(headers, COURSE_A, code).status_code == 201
        assert not [r for r in platform.province.calls_of("redeem") if r["code"] == code]
        assert platform.province.voucher_state(code) == "issued"
        assert platform.enrol(headers, COURSE_B, code).status_code == 409


def test_defect_ignores_redeem_refusal(tmp_path: Path) -> None:
    with running_platform(tmp_path, defects=("ignores_redeem_refusal",)) as platform:
        person, headers = _learner(platform)
        code = platform.province.issue_voucher(person.id_number)
        assert platform.enrol(headers, COURSE_A, code).status_code == 201
        assert platform.enrol(headers, COURSE_B, code).status_code == 201
        enrolments = platform.supervise("enrolments", learner_id=person.learner_id or "")
        assert [e["voucher_code"] for e in enrolments] == [code, code]
        assert [e["course_id"] for e in enrolments] == [COURSE_A, COURSE_B]
        conflicting = platform.province.issue_voucher(person.id_number)
        platform.province.lose_race(conflicting)
        assert platform.enrol(headers, COURSE_A, conflicting).status_code == 201
        expired = platform.province.issue_voucher(person.id_number, state="expired")
        assert platform.enrol(headers, COURSE_A, expired).status_code == 409


def test_defect_ignores_voucher_holder(tmp_path: Path) -> None:
    with running_platform(tmp_path, defects=("ignores_voucher_holder",)) as platform:
        _, headers = _learner(platform)
        other, _ = _learner(platform)
        code = platform.province.issue_voucher(other.id_number)
        assert platform.enrol(headers, COURSE_A, code).status_code == 201


def test_defect_ignores_voucher_course_match(tmp_path: Path) -> None:
    with running_platform(tmp_path, defects=("ignores_voucher_course_match",)) as platform:
        person, headers = _learner(platform)
        code = platform.province.issue_voucher(person.id_number, CARE)
        assert platform.enrol(headers, COURSE_A, code).status_code == 201
