"""SUB-01, SUB-02, SUB-05 — the platform's quarterly subsidy claim (线上培训补贴).

Judged from what the province's subsidy office received (its call log and the claims it holds),
against the harness's own record of the cohort it made (harness/checks/_subsidy_support.py):
which learners it studied to a pass, to a fail, or made cheat; the certificates the platform
showed for them; the credited hours the supervision view showed; the certificate records the
province's archive holds. Never from the platform's own answer about whom it claimed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any

from harness.api import Refused, attempt
from harness.catalogue import load_catalogue
from harness.checks._subsidy_support import (
    FAST_ANSWERS,
    FLAGGED_ROLES,
    LEVELS,
    PROBE,
    SHARED_DEVICE_ACCOUNTS,
    Cohort,
    Member,
    accepted_claims,
    archived_since,
    claim_lines,
    cohort,
    lines_of,
    quarter_days,
    submissions,
    submissions_of,
)
from harness.failures import CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.spec.subsidy import ClaimFilingOut

FEN = Decimal("0.01")


def _money(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _issued_within(member: Member, quarter: str) -> bool:
    """The member's certificate is dated (`issued_on`, as the platform showed it) within the
    quarter, its first and last day included."""
    first, last = quarter_days(quarter)
    return bool(member.certificates) and first <= member.certificates[0].issued_on <= last


def _claimable(member: Member, quarter: str) -> bool:
    """Certified within the quarter as the platform showed it, the certificate in the province's
    archive, never made to cheat: the quarter's claim must list this learner and course."""
    return (
        _issued_within(member, quarter)
        and member.archived_certificate is not None
        and member.role not in FLAGGED_ROLES
    )


def _line_problems(member: Member, lines: list[dict[str, Any]]) -> list[str]:
    """Each of the member's lines against the certificate, the course, the supervision view and
    the province's archive: level, credited hours, certificate number and issue date, and the
    course's approval number (docs/interface.md lists it in a compliant line; the wire model
    leaves it optional for the office's sake, not the platform's: the cohort's courses are
    approved, `_courses_by_level`, so a line without it, or with another, is wrong)."""
    if not member.certificates:
        return []
    cert = member.certificates[0]
    archived = (member.archived_certificate or {}).get("data", {})
    approval = member.enrolled.course.approval
    problems = []
    for line in lines_of(member, lines):
        expected = {
            "approval_number": approval.number if approval else None,
            "level": member.enrolled.course.level,
            "lesson_hours": cert.lesson_hours,
            "certificate_number": cert.number,
            "certificate_issued_on": cert.issued_on.isoformat(),
        }
        wrong = {k: line.get(k) for k, v in expected.items() if line.get(k) != v}
        if wrong:
            problems.append(f"{member.role}: {wrong}, the certificate and course say {expected}")
        if member.credited_hours is not None and line.get("lesson_hours") != member.credited_hours:
            problems.append(
                f"{member.role}: {line.get('lesson_hours')} hours, the supervision view"
                f" credits {member.credited_hours}"
            )
        if archived and (
            archived.get("lesson_hours"),
            archived.get("issued_on"),
        ) != (line.get("lesson_hours"), line.get("certificate_issued_on")):
            problems.append(f"{member.role}: the line differs from the archive's {archived}")
    return problems


def _first_sent(probe: Probe, found: Cohort) -> dict[str, Any]:
    """The first claim the platform sent for the cohort's quarter (whatever the office said).

    Sending none is right when no member is claimable: when no certified learner's archive
    reached the province (an archive the province refuses is ARCH-01's failure), SUB-05 forbids
    every line, and there is nothing left to judge the claim by — `error`, never `pass`."""
    if not found.sent and not any(_claimable(member, found.quarter) for member in found.members):
        raise CannotProbe(
            PROBE,
            "no certified learner of the cohort has its archive at the province, so no claim"
            " line may be sent: the claim cannot be judged",
        )
    if not found.sent:
        raise CheckFailure(
            f"The platform sent the subsidy office no claim for {found.quarter}",
            received=found.observed(),
            expected="one claim listing the quarter's certified learners",
        )
    return found.sent[0]


