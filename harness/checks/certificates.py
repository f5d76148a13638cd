"""POST-02 — a certificate for a pass only, once, with a unique number, verifiable.

Judged from the harness's own scoring of the answers it gave, the supervision view, the public
verification answer and the PDF read back (text by pypdf, QR code by zxing-cpp).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlparse

from harness.api import Refused, attempt
from harness.catalogue import load_catalogue
from harness.certificate_reader import NotAPdf, read_certificate_pdf
from harness.checks._quiz_support import BoundaryPlan, answer_ahead, given_json, standing_of
from harness.checks._subsidy_support import cohort
from harness.checks._support import (
    CHINA,
    into_shanghai_early_morning,
    offered_courses,
    platform_today,
    study,
    study_setup,
)
from harness.failures import CannotJudge, CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.quiz import QuizTaker, all_wrong
from harness.scenarios.study import Enrolled
from harness.spec.certificates import CERTIFICATE_FIELDS, SupCertificate

LEVEL_NAMES = {"junior": "初级", "intermediate": "中级", "senior": "高级"}
PROBE = "the certificate"


@check("POST-02")
def certificate_only_for_a_pass_once_and_verifiable(probe: Probe) -> None:
    """No certificate while the learner fails (the level's hours credited, accuracy one answer below
    60 %); exactly one once the learner passes (one more hour, accuracy just above 60 %); still the
    same one after a further passing hour. Its fields are the learner's, the course's and the
    harness's own count and score; the public verification answers exactly those fields (the ID
    number masked, no more); the PDF prints them and its QR code holds the verification URL.

    Space: both sides of the pass (the pass one right answer above the fewest that pass, so the
    score's two decimals, half up, differ from a truncated or whole-percent one), the second
    pass, every field of the certificate, the PDF's text and QR code, the verification of the
    number and of an unknown number; since stop 44 the PDF asked for by another signed-in learner
    (404, the interface: "another learner's"; a 403 refuses too) and with no token (401): the PDF
    carries a learner's name and certificate, its own. Since stop 46 the enrolment and the pass
    both fall in a Shanghai early morning (00:05–07:30, where the UTC date is yesterday), the
    pass a day after the failing stage: `started_on` must be the enrolment's date and
    `finished_on` the pass's, both in Asia/Shanghai (a platform dating by UTC or by its server's
    zone is a day early there, and nowhere else). Since stop 47, before any study, the learner
    answers every question of the course's last lesson wrong (never studied, so never credited):
    the accuracy, and the score printed, are over the credited hours' questions only (docs/
    interface.md) — a platform scoring every answer the learner gave prints a lower score (or,
    counting them toward the pass, issues nothing)."""
    percent = round(load_catalogue().get("EXAM-02").params["pass_accuracy"] * 100)
    minimum = load_catalogue().get("COURSE-05").params["min_credited_hours"]
    courses = [c for c in offered_courses(probe.platform) if c.approval and c.level in minimum]
    if not courses:
        raise CannotJudge("no approved course with a level is offered")
    course = min(courses, key=lambda c: minimum[c.level])
    required = minimum[course.level]
    # one answer right beyond the pass mark: the score at issuance is then not a round 60.00
    # (e.g. 124 of 205 = 60.4878…: 60.49 half up, 60.48 truncated), so its rounding shows
    plan = BoundaryPlan(percent, reach_margin=1)
    taker = QuizTaker(key_source=probe.clock.quiz_key, plan=plan)
    into_shanghai_early_morning(probe.time)  # enrolled where the UTC date is yesterday's
    enrolled = study_setup(probe, course=course, quiz=taker)
    if len(enrolled.lessons) < required + 2:
        raise CannotProbe(PROBE, f"{course.course_id} has fewer than {required + 2} lessons")
    learner_id = enrolled.learner.learner_id or ""
    questions = taker.questions(probe.platform, enrolled.token, course.course_id)
    # answered ahead, all wrong, in a lesson never studied: the score is over credited hours
    unstudied = len(enrolled.lessons) - 1
    ahead = (
        answer_ahead(probe, enrolled, taker, unstudied, all_wrong)
        if unstudied >= required + 2
        else []
    )
    probe.evidence.attach_json("answered-wrong-ahead", [given_json(g) for g in ahead])
    seen: dict[str, Any] = {}
    pass_days: list[dt.date] = []  # the Shanghai dates before and after the passing lesson
    for index in range(required + 2):
        plan.mode = "below" if index < required else "reach"
        if index == required:  # the pass, in the next Shanghai early morning
            into_shanghai_early_morning(probe.time, next_one=True)
            enrolled.renew_if_expiring(probe.time.now(), dt.timedelta(hours=2))
            pass_days.append(platform_today(probe.time))
        session = study(probe, enrolled, index)
        session.watch_to_end(step=900)
        session.settle_capture()
        if index == required:
            pass_days.append(platform_today(probe.time))
        if index >= required - 1:
            stage = ("failing", "passed", "passed_again")[index - required + 1]
            seen[stage] = {
                "standing": standing_of(probe, enrolled, learner_id, questions, taker.given),
                "learner": probe.platform.my_certificates(enrolled.token),
                "supervision": probe.supervisor.certificates(learner_id),
                "today": platform_today(probe.time),
            }
    seen["passed"]["pass_days"] = sorted(set(pass_days))
    probe.evidence.attach_json("stages", _stages_json(seen))
    _judge_issuance(seen)
    certificate = seen["passed"]["supervision"][0]
    _judge_fields(probe, enrolled, certificate, seen["passed"])
    verified = _judge_verification(probe, enrolled, certificate)
    _judge_pdf(probe, enrolled, certificate, verified)
    _judge_pdf_only_to_its_learner(probe, certificate)
    probe.evidence.note(f"one certificate {certificate.number}, verified, PDF and QR read back")


@check("POST-02")
def certificates_of_every_level_are_distinct_and_verifiable(probe: Probe) -> None:
    """The subsidy cohort's certificates (harness/checks/_subsidy_support.py): passers of every
    level, several of one senior course certified at the same moment, and passers a minute
    before and half a minute after a quarter's midnight.

    Space: every level of the enumeration (junior 初级, intermediate 中级, senior 高级): each
    level's certificate verified and its PDF read back (every field, the level also by its
    Chinese name, the QR code); every certificate's number unique across learners, also of
    learners of one course certified in the same minute (a number drawn from the date, the
    course or a per-learner counter repeats there), and its public verification answering that
    certificate and no other; the boundary passers' `finished_on` the Shanghai date of their
    pass (23:59 on a quarter's last day; 00:00:30 on the next one's first, where the UTC date is
    still the day before; judged for a certificate issued on that date). The cohort is shared
    with the subsidy checks (built once a run)."""
    certified = [m for m in cohort(probe).members if m.certificates]
    by_level = {m.role: m for m in certified if m.role in LEVEL_NAMES}
    if set(by_level) != set(LEVEL_NAMES):
        raise CannotProbe(
            PROBE, f"the cohort has no certificate for {sorted(set(LEVEL_NAMES) - set(by_level))}"
        )
    numbers: dict[str, list[str]] = {}
    for member in certified:
        for cert in member.certificates:
            numbers.setdefault(cert.number, []).append(member.role)
    probe.evidence.attach_json(
        "cohort-certificates",
        [
            {
                "role": m.role,
                "passed_on": m.passed_on,
                "certificates": [c.model_dump(mode="json") for c in m.certificates],
            }
            for m in certified
        ],
    )
    repeated = {number: roles for number, roles in numbers.items() if len(roles) > 1}
    if repeated:
        raise CheckFailure(
            "One certificate number is given to several certificates",
            received=repeated,
            expected="a unique number for every certificate",
        )
    # A boundary passer's certificate issued on its pass's date: its completion date is that
    # date. (One issued on another date was earned before the boundary: a matter of the clause
    # whose rule certified it early, judged there.)
    late = {
        m.role: {"passed_on": str(m.passed_on), "finished_on": str(c.finished_on)}
        for m in certified
        if m.passed_on is not None
        for c in m.certificates
        if c.issued_on == m.passed_on and c.finished_on != m.passed_on
    }
    if late:
        raise CheckFailure(
            "A certificate's completion date is not the pass's date in Asia/Shanghai",
            received=late,
            expected="finished_on: the Shanghai date of the pass",
        )
    for member in certified:
        if member.role in by_level:
            continue  # verified with its PDF below
        for cert in member.certificates:
            _judge_verification(probe, member.enrolled, cert, f"{member.role}-")
    for level, member in sorted(by_level.items()):
        member.enrolled.renew_if_expiring(probe.time.now(), dt.timedelta(minutes=10))
        cert = member.certificates[0]
        verified = _judge_verification(probe, member.enrolled, cert, f"{level}-")
        _judge_pdf(probe, member.enrolled, cert, verified, f"{level}-")
    probe.evidence.note(
        f"{len(numbers)} certificates of {len(certified)} cohort learners, numbers unique; every"
        " level verified and its PDF read back"
    )


def _stages_json(seen: dict[str, Any]) -> dict[str, Any]:
    return {
        stage: {
            "standing": data["standing"],
            "learner_certificates": [c.model_dump(mode="json") for c in data["learner"]],
            "supervision_certificates": [c.model_dump(mode="json") for c in data["supervision"]],
            "platform_today": data["today"].isoformat(),
            "pass_days": [day.isoformat() for day in data.get("pass_days", ())],
        }
        for stage, data in seen.items()
    }


def _judge_issuance(seen: dict[str, Any]) -> None:
    failing = seen["failing"]
    if failing["standing"]["credited_hours"] < failing["standing"]["supervision"]["required_hours"]:
        raise CannotProbe(PROBE, "honest study did not credit the level's hours")
    if failing["learner"] or failing["supervision"]:
        raise CheckFailure(
            "A certificate was issued to a learner below the pass mark",
            received=_stages_json({"failing": failing}),
            expected="no certificate (accuracy below 60 %)",
        )
    passed = seen["passed"]
    if not passed["standing"]["completed"]:
        raise CannotProbe(PROBE, "the learner did not pass (EXAM-02 judges why)")
    for stage in ("passed", "passed_again"):
        data = seen[stage]
        numbers = {c.number for c in data["supervision"]} | {c.number for c in data["learner"]}
        if len(data["supervision"]) != 1 or len(data["learner"]) != 1 or len(numbers) != 1:
            raise CheckFailure(
                "A pass did not leave exactly one certificate"
                + (" (a second pass issued another)" if stage == "passed_again" else ""),
                received=_stages_json({stage: data}),
                expected="one certificate, the same number for the learner and the supervisor",
            )
    first, again = seen["passed"]["supervision"][0], seen["passed_again"]["supervision"][0]
    if first.number != again.number:
        raise CheckFailure(
            "A second pass replaced the certificate",
            received={"first": first.number, "later": again.number},
            expected="the certificate first issued, unchanged",
        )


def _score(correct: int, questions: int) -> str:
    value = Decimal(100 * correct) / Decimal(questions)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _judge_fields(
    probe: Probe, enrolled: Enrolled, cert: SupCertificate, passed: dict[str, Any]
) -> None:
    learner, course = enrolled.learner, enrolled.course
    standing = passed["standing"]
    enrolments = probe.supervisor.enrolments(learner.learner_id or "")
    started = min(
        (e.enrolled_at for e in enrolments if e.course_id == course.course_id), default=None
    )
    if started is None:
        raise CannotProbe(PROBE, "the supervision view shows no enrolment")
    expected = {
        "learner_id": learner.learner_id,
        "course_id": course.course_id,
        "name": learner.name,
        "occupation_code": course.occupation_code,
        "level": course.level,
        "lesson_hours": standing["credited_hours"],
        "score": _score(standing["correct"], standing["questions"]),
        "started_on": started.astimezone(CHINA).date(),
        "platform_id": probe.platform_id,
    }
    got = cert.model_dump()
    wrong = {
        k: {"expected": str(v), "received": str(got[k])} for k, v in expected.items() if got[k] != v
    }
    if cert.finished_on not in passed["pass_days"]:
        wrong["finished_on"] = {
            "expected": "the pass's date in Asia/Shanghai: "
            + " or ".join(day.isoformat() for day in passed["pass_days"]),
            "received": str(cert.finished_on),
        }
    if not (expected["started_on"] <= cert.finished_on <= cert.issued_on <= passed["today"]):
        wrong["dates"] = {
            "expected": "started_on ≤ finished_on ≤ issued_on ≤ the platform's today",
            "received": [str(cert.started_on), str(cert.finished_on), str(cert.issued_on)],
        }
    if not _masked_properly(cert.id_number_masked, learner.id_number):
        wrong["id_number_masked"] = {
            "expected": "the ID number with at most its first 6 and last 4 characters shown",
            "received": cert.id_number_masked,
        }
    if wrong:
        raise CheckFailure(
            "The certificate's fields are not the learner's, the course's and the pass's",
            received=wrong,
            expected="each field as the harness observed it",
        )


def _masked_properly(masked: str, id_number: str) -> bool:
    if len(masked) != len(id_number):
        return False
    shown = [i for i, ch in enumerate(masked) if ch != "*"]
    allowed = set(range(6)) | set(range(len(id_number) - 4, len(id_number)))
    return all(i in allowed and masked[i] == id_number[i] for i in shown) and masked != id_number


def _public_fields(cert: SupCertificate) -> dict[str, Any]:
    dumped = cert.model_dump(mode="json")
    return {name: dumped[name] for name in CERTIFICATE_FIELDS}


def _verify(probe: Probe, path: str) -> Any:
    return attempt(lambda: probe.platform.request("GET", path))  # type: ignore[attr-defined]


def _judge_verification(
    probe: Probe, enrolled: Enrolled, cert: SupCertificate, label: str = ""
) -> dict:
    if not hasattr(probe.platform, "request"):
        raise CannotProbe(PROBE, "the learner driver makes no raw HTTP call for verification")
    answer = _verify(probe, f"/api/v1/certificates/{cert.number}")
    unknown = _verify(probe, f"/api/v1/certificates/{cert.number}X")
    probe.evidence.attach_json(
        f"{label}verification",
        {
            "answer": answer if not isinstance(answer, Refused) else str(answer),
            "unknown_number": str(unknown) if isinstance(unknown, Refused) else unknown,
        },
    )
    if isinstance(answer, Refused) or not isinstance(answer, dict):
        raise CheckFailure(
            "The certificate's number cannot be verified",
            received=str(answer),
            expected=f"200 with the certificate at /api/v1/certificates/{cert.number}",
        )
    extra = sorted(set(answer) - set(CERTIFICATE_FIELDS))
    public = _public_fields(cert)
    differs = {
        k: {"verified": answer.get(k), "issued": v} for k, v in public.items() if answer.get(k) != v
    }
    leaks = enrolled.learner.id_number in repr(answer)
    if extra or differs or leaks:
        raise CheckFailure(
            "The verification answer is not exactly the certificate",
            received={"extra_fields": extra, "differs": differs, "full_id_number_shown": leaks},
            expected="the certificate's fields, ID number masked, nothing more",
        )
    if not (isinstance(unknown, Refused) and unknown.status == 404):
        raise CheckFailure(
            "An unknown certificate number is answered as if it existed",
            received=str(unknown),
            expected="404",
        )
    return answer


def _judge_pdf_only_to_its_learner(probe: Probe, cert: SupCertificate) -> None:
    """Another learner's token and no token get no PDF of the certificate."""
    _other, login = probe.learners.logged_in()
    pdf = probe.platform.certificate_pdf
    asked = {
        "another learner": attempt(lambda: pdf(login.token, cert.number)),
        "no token": attempt(lambda: pdf("", cert.number)),
    }
    allowed = {"another learner": (403, 404), "no token": (401,)}
    seen = {
        who: f"{a.status} {a.detail}" if isinstance(a, Refused) else f"200, {len(a)} bytes"
        for who, a in asked.items()
    }
    probe.evidence.attach_json("pdf-of-another-learner", seen)
    wrong = {
        who: seen[who]
        for who, answer in asked.items()
        if not (isinstance(answer, Refused) and answer.status in allowed[who])
    }
    if wrong:
        raise CheckFailure(
            "The certificate PDF is given to someone other than its learner",
            received=wrong,
            expected="404 for another learner's token (403 refuses too), 401 without a token",
        )


