"""The subsidy checks' cohort (SUB-01, SUB-02, SUB-05): learners the harness makes and studies
itself, so that every claim line is judged against what the harness did and saw.

One cohort per run, shared by the three checks and VOUCH-03's hand-over by level (built by the first
that runs, kept for the process): a completer of a course of each level (junior, intermediate,
senior; the intermediate one answers just enough of its minimum's questions wrong to stay under the
pass mark until one more hour, so its certificate's credited hours are the minimum + 1 and a claim
paying the level's minimum shows), a learner who studies every hour of a senior course but answers
every question wrong (no certificate), a cheater who completes the senior course but once shows
another person's face to a capture (flagged by the self-check at once, docs/interface.md
"Self-check"), a senior completer whose archive the province refuses from the start (a sandbox
fault, lifted once the claim is filed), so that the platform cannot complete it, a senior completer
who, once certified, answers FAST_ANSWERS quiz questions of lessons it never studied back to back
(flagged by the self-check after the certificate was issued: the interface excludes a learner
flagged "at any time", by any rule, not only for the capture that the cheater fails), a senior
completer on whose device, once certified, two accounts that hold no certificate sign in
(`shared_device`: a rule of several accounts, which a claim judging the certified learners'
sign-ins alone misses), and a senior completer of the next quarter; before them, two senior
completers certified on either side of the end of the quarter the clock is in (in a December
run, the year's end).
Everything an honest learner
does stays outside every self-check band: each learner signs in on a device of its own, quiz
answers come at least QUIZ_GAP_S apart (the interface: answers ≥ 10 s apart are never flagged),
one playback per lesson.

The cohort studies in a quarter no claim was filed for: the test clock is first moved to the
next quarter's first day (the clock only moves forward and only this cohort files claims, so that
quarter is fresh even on a platform earlier runs used), then on to STUDY_DAYS_BEFORE_END days
before its last day. The quarter's boundary is tried from both sides (a claim is by the
certificate's `issued_on`, Asia/Shanghai, the quarter's last day included): the senior
completer's final lesson is held back and passed a minute before midnight of the quarter's last
day, the next-quarter completer's half a minute after it — the first moment of the next quarter
by Shanghai's calendar, still the quarter's last day by UTC's. The quarter's claim is then filed
through the test hook (from the next quarter, as a platform files once its quarter is over), and
what the province's subsidy office received is read back.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from harness.api import Refused, attempt
from harness.catalogue import load_catalogue
from harness.checks._support import CHINA, offered_courses, platform_today, poll
from harness.failures import CannotJudge, CannotProbe, ProtocolViolation
from harness.probe import Probe
from harness.scenarios.quiz import GivenAnswer, QuizTaker
from harness.scenarios.study import Enrolled, Study, enrolled_learner
from harness.spec.certificates import SupCertificate
from harness.spec.courses import CourseOut
from harness.spec.subsidy import ClaimFilingOut

PROBE = "the quarterly subsidy claim"
QUIZ_GAP_S = 11.0  # > the interface's 10 s: answers this far apart are never flagged
RENEW_EVERY = 30  # quiz rounds between token renewals (the rounds move the clock on)
FRAMES_PER_CALL = 16
POLL_S = 0.3
DAILY_STUDY_S = 8 * 3600  # under the interface's 10 h a day that round_the_clock never flags
LEVELS = ("junior", "intermediate", "senior")
STUDY_DAYS_BEFORE_END = 14  # the cohort enrols this long before its quarter's last day
# When the boundary completers pass their final lesson, from midnight after the quarter's last day.
BOUNDARY_PASS_S = {"quarter_end": -60.0, "next_quarter": 30.0}
EARLIER_QUARTERS = 3  # filed before the cohort's own: with it and the next, every quarter number
# The level whose passer passes one hour past the minimum (its accuracy under the mark until
# then): a certificate's credited hours, and a claim line's, differ from the level's minimum.
LATE_PASSER, LATE_PASS_EXTRA_HOURS = "intermediate", 1
FAST_ANSWERS = 4  # the interface's fast_quiz_answers must-flag: 3 answers each < 2 s after the last
# Certified learners the harness made the self-check flag: no claim may list them (SUB-05).
FLAGGED_ROLES = ("cheater", "flagged_late", "shared_device")
# The interface's shared_device must-flag: 3 accounts signed in on one device within 24 h.
SHARED_DEVICE_ACCOUNTS = 3
_cohorts: dict[tuple[str, str], Cohort] = {}
_lock = threading.Lock()


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def next_quarter_start(day: dt.date) -> dt.date:
    month = 3 * ((day.month - 1) // 3) + 4
    return dt.date(day.year + (month > 12), (month - 1) % 12 + 1, 1)


def quarter_days(quarter: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a quarter written "2027Q1"."""
    year, number = int(quarter[:4]), int(quarter[-1])
    first = dt.date(year, 3 * number - 2, 1)
    return first, next_quarter_start(first) - dt.timedelta(days=1)