@check("SUB-01")
def claim_pays_each_certified_learner_at_its_levels_rate_once(probe: Probe) -> None:
    """The quarter's claim has exactly one line for each certified learner and course, at the
    rate of the course's level (3, 4, 5 yuan per lesson hour), for the certificate's credited
    hours, amount = hours × rate to the fen, total = the sum; a learner who studied every hour
    but failed the quiz (no certificate) is absent, from this claim and from every other the
    cohort filed; a certificate dated after the quarter is absent; the office accepts the claim.

    Space: every level (junior, intermediate, senior), a pass and a fail of the same course side
    by side, the line's rate, amount and hours (the intermediate passer's certificate is for the
    level's minimum + 1 hour, its accuracy reaching the mark only then: a line paying the
    minimum shows), the claim's total, one line per learner and
    course; the quarter's boundary from both sides (the senior completer passes a minute before
    midnight of the quarter's last day, another half a minute after it, and the claim is filed
    after both, from the next quarter)."""
    rates = {
        level: Decimal(str(rate))
        for level, rate in load_catalogue().get("SUB-01").params["yuan_per_hour"].items()
    }
    found = cohort(probe)
    probe.evidence.attach_json("cohort", found.observed())
    sent = _first_sent(probe, found)
    lines = claim_lines(sent["claim"])
    claimable = [m for m in found.members if _claimable(m, found.quarter)]
    missing_levels = [lvl for lvl in LEVELS if not any(m.role == lvl for m in claimable)]
    if missing_levels:
        raise CannotProbe(
            PROBE, f"no certified, archived completer at level {', '.join(missing_levels)}"
        )
    problems: list[str] = []
    for member in claimable:
        mine = lines_of(member, lines)
        if len(mine) != 1:
            failed = member.failed_captures and f" (captures failed: {member.failed_captures})"
            problems.append(f"{member.role}: {len(mine)} lines, expected 1{failed or ''}")
            continue
        line, cert = mine[0], member.certificates[0]
        level = member.enrolled.course.level or ""
        rate, amount = _money(line.get("rate")), _money(line.get("amount"))
        expected_amount = (Decimal(cert.lesson_hours) * rates[level]).quantize(FEN)
        if line.get("level") != level:
            problems.append(f"{member.role}: level {line.get('level')!r}, expected {level!r}")
        if rate != rates[level]:
            problems.append(f"{member.role}: rate {line.get('rate')}, expected {rates[level]}")
        if line.get("lesson_hours") != cert.lesson_hours:
            problems.append(
                f"{member.role}: {line.get('lesson_hours')} lesson hours, the certificate says"
                f" {cert.lesson_hours}"
            )
        if amount != expected_amount:
            problems.append(
                f"{member.role}: amount {line.get('amount')}, expected {expected_amount}"
            )
    filed = submissions_of(probe, [*found.earlier_filings, found.quarter])
    every_line = [line for sent in filed.values() for s in sent for line in claim_lines(s["claim"])]
    for member in found.members:
        if not member.certificates and lines_of(member, every_line):
            problems.append(f"{member.role}: claimed without a certificate")
        elif (
            member.certificates
            and not _issued_within(member, found.quarter)
            and lines_of(member, lines)
        ):
            problems.append(
                f"{member.role}: certificate issued on {member.certificates[0].issued_on},"
                f" outside {found.quarter}, is claimed in it"
            )
    keys = [(line.get("id_number"), line.get("course_id")) for line in lines]
    if len(keys) != len(set(keys)):
        problems.append("a learner and course is listed more than once")
    total = sum((_money(line.get("amount")) or Decimal(0) for line in lines), Decimal(0))
    if _money(sent["claim"].get("total_amount")) != total:
        problems.append(f"total_amount {sent['claim'].get('total_amount')} is not the sum {total}")
    if not problems and sent["status"] != 201:
        problems.append(f"the office refused the claim: {sent['status']} {sent['answer']}")
    if problems:
        raise CheckFailure(
            "The quarter's subsidy claim is not what the certified learners earn: "
            + "; ".join(problems),
            received=sent,
            expected={
                m.role: {
                    "lines": 1 if _claimable(m, found.quarter) else 0,
                    "rate": str(rates.get(m.enrolled.course.level or "", "")),
                    "hours": m.certificates[0].lesson_hours if m.certificates else None,
                }
                for m in found.members
                if m.role not in FLAGGED_ROLES
            },
        )
    probe.evidence.note(
        f"{found.quarter}: {len(claimable)} certified learners claimed at their rate"
    )


