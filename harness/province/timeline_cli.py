"""`sxcert province timeline`: every due date of a subsidy claim, for the HR office on its own.

The province's own tool, so it lives with the emulator; the command line only registers it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()
errors = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    errors.print(f"[bold red]sxcert:[/] {message}", highlight=False)
    return typer.Exit(2)


def province_timeline(
    accepted: Annotated[str, typer.Option(help="the day the claim was accepted, YYYY-MM-DD")],
    reviewed: Annotated[str | None, typer.Option(help="the HR review's day, if done")] = None,
    notice_from: Annotated[str | None, typer.Option(help="the public notice's first day")] = None,
    fund_requested: Annotated[str | None, typer.Option(help="the fund request's day")] = None,
    holidays: Annotated[
        list[Path] | None,
        typer.Option(help="a year's State Council holiday notice as TOML (repeatable)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every due date of a subsidy claim (SUB-03), in working days of the statutory calendar."""
    from harness.province.subsidy_timeline import ClaimDates
    from harness.province.timeline_report import timeline_json, timeline_rows
    from harness.province.workdays import HolidayNoticeError, UnknownYear, WorkingCalendar

    def day(option: str, text: str | None) -> dt.date | None:
        try:
            return dt.date.fromisoformat(text) if text is not None else None
        except ValueError:
            raise _fail(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None

    dates = ClaimDates(
        accepted_on=day("--accepted", accepted),  # type: ignore[arg-type]
        reviewed_on=day("--reviewed", reviewed),
        notice_from=day("--notice-from", notice_from),
        fund_requested_on=day("--fund-requested", fund_requested),
    )
    try:
        calendar = WorkingCalendar.from_files(holidays or [])
        rows = timeline_rows(calendar, dates)
    except (HolidayNoticeError, UnknownYear) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        print(json.dumps(timeline_json(calendar, rows), ensure_ascii=False, indent=2))
        return
    table = Table("step", "date", "rule", title="subsidy claim timeline (SUB-03)")
    for row in rows:
        table.add_row(row.label, row.day.isoformat(), row.rule)
    console.print(table)