def quarters_before(quarter: str, count: int) -> list[str]:
    """The `count` quarters before `quarter`, oldest first ("2027Q1", 3 → 2026Q2, Q3, Q4)."""
    found: list[str] = []
    first, _last = quarter_days(quarter)
    for _ in range(count):
        first, _last = quarter_days(quarter_of(first - dt.timedelta(days=1)))
        found.insert(0, quarter_of(first))
    return found


def advance_to(probe: Probe, moment: dt.datetime) -> None:
    """Advance the platform's test clock to `moment` (it only moves forward)."""
    seconds = (moment - probe.clock.now()).total_seconds()
    if seconds < 0:
        raise CannotProbe(PROBE, f"the platform's clock is already past {moment.isoformat()}")
    probe.clock.advance(seconds)


def move_to_quarter(probe: Probe, start: dt.date) -> str:
    """Advance the platform's test clock to 09:00 (Shanghai) on a quarter's first day `start`;
    answers that quarter."""
    advance_to(probe, dt.datetime.combine(start, dt.time(9), tzinfo=CHINA))
    return quarter_of(start)


@dataclass
class Member:
    role: str  # junior, intermediate, senior, failer, cheater, unarchived, flagged_late,
    # shared_device, next_quarter, quarter_before, quarter_first_day
    enrolled: Enrolled
    required: int
    answers_right: bool = True
    shows_impostor: bool = False
    # "quarter_end" / "next_quarter": the final lesson is held back and passed at that side of
    # the quarter's boundary (BOUNDARY_PASS_S); None: in lockstep with the others.
    passes_at: str | None = None
    hours_studied: int = 0
    lessons_done: int = 0
    passed_on: dt.date | None = None  # a boundary completer's pass and listing date (Shanghai)
    impostor_shown: bool = False
    certificates: list[SupCertificate] = field(default_factory=list)
    credited_hours: int | None = None  # as the supervision view shows, after studying
    archived_certificate: dict[str, Any] | None = None  # the province archive's record
    failed_captures: list[str] = field(default_factory=list)  # reasons, as the platform gave them
    # A late passer studies LATE_PASS_EXTRA_HOURS beyond the level's minimum and answers wrong
    # just enough of the minimum's questions to stay under the pass mark until the extra hour:
    # its certificate's credited hours are then the minimum + 1, not the minimum.
    extra_hours: int = 0
    # flagged_late: the answers given after the certificate (question id, answered_at) and the
    # rules the authority's self-check findings name for the learner afterwards
    late_answers: list[tuple[str, str]] = field(default_factory=list)
    late_findings: list[str] = field(default_factory=list)
    device_id: str = ""  # the member's own device: every sign-in of its study is there
    # shared_device: the accounts the harness signed in on the member's device after its pass
    device_shared_with: list[str] = field(default_factory=list)

    @property
    def id_number(self) -> str:
        return self.enrolled.learner.id_number

    @property
    def course_id(self) -> str:
        return self.enrolled.course.course_id

    @property
    def to_study(self) -> int:
        """The lesson hours the member studies: the level's minimum, and a late passer's extra."""
        return self.required + self.extra_hours

    @property
    def done(self) -> bool:
        return self.hours_studied >= self.to_study

    def holds_back(self, lesson_hours: int) -> bool:
        """A boundary completer keeps the lesson that would complete it for the boundary."""
        return self.passes_at is not None and self.hours_studied + lesson_hours >= self.to_study

    def observed(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "passes_at": self.passes_at,
            "passed_on": self.passed_on.isoformat() if self.passed_on else None,
            "id_number": self.id_number,
            "learner_id": self.enrolled.learner.learner_id,
            "course_id": self.course_id,
            "level": self.enrolled.course.level,
            "hours_studied": self.hours_studied,
            "extra_hours": self.extra_hours,
            "answers_right": self.answers_right,
            "impostor_shown": self.impostor_shown,
            "supervision_credited_hours": self.credited_hours,
            "certificates": [c.model_dump(mode="json") for c in self.certificates],
            "archived_certificate": self.archived_certificate,
            "failed_captures": self.failed_captures,
            "answers_after_certificate": self.late_answers,
            "findings_after_certificate": self.late_findings,
            "device_id": self.device_id,
            "device_shared_with": self.device_shared_with,
        }


