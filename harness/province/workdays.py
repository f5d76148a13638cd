"""Working days of the Chinese statutory calendar, for the province's review clocks.

COURSE-02 and SUB-03 count "工作日": Monday to Friday, less the statutory holidays, plus the
make-up working days (调休上班, a Saturday or Sunday worked in exchange for a longer holiday) that
the State Council announces each year in its holiday notice (国务院办公厅关于xxxx年部分节假日安排的
通知). A hand-written list would be one more thing to get wrong, so the days come from the
`chinesecalendar` package, which transcribes those notices.

The package knows only the years whose notice was out when it was released (2004–2026 for 1.11),
while a claim accepted in December already has due dates in the next year. A date the calendar
cannot judge is therefore an explicit `UnknownYear` naming the year — never a guess that treats
every weekday as a working day, which would put a due date inside the Spring Festival. The user
closes the gap with that year's notice written as a small TOML table (`load_notice`); a table
takes precedence over the package for every day it lists and decides its whole year, so a wrong
transcription in the package can also be corrected without waiting for a release.

The table (all dates are TOML dates, `YYYY-MM-DD` without quotes)::

    # 国务院办公厅关于2027年部分节假日安排的通知
    year = 2027                          # the year the notice is for
    notice = "国办发明电〔2026〕7号"      # where the days were read from (shown in due dates)
    makeup_workdays = [2027-02-07, 2027-02-20]   # Saturdays/Sundays worked (may be empty)

    [[holiday]]
    name = "春节"
    first = 2027-02-06                   # first day off
    last = 2027-02-13                    # last day off (inclusive)

Every date lies in `year`, or in the December before it (a New Year holiday may start on
30 or 31 December). A make-up working day is a Saturday or a Sunday; no day is both off and
worked; holidays do not overlap; no other key is accepted. A table that breaks any of this is
refused whole with `HolidayNoticeError` naming the file and the field.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chinese_calendar

ONE_DAY = dt.timedelta(days=1)
_NOTICE_KEYS = {"year", "notice", "makeup_workdays", "holiday"}
_HOLIDAY_KEYS = {"name", "first", "last"}


@functools.cache
def package_years() -> tuple[int, int]:
    """The first and last year the installed `chinesecalendar` knows (read from its data once:
    it is asked for every day a deadline counts)."""
    known = list(chinese_calendar.holidays) + list(chinese_calendar.workdays)
    return min(known).year, max(known).year


class UnknownYear(LookupError):
    """A date in a year neither the package nor a supplied notice covers."""

    def __init__(self, year: int) -> None:
        first, last = package_years()
        super().__init__(
            f"the working-day calendar does not know the year {year} (chinesecalendar covers"
            f" {first}–{last}); supply the State Council's holiday notice for {year} as a TOML"
            " table (sxcert province timeline --holidays FILE.toml, or SXCERT_PROVINCE_HOLIDAYS"
            " for the emulator)"
        )
        self.year = year


class HolidayNoticeError(ValueError):
    """A holiday-notice table that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class HolidayNotice:
    """One year's State Council holiday notice: the days off and the make-up working days."""

    year: int
    notice: str
    holidays: frozenset[dt.date]
    makeup_workdays: frozenset[dt.date]


