"""Working-day arithmetic of the province (COURSE-02, SUB-03) around real holidays.

The expected days are literals read from the State Council's holiday notices
(国务院办公厅关于2024年/2025年/2026年部分节假日安排的通知), not values asked of the
`chinesecalendar` package: a wrong transcription in the package would fail these tests.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.province.workdays import (
    HolidayNoticeError,
    UnknownYear,
    WorkingCalendar,
    load_notice,
    package_years,
    parse_notice,
)

D = dt.date.fromisoformat
CALENDAR = WorkingCalendar()

# (day, is a working day), from the notices.
NOTICE_DAYS = [
    # 2024 春节: 2月10日至17日放假调休，共8天; 2月4日（星期日）、2月18日（星期日）上班
    ("2024-02-04", True),
    ("2024-02-09", True),
    ("2024-02-10", False),
    ("2024-02-15", False),
    ("2024-02-17", False),
    ("2024-02-18", True),
    # 2024 国庆节: 10月1日至7日放假调休，共7天; 9月29日（星期日）、10月12日（星期六）上班
    ("2024-09-28", False),
    ("2024-09-29", True),
    ("2024-09-30", True),
    ("2024-10-01", False),
    ("2024-10-04", False),
    ("2024-10-07", False),
    ("2024-10-08", True),
    ("2024-10-12", True),
    ("2024-10-13", False),
    # 2025 春节: 1月28日至2月4日放假调休，共8天; 1月26日（星期日）、2月8日（星期六）上班
    ("2025-01-25", False),
    ("2025-01-26", True),
    ("2025-01-27", True),
    ("2025-01-28", False),
    ("2025-01-31", False),
    ("2025-02-03", False),
    ("2025-02-04", False),
    ("2025-02-05", True),
    ("2025-02-08", True),
    ("2025-02-09", False),
    # 2025 国庆节、中秋节: 10月1日至8日放假调休，共8天; 9月28日（星期日）、10月11日（星期六）上班
    ("2025-09-28", True),
    ("2025-10-06", False),
    ("2025-10-08", False),
    ("2025-10-09", True),
    ("2025-10-11", True),
    # 2026 春节: 2月15日至23日放假调休，共9天; 2月14日（星期六）、2月28日（星期六）上班
    ("2026-02-14", True),
    ("2026-02-15", False),
    ("2026-02-23", False),
    ("2026-02-24", True),
    ("2026-02-28", True),
]


@pytest.mark.parametrize(("day", "working"), NOTICE_DAYS)
def test_days_of_the_notices(day: str, working: bool) -> None:
    assert CALENDAR.is_workday(D(day)) is working


@pytest.mark.parametrize(
    ("start", "count", "due"),
    [
        # the day of the application is not counted; the make-up Sunday 9-29 is day 1
        ("2024-09-27", 1, "2024-09-29"),
        ("2024-09-30", 1, "2024-10-08"),  # straight over National Day week
        # 9-29, 9-30, 10-8, 9, 10, 11, 12 (make-up Saturday), 14, 15, 16
        ("2024-09-27", 10, "2024-10-16"),
        # 1-26 (make-up Sunday), 1-27, then 2-5, 6, 7, 8 (make-up Saturday), 10, 11, 12, 13
        ("2025-01-24", 10, "2025-02-13"),
        ("2025-01-27", 1, "2025-02-05"),
        # 2026 Spring Festival: 2-14 (make-up Saturday), then 2-24, 25, 26, 27, 28 (make-up)
        ("2026-02-13", 6, "2026-02-28"),
        # an application on a holiday: counting starts with the first working day after it
        ("2024-10-03", 1, "2024-10-08"),
        ("2024-10-03", 10, "2024-10-18"),  # 10-8 … 10-12 (make-up Saturday) … 10-18
    ],
)
def test_nth_working_day_after(start: str, count: int, due: str) -> None:
    assert CALENDAR.add_workdays(D(start), count) == D(due)


def test_working_days_between_counts_the_first_day_not_the_end() -> None:
    # 2024-09-27 (Fri), 9-29 (make-up Sun), 9-30, then the holiday, 10-8: four before 10-9
    assert CALENDAR.workdays_between(D("2024-09-27"), D("2024-10-09")) == 4
    assert CALENDAR.workdays_between(D("2024-09-27"), D("2024-10-10")) == 5
    assert CALENDAR.workdays_between(D("2025-01-28"), D("2025-02-05")) == 0  # the whole holiday
    assert CALENDAR.workdays_between(D("2025-01-28"), D("2025-01-28")) == 0


DAYS = st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2025, 10, 31))


@settings(max_examples=200, deadline=None)
@given(DAYS, st.integers(min_value=1, max_value=25))
def test_the_nth_working_day_is_a_working_day_with_n_working_days_up_to_it(
    start: dt.date, count: int
) -> None:
    due = CALENDAR.add_workdays(start, count)
    assert due > start
    assert CALENDAR.is_workday(due)
    assert CALENDAR.workdays_between(start + dt.timedelta(days=1), due + dt.timedelta(days=1)) == (
        count
    )


@settings(max_examples=100, deadline=None)
@given(DAYS, st.integers(min_value=1, max_value=15), st.integers(min_value=1, max_value=15))
def test_adding_working_days_composes(start: dt.date, first: int, second: int) -> None:
    step = CALENDAR.add_workdays(CALENDAR.add_workdays(start, first), second)
    assert step == CALENDAR.add_workdays(start, first + second)


@settings(max_examples=100, deadline=None)
@given(DAYS, st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=60))
def test_working_days_between_adds_up_over_a_split(start: dt.date, a: int, b: int) -> None:
    middle = start + dt.timedelta(days=a)
    end = middle + dt.timedelta(days=b)
    assert CALENDAR.workdays_between(start, end) == (
        CALENDAR.workdays_between(start, middle) + CALENDAR.workdays_between(middle, end)
    )


def test_count_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        CALENDAR.add_workdays(D("2025-03-03"), 0)


# ---- years the package does not know ---------------------------------------------------------
# An illustrative 2027 table (the real notice was not out when this was written): the values
# are the test's own, chosen so that the table visibly decides.
NOTICE_2027 = """\
# illustrative holiday notice for 2027, for tests
year = 2027
notice = "test notice 2027"
makeup_workdays = [2027-01-31, 2027-02-20]