@dataclass
class Cohort:
    quarter: str
    next_quarter: str
    members: list[Member]
    filing: ClaimFilingOut | Refused
    sent: list[dict[str, Any]]  # what the office received for the quarter (its call log)
    accepted: list[dict[str, Any]]  # the office's claims of this platform, as it holds them
    timings: dict[str, float] = field(default_factory=dict)  # seconds since the start, by phase
    # the EARLIER_QUARTERS before `quarter`, oldest first, filed just before it (SUB-02 judges)
    earlier_filings: dict[str, ClaimFilingOut | Refused] = field(default_factory=dict)
    # the quarter before `quarter`, filed once while the province was unavailable just before
    # `earlier_filings`: what that filing answered
    filing_in_outage: str = ""

    def member(self, role: str) -> Member:
        return next(m for m in self.members if m.role == role)

    def observed(self) -> dict[str, Any]:
        filing = self.filing
        return {
            "quarter": self.quarter,
            "next_quarter": self.next_quarter,
            "members": [m.observed() for m in self.members],
            "filing": filing.model_dump(mode="json")
            if isinstance(filing, ClaimFilingOut)
            else f"refused: {filing.status} {filing.detail}",
            "sent_to_the_office": self.sent,
            "filing_while_the_province_was_unavailable": self.filing_in_outage,
            "timings": self.timings,
        }


def cohort(probe: Probe) -> Cohort:
    """The run's cohort, built by the first check that asks."""
    key = (str(probe.profile.target.url) if probe.profile else "", probe.platform_id)
    with _lock:
        if key not in _cohorts:
            _cohorts[key] = _build(probe)
        return _cohorts[key]


def submissions(probe: Probe, quarter: str) -> list[dict[str, Any]]:
    """Every claim this platform sent the office for `quarter`, oldest first: status and body."""
    return submissions_of(probe, [quarter])[quarter]


