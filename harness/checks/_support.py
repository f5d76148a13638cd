"""Judging helpers shared by the checks: outcomes of attempts, and what supervisors and the
province saw. Checks use these so that every verdict rests on outside observation."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from harness import seeding
from harness.api import Refused, attempt
from harness.driver import LearnerDriver
from harness.failures import CannotJudge, CannotProbe, CheckFailure
from harness.learners import Learner
from harness.probe import Probe
from harness.province_sandbox import ProvinceSandboxClient
from harness.scenarios.quiz import QuizTaker
from harness.scenarios.study import Enrolled, Study, enrolled_learner
from harness.spec.courses import CourseOut, LessonOut
from harness.spec.supervision import SupCourseProgress, SupLessonProgress
from harness.spec.vouchers import EnrolmentOut
from harness.timesource import TimeSource

T = TypeVar("T")
CHINA = ZoneInfo("Asia/Shanghai")
PARALLEL_PROBES = 4  # concurrent probes of one check: enough to overlap the network waits
DRAW_SEED = 20210601  # the policy's date of effect: every drawn sample is the same in every run


def in_parallel(calls: Iterable[Callable[[], T]]) -> list[T]:
    """Run independent probes at once and answer their results in order. Every probe runs to its
    end before the first failure (in order) is raised, so evidence is complete and the verdict
    does not depend on which thread finished first. Each probe must use its own learner."""
    calls = list(calls)
    pool = ThreadPoolExecutor(max_workers=min(PARALLEL_PROBES, max(1, len(calls))))
    try:
        futures = [pool.submit(call) for call in seeding.with_own_draws(calls)]
        errors = [f.exception() for f in futures]
        first = next((e for e in errors if e is not None), None)
        if first is not None:
            raise first
        return [f.result() for f in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def drawn(strategy: st.SearchStrategy[T], count: int) -> list[T]:
    """Up to `count` distinct values drawn from a Hypothesis strategy under a fixed seed: a
    bounded, reproducible sample of a space too large to try whole (same values every run)."""
    found: list[T] = []

    @settings(
        max_examples=count * 4,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @hypothesis_seed(DRAW_SEED)
    @given(strategy)
    def collect(value: T) -> None:
        if value not in found and len(found) < count:
            found.append(value)

    collect()
    return found


def evidence_name(case: str) -> str:
    """A file name for one case's evidence (cases are unique within a check)."""
    return re.sub(r"[^0-9A-Za-z]+", "-", case).strip("-")[:80] or "case"


def platform_today(time: TimeSource) -> dt.date:
    """The platform's date in Shanghai, by the time source (the test clock in certify)."""
    return time.now().astimezone(CHINA).date()


# The Shanghai hours in which the UTC date is still yesterday: a platform dating by the UTC date
# (or the server's zone) instead of Asia/Shanghai shows its error only then.
EARLY_MORNING = (dt.time(0, 5), dt.time(7, 30))
EARLY_MORNING_LANDING = dt.timedelta(minutes=30)


def into_shanghai_early_morning(time: TimeSource, *, next_one: bool = False) -> None:
    """Move the platform's test clock (forward only, by about a day at most) into the Shanghai
    early morning, where the Shanghai date and the UTC date differ: to 00:30 of the next day, unless
    the clock is in an early morning already (and `next_one` is not asked)."""
    now = time.now().astimezone(CHINA)
    if not next_one and EARLY_MORNING[0] <= now.time() <= EARLY_MORNING[1]:
        return
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0), tzinfo=CHINA)
    time.wait((midnight + EARLY_MORNING_LANDING - now).total_seconds())


def offered_courses(platform: LearnerDriver) -> list[CourseOut]:
    courses = platform.courses()
    if not courses:
        raise CheckFailure("The platform offers no course", expected="at least one course")
    return courses


def long_lesson(platform: LearnerDriver) -> tuple[CourseOut, LessonOut] | None:
    """The first lesson of several lesson hours among the enrollable courses, if any."""
    for course in offered_courses(platform):
        if not (course.occupation_code and course.level and course.approval):
            continue
        lessons = sorted(platform.lessons(course.course_id), key=lambda x: x.seq)
        found = next((lesson for lesson in lessons if lesson.lesson_hours >= 2), None)
        if found is not None:
            return course, found
    return None


NO_LONG_LESSON = {"long_lesson": None, "note": "no offered lesson spans several lesson hours"}


