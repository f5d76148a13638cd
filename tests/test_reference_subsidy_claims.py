"""The reference's quarterly subsidy claim (SUB-01, SUB-02, SUB-05): the pure rule (rates per
level, Decimal to the fen, the quarter's first and last day, once per learner and course, never
flagged or unarchived) and the filing over a database (once per quarter, the receipt kept, what
the province was sent)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from harness.spec import resident_id
from harness.spec.subsidy import SubsidyClaimIn, SubsidyClaimReceipt
from reference_platform.db import SHANGHAI, Base
from reference_platform.defects import ActiveDefects
from reference_platform.models import (
    ArchiveRecord,
    Certificate,
    Course,
    Learner,
    SubsidyClaimLine,
)
from reference_platform.province_client import ProvinceRefused
from reference_platform.subsidy_claims import (
    Certified,
    ClaimRules,
    amount_of,
    claim_lines,
    quarter_bounds,
    total_of,
)
from reference_platform.subsidy_filing import QuarterNotBegun, file_claim


def certified(
    learner: str = "lrn_1",
    level: str = "junior",
    hours: int = 60,
    issued_on: dt.date = dt.date(2026, 12, 31),
    course: str = "crs-1",
    **flags: bool,
) -> Certified:
    return Certified(
        learner_id=learner,
        id_number="110101199003077777",
        course_id=course,
        approval_number="SX-2026-001",
        level=level,
        certificate_number=f"CERT-{learner}-{course}",
        issued_on=issued_on,
        lesson_hours=hours,
        first_flagged_on=issued_on if flags.get("flagged", False) else None,
        archive_complete=flags.get("archive_complete", True),
    )


# ---- the pure rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "hours", "rate", "amount"),
    [
        ("junior", 60, "3.00", "180.00"),
        ("intermediate", 50, "4.00", "200.00"),
        ("senior", 40, "5.00", "200.00"),
        ("senior", 41, "5.00", "205.00"),
    ],
)
def test_each_level_is_paid_at_its_rate_to_the_fen(level, hours, rate, amount) -> None:
    [line] = claim_lines([certified(level=level, hours=hours)], "2026Q4", set())
    assert (line.rate, line.amount) == (Decimal(rate), Decimal(amount))
    assert str(line.amount) == amount  # two places, never a float's digits


def test_a_level_without_a_rate_is_not_claimed() -> None:
    assert claim_lines([certified(level="technician")], "2026Q4", set()) == []


def test_amounts_are_exact_decimals_and_the_total_is_their_sum() -> None:
    lines = claim_lines(
        [certified(f"lrn_{i}", level="junior", hours=60 + i) for i in range(7)], "2026Q4", set()
    )
    assert total_of(lines) == Decimal("3") * sum(60 + i for i in range(7))
    assert amount_of(3, Decimal("0.10")) == Decimal("0.30")  # 0.1 + 0.1 + 0.1 as a float is not


@pytest.mark.parametrize(
    ("quarter", "first", "last"),
    [
        ("2026Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("2024Q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
        ("2026Q2", dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        ("2026Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
        ("2026Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ],
)
def test_quarter_bounds(quarter, first, last) -> None:
    assert quarter_bounds(quarter) == (first, last)


@pytest.mark.parametrize("bad", ["2026Q5", "2026Q0", "26Q1", "2026q1", ""])
def test_a_malformed_quarter_is_refused(bad) -> None:
    with pytest.raises(ValueError, match="not a quarter"):
        quarter_bounds(bad)


def test_the_quarters_last_day_is_in_it_and_the_next_quarters_first_day_is_not() -> None:
    last_day = certified("lrn_last", issued_on=dt.date(2026, 9, 30))
    first_day = certified("lrn_first", issued_on=dt.date(2026, 10, 1))
    assert [x.learner_id for x in claim_lines([last_day, first_day], "2026Q3", set())] == [
        "lrn_last"
    ]
    assert [x.learner_id for x in claim_lines([last_day, first_day], "2026Q4", set())] == [
        "lrn_first"
    ]


def test_a_learner_and_course_is_claimed_once_across_quarters() -> None:
    cert = certified(issued_on=dt.date(2026, 9, 30))
    assert claim_lines([cert, cert], "2026Q3", set()) != []  # listed once though given twice
    assert len(claim_lines([cert, cert], "2026Q3", set())) == 1
    assert claim_lines([cert], "2026Q3", {("lrn_1", "crs-1")}) == []
    other_course = certified(course="crs-2", issued_on=dt.date(2026, 9, 30))
    assert len(claim_lines([other_course], "2026Q3", {("lrn_1", "crs-1")})) == 1


def test_flagged_and_unarchived_learners_are_never_claimed() -> None:
    flagged = certified("lrn_f", flagged=True)
    unarchived = certified("lrn_u", archive_complete=False)
    assert claim_lines([flagged, unarchived], "2026Q4", set()) == []


def test_a_learner_flagged_after_the_certificate_is_not_claimed_either() -> None:
    """ "At any time": a finding dated after the issue date excludes the learner; only the
    defect's rule (findings up to the issue date) lets it through."""
    issued = dt.date(2026, 11, 2)
    before = certified("lrn_b", flagged=True, issued_on=issued)
    after = replace(before, learner_id="lrn_a", first_flagged_on=issued + dt.timedelta(days=1))
    assert claim_lines([before, after], "2026Q4", set()) == []
    late_only = ClaimRules(flags_only_until_certificate=True)
    assert [
        line.learner_id for line in claim_lines([before, after], "2026Q4", set(), late_only)
    ] == ["lrn_a"]