def submissions_of(probe: Probe, quarters: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """`submissions` of several quarters, from one read of the province's log."""
    found: dict[str, list[dict[str, Any]]] = {quarter: [] for quarter in quarters}
    for e in probe.province.log(service="subsidy", operation="submit_claim"):
        quarter = e.request.get("quarter")
        unserved = e.status_code == 503  # the sandbox's outage: the office never took it
        if e.platform_id == probe.platform_id and quarter in found and not unserved:
            found[quarter].append(
                {"seq": e.seq, "status": e.status_code, "claim": e.request, "answer": e.response}
            )
    return found


def accepted_claims(probe: Probe) -> list[dict[str, Any]]:
    return [c.model_dump(mode="json") for c in probe.province.subsidy_claims(probe.platform_id)]


def _courses_by_level(probe: Probe) -> dict[str, CourseOut]:
    minimum = load_catalogue().get("COURSE-05").params["min_credited_hours"]
    chosen: dict[str, CourseOut] = {}
    for course in offered_courses(probe.platform):
        if course.approval and course.level in LEVELS and course.level not in chosen:
            chosen[course.level] = course
    missing = [level for level in LEVELS if level not in chosen]
    if missing:
        raise CannotJudge(f"no approved course offered at level {', '.join(missing)}")
    for level, course in chosen.items():
        if len(probe.platform.lessons(course.course_id)) < minimum[level]:
            raise CannotProbe(PROBE, f"{course.course_id} has fewer lessons than {minimum[level]}")
    return chosen


def _build(probe: Probe) -> Cohort:
    minimum = load_catalogue().get("COURSE-05").params["min_credited_hours"]
    courses = _courses_by_level(probe)
    senior = courses["senior"]

    def make(role: tuple[str, CourseOut, bool, bool, str | None]) -> Member:
        name, course, right, impostor, passes_at = role
        device_id = f"subsidy-{uuid.uuid4().hex[:12]}"
        enrolled = enrolled_learner(
            probe.learners,
            probe.platform,
            course,
            device_id=device_id,
            quiz=QuizTaker(key_source=probe.clock.quiz_key),
        )
        return Member(
            name, enrolled, minimum[course.level], right, impostor, passes_at, device_id=device_id
        )

    timings: dict[str, float] = {}
    started = time.monotonic()
    cohort_starts = next_quarter_start(platform_today(probe.time))
    earlier = _certified_around_this_quarters_end(
        probe, lambda role, at: make((role, senior, True, False, at))
    )
    timings["quarter_before_s"] = time.monotonic() - started
    quarter = move_to_quarter(probe, cohort_starts)
    _first, last = quarter_days(quarter)
    before_end = last - dt.timedelta(days=STUDY_DAYS_BEFORE_END)
    advance_to(probe, dt.datetime.combine(before_end, dt.time(9), tzinfo=CHINA))
    roles: list[tuple[str, CourseOut, bool, bool, str | None]] = [
        (level, courses[level], True, False, "quarter_end" if level == "senior" else None)
        for level in LEVELS
    ]
    roles += [
        ("failer", senior, False, False, None),
        ("cheater", senior, True, True, None),
        ("unarchived", senior, True, False, None),
        ("flagged_late", senior, True, False, None),
        ("shared_device", senior, True, False, None),
        ("next_quarter", senior, True, False, "next_quarter"),
    ]

    with ThreadPoolExecutor(max_workers=len(roles)) as pool:
        members = list(pool.map(make, roles))
        for member in members:
            if member.role == LATE_PASSER:
                member.extra_hours = LATE_PASS_EXTRA_HOURS
        unarchived = next(m for m in members if m.role == "unarchived")
        probe.province.refuse_archive(unarchived.id_number)
        try:  # the fault is lifted whatever happens: it must not outlive the cohort
            timings["enrol_s"] = time.monotonic() - started
            _answer_quizzes(probe, members, pool)
            timings["quizzes_s"] = time.monotonic() - started
            _study(probe, members, pool)
            timings["study_s"] = time.monotonic() - started
            if quarter_of(platform_today(probe.time)) != quarter:
                raise CannotProbe(PROBE, f"the study ran past the end of {quarter}")
            for member in members:
                if member.passes_at is None:
                    _observe(probe, member)
            _pass_at_the_boundary(probe, [m for m in members if m.passes_at], last)
            timings["boundary_s"] = time.monotonic() - started
            _flag_after_certificate(probe, next(m for m in members if m.role == "flagged_late"))
            _share_device_after_certificate(
                probe, next(m for m in members if m.role == "shared_device")
            )
            _study_after_certificate(probe, next(m for m in members if m.role == "junior"))
            members += earlier
            _await_archive(probe, members)
            timings["archive_s"] = time.monotonic() - started
            # Oldest first, as a platform files: the quarters before the cohort's, then its own;
            # the one just before it first once while the province is unavailable.
            in_outage = _filed_while_unavailable(probe, quarters_before(quarter, 1)[0])
            earlier_filings = {
                q: attempt(lambda q=q: probe.clock.file_subsidy_claim(q))
                for q in quarters_before(quarter, EARLIER_QUARTERS)
            }
            filing = attempt(lambda: probe.clock.file_subsidy_claim(quarter))
        finally:
            probe.province.refuse_archive(unarchived.id_number, refused=False)
    timings["filed_s"] = time.monotonic() - started
    sent, accepted = submissions(probe, quarter), accepted_claims(probe)
    rounded = {k: round(v, 2) for k, v in timings.items()}
    next_quarter = quarter_of(last + dt.timedelta(days=1))
    return Cohort(
        quarter, next_quarter, members, filing, sent, accepted, rounded, earlier_filings, in_outage
    )


def _filed_while_unavailable(probe: Probe, quarter: str) -> str:
    """File `quarter` once while the province is unavailable (its outage answers every call
    503): nothing can be sent, so nothing may be kept (docs/interface.md: 503, and a claim the
    office never took is not a filing) — the quarter's next filing must send the claim (the
    quarter before the cohort's holds its `quarter_before` learner). The answer, in words."""
    probe.province.set_unavailable(True)
    try:
        outcome = attempt(lambda: probe.clock.file_subsidy_claim(quarter))
    except ProtocolViolation as violation:  # the 503 the interface names, or another 5xx
        return f"server error: {violation.title}"
    finally:
        probe.province.set_unavailable(False)
    if isinstance(outcome, Refused):
        return f"refused: {outcome.status} {outcome.detail}"
    return f"answered {outcome.model_dump(mode='json')}"


def _certified_around_this_quarters_end(
    probe: Probe, made: Callable[[str, str], Member]
) -> list[Member]:
    """Two senior completers certified on either side of the end of the quarter the clock is in
    now, before the cohort's: both study from STUDY_DAYS_BEFORE_END days before that quarter's
    last day; `quarter_before` passes a minute before its midnight, `quarter_first_day` half a
    minute after it (a December run: the year's end from both sides, so a quarter that ends a
    day late or early is seen). The quarters before the cohort's are filed before its own, so
    `quarter_before` must be in exactly one of their claims, its own quarter's (SUB-02), and
    `quarter_first_day` in the cohort's quarter's claim alone (SUB-01, SUB-02). None are made
    (an empty list) when the clock is already within those last days."""
    today = platform_today(probe.time)
    _first, last = quarter_days(quarter_of(today))
    start = last - dt.timedelta(days=STUDY_DAYS_BEFORE_END)
    if today >= start:
        return []
    advance_to(probe, dt.datetime.combine(start, dt.time(9), tzinfo=CHINA))
    roles = [("quarter_before", "quarter_end"), ("quarter_first_day", "next_quarter")]
    with ThreadPoolExecutor(max_workers=len(roles)) as pool:
        members = list(pool.map(lambda role: made(*role), roles))
        _answer_quizzes(probe, members, pool)
        _study(probe, members, pool)
    _pass_at_the_boundary(probe, members, last)
    return members


def _observe(probe: Probe, member: Member) -> None:
    """The member's certificates and credited hours, as the supervision view shows them."""
    learner_id = member.enrolled.learner.learner_id or ""
    member.certificates = [
        c for c in probe.supervisor.certificates(learner_id) if c.course_id == member.course_id
    ]
    member.credited_hours = next(
        (
            p.credited_hours
            for p in probe.supervisor.course_progress(learner_id)
            if p.course_id == member.course_id
        ),
        None,
    )


def _planned_answers(probe: Probe, member: Member) -> list[tuple[str, str, int, str, bool]]:
    """(question id, lesson id, hour, option, right) for every question of the studied lessons."""
    taker = member.enrolled.quiz
    course_id = member.course_id
    lessons = member.enrolled.lessons
    studied = {lesson.lesson_id for lesson in lessons[: member.to_study]}
    minimum = {lesson.lesson_id for lesson in lessons[: member.required]}
    key = taker.key(course_id)
    questions = [
        q
        for q in taker.questions(probe.platform, member.enrolled.token, course_id)
        if q.lesson_id in studied
    ]
    wrong_ids = _answered_wrong(member, questions, minimum)
    planned = []
    for question in questions:
        right_option = key.get(question.question_id)
        if right_option is None:
            raise CannotProbe(PROBE, f"the answer key lacks question {question.question_id}")
        options = [o.key for o in question.options]
        wrong = next((o for o in options if o != right_option), right_option)
        right = member.answers_right and question.question_id not in wrong_ids
        option = right_option if right else wrong
        planned.append((question.question_id, question.lesson_id, question.hour, option, False))
    return planned


def _answered_wrong(member: Member, questions: list[Any], minimum: set[str]) -> set[str]:
    """A late passer's wrong answers: among the questions of the level's minimum of lessons,
    just enough that the accuracy over them is the largest below the pass mark (e.g. 149 of
    250 right), while with the extra hour's questions, all right, it reaches the mark (154 of
    255): the pass — and the certificate — come at the minimum + 1 hour. None for the others."""
    if not member.extra_hours:
        return set()
    mark = Fraction(str(load_catalogue().get("EXAM-02").params["pass_accuracy"]))
    first = [q.question_id for q in questions if q.lesson_id in minimum]
    extra = len(questions) - len(first)
    right = math.ceil(mark * len(first)) - 1  # the most right answers still below the mark
    if right < 0 or Fraction(right + extra, len(first) + extra) < mark:
        raise CannotProbe(PROBE, "the extra hour's questions cannot lift the accuracy to the mark")
    return set(first[: len(first) - right])


def _answer_quizzes(probe: Probe, members: list[Member], pool: ThreadPoolExecutor) -> None:
    """Every question of every studied lesson, answered up front (a learner may answer an hour's
    questions once enrolled), one answer per learner per round, QUIZ_GAP_S between rounds."""
    plans = list(pool.map(lambda m: _planned_answers(probe, m), members))
    rounds = max(len(plan) for plan in plans)
    now = probe.clock.now()

    def answer(
        member: Member, plan: list[tuple[str, str, int, str, bool]], index: int, now: dt.datetime
    ) -> None:
        if index >= len(plan):
            return
        question_id, lesson_id, hour, option, _ = plan[index]
        given = GivenAnswer(question_id, lesson_id, hour, option, None, now)
        try:
            given.answered_at = probe.platform.answer_question(
                member.enrolled.token, question_id, option
            ).answered_at
        except Refused as refused:
            detail = f"an answer was refused: {refused.status} {refused.detail}"
            raise CannotProbe(PROBE, detail) from None
        member.enrolled.quiz.given.append(given)

    for index in range(rounds):
        if index % RENEW_EVERY == 0:
            within = dt.timedelta(seconds=QUIZ_GAP_S * (RENEW_EVERY + 1))
            for member in members:
                member.enrolled.renew_if_expiring(now, within)
        list(pool.map(answer, members, plans, [index] * len(members), [now] * len(members)))
        now = probe.clock.advance(QUIZ_GAP_S)  # the test clock (the hooks need it anyway)


def _open(probe: Probe, member: Member, index: int) -> Study:
    session = Study(
        probe.platform,
        probe.time,
        probe.province,
        member.enrolled,
        member.enrolled.lessons[index],
        window_id="window-1",
    )
    session.open()
    return session


def _finish(probe: Probe, member: Member, session: Study) -> None:
    """The lesson reported watched to its end and its capture passed; the cheater's first
    capture is answered with another person's face first."""
    enrolled = member.enrolled
    if not enrolled.spare_live_frames:
        enrolled.spare_live_frames = probe.province.liveness_frames(
            enrolled.learner.id_number, kind="live", count=FRAMES_PER_CALL
        )
    session.beat(float(session.lesson.duration_s))
    if member.shows_impostor and not member.impostor_shown and session.open_challenge:
        session.answer("impostor")
        member.impostor_shown = True
        session.beat(session.position)
    member.failed_captures += session.pass_open_capture()
    member.hours_studied += session.lesson.lesson_hours
    member.lessons_done += 1


def _next_morning(probe: Probe) -> None:
    """Move the test clock on to 09:00 (Shanghai) of the next day."""
    now = probe.clock.now().astimezone(CHINA)
    morning = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(9), tzinfo=CHINA)
    probe.clock.advance((morning - now).total_seconds())