@check("SUB-02")
def quarter_claimed_once_listing_what_certificates_and_archive_show(probe: Probe) -> None:
    """A quarter is claimed once: filing it again sends the office nothing new (the same claim);
    each line of a learner the harness certified names the learner, course, level, credited
    hours, certificate number and issue date exactly as the certificate, the supervision view and
    the province's archive show them; a certificate is dated by the Shanghai calendar on the day
    it was earned; the next quarter's claim lists its own certificates once and repeats no
    learner and course an earlier claim of the platform holds.

    Space: the same quarter twice, the next quarter, every field of a line against three
    observations (certificate, supervision, archive), passes a minute before and half a minute
    after the midnight between the quarters (the latter still the old quarter's last day by
    UTC); every quarter number of the year (the three quarters before the cohort's are filed as
    well: each answered, each line dated within its quarter, the year's end among the
    boundaries, tried from both sides when the run starts more than STUDY_DAYS_BEFORE_END days
    before its quarter's end), and no learner and course in two accepted claims. Since stop 47
    the next quarter's claim is judged as the earlier ones are: every line dated within it, and
    no cohort member it may not hold (the learner whose archive was incomplete at the cohort's
    filing, certified in the cohort's quarter, is never paid later: catalogue SUB-05); and the
    quarter before the cohort's is filed once while the province is unavailable, just before
    the earlier quarters' filings: that filing must leave nothing, so the quarter's next filing
    sends its claim (a platform storing the quarter before the office answered keeps a filing
    with no claim: `filed_now` false, no claim id, and its learners never claimed)."""
    found = cohort(probe)
    probe.evidence.attach_json("cohort", found.observed())
    sent = _first_sent(probe, found)
    lines = claim_lines(sent["claim"])
    problems: list[str] = []
    for member in found.members:
        problems += _line_problems(member, lines)
        if member.passed_on and member.certificates:
            issued_on = member.certificates[0].issued_on
            if issued_on != member.passed_on:
                problems.append(
                    f"{member.role}: certificate dated {issued_on}, earned and first listed on"
                    f" {member.passed_on} (Asia/Shanghai)"
                )
    first = found.filing
    again = attempt(lambda: probe.clock.file_subsidy_claim(found.quarter))
    resent = submissions(probe, found.quarter)
    accepted_for_quarter = [s for s in resent if s["status"] == 201]
    if len(accepted_for_quarter) > 1:
        problems.append(f"the office accepted {len(accepted_for_quarter)} claims for the quarter")
    if isinstance(first, ClaimFilingOut) and first.claim_id is not None:
        if not isinstance(again, ClaimFilingOut) or again.claim_id != first.claim_id:
            problems.append("filing the quarter again did not answer the claim already filed")
        if len(resent) != len(found.sent):
            problems.append("filing the quarter again sent the office another claim")
    earlier = {
        (line.get("id_number"), line.get("course_id"))
        for claim in accepted_claims(probe)
        for line in claim_lines(claim)
    } | {(line.get("id_number"), line.get("course_id")) for line in lines}
    next_quarter = found.next_quarter
    # the learner held back for its incomplete archive, archived since: never paid later either
    unarchived = found.member("unarchived")
    caught_up = bool(unarchived.certificates) and archived_since(probe, unarchived)
    attempt(lambda: probe.clock.file_subsidy_claim(next_quarter))
    later = submissions(probe, next_quarter)
    later_lines = claim_lines(later[0]["claim"]) if later else []
    problems += _outside_the_quarter(next_quarter, later_lines)
    for member in found.members:
        wanted = 1 if _claimable(member, next_quarter) else 0
        if len(lines_of(member, later_lines)) != wanted:
            issued = member.certificates[0].issued_on if member.certificates else None
            problems.append(
                f"{member.role} (certified on {issued}): {len(lines_of(member, later_lines))}"
                f" lines in {next_quarter}'s claim, expected {wanted}"
            )
        problems += _line_problems(member, later_lines)
    repeated = sorted(
        {
            f"{line.get('id_number')}/{line.get('course_id')}"
            for s in later
            for line in claim_lines(s["claim"])
            if (line.get("id_number"), line.get("course_id")) in earlier
        }
    )
    if repeated:
        problems.append(f"{next_quarter} claims again what an earlier claim holds: {repeated}")
    earlier_problems, earlier_quarters = _earlier_quarters(probe, found)
    problems += earlier_problems
    observed = {
        "first_filing": sent,
        "second_filing": again.model_dump(mode="json")
        if isinstance(again, ClaimFilingOut)
        else f"refused: {again.status} {again.detail}",
        "submissions_for_the_quarter": resent,
        "next_quarter": next_quarter,
        "unarchived_learner_archived_before_the_next_filing": caught_up,
        "next_quarter_submissions": later,
        "earlier_quarters": earlier_quarters,
    }
    probe.evidence.attach_json("filings", observed)
    if problems:
        raise CheckFailure(
            "The quarterly claim is not once per quarter, or does not match what was certified: "
            + "; ".join(problems),
            received=observed,
            expected="one claim per quarter; each line as the certificate, supervision view and"
            " archive show it; no learner and course claimed twice",
        )
    probe.evidence.note(
        f"{found.quarter} claimed once; {next_quarter} claims its own certificates and repeats"
        f" nobody; {', '.join(earlier_quarters)} filed, each within its own dates"
    )