def long_lesson_session(probe: Probe, quiz: QuizTaker | None = None) -> Study | None:
    """A fresh learner's playback of the first lesson of several hours, opened (`quiz` as in
    `study_setup`); None when no course offers one (the evidence is then NO_LONG_LESSON)."""
    found = long_lesson(probe.platform)
    if found is None:
        return None
    course, lesson = found
    enrolled = study_setup(probe, course=course, quiz=quiz)
    session = Study(probe.platform, probe.time, probe.province, enrolled, lesson)
    session.open()
    return session


def a_course(platform: LearnerDriver) -> CourseOut:
    """An offered course with the fields enrolment needs (an approved one first)."""
    courses = [c for c in offered_courses(platform) if c.occupation_code and c.level]
    if not courses:
        raise CannotJudge("no offered course names an occupation and a level")
    return sorted(courses, key=lambda c: c.approval is None)[0]


def successful_redeems(province: ProvinceSandboxClient, code: str, platform_id: str) -> list[Any]:
    """The platform's own successful redeems of `code` (another platform's are not its doing)."""
    entries = province.log(service="voucher", operation="redeem", platform_id=platform_id)
    return [e for e in entries if e.request.get("code") == code and 200 <= e.status_code < 300]


def enrol_and_judge(
    probe: Probe,
    *,
    learner: Learner,
    token: str,
    course: CourseOut,
    voucher_code: str,
    should_enrol: bool,
    case: str,
    must_redeem: bool = False,
    refusal_status: int | None = None,
) -> EnrolmentOut | Refused:
    """Try an enrolment; judge what changed in the supervision view and the province's redeem log
    (so that an earlier, legitimate enrolment of the same learner is not mistaken for this one).
    `refusal_status`: the status the interface names for this refusal, when it names one."""
    platform, supervisor, province, evidence = (
        probe.platform,
        probe.supervisor,
        probe.province,
        probe.evidence,
    )
    enrolments_before = {e.enrolment_id for e in supervisor.enrolments(learner.learner_id or "")}
    redeems_before = {e.seq for e in successful_redeems(province, voucher_code, probe.platform_id)}
    outcome = attempt(
        lambda: platform.enrol(token, course_id=course.course_id, voucher_code=voucher_code)
    )
    seen = [
        e
        for e in supervisor.enrolments(learner.learner_id or "")
        if e.enrolment_id not in enrolments_before
    ]
    redeemed = [
        e
        for e in successful_redeems(province, voucher_code, probe.platform_id)
        if e.seq not in redeems_before
    ]
    observed = {
        "case": case,
        "platform_answer": (
            f"{outcome.status} {outcome.detail}" if isinstance(outcome, Refused) else "enrolled"
        ),
        "supervision_enrolments": [e.model_dump(mode="json") for e in seen],
        "province_redeems": [e.model_dump(mode="json") for e in redeemed],
    }
    evidence.attach_json(f"enrolment-{evidence_name(case)}", observed)
    if should_enrol:
        if isinstance(outcome, Refused):
            raise CheckFailure(
                f"{case}: the enrolment was refused",
                received=observed,
                expected="enrolment accepted",
            )
        if not seen:
            raise CheckFailure(
                f"{case}: the supervision view shows no enrolment",
                received=observed,
                expected="the enrolment, seen by a supervisor",
            )
        approval = course.approval.number if course.approval else None
        if must_redeem and not any(
            (e.request.get("id_number"), e.request.get("course_id"))
            == (learner.id_number, course.course_id)
            and e.request.get("approval_number") == approval
            for e in redeemed
        ):
            raise CheckFailure(
                f"{case}: the voucher was not redeemed at the province",
                received=observed,
                expected="one successful redeem of this voucher for this learner, naming the "
                f"course {course.course_id} and its approval {approval}",
            )
        return outcome
    if not isinstance(outcome, Refused) or seen or redeemed:
        raise CheckFailure(
            f"{case}: the enrolment was not refused",
            received=observed,
            expected="a 4xx refusal, no enrolment seen by a supervisor, no redeem at the province",
        )
    if refusal_status is not None and outcome.status != refusal_status:
        raise CheckFailure(
            f"{case}: refused with {outcome.status}, not {refusal_status}",
            received=observed,
            expected=f"{refusal_status} (docs/interface.md, POST /enrolments), no enrolment",
        )
    return outcome


def study_setup(
    probe: Probe, *, course: CourseOut | None = None, quiz: QuizTaker | None = None
) -> Enrolled:
    """A fresh learner enrolled in an offered course, ready to open lessons; it answers every
    quiz right (by the test hook's answer key) unless `quiz` plans otherwise."""
    return enrolled_learner(
        probe.learners,
        probe.platform,
        course or a_course(probe.platform),
        quiz=quiz or QuizTaker(key_source=probe.clock.quiz_key),
    )