def _study(probe: Probe, members: list[Member], pool: ThreadPoolExecutor) -> None:
    """Lesson by lesson in lockstep (harness/scenarios/lockstep.py explains why): all open, one
    clock advance, all report the end and answer their captures. At most DAILY_STUDY_S of
    lessons a day, from 09:00: an honest learner is never found studying around the clock."""
    today_s = 0.0
    for index in range(max(m.to_study for m in members)):
        active = [
            m
            for m in members
            if not m.done
            and index < len(m.enrolled.lessons)
            and not m.holds_back(m.enrolled.lessons[index].lesson_hours)
        ]
        if not active:
            return
        longest = max(m.enrolled.lessons[index].duration_s for m in active)
        if today_s and today_s + longest > DAILY_STUDY_S:
            _next_morning(probe)
            today_s = 0.0
        today_s += longest + 1
        now = probe.time.now()  # one reading for all: no test-clock time passes between them
        for member in active:
            member.enrolled.renew_if_expiring(now, dt.timedelta(seconds=longest + 60))
        sessions = list(pool.map(_open, [probe] * len(active), active, [index] * len(active)))
        probe.time.wait(max(s.lesson.duration_s - s.position for s in sessions) + 1)
        list(pool.map(lambda m, s: _finish(probe, m, s), active, sessions))


