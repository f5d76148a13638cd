"""The course-approval rules of the sandbox appraisal centre, and the occupations it knows.

Codes are those of the national occupational classification (《中华人民共和国职业分类大典》),
format `N-NN-NN-NN`. A platform's application is reviewed at once; COURSE-02's review clock (due
10 working days after the application, overdue ones flagged) is kept by stores/courses.py for
the applications the sandbox takes in and reviews later, as the real centre does.
"""

from __future__ import annotations

from collections.abc import Mapping

from harness.spec.base import LEVEL_NAMES_ZH
from harness.spec.courses import Occupation

OCCUPATIONS: tuple[Occupation, ...] = (
    Occupation(code="4-01-06-01", name="电子商务师"),
    Occupation(code="4-03-02-01", name="中式烹调师"),
    Occupation(code="4-03-02-02", name="中式面点师"),
    Occupation(code="4-10-01-02", name="育婴员"),
    Occupation(code="4-10-01-05", name="养老护理员"),
    Occupation(code="6-31-01-03", name="电工"),
)
OCCUPATION_NAMES: dict[str, str] = {o.code: o.name for o in OCCUPATIONS}

# Least lesson hours of a course by level: a junior course teaches the most basics.
MIN_LESSON_HOURS: dict[str, int] = {"junior": 80, "intermediate": 70, "senior": 60}


def review(
    occupation_code: str,
    level: str,
    lesson_hours: int,
    occupations: Mapping[str, str] = OCCUPATION_NAMES,
) -> str | None:
    """None when the course may be approved, else the reason it is rejected.

    `occupations` (code → name) is the catalogue of the province doing the review.
    """
    if occupation_code not in occupations:
        return "Unknown occupation code"
    least = MIN_LESSON_HOURS[level]
    if lesson_hours < least:
        return f"Lesson hours below the {level} ({LEVEL_NAMES_ZH[level]}) minimum of {least}"
    return None


def approval_number(year: int, serial: int) -> str:
    """Approval numbers are ASCII, per year: SXJD-2026-0001 (晋 鉴定)."""
    return f"SXJD-{year}-{serial:04d}"
