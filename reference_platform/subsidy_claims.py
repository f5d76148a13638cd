"""Quarterly subsidy claims (SUB-01, SUB-02, SUB-05): which learners a quarter's claim lists and
what each line is worth. Pure rules over plain values; `subsidy_filing.py` reads the database,
files the claim and keeps the receipt.

What compliant means, for a vendor (docs/interface.md, "Subsidy claims"):

* A line per learner and course whose certificate was issued within the quarter (Asia/Shanghai
  dates, first to last day inclusive): the certificate's level, its credited lesson hours (the
  hours that made the certificate, never an hour that did not count), the level's rate (初级 3,
  中级 4, 高级 5 yuan per lesson hour), amount = hours × rate as Decimal to the fen; the total is
  the sum of the lines.
* A learner and course is claimed once, across all quarters: one already claimed is never listed
  again, whatever its certificate's date.
* Never a learner the self-check flags (any finding, POST-06, whenever it was made: a learner
  flagged after the certificate was issued is not claimed either), nor one whose archive is not
  complete: the province must have acknowledged every archive record of the learner, the
  certificate's own among them (ARCH-01), so what is paid can be traced in the archive.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

# 二(八)1: 初级每课时3元，中级每课时4元，高级每课时5元
RATES: dict[str, Decimal] = {
    "junior": Decimal("3.00"),
    "intermediate": Decimal("4.00"),
    "senior": Decimal("5.00"),
}
FEN = Decimal("0.01")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a quarter written "2026Q4"; ValueError for anything else."""
    match = _QUARTER.match(quarter)
    if match is None:
        raise ValueError(f"{quarter!r} is not a quarter such as 2026Q4")
    year, number = int(match[1]), int(match[2])
    first = dt.date(year, 3 * number - 2, 1)
    after = dt.date(year + 1, 1, 1) if number == 4 else dt.date(year, 3 * number + 1, 1)
    return first, after - dt.timedelta(days=1)


@dataclass(frozen=True)
class Certified:
    """A certificate with what the claim rule needs to know about its learner."""

    learner_id: str
    id_number: str
    course_id: str
    approval_number: str | None
    level: str
    certificate_number: str
    issued_on: dt.date
    lesson_hours: int  # the credited hours the certificate was issued for
    archive_complete: bool  # every archive record of the learner acknowledged, the certificate's
    # The Shanghai date of the learner's earliest self-check finding; None: nothing found
    first_flagged_on: dt.date | None = None

    @property
    def flagged(self) -> bool:
        return self.first_flagged_on is not None


@dataclass(frozen=True)
class ClaimLine:
    learner_id: str
    id_number: str
    course_id: str
    approval_number: str | None
    level: str
    certificate_number: str
    issued_on: dt.date
    lesson_hours: int
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True)
class ClaimRules:
    """The rule's switches; the reference's are all off (defects turn one on)."""

    junior_rate: Decimal = RATES["junior"]
    include_earlier_certificates: bool = False  # claim certificates of earlier quarters again
    # claims_held_back_certificates_later: an earlier quarter's certificate never claimed (its
    # archive incomplete at that filing) is paid with a later claim
    catch_up_unclaimed: bool = False
    include_flagged: bool = False
    flags_only_until_certificate: bool = False  # a finding after the issue date does not count
    # claims_the_levels_minimum_hours: a line's hours are the level's completion minimum, not
    # the credited hours the certificate was issued for (None: the certificate's, compliant)
    hours_by_level: dict[str, int] | None = None
    include_last_day: bool = True  # the quarter's last day belongs to it


def amount_of(hours: int, rate: Decimal) -> Decimal:
    """hours × rate to the fen (exact: both are exact decimals)."""
    return (Decimal(hours) * rate).quantize(FEN)


def is_flagged(cert: Certified, rules: ClaimRules) -> bool:
    """Any finding excludes the learner, whenever it was made (docs/interface.md: "at any
    time"): a pattern found after the certificate still shows how the hours were earned."""
    if rules.flags_only_until_certificate:
        found_on = cert.first_flagged_on
        return found_on is not None and found_on <= cert.issued_on
    return cert.flagged


def claim_lines(
    certified: Iterable[Certified],
    quarter: str,
    already_claimed: set[tuple[str, str]],
    rules: ClaimRules = ClaimRules(),
) -> list[ClaimLine]:
    """The quarter's lines, in the order of the certificates given: issued within the quarter,
    not claimed before, not flagged, archive complete; one per learner and course."""
    first, last = quarter_bounds(quarter)
    rates = {**RATES, "junior": rules.junior_rate}
    lines: list[ClaimLine] = []
    listed: set[tuple[str, str]] = set()
    for cert in certified:
        key = (cert.learner_id, cert.course_id)
        in_quarter = first <= cert.issued_on <= last and (
            rules.include_last_day or cert.issued_on < last
        )
        issued_in_window = in_quarter or (
            (rules.include_earlier_certificates or rules.catch_up_unclaimed)
            and cert.issued_on <= last
        )
        if not issued_in_window or key in listed:
            continue
        if key in already_claimed and not rules.include_earlier_certificates:
            continue
        if (is_flagged(cert, rules) and not rules.include_flagged) or not cert.archive_complete:
            continue
        if cert.level not in rates:
            continue  # a course without a subsidised level is not claimed
        rate = rates[cert.level]
        hours = cert.lesson_hours
        if rules.hours_by_level is not None:
            hours = rules.hours_by_level.get(cert.level, hours)
        listed.add(key)
        lines.append(
            ClaimLine(
                learner_id=cert.learner_id,
                id_number=cert.id_number,
                course_id=cert.course_id,
                approval_number=cert.approval_number,
                level=cert.level,
                certificate_number=cert.certificate_number,
                issued_on=cert.issued_on,
                lesson_hours=hours,
                rate=rate,
                amount=amount_of(hours, rate),
            )
        )
    return lines


def total_of(lines: Iterable[ClaimLine]) -> Decimal:
    return sum((line.amount for line in lines), Decimal("0.00")).quantize(FEN)