[[holiday]]
name = "元旦"
first = 2027-01-01
last = 2027-01-03

[[holiday]]
name = "春节"
first = 2027-02-06
last = 2027-02-13
"""


def write(tmp_path: Path, text: str, name: str = "notice.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_2027_date_without_a_table_is_an_error_naming_the_year() -> None:
    with pytest.raises(UnknownYear, match="2027") as caught:
        CALENDAR.is_workday(D("2027-01-04"))
    assert caught.value.year == 2027
    assert "holiday notice" in str(caught.value)


def test_a_december_claim_runs_into_the_unknown_year() -> None:
    with pytest.raises(UnknownYear, match="2027"):
        CALENDAR.add_workdays(D("2026-12-24"), 10)


def test_with_the_2027_table_the_year_is_known(tmp_path: Path) -> None:
    calendar = WorkingCalendar.from_files([write(tmp_path, NOTICE_2027)])
    assert calendar.is_workday(D("2027-01-01")) is False
    assert calendar.is_workday(D("2027-01-04")) is True  # an unlisted Monday
    assert calendar.is_workday(D("2027-01-09")) is False  # an unlisted Saturday
    assert calendar.is_workday(D("2027-01-31")) is True  # a listed make-up Sunday
    assert calendar.is_workday(D("2027-02-10")) is False  # a listed holiday Wednesday
    # 2026-12-24 (Thu): 12-25, 28, 29, 30, 31 from the package; 2027-01-04..08 from the table
    assert calendar.add_workdays(D("2026-12-24"), 10) == D("2027-01-08")
    assert calendar.source_of(D("2027-01-04")) == "test notice 2027"
    with pytest.raises(UnknownYear, match="2028"):
        calendar.is_workday(D("2028-01-03"))


def test_a_table_takes_precedence_over_the_package(tmp_path: Path) -> None:
    corrected = """\