def _outside_the_quarter(quarter: str, lines: list[dict[str, Any]]) -> list[str]:
    """Every line of a quarter's claim must hold a certificate issued within the quarter: a
    certificate held back from its own quarter's claim (its archive incomplete then, SUB-05) is
    never paid in a later one."""
    first, last = quarter_days(quarter)
    problems = []
    for line in lines:
        issued = _date(line.get("certificate_issued_on"))
        if issued is None or not first <= issued <= last:
            problems.append(
                f"{quarter}'s claim lists certificate {line.get('certificate_number')} issued"
                f" on {line.get('certificate_issued_on')}, outside {first}…{last}"
            )
    return problems


def _earlier_quarters(probe: Probe, found: Cohort) -> tuple[list[str], dict[str, Any]]:
    """The three quarters before the cohort's, filed (all over, as a platform files them) oldest
    first, just before the cohort's own quarter: with the cohort's quarter and the next, every
    quarter of the year is filed once, the year's end among them, and a window reaching into a
    later quarter meets the cohort's certificates still unclaimed. Each filing must be answered;
    every line the office received for a quarter must hold a certificate issued within it; the
    cohort's learner certified in the quarter before the cohort's (a minute before its midnight:
    in a December run, the year's end) is in exactly that quarter's claim, as its certificate
    shows it, and every other cohort learner in none; no learner and course is in two of the
    office's accepted claims; its learner certified half a minute after that midnight is in
    none of them (it belongs to the cohort's quarter). Other lines come from earlier runs and
    other checks' learners, so only their dates and their uniqueness are judged."""
    problems: list[str] = []
    observed: dict[str, Any] = {}
    received = submissions_of(probe, found.earlier_filings)
    for quarter, filing in found.earlier_filings.items():
        if isinstance(filing, Refused):
            problems.append(f"filing {quarter} was refused: {filing.status} {filing.detail}")
        elif not filing.filed_now and filing.claim_id is None and filing.lines:
            problems.append(
                f"filing {quarter} answered a filing with no claim the office took (filed_now"
                f" false, no claim id): the one made while the province was unavailable"
                f" ({found.filing_in_outage}) was kept"
            )
        elif filing.quarter != quarter:
            problems.append(f"filing {quarter} answered the claim of {filing.quarter}")
        sent = received[quarter]
        lines = [line for s in sent for line in claim_lines(s["claim"])]
        problems += _outside_the_quarter(quarter, lines)
        for member in found.members:
            wanted = 1 if _claimable(member, quarter) else 0
            if len(lines_of(member, lines)) != wanted:
                problems.append(
                    f"{member.role}: {len(lines_of(member, lines))} lines in {quarter}'s claim,"
                    f" expected {wanted}"
                )
            problems += _line_problems(member, lines)
        observed[quarter] = {
            "filing": filing.model_dump(mode="json")
            if isinstance(filing, ClaimFilingOut)
            else f"refused: {filing.status} {filing.detail}",
            "sent_to_the_office": sent,
        }
    claimed = Counter(
        (line.get("id_number"), line.get("course_id"))
        for claim in accepted_claims(probe)
        for line in claim_lines(claim)
    )
    twice = sorted(f"{pair[0]}/{pair[1]}" for pair, count in claimed.items() if count > 1)
    if twice:
        problems.append(f"learners and courses in more than one accepted claim: {twice}")
    return problems, observed


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