def test_the_defect_switches_do_what_their_names_say() -> None:
    cert = certified(hours=60)
    assert claim_lines([cert], "2026Q4", set(), ClaimRules(junior_rate=Decimal("4.00")))[
        0
    ].amount == Decimal("240.00")
    earlier = certified(issued_on=dt.date(2026, 9, 30))
    twice = ClaimRules(include_earlier_certificates=True)
    assert len(claim_lines([earlier], "2026Q4", {("lrn_1", "crs-1")}, twice)) == 1
    assert (
        len(
            claim_lines(
                [certified(flagged=True)], "2026Q4", set(), ClaimRules(include_flagged=True)
            )
        )
        == 1
    )


# ---- the filing over a database ------------------------------------------------------------


class FakeOffice:
    """The province's subsidy office as the filing sees it: keeps what it was sent."""

    def __init__(self, refuse: str | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self.refuse = refuse

    def submit_subsidy_claim(self, claim: dict[str, Any]) -> SubsidyClaimReceipt:
        SubsidyClaimIn.model_validate(claim)  # the wire contract holds
        self.sent.append(claim)
        if self.refuse:
            raise ProvinceRefused(422, self.refuse)
        return SubsidyClaimReceipt(
            claim_id=f"CLM-{len(self.sent):06d}",
            accepted_on=dt.date(2026, 12, 2),
            total_amount=Decimal(claim["total_amount"]),
            hr_review_due=dt.date(2026, 12, 16),
        )


@pytest.fixture
def db() -> Session:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with sessionmaker(engine)() as session:
        yield session


def _id_number(serial: int) -> str:
    body = f"11010119900307{serial:03d}"
    return body + resident_id.check_digit(body)


def _learner_with_certificate(
    db: Session, serial: int, level: str, issued_on: dt.date, *, acknowledged: bool = True
) -> str:
    learner_id, course_id = f"lrn_{serial}", f"crs-{level}"
    if db.get(Course, course_id) is None:
        db.add(
            Course(
                id=course_id,
                title=level,
                occupation_code="4-01-01",
                occupation_name="电工",
                level=level,
                standard="std",
                lesson_hours=60,
                approval_number=f"SX-{level}",
            )
        )
    db.add(
        Learner(
            id=learner_id,
            name="张三",
            id_number=_id_number(serial),
            birth_date=dt.date(1990, 3, 7),
            password_hash="-",
            face_photo=b"",
            face_photo_type="image/png",
            face_photo_sha256="-",
            province_registration_id="-",
            registered_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )
    )
    number = f"CERT-{serial}"
    hours = {"junior": 60, "intermediate": 50, "senior": 40}[level]
    db.add(
        Certificate(
            number=number,
            learner_id=learner_id,
            course_id=course_id,
            name="张三",
            id_number_masked="-",
            occupation_code="4-01-01",
            occupation_name="电工",
            level=level,
            lesson_hours=hours,
            score="100.00",
            started_on=issued_on,
            finished_on=issued_on,
            platform_id="ref",
            platform_name="ref",
            issued_on=issued_on,
        )
    )
    at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    db.add(
        ArchiveRecord(
            id=f"rec_{serial}",
            learner_id=learner_id,
            source_key=f"certificate:{number}",
            seq=1,
            kind="certificate",
            at=at.isoformat(),
            data={},
            prev_hash="0" * 64,
            hash="1" * 64,
            created_at=at,
            acknowledged_at=at if acknowledged else None,
        )
    )
    db.commit()
    return learner_id


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI)