year = 2025
notice = "a correction"
makeup_workdays = []
[[holiday]]
name = "test day"
first = 2025-03-03
last = 2025-03-03
"""
    calendar = WorkingCalendar.from_files([write(tmp_path, corrected)])
    assert calendar.is_workday(D("2025-03-03")) is False
    # the table decides its whole year: the package's Spring Festival is not in it
    assert calendar.is_workday(D("2025-01-28")) is True
    assert CALENDAR.is_workday(D("2025-03-03")) is True  # the package alone


def test_a_new_year_holiday_may_start_in_the_december_before(tmp_path: Path) -> None:
    text = NOTICE_2027.replace("first = 2027-01-01", "first = 2026-12-31")
    calendar = WorkingCalendar.from_files([write(tmp_path, text)])
    assert calendar.is_workday(D("2026-12-31")) is False  # the table overrides the package
    assert calendar.is_workday(D("2026-12-30")) is True


BAD_TABLES = [
    ("year = 2027\n", "notice"),
    (NOTICE_2027.replace("year = 2027", 'year = "2027"'), "year"),
    (NOTICE_2027.replace('notice = "test notice 2027"', 'notice = ""'), "notice"),
    (NOTICE_2027 + "extra = 1\n", "extra"),  # lands in the last [[holiday]]
    ("colour = 1\n" + NOTICE_2027, "colour"),
    (NOTICE_2027.replace("last = 2027-02-13", "last = 2027-02-05"), "holiday[2].last"),
    (NOTICE_2027.replace("first = 2027-02-06", 'first = "2027-02-06"'), "holiday[2].first"),
    (NOTICE_2027.replace("first = 2027-02-06", "first = 2028-02-06"), "holiday[2].first"),
    (NOTICE_2027.replace("first = 2027-02-06", "first = 2026-11-30"), "holiday[2].first"),
    (NOTICE_2027.replace("first = 2027-02-06", "first = 2027-02-06T08:00:00"), "holiday[2]"),
    (NOTICE_2027.replace("first = 2027-02-06", "first = 2027-01-02"), "holiday[2]"),  # overlap
    (NOTICE_2027.replace('name = "春节"\n', ""), "holiday[2].name"),
    (NOTICE_2027.replace("2027-01-31, 2027-02-20", "2027-02-08"), "makeup_workdays[1]"),  # Mon
    (NOTICE_2027.replace("2027-01-31, 2027-02-20", "2027-02-13"), "makeup_workdays[1]"),  # off
    (NOTICE_2027.replace("2027-01-31, 2027-02-20", "2027-01-31, 2027-02-20, 2026-11-29"), "[3]"),
    (NOTICE_2027.replace("[2027-01-31, 2027-02-20]", '"2027-02-07"'), "makeup_workdays"),
    ("year = 2027\nnotice = 'x'\nmakeup_workdays = []\n", "holiday"),
    ("this is not toml = = =", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "named"), BAD_TABLES)
def test_a_malformed_table_is_refused_naming_the_field(
    tmp_path: Path, text: str, named: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(HolidayNoticeError) as caught:
        load_notice(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert named in message


def test_a_missing_file_and_two_tables_for_one_year_are_refused(tmp_path: Path) -> None:
    with pytest.raises(HolidayNoticeError, match="no such holiday-notice file"):
        load_notice(tmp_path / "absent.toml")
    notice = parse_notice(
        {
            "year": 2027,
            "notice": "n",
            "holiday": [{"name": "x", "first": D("2027-05-03"), "last": D("2027-05-03")}],
        }
    )
    with pytest.raises(HolidayNoticeError, match="two holiday notices for 2027"):
        WorkingCalendar([notice, notice])


def test_reading_the_package_tables_directly_agrees_with_its_own_answer() -> None:
    """The calendar reads chinesecalendar's tables directly (its is_workday is slow); every day
    the package knows must get the package's own answer, so a new release that changed how
    it stores days would be caught here."""
    import chinese_calendar

    first, last = package_years()
    day = dt.date(first, 1, 1)
    while day.year <= last:
        assert CALENDAR.is_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)
