"""`sxcert province timeline`: every due date of a claim, and exit 2 with one reason on bad
input (a date that is not one, a year the calendar does not know, a malformed notice table)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from harness.cli import app

RUNNER = CliRunner()
NOTICE_2027 = """\
year = 2027
notice = "test notice 2027"
makeup_workdays = []
[[holiday]]
name = "元旦"
first = 2027-01-01
last = 2027-01-03
"""


def run(*args: str):
    return RUNNER.invoke(app, ["province", "timeline", *args])


def test_the_timeline_of_a_claim_accepted_before_national_day() -> None:
    result = run("--accepted", "2024-09-27", "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert {key: answer[key] for key in answer if key not in ("rules", "calendar")} == {
        "accepted_on": "2024-09-27",
        "hr_review_due": "2024-10-16",
        "notice_from": "2024-10-16",
        "fund_request_earliest": "2024-10-23",
        "finance_payment_due": "2024-11-06",
    }
    assert len(answer["calendar"]) == 1 and answer["calendar"][0].startswith("chinesecalendar")
    text = run("--accepted", "2024-09-27")
    assert text.exit_code == 0
    for day in ("2024-10-16", "2024-10-23", "2024-11-06"):
        assert day in text.output


def test_the_steps_already_taken_move_the_later_deadlines() -> None:
    result = run(
        "--accepted", "2025-01-20", "--reviewed", "2025-01-23", "--notice-from", "2025-01-24",
        "--fund-requested", "2025-02-07", "--json",
    )  # fmt: skip
    answer = json.loads(result.output)
    # 1-21, 22, 23, 24, 26 (make-up Sunday), 27, then 2-5, 6, 7, 8 (make-up Saturday)
    assert answer["hr_review_due"] == "2025-02-08"
    assert answer["fund_request_earliest"] == "2025-02-07"  # 1-24, 26, 27, 2-5, 2-6 → after
    assert answer["finance_payment_due"] == "2025-02-20"


def test_a_year_the_calendar_does_not_know_exits_2_naming_it(tmp_path: Path) -> None:
    result = run("--accepted", "2026-12-24")
    assert result.exit_code == 2
    assert "2027" in result.output and "Traceback" not in result.output
    notice = tmp_path / "2027.toml"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    known = run("--accepted", "2026-12-24", "--holidays", str(notice), "--json")
    assert known.exit_code == 0, known.output
    answer = json.loads(known.output)
    assert answer["hr_review_due"] == "2027-01-08"
    assert "test notice 2027" in answer["calendar"]


def test_bad_input_exits_2_with_one_reason(tmp_path: Path) -> None:
    bad_date = run("--accepted", "2024-02-30")
    assert bad_date.exit_code == 2 and "--accepted '2024-02-30' is not a date" in bad_date.output
    missing = run("--accepted", "2024-09-27", "--holidays", str(tmp_path / "none.toml"))
    assert missing.exit_code == 2 and "no such holiday-notice file" in missing.output
    broken = tmp_path / "broken.toml"
    broken.write_text(NOTICE_2027.replace("makeup_workdays = []", "makeup_workdays = [2027-01-04]"))
    malformed = run("--accepted", "2024-09-27", "--holidays", str(broken))
    assert malformed.exit_code == 2 and "makeup_workdays[1]" in malformed.output
    assert "Traceback" not in malformed.output