def test_a_quarter_is_filed_once_with_each_level_and_the_receipt_is_kept(db: Session) -> None:
    for serial, level in enumerate(("junior", "intermediate", "senior"), start=1):
        _learner_with_certificate(db, serial, level, dt.date(2026, 11, 2))
    _learner_with_certificate(db, 4, "senior", dt.date(2026, 11, 2), acknowledged=False)
    office = FakeOffice()
    filed = file_claim(db, "2026Q4", _at(dt.date(2026, 12, 2)), office, ActiveDefects())
    assert filed.filed_now and filed.filing.claim_id == "CLM-000001"
    [sent] = office.sent
    assert [(x["level"], x["rate"], x["amount"]) for x in sent["lines"]] == [
        ("junior", "3.00", "180.00"),
        ("intermediate", "4.00", "200.00"),
        ("senior", "5.00", "200.00"),
    ]
    assert sent["total_amount"] == "580.00"
    again = file_claim(db, "2026Q4", _at(dt.date(2026, 12, 3)), office, ActiveDefects())
    assert not again.filed_now and again.filing.claim_id == "CLM-000001"
    assert len(again.lines) == 3 and len(office.sent) == 1


def test_the_next_quarter_repeats_nobody_and_an_empty_quarter_sends_nothing(db: Session) -> None:
    _learner_with_certificate(db, 1, "junior", dt.date(2026, 12, 31))
    office = FakeOffice()
    file_claim(db, "2026Q4", _at(dt.date(2026, 12, 31)), office, ActiveDefects())
    filed = file_claim(db, "2027Q1", _at(dt.date(2027, 1, 1)), office, ActiveDefects())
    assert filed.filed_now and filed.lines == [] and filed.filing.claim_id is None
    assert len(office.sent) == 1
    assert len(db.scalars(select(SubsidyClaimLine)).all()) == 1


def test_a_quarter_not_begun_is_refused_and_a_refused_claim_is_not_kept(db: Session) -> None:
    _learner_with_certificate(db, 1, "junior", dt.date(2026, 12, 2))
    with pytest.raises(QuarterNotBegun):
        file_claim(db, "2027Q1", _at(dt.date(2026, 12, 31)), FakeOffice(), ActiveDefects())
    with pytest.raises(ProvinceRefused):
        file_claim(db, "2026Q4", _at(dt.date(2026, 12, 2)), FakeOffice("no"), ActiveDefects())
    db.rollback()
    office = FakeOffice()
    assert file_claim(db, "2026Q4", _at(dt.date(2026, 12, 2)), office, ActiveDefects()).filed_now
    assert len(office.sent) == 1
