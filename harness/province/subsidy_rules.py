"""The subsidy office's rules for a claim as it arrives: rates, amounts, start date, the cap.

Why the office checks the arithmetic at all: a claim is money, and the office pays what the lines
say. Every line must be self-consistent (the rate of its level, amount = lesson hours × rate to
the fen) and the lines must add up to the claimed total; the first line that is not is named in
the refusal, so the platform can find it among thousands.

What it does not judge here: whether a learner was certified, flagged or already claimed in an
earlier quarter (SUB-01/02/05 are the platform's duties; the harness judges them from the claim
the office keeps, which is why the office keeps such a claim rather than refusing it).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from harness.spec import resident_id
from harness.spec.base import LEVEL_NAMES_ZH
from harness.spec.subsidy import SubsidyClaimIn

# 二(八)1: 初级每课时3元，中级每课时4元，高级每课时5元
RATES: dict[str, Decimal] = {
    "junior": Decimal("3"),
    "intermediate": Decimal("4"),
    "senior": Decimal("5"),
}
SCHEME_START = dt.date(2021, 6, 1)  # GEN-01: 本通知 2021 年 6 月 1 日起执行
YEARLY_CAP = Decimal("30000000.00")  # SUB-04: 年度补贴资金不高于3000万元
FEN = Decimal("0.01")


def yuan(amount: Decimal) -> str:
    """An amount as the office writes it: to the fen, thousands separated."""
    return f"{amount.quantize(FEN):,}"


def claim_refusal(claim: SubsidyClaimIn) -> str | None:
    """None when the claim may be accepted, else the reason naming the first bad line.

    Lines are numbered from 1 in the order sent. A certificate dated after the office's today
    is not refused: a certification instance runs on its own test clock (DESIGN, "Time is
    controllable"), which may be ahead of the province's real one, and its claims are genuine.
    """
    for number, line in enumerate(claim.lines, start=1):
        where = f"line {number} (certificate {line.certificate_number})"
        if not resident_id.is_valid(line.id_number):
            return f"{where}: {line.id_number!r} is not a valid resident ID number"
        if line.certificate_issued_on < SCHEME_START:
            return (
                f"{where}: certificate issued on {line.certificate_issued_on}, before"
                f" {SCHEME_START}, when 晋人社厅发〔2021〕31号 took effect; it belongs to the"
                " earlier scheme (晋人社厅发〔2020〕40号)"
            )
        rate = RATES[line.level]
        if line.rate != rate:
            return (
                f"{where}: rate {line.rate} is not the {line.level} ({LEVEL_NAMES_ZH[line.level]})"
                f" rate of {rate} yuan per lesson hour"
            )
        expected = line.lesson_hours * rate
        if line.amount != expected:
            return (
                f"{where}: amount {yuan(line.amount)} is not {line.lesson_hours} lesson hours ×"
                f" {rate} = {yuan(expected)}"
            )
    total = sum((line.amount for line in claim.lines), Decimal(0))
    if claim.total_amount != total:
        return f"total_amount {yuan(claim.total_amount)} is not the sum of the lines, {yuan(total)}"
    return None


def cap_refusal(year: int, committed: Decimal, amount: Decimal) -> str | None:
    """None when `amount` fits under the year's cap beside what is already `committed`."""
    if committed + amount <= YEARLY_CAP:
        return None
    return (
        f"the claim ({yuan(amount)} yuan) would bring the subsidies of {year} to"
        f" {yuan(committed + amount)}, over the yearly cap of {yuan(YEARLY_CAP)}"
        f" ({yuan(YEARLY_CAP - committed)} remaining)"
    )