@check("SUB-05")
def claim_leaves_out_flagged_and_unarchived_learners(probe: Probe) -> None:
    """A learner the harness made cheat is not claimed though certified — flagged while
    studying (another person's face at a capture, which the interface promises the self-check
    flags at once) or after the certificate was issued (quiz answers with no time to read, or
    a device shared with two other accounts); nor is a certified learner whose certificate the
    province's archive does not hold.

    Space: the self-check's finding by three rules (`capture_failures`, `fast_quiz_answers`:
    a claim that reads only the capture verdicts misses the second; `shared_device`, a rule of
    several accounts, here two that hold no certificate: a claim that judges devices by the
    certified learners' sign-ins alone misses it) and on both sides of the certificate (during
    study, and after the pass, before the filing: the interface's "at any time" — a claim that
    looks only at findings made by the issue date lists the later ones); each cheater a
    certified senior beside honest completers of the same course; a certified
    completer of the same course whose every archive record the province refuses (a sandbox
    fault, lifted after the filing); any other member whose archive did not reach the province
    within `realtime_seconds`."""
    found = cohort(probe)
    probe.evidence.attach_json("cohort", found.observed())
    cheater = found.member("cheater")
    if not cheater.impostor_shown:
        raise CannotProbe(PROBE, "the platform asked the cheater for no capture")
    if not cheater.certificates:
        raise CannotProbe(PROBE, "the cheater was not certified (no claim to leave out)")
    late = found.member("flagged_late")
    if not late.certificates:
        raise CannotProbe(PROBE, "the learner to be flagged after its pass was not certified")
    if len(late.late_answers) < FAST_ANSWERS - 1:
        raise CannotProbe(PROBE, "the course has too few questions of unstudied lessons to answer")
    if not late.late_findings:
        raise CannotProbe(
            PROBE,
            f"the self-check did not flag {len(late.late_answers)} quiz answers given back to"
            " back (POST-06 judges it), so nothing after the certificate to leave out",
        )
    shared = found.member("shared_device")
    if not shared.certificates:
        raise CannotProbe(PROBE, "the learner whose device was to be shared was not certified")
    if "shared_device" not in shared.late_findings:
        raise CannotProbe(
            PROBE,
            f"the self-check did not flag {SHARED_DEVICE_ACCOUNTS} accounts signed in on one"
            " device (POST-06 judges it), so no shared device to leave out",
        )
    unarchived = found.member("unarchived")
    if not unarchived.certificates:
        raise CannotProbe(PROBE, "the learner whose archive the province refused was not certified")
    if unarchived.archived_certificate is not None:
        raise CannotProbe(PROBE, "the province holds the certificate it was to refuse")
    lines = [line for s in found.sent for line in claim_lines(s["claim"])]
    problems = []
    if lines_of(cheater, lines):
        problems.append("the learner flagged for another person's face is claimed")
    if lines_of(late, lines):
        problems.append(
            f"the learner flagged after its certificate ({', '.join(late.late_findings)}) is"
            " claimed"
        )
    if lines_of(shared, lines):
        problems.append(
            f"the learner whose device {SHARED_DEVICE_ACCOUNTS - 1} other accounts signed in on"
            f" after its certificate ({', '.join(shared.late_findings)}) is claimed"
        )
    for member in found.members:
        if member.certificates and member.archived_certificate is None and lines_of(member, lines):
            problems.append(f"{member.role}: claimed while the archive lacks the certificate")
    if problems:
        raise CheckFailure(
            "; ".join(problems),
            received=found.observed(),
            expected="no line for a flagged learner nor for one without a complete archive",
        )
    probe.evidence.note(
        "neither the cheater flagged while studying, nor the ones flagged after their certificates"
        f" ({', '.join(late.late_findings)}; {', '.join(shared.late_findings)}), nor the"
        " unarchived learner is claimed"
    )