def _pass_at_the_boundary(probe: Probe, held: list[Member], last: dt.date) -> None:
    """Each boundary completer opens its held-back final lesson so that it plays to its end, and
    the lesson's capture passes, at its moment of BOUNDARY_PASS_S around midnight after the
    quarter's `last` day (the lessons overlap: both are open across the quarter-end pass); its
    certificates are listed at once, before the clock reaches the next moment."""
    midnight = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=CHINA)
    events: list[tuple[dt.datetime, int, Member]] = []  # (moment, 0 open | 1 pass, member)
    for member in held:
        lesson = member.enrolled.lessons[member.lessons_done]
        passes = midnight + dt.timedelta(seconds=BOUNDARY_PASS_S[member.passes_at or ""])
        opens = passes - dt.timedelta(seconds=lesson.duration_s + 1)  # as lockstep's wait
        events += [(opens, 0, member), (passes, 1, member)]
    sessions: dict[str, Study] = {}
    for moment, kind, member in sorted(events, key=lambda e: (e[0], e[1])):
        advance_to(probe, moment)
        if kind == 0:
            lesson = member.enrolled.lessons[member.lessons_done]
            within = dt.timedelta(seconds=lesson.duration_s + 120)
            member.enrolled.renew_if_expiring(probe.time.now(), within)
            sessions[member.role] = _open(probe, member, member.lessons_done)
            continue
        passed_on = platform_today(probe.time)
        _finish(probe, member, sessions.pop(member.role))
        _observe(probe, member)
        if platform_today(probe.time) != passed_on:
            raise CannotProbe(PROBE, f"{member.role}'s pass and listing straddled midnight")
        member.passed_on = passed_on


