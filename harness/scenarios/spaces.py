"""The spaces the learning-integrity checks probe: named boundary values, and bounded draws.

A check is worth the faults it catches, and a vendor's bug sits at another value of the same rule
than the one a check was written beside (1.25× instead of 2×, the minimum of another level, a
capture answered minutes late instead of one second late). So each check names the dimension it
probes and tries every member of a small enumeration, both sides of every boundary, and, where
the space is continuous, a few values drawn by Hypothesis under a fixed seed: the same values on
every run, so a certification verdict is reproducible.
"""

from __future__ import annotations

from typing import TypeVar

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

T = TypeVar("T")

# STUDY-06: rates a stock player offers (1.25×, 1.5×, 2×), a float-tolerance edge just above 1×,
# and the extremes scripts force. Every one of them must earn nothing.
RATES_ABOVE_ONE: tuple[float, ...] = (1.0001, 1.25, 1.5, 2.0, 4.0, 16.0)
# Below 1× is slower than real time: refusing it or crediting it (never beyond the clock) are both
# compliant (the catalogue's decision for STUDY-06).
RATES_BELOW_ONE: tuple[float, ...] = (0.5, 0.75)
DRAWN_RATES = 3  # more rates in (1×, 2×], drawn: where a lenient threshold would sit

# COURSE-05 / interface: the completion minimum of every level.
LEVELS: tuple[str, ...] = ("junior", "intermediate", "senior")


def drawn(strategy: st.SearchStrategy[T], count: int) -> list[T]:
    """`count` values of `strategy`, the same ones on every run (fixed seed, no example database).

    Hypothesis is used as a generator here, not as a test runner: its strategies favour the
    edges of a range (just above a bound, the bound itself) over a uniform draw."""
    found: list[T] = []

    @settings(
        max_examples=count * 20,  # duplicates and edge repeats are skipped
        database=None,
        derandomize=True,  # a fixed seed: the same values on every run and machine
        deadline=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: T) -> None:
        if len(found) < count and value not in found:
            found.append(value)

    collect()
    return found


def rates_above_one() -> list[float]:
    """The named rates above 1× and a few drawn ones in (1×, 2×]."""
    draws = drawn(
        st.floats(min_value=1.0, max_value=2.0, exclude_min=True, allow_nan=False)
        .map(lambda rate: round(rate, 4))
        .filter(lambda rate: rate > 1.0 and rate not in RATES_ABOVE_ONE),
        DRAWN_RATES,
    )
    return [*RATES_ABOVE_ONE, *draws]