def _judge_pdf(
    probe: Probe, enrolled: Enrolled, cert: SupCertificate, verified: dict, label: str = ""
) -> None:
    data = probe.platform.certificate_pdf(enrolled.token, cert.number)
    probe.evidence.attach_file(f"{label}certificate.pdf", data)
    try:
        pdf = read_certificate_pdf(data)
    except NotAPdf as exc:
        raise CheckFailure("The certificate PDF cannot be read", received=str(exc)) from None
    printed = [
        cert.number,
        cert.name,
        cert.id_number_masked,
        cert.occupation_name,
        LEVEL_NAMES.get(cert.level, cert.level),
        str(cert.lesson_hours),
        cert.score,
        cert.started_on.isoformat(),
        cert.finished_on.isoformat(),
        cert.platform_name,
        cert.issued_on.isoformat(),
    ]
    missing = [value for value in printed if value not in pdf.text]
    probe.evidence.attach_json(
        f"{label}pdf-read-back", {"text": pdf.text, "qr_codes": list(pdf.qr_codes)}
    )
    if missing or enrolled.learner.id_number in pdf.text:
        raise CheckFailure(
            "The certificate PDF does not print the certificate",
            received={
                "missing": missing,
                "full_id_number_printed": enrolled.learner.id_number in pdf.text,
            },
            expected="every field as verification answers it, the ID number masked",
        )
    targets = [urlparse(code).path for code in pdf.qr_codes]
    want = f"/api/v1/certificates/{cert.number}"
    if targets != [want]:
        raise CheckFailure(
            "The certificate's QR code does not point at its verification",
            received=list(pdf.qr_codes),
            expected=f"one QR code of a URL whose path is {want}",
        )
    again = _verify(probe, targets[0])
    if again != verified:
        raise CheckFailure(
            "The QR code's verification answers another certificate",
            received=str(again),
            expected=verified,
        )