def _study_after_certificate(probe: Probe, member: Member) -> None:
    """Once certified, the member studies one lesson more (its questions answered QUIZ_GAP_S
    apart, as a person reads, then the lesson watched to its end, its capture passed): its
    credited hours grow past the certificate's, and a claim pays the hours the certificate was
    issued for (catalogue SUB-01), not those credited when the claim is filed. `credited_hours`
    stays what the view showed at the certificate."""
    enrolled = member.enrolled
    if not member.certificates or member.lessons_done >= len(enrolled.lessons):
        return
    enrolled.renew_if_expiring(probe.clock.now(), dt.timedelta(hours=2))
    lesson = enrolled.lessons[member.lessons_done]
    key = enrolled.quiz.key(member.course_id)
    for question in [
        q
        for q in enrolled.quiz.questions(probe.platform, enrolled.token, member.course_id)
        if q.lesson_id == lesson.lesson_id and q.question_id in key
    ]:
        answered = attempt(
            lambda q=question: probe.platform.answer_question(
                enrolled.token, q.question_id, key[q.question_id]
            )
        )
        if isinstance(answered, Refused) and answered.status != 409:  # 409: answered already
            raise CannotProbe(PROBE, f"an answer after the certificate was refused: {answered}")
        probe.clock.advance(QUIZ_GAP_S)
    session = attempt(lambda: _open(probe, member, member.lessons_done))
    if isinstance(session, Refused):  # a platform may end a completer's study: nothing more
        return
    probe.time.wait(lesson.duration_s - session.position + 1)
    _finish(probe, member, session)


