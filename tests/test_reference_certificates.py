"""Certificates (POST-02): the mask and score rules, and a certificate PDF rendered by the
reference platform read back by the harness's reader (pypdf text, zxing-cpp QR code)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import update

from harness.certificate_reader import NotAPdf, read_certificate_pdf
from reference_platform.certificate_pdf import render
from reference_platform.certificates import mask_id_number, score_percent
from reference_platform.completion_reports import completed_on
from reference_platform.defects import ActiveDefects
from reference_platform.models import Certificate, QuizAnswer
from tests.test_reference_progress import COURSES, enrolled_in, study
from tests.test_reference_support import running_platform


def test_the_mask_shows_only_the_region_and_the_last_four() -> None:
    assert mask_id_number("14010719770604165X") == "140107********165X"


def test_the_score_is_a_percent_to_the_hundredth_rounded_half_up() -> None:
    assert score_percent(3, 5) == "60.00"
    assert score_percent(119, 200) == "59.50"
    assert score_percent(2, 3) == "66.67"
    assert score_percent(1, 8) == "12.50"
    assert score_percent(0, 0) == "0.00"


def _certificate() -> Certificate:
    return Certificate(
        number="SXOT20261202ABCDEF0123",
        learner_id="lrn_1",
        course_id="crs-elec-senior",
        issue_round=1,
        name="张三",
        id_number_masked=mask_id_number("14010719770604165X"),
        occupation_code="6-31-01-03",
        occupation_name="电工",
        level="senior",
        lesson_hours=41,
        score="60.00",
        started_on=dt.date(2026, 12, 1),
        finished_on=dt.date(2026, 12, 3),
        platform_id="sxcert-reference",
        platform_name="sxcert 参考培训平台",
        issued_on=dt.date(2026, 12, 3),
    )


def test_a_certificate_pdf_reads_back_with_its_fields_and_qr_code() -> None:
    url = "http://127.0.0.1:9/api/v1/certificates/SXOT20261202ABCDEF0123"
    pdf = read_certificate_pdf(render(_certificate(), url, "高级"))
    for value in ("SXOT20261202ABCDEF0123", "张三", "140107********165X", "电工", "高级", "41",
                  "60.00", "2026-12-01", "2026-12-03", "sxcert 参考培训平台"):  # fmt: skip
        assert value in pdf.text
    assert "14010719770604165X" not in pdf.text
    assert pdf.qr_codes == (url,)


def test_bytes_that_are_no_pdf_are_refused_by_the_reader() -> None:
    with pytest.raises(NotAPdf):
        read_certificate_pdf(b"<html>not a pdf</html>")


def test_a_certificate_only_after_a_pass_and_only_one(tmp_path: Path) -> None:
    course = COURSES["senior"][0]
    with running_platform(tmp_path) as platform:
        failing = enrolled_in(platform, "senior")
        study(platform, failing, course, range(1, 41))
        sessions = platform.client.app.state.platform.sessions  # type: ignore[attr-defined]
        with sessions() as db:  # 2 of every 5 right: 40 %
            db.execute(
                update(QuizAnswer)
                .where(QuizAnswer.learner_id == failing.learner_id, QuizAnswer.number > 2)
                .values(correct=False)
            )
            db.commit()
        passing = enrolled_in(platform, "senior")
        study(platform, passing, course, range(1, 41))
        mine = platform.client.get("/api/v1/me/certificates", headers=failing.headers).json()
        assert mine == []
        [cert] = platform.client.get("/api/v1/me/certificates", headers=passing.headers).json()
        assert (cert["lesson_hours"], cert["score"], cert["level"]) == (40, "100.00", "senior")
        study(platform, passing, course, range(41, 42))
        again = platform.client.get("/api/v1/me/certificates", headers=passing.headers).json()
        assert [c["number"] for c in again] == [cert["number"]]
        public = platform.client.get(f"/api/v1/certificates/{cert['number']}").json()
        assert public["id_number_masked"] == cert["id_number_masked"]
        assert "learner_id" not in public and "course_id" not in public
        assert platform.client.get("/api/v1/certificates/nope").status_code == 404
        pdf = platform.client.get(
            f"/api/v1/me/certificates/{cert['number']}/pdf", headers=passing.headers
        )
        assert pdf.headers["content-type"] == "application/pdf"
        read = read_certificate_pdf(pdf.content)
        assert read.qr_codes[0].endswith(f"/api/v1/certificates/{cert['number']}")


def test_a_completion_report_carries_the_certificates_completion_date_whenever_sent() -> None:
    """The report's `completed_on` is the certificate's `finished_on` (the pass's Shanghai
    date), also for a pass and a report half a minute after Shanghai's midnight, where the UTC
    date is still the day before; the defect dates it by the sending moment in UTC."""
    cert = _certificate()
    cert.finished_on = dt.date(2026, 12, 4)  # passed at 00:00:30 in Shanghai
    sent = dt.datetime(2026, 12, 3, 16, 1, tzinfo=dt.UTC)  # 00:01 on 4 December in Shanghai
    assert completed_on(cert, sent, ActiveDefects()) == dt.date(2026, 12, 4)
    assert completed_on(cert, sent + dt.timedelta(days=2), ActiveDefects()) == dt.date(2026, 12, 4)
    late = ActiveDefects({"completion_report_dated_when_sent"})
    assert completed_on(cert, sent, late) == dt.date(2026, 12, 3)