def also_enrolled(probe: Probe, enrolled: Enrolled, course: CourseOut) -> Enrolled:
    """The same learner (same login) enrolled in a second course with a voucher of its own."""
    voucher = probe.learners.voucher(enrolled.learner, course)
    probe.platform.enrol(enrolled.token, course_id=course.course_id, voucher_code=voucher.code)
    lessons = sorted(probe.platform.lessons(course.course_id), key=lambda x: x.seq)
    # One account: its login, its way of signing in again, and the playbacks its windows opened
    # (a platform may refuse a new playback while another is in use) are shared.
    return Enrolled(
        enrolled.learner,
        enrolled.token,
        course,
        lessons,
        expires_at=enrolled.expires_at,
        sign_in=enrolled.sign_in,
        sign_out=enrolled.sign_out,
        playbacks=enrolled.playbacks,
    )


def study(
    probe: Probe, enrolled: Enrolled, lesson_index: int = 0, window_id: str = "window-1"
) -> Study:
    """A playback of the enrolled learner's lesson `lesson_index`, opened."""
    session = Study(
        probe.platform,
        probe.time,
        probe.province,
        enrolled,
        enrolled.lessons[lesson_index],
        window_id=window_id,
    )
    session.open()
    return session


def lesson_progress(probe: Probe, enrolled: Enrolled, lesson_id: str) -> SupLessonProgress | None:
    rows = probe.supervisor.progress(enrolled.learner.learner_id or "", enrolled.course.course_id)
    return next((r for r in rows if r.lesson_id == lesson_id), None)


def course_progress(probe: Probe, enrolled: Enrolled) -> SupCourseProgress | None:
    """The supervision view's course progress of the enrolled learner's course."""
    rows = probe.supervisor.course_progress(enrolled.learner.learner_id or "")
    return next((r for r in rows if r.course_id == enrolled.course.course_id), None)


def studied_lesson_progress(
    probe: Probe, enrolled: Enrolled, lesson_id: str, probe_name: str
) -> SupLessonProgress:
    """The supervision row of a lesson the check has opened and studied. Without it the check
    cannot tell "nothing credited" from "not observable", so a missing row is `CannotProbe`,
    never read as zero credit (which would pass a check that judged nothing)."""
    row = lesson_progress(probe, enrolled, lesson_id)
    if row is None:
        raise CannotProbe(
            probe_name, f"the supervision view shows no progress for studied lesson {lesson_id}"
        )
    return row


def heartbeat_tolerance(probe: Probe, session: Study) -> float:
    """ "Within one heartbeat" (STUDY-05/07), in seconds, from the profile: the platform's own
    announced interval may not widen it, so a platform announcing a longer interval than the
    profile allows breaks the rule."""
    allowed = probe.thresholds.heartbeat_interval_seconds
    if session.interval > allowed:
        raise CheckFailure(
            "The platform's heartbeat interval is longer than the profile allows",
            received={"heartbeat_interval_s": session.interval},
            expected=f"≤ {allowed} s (thresholds.heartbeat_interval_seconds)",
        )
    return float(allowed)


def watch_honestly(session: Study, seconds: float, probe_name: str, *, step: float = 300) -> float:
    """The honest study a cheat builds on. If the platform refuses it, the cheat that follows
    proves nothing (a refused setup is not a compliant platform), so that is `CannotProbe`.
    Answers the platform's credited_s, as `Study.watch` does."""
    start = len(session.sent)
    credited = session.watch(seconds, step=step)
    refused = [e["refused"] for e in session.sent[start:] if "heartbeat" in e and "refused" in e]
    if refused:
        raise CannotProbe(probe_name, f"honest study before it was refused ({refused[0]})")
    return credited


def answer_text(outcome: object, accepted: str = "accepted") -> str:
    """A probe's outcome for evidence: a refusal as `status detail`, anything else as `accepted`."""
    return f"{outcome.status} {outcome.detail}" if isinstance(outcome, Refused) else accepted


def poll(read: Callable[[], T], done: Callable[[T], bool], within_s: float, every_s: float) -> T:
    """`read` every `every_s` until `done` says its answer will do, or `within_s` have passed;
    answers the last read (the caller judges it: a poll never waits without a bound)."""
    deadline = time.monotonic() + within_s
    while True:
        found = read()
        if done(found) or time.monotonic() >= deadline:
            return found
        time.sleep(every_s)
