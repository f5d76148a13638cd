"""ID-01 — the resident ID number rule at registration (GB 11643), tried across its space.

Every invalid number is built from a real sandbox person's number with exactly one part broken
and, except for the check-digit cases, a correct check digit, so that only the part under test
can make a platform refuse it: the common regex (`^\\d{17}[\\dX]$`) lets most of them through.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from harness.api import Refused, attempt
from harness.checks._support import answer_text, drawn, in_parallel, platform_today
from harness.failures import CannotProbe, CheckFailure
from harness.learners import Learner
from harness.probe import Probe
from harness.registry import check
from harness.spec import resident_id

# Two-digit prefixes the catalogue's reading tolerates either way: 71 (Taiwan in GB/T 2260, no
# numbers issued under it), 81/82 (Hong Kong, Macao) and 83 (Taiwan residents' residence
# permits, 830000): whether such a holder gets a Shanxi voucher is the voucher authority's call.
TOLERATED_PREFIXES = frozenset({"71", "81", "82", "83"})
KNOWN_PREFIXES = resident_id.PROVINCE_PREFIXES | TOLERATED_PREFIXES
UNKNOWN_PREFIXES = tuple(p for p in (f"{i:02d}" for i in range(100)) if p not in KNOWN_PREFIXES)
# Both sides of every block of known prefixes (10|11-15|16, 20|21-23|24, …, 80|81-83|84) and
# the ends 00 and 99: where an allow-list or a range check goes wrong first.
BOUNDARY_PREFIXES = tuple(
    p
    for p in UNKNOWN_PREFIXES
    if p in {"00", "99"}
    or f"{int(p) - 1:02d}" in KNOWN_PREFIXES
    or f"{int(p) + 1:02d}" in KNOWN_PREFIXES
)
INTERIOR_PREFIXES_TRIED = 6  # drawn under a fixed seed from the unknown prefixes in between
MAINLAND_PREFIXES = tuple(
    sorted(resident_id.PROVINCE_PREFIXES - TOLERATED_PREFIXES - {resident_id.SHANXI_PREFIX})
)


def _block_ends(prefixes: frozenset[str]) -> tuple[str, ...]:
    """The first and last prefix of every run of consecutive ones (11-15, 21-23, …, 61-65)."""
    numbers = sorted(int(p) for p in prefixes)
    ends = {
        n for n in numbers if n - 1 not in numbers or n + 1 not in numbers
    }  # a block's edges: where a hand-written range (`4[1-5]`, `5[1-4]`) goes wrong
    return tuple(f"{n:02d}" for n in sorted(ends))


MAINLAND_BLOCK_ENDS = tuple(
    p
    for p in _block_ends(resident_id.PROVINCE_PREFIXES - TOLERATED_PREFIXES)
    if p != resident_id.SHANXI_PREFIX
)
IMPOSSIBLE_DATES = ("0000", "1301", "0100", "0132", "0230", "0431")  # MMDD: month/day out of range
COMMON_YEAR_LEAP_DAY = "19900229"  # 29 Feb of a common year
LEAP_DAY_BIRTH = dt.date(2000, 2, 29)  # a real date: must be accepted
OTHER_PROVINCES_TRIED = 3


def _with_check_digit(first17: str) -> str:
    return first17 + resident_id.check_digit(first17)


def invalid_numbers(valid: str, tomorrow: dt.date) -> dict[str, str]:
    """Case → number, for one valid number: every class of invalid input the rule refuses."""
    region, birth, seq = valid[:6], valid[6:14], valid[14:17]
    cases = {f"wrong check digit {c}": valid[:17] + c for c in "0123456789X" if c != valid[17]}
    for mmdd in IMPOSSIBLE_DATES:
        cases[f"impossible birth date {birth[:4]}-{mmdd[:2]}-{mmdd[2:]}"] = _with_check_digit(
            region + birth[:4] + mmdd + seq
        )
    cases["29 February of a common year"] = _with_check_digit(region + COMMON_YEAR_LEAP_DAY + seq)
    cases[f"birth date tomorrow ({tomorrow})"] = _with_check_digit(
        region + f"{tomorrow:%Y%m%d}" + seq
    )
    cases["birth date 2999-12-31"] = _with_check_digit(region + "29991231" + seq)
    interior = [p for p in UNKNOWN_PREFIXES if p not in BOUNDARY_PREFIXES]
    for prefix in (*BOUNDARY_PREFIXES, *drawn(st.sampled_from(interior), INTERIOR_PREFIXES_TRIED)):
        cases[f"unknown region prefix {prefix}"] = _with_check_digit(prefix + valid[2:17])
    cases["15-digit first-generation number"] = region + birth[2:] + seq
    cases["17 characters"] = valid[:17]
    cases["19 characters"] = valid + "0"
    cases["letter inside the number"] = valid[:10] + "A" + valid[11:]
    cases["X inside the number"] = valid[:16] + "X" + valid[17]
    return cases


def _register(probe: Probe, person: Learner, number: str) -> object:
    return attempt(
        lambda: probe.platform.register(
            name=person.name,
            id_number=number,
            password=person.password,
            face_photo=person.face_photo,
            id_card_photo=person.id_card_photo,
        )
    )


def _answer(outcome: object) -> str:
    return answer_text(outcome, "registered")


@check("ID-01")
def invalid_id_numbers_are_refused(probe: Probe) -> None:
    """An ID number that GB 11643 makes invalid is refused by the platform itself.

    Space: the parts of an 18-character number a platform must validate itself (GB 11643).

    Tried, each with a correct check digit unless the check digit is the case: every wrong check
    character (10); impossible birth dates (month 00 and 13, day 00 and 32, 30 Feb, 31 Apr,
    29 Feb of a common year); birth dates in the future (the platform's tomorrow in Shanghai,
    2999-12-31); two-digit region prefixes outside GB/T 2260 (71/81/82/83 are tolerated, see the
    catalogue): 00, 99 and both neighbours of every block of known prefixes (10 and 16 around
    11-15, …, 80 and 84 around 81-83), plus 6 of the 47 in between drawn under a fixed seed;
    shapes (15-digit first-generation, 17 and 19 characters,
    a letter or an X inside). Each must be refused 4xx, nothing kept for a supervisor, nothing
    sent to the identity authority (a platform that lets the province refuse for it has not
    validated)."""
    person = probe.learners.person()
    tomorrow = platform_today(probe.time) + dt.timedelta(days=1)
    cases = invalid_numbers(person.id_number, tomorrow)

    def judge(case: str, number: str) -> dict[str, object]:
        outcome = _register(probe, person, number)
        forwarded = probe.province.log(service="identity", id_number=number)
        # a filter value the supervision API refuses (a 19-character one) finds nobody
        kept = attempt(lambda: probe.supervisor.learner(number))
        kept = None if isinstance(kept, Refused) else kept
        row = {
            "case": case,
            "id_number": number,
            "answer": _answer(outcome),
            "forwarded_to_province": len(forwarded),
            "kept": kept is not None,
        }
        if not isinstance(outcome, Refused) or kept is not None:
            row["problem"] = f"{case} ({number}) was registered"
        elif forwarded:
            row["problem"] = f"{case} ({number}) was not validated: sent on to the province"
        return row

    rows = in_parallel(lambda c=c, n=n: judge(c, n) for c, n in cases.items())
    probe.evidence.attach_json("invalid-id-numbers", rows)
    problems = [row["problem"] for row in rows if "problem" in row]
    if problems:
        raise CheckFailure(
            "Invalid ID numbers are not refused by the platform",
            received=problems,
            expected="4xx, nothing kept, nothing sent to the identity authority",
        )
    probe.evidence.note(f"{len(rows)} invalid ID numbers refused before reaching the province")


def _person_with_x_check_digit(probe: Probe) -> Learner:
    """A sandbox person whose check digit is X (one number in eleven)."""
    for _ in range(120):
        person = probe.learners.person()
        if person.id_number.endswith("X"):
            return person
    raise CannotProbe("lower-case x", "the province issued no number ending in X in 120 draws")


@check("ID-01")
def valid_id_numbers_register_exactly_once(probe: Probe) -> None:
    """Every valid ID number registers, and one person never gets two learner accounts.

    Space: valid numbers the catalogue's reading admits, and the forms a client may send.

    Tried: people born in provinces other than Shanxi — since stop 47 both ends of every block
    of consecutive GB/T 2260 province prefixes (11 and 15, 21 and 23, …, 41 and 46, 50 and 54,
    61 and 65: where a validator's hand-written ranges, `4[1-5]` or `5[1-4]`, go wrong and turn
    the people of Hainan or Chongqing away) and OTHER_PROVINCES_TRIED more drawn under a fixed
    seed from the prefixes in between (the reading admits any province) — a person born on 29
    Feb of a leap year, and a
    number whose check digit is X sent with a lower-case x and then with X. Each valid number
    registers and a supervisor finds the learner under the number; the x form is either refused
    or taken as the X form — never two learners for one person (a second account would escape
    the one-login rule)."""
    interior = [p for p in MAINLAND_PREFIXES if p not in MAINLAND_BLOCK_ENDS]
    prefixes = [*MAINLAND_BLOCK_ENDS, *drawn(st.sampled_from(interior), OTHER_PROVINCES_TRIED)]
    people = [
        (f"born in region {p}0101", lambda p=p: probe.province.new_identity(region_code=f"{p}0101"))
        for p in prefixes
    ] + [(f"born {LEAP_DAY_BIRTH}", lambda: probe.province.new_identity(birth_date=LEAP_DAY_BIRTH))]

    def register_valid(case: str, new_identity) -> dict[str, object]:
        person = probe.learners.person_of(new_identity())
        outcome = _register(probe, person, person.id_number)
        seen = probe.supervisor.learner(person.id_number)
        row = {"case": case, "id_number": person.id_number, "answer": _answer(outcome)}
        if isinstance(outcome, Refused) or seen is None:
            row["problem"] = f"{case} ({person.id_number}): {_answer(outcome)}, seen: {bool(seen)}"
        return row

    def lower_case_x() -> dict[str, object]:
        person = _person_with_x_check_digit(probe)
        upper = person.id_number
        lower = upper[:17] + "x"
        first, second = _register(probe, person, lower), _register(probe, person, upper)
        seen = [
            x
            for x in probe.supervisor.learners(id_number=upper)
            + probe.supervisor.learners(id_number=lower)
        ]
        learners = {x.learner_id for x in seen}
        row = {
            "case": "check digit x, then X",
            "id_number": upper,
            "answers": [_answer(first), _answer(second)],
            "learners_seen": sorted(learners),
        }
        if len(learners) != 1:
            row["problem"] = f"{upper}: {len(learners)} learners after registering x then X"
        elif not isinstance(first, Refused) and not isinstance(second, Refused):
            row["problem"] = f"{upper}: registered twice (as x, then as X)"
        elif any(x.id_number != upper for x in seen):
            row["problem"] = f"{upper}: kept under {seen[0].id_number!r}, not the number itself"
        return row

    rows = in_parallel([lambda c=c, f=f: register_valid(c, f) for c, f in people] + [lower_case_x])
    probe.evidence.attach_json("valid-id-numbers", rows)
    problems = [row["problem"] for row in rows if "problem" in row]
    if problems:
        raise CheckFailure(
            "Valid ID numbers are not registered exactly once",
            received=problems,
            expected="registered and seen by a supervisor under the number; x taken as X or "
            "refused, never a second learner",
        )
    probe.evidence.note(
        f"registered people born in {', '.join(prefixes)} and on {LEAP_DAY_BIRTH}; "
        "x and X are one person"
    )