def _flag_after_certificate(probe: Probe, member: Member) -> None:
    """Once certified (the quarter's boundary passed since), the member answers FAST_ANSWERS
    questions of lessons it never studied, one straight after another: the interface's
    `fast_quiz_answers` must flag it (3 answers each less than 2 s after the previous). What
    the authority's self-check then finds for it is recorded; the claim is filed afterwards.
    Lessons never studied: their answers count toward no credited hour, so the certificate's
    score and hours stay as issued."""
    if not member.certificates:
        return  # not certified: SUB-05's check says so
    enrolled = member.enrolled
    enrolled.renew_if_expiring(probe.clock.now(), dt.timedelta(minutes=10))
    studied = {lesson.lesson_id for lesson in enrolled.lessons[: member.lessons_done]}
    key = enrolled.quiz.key(member.course_id)
    unstudied = [
        q
        for q in enrolled.quiz.questions(probe.platform, enrolled.token, member.course_id)
        if q.lesson_id not in studied and q.question_id in key
    ][:FAST_ANSWERS]
    for question in unstudied:
        answered = attempt(
            lambda q=question: probe.platform.answer_question(
                enrolled.token, q.question_id, key[q.question_id]
            )
        )
        if isinstance(answered, Refused):
            raise CannotProbe(
                PROBE, f"an answer after the certificate was refused: {answered.status}"
            )
        member.late_answers.append((question.question_id, answered.answered_at.isoformat()))
    member.late_findings = _rules_found(probe, member)


def _share_device_after_certificate(probe: Probe, member: Member) -> None:
    """Once certified, the member signs in again on its own device and SHARED_DEVICE_ACCOUNTS
    − 1 other accounts (registered now, enrolled nowhere, so never certified) sign in on that
    device right after: the interface's `shared_device` must flag each of them (3 accounts in
    24 h), and nothing else the member did is unusual, so that rule alone flags it. A claim that
    reads the sign-ins of the certified learners alone sees one account on the device and lists
    the member. What the authority's self-check then finds for it is recorded."""
    if not member.certificates:
        return  # not certified: SUB-05's check says so
    member.enrolled.sign_in_anew(probe.clock.now())
    for _ in range(SHARED_DEVICE_ACCOUNTS - 1):
        other = probe.learners.registered()
        signed_in = attempt(lambda o=other: probe.learners.login(o, device_id=member.device_id))
        if isinstance(signed_in, Refused):
            raise CannotProbe(
                PROBE, f"an account's sign-in on a shared device was refused: {signed_in.status}"
            )
        member.device_shared_with.append(other.learner_id or "")
        attempt(lambda t=signed_in.token: probe.platform.logout(t))
    member.late_findings = _rules_found(probe, member)


def _rules_found(probe: Probe, member: Member) -> list[str]:
    """The rules of the authority's self-check findings for the member now."""
    learner_id = member.enrolled.learner.learner_id or ""
    return sorted({f.rule for f in probe.supervisor.self_check_findings(learner_id)})


def _archived_certificate(probe: Probe, member: Member) -> dict[str, Any] | None:
    """The province archive's record of the member's certificate, or None."""
    numbers = {c.number for c in member.certificates}
    for chain in probe.province.archive(probe.platform_id, member.id_number):
        for record in chain.records:
            if record.kind == "certificate" and record.data.get("certificate_number") in numbers:
                return record.model_dump(mode="json")
    return None


def _await_archive(probe: Probe, members: list[Member]) -> None:
    """Wait (up to `realtime_seconds`) until the province's archive holds each certified
    member's certificate record: the claim may list a learner only then (SUB-05)."""
    waiting = {m.id_number: m for m in members if m.certificates}
    deadline = time.monotonic() + probe.thresholds.realtime_seconds
    while waiting:
        for id_number, member in list(waiting.items()):
            member.archived_certificate = (
                _archived_certificate(probe, member) or member.archived_certificate
            )
            if member.archived_certificate is not None or member.role == "unarchived":
                del waiting[id_number]  # refused by the fault: looked at once, not waited for
        if not waiting or time.monotonic() >= deadline:
            return
        time.sleep(POLL_S)


def archived_since(probe: Probe, member: Member) -> bool:
    """Whether the province's archive holds the member's certificate now, waiting up to
    `realtime_seconds` (the unarchived member's refusal is lifted after the cohort's filing: its
    chain then goes through). `archived_certificate` stays what it was at the filing."""
    found = poll(
        lambda: _archived_certificate(probe, member),
        lambda record: record is not None,
        probe.thresholds.realtime_seconds,
        POLL_S,
    )
    return found is not None


def claim_lines(claim: dict[str, Any]) -> list[dict[str, Any]]:
    lines = claim.get("lines")
    return [line for line in lines if isinstance(line, dict)] if isinstance(lines, list) else []


def lines_of(member: Member, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        line
        for line in lines
        if (line.get("id_number"), line.get("course_id")) == (member.id_number, member.course_id)
    ]