def load_notice(path: Path) -> HolidayNotice:
    """Read and validate a holiday-notice table; HolidayNoticeError naming what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HolidayNoticeError(f"{path}: no such holiday-notice file") from None
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise HolidayNoticeError(f"{path}: cannot read the holiday notice: {why}") from None
    except tomllib.TOMLDecodeError as exc:
        raise HolidayNoticeError(f"{path}: not valid TOML ({exc})") from None
    return parse_notice(data, str(path))


def parse_notice(data: dict[str, Any], where: str = "holiday notice") -> HolidayNotice:
    """A `HolidayNotice` from a parsed table; `where` (the file) starts every error message."""

    def refuse(field: str, problem: str) -> HolidayNoticeError:
        return HolidayNoticeError(f"{where}: {field}: {problem}")

    unknown = sorted(set(data) - _NOTICE_KEYS)
    if unknown:
        raise refuse(unknown[0], f"unknown key (the table has {', '.join(sorted(_NOTICE_KEYS))})")
    year = data.get("year")
    if type(year) is not int or not 1949 <= year <= 2200:
        raise refuse("year", "must be the notice's year as a number, e.g. year = 2027")
    notice = data.get("notice")
    if not isinstance(notice, str) or not notice.strip():
        raise refuse("notice", "must name the notice the days were read from (a non-empty string)")

    def in_reach(field: str, value: object) -> dt.date:
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise refuse(field, f"{value!r} is not a TOML date (write 2027-02-06, without quotes)")
        if value.year != year and not (value.year == year - 1 and value.month == 12):
            raise refuse(field, f"{value} is outside {year} (and the December before it)")
        return value

    holidays: set[dt.date] = set()
    entries = data.get("holiday")
    if not isinstance(entries, list) or not entries:
        raise refuse("holiday", "needs at least one [[holiday]] table (name, first, last)")
    for number, entry in enumerate(entries, start=1):
        field = f"holiday[{number}]"
        if not isinstance(entry, dict):
            raise refuse(field, "must be a [[holiday]] table")
        unknown = sorted(set(entry) - _HOLIDAY_KEYS) or sorted(_HOLIDAY_KEYS - set(entry))
        if unknown:
            raise refuse(f"{field}.{unknown[0]}", "each holiday has exactly name, first and last")
        if not isinstance(entry["name"], str) or not entry["name"].strip():
            raise refuse(f"{field}.name", "must be the holiday's name (a non-empty string)")
        first = in_reach(f"{field}.first", entry["first"])
        last = in_reach(f"{field}.last", entry["last"])
        if last < first:
            raise refuse(f"{field}.last", f"{last} is before first ({first})")
        days = {first + ONE_DAY * offset for offset in range((last - first).days + 1)}
        if days & holidays:
            raise refuse(field, f"overlaps an earlier holiday on {min(days & holidays)}")
        holidays |= days

    listed = data.get("makeup_workdays", [])
    if not isinstance(listed, list):
        raise refuse("makeup_workdays", "must be a list of dates (may be empty: [])")
    makeup: set[dt.date] = set()
    for number, value in enumerate(listed, start=1):
        field = f"makeup_workdays[{number}]"
        day = in_reach(field, value)
        if day.weekday() < 5:
            raise refuse(field, f"{day} is a {day:%A}: a make-up working day is a weekend day")
        if day in holidays:
            raise refuse(field, f"{day} is also listed as a holiday")
        makeup.add(day)
    return HolidayNotice(year, notice.strip(), frozenset(holidays), frozenset(makeup))


class WorkingCalendar:
    """Which days are working days: the supplied notices first, then the package.

    A notice decides every day of its year (a weekday it does not list is a working day, a
    weekend day it does not list is off) and the days it lists in the December before; the
    package decides the other years it knows; any other year is `UnknownYear`.
    """

    def __init__(self, notices: Iterable[HolidayNotice] = ()) -> None:
        self.notices: dict[int, HolidayNotice] = {}
        self._listed: dict[dt.date, bool] = {}  # day → is a working day, from a notice
        for notice in notices:
            if notice.year in self.notices:
                raise HolidayNoticeError(f"two holiday notices for {notice.year}")
            self.notices[notice.year] = notice
            self._listed.update(dict.fromkeys(notice.holidays, False))
            self._listed.update(dict.fromkeys(notice.makeup_workdays, True))

    @classmethod
    def from_files(cls, paths: Iterable[Path]) -> WorkingCalendar:
        """A calendar with the notices of these TOML files; HolidayNoticeError when one is bad."""
        return cls(load_notice(path) for path in paths)

    def is_workday(self, day: dt.date) -> bool:
        """True on a working day; UnknownYear when no source knows the day's year."""
        if day in self._listed:
            return self._listed[day]
        if day.year in self.notices:
            return day.weekday() < 5
        first, last = package_years()
        if not first <= day.year <= last:
            raise UnknownYear(day.year)
        # the package's own tables, read directly: its is_workday() rescans them for their year
        # range on every call, which made each deadline cost milliseconds
        if day in chinese_calendar.workdays:
            return True
        return day not in chinese_calendar.holidays and day.weekday() < 5

    def add_workdays(self, start: dt.date, count: int) -> dt.date:
        """The `count`-th working day after `start` (`start` itself is not counted, as in
        administrative deadlines: "within 10 working days of the application" ends on the 10th
        working day after the day of the application)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        day = start
        while count:
            day += ONE_DAY
            if self.is_workday(day):
                count -= 1
        return day

    def workdays_between(self, first: dt.date, end: dt.date) -> int:
        """How many working days lie in [first, end): `first` counted, `end` not."""
        count = 0
        day = first
        while day < end:
            count += self.is_workday(day)
            day += ONE_DAY
        return count

    def source_of(self, day: dt.date) -> str:
        """Which source decides the day (for the timeline's explanation)."""
        if day in self._listed or day.year in self.notices:
            year = day.year if day.year in self.notices else day.year + 1
            return self.notices[year].notice
        return f"chinesecalendar {chinese_calendar.__version__}"
