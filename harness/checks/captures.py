"""STUDY-01, STUDY-02 — random biometric captures in every lesson hour, answered within the
profile's answer time, and no credited hour without a passed capture."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from harness import seeding
from harness.api import Refused, attempt
from harness.checks._support import (
    NO_LONG_LESSON,
    course_progress,
    lesson_progress,
    long_lesson_session,
    studied_lesson_progress,
    study,
    study_setup,
)
from harness.failures import CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.cheats import short_answer
from harness.scenarios.lockstep import watch_until_challenges
from harness.scenarios.study import Enrolled, Study
from harness.spec.courses import LessonOut
from harness.spec.study import CaptureOut, HeartbeatOut
from harness.spec.supervision import SupCapture

SAMPLE_LEARNERS = 4
SAMPLE_LESSONS = 2
# STUDY-02's moments: 8 learners × their first 4 lessons. 32 draws, so that a band drawn wider
# than the interface's (a point past the 90 % line and one step: about 1 hour in 12 of 45 min
# when drawn up to 100 %) shows in about 93 runs of 100; a fixed offset or a narrow band in every
# run.
MOMENT_LEARNERS = 8
MOMENT_LESSONS = 4
LONG_LESSON_STEP_S = 60  # heartbeat steps through a lesson of several hours: a point's resolution
# The interface: a lesson of N hours is N equal parts, each with its capture point drawn in
# [5 %, 90 %] of its part; the challenge comes with the first heartbeat at or past the point.
POINT_BAND = (0.05, 0.90)
AT_ONCE = 3  # answers to one challenge sent together (STUDY-02)
UNKNOWN_CHALLENGE = "cap-sxcert-never-issued"  # a challenge id no platform issues
ROUNDING_S = 1.0  # a deadline this far under the answer time: a platform's timestamp rounding


def hour_windows(lesson: LessonOut, step_s: float) -> list[tuple[float, float]]:
    """Where each hour's capture must be issued, as the lesson's furthest point, when it is
    watched in `step_s` steps: its part's capture band, and one step later at most."""
    part = lesson.duration_s / lesson.lesson_hours
    low, high = POINT_BAND
    return [
        (k * part + low * part, k * part + high * part + step_s) for k in range(lesson.lesson_hours)
    ]


def lesson_captures(probe: Probe, enrolled: Enrolled, lesson: LessonOut) -> list[SupCapture]:
    """The learner's captures of one lesson, as the supervision view shows them."""
    learner_id = enrolled.learner.learner_id or ""
    return [c for c in probe.supervisor.captures(learner_id) if c.lesson_id == lesson.lesson_id]


def long_lesson_problems(probe: Probe) -> tuple[list[str], dict[str, Any]]:
    """A lesson of several hours, watched honestly to its end in LONG_LESSON_STEP_S steps, has
    a capture issued inside each of its hours (not all in the first), every hour passed, the
    lesson credited and its hours counted toward the course. No such lesson: nothing to judge
    here (the other hours of this check are one-hour lessons)."""
    session = long_lesson_session(probe)
    if session is None:
        return [], dict(NO_LONG_LESSON)
    enrolled, lesson = session.enrolled, session.lesson
    session.watch_to_end(step=LONG_LESSON_STEP_S)
    session.settle_capture()
    captures = lesson_captures(probe, enrolled, lesson)
    windows = hour_windows(lesson, LONG_LESSON_STEP_S)
    problems = []
    for hour, (start, end) in enumerate(windows):
        inside = [c for c in captures if start <= c.position_s <= end]
        if not inside:
            problems.append(
                f"lesson {lesson.lesson_id} hour {hour + 1} of {lesson.lesson_hours}: no capture"
                f" issued between {start:g} s and {end:g} s (issued at"
                f" {sorted(c.position_s for c in captures)})"
            )
    if len(captures) != lesson.lesson_hours:
        problems.append(
            f"lesson {lesson.lesson_id}: {len(captures)} challenges for its"
            f" {lesson.lesson_hours} hours, each answered at once with the live face (the"
            " interface: a challenge only for an hour without a passed capture)"
        )
    row = lesson_progress(probe, enrolled, lesson.lesson_id)
    standing = course_progress(probe, enrolled)
    if row is None or not row.hour_credited or row.captures_passed < lesson.lesson_hours:
        problems.append(
            f"lesson {lesson.lesson_id}: watched to its end with every capture passed, shown"
            f" {row.model_dump(mode='json') if row else None}"
        )
    elif standing is None or standing.credited_hours != lesson.lesson_hours:
        problems.append(
            f"lesson {lesson.lesson_id}: its {lesson.lesson_hours} hours count"
            f" {standing.credited_hours if standing else None} toward the course"
        )
    evidence = {
        "long_lesson": lesson.model_dump(mode="json"),
        "course_id": enrolled.course.course_id,
        "step_s": LONG_LESSON_STEP_S,
        "hour_windows_s": windows,
        "captures": [c.model_dump(mode="json") for c in captures],
        "journal": session.sent,
    }
    return problems, evidence


SAME_OFFSET_S = 1.0  # two hours' captures this close in their parts: one offset
SAME_OFFSET_FALSE_ALARM = 5e-5  # the most chance of three learners all repeating we accept


def _one_offset_for_every_hour(evidences: list[dict[str, Any]]) -> list[str]:
    """A failure when every long-lesson learner's first capture of each hour sits at the same
    offset into its hour (within SAME_OFFSET_S): one draw for all hours, so the first hour's
    capture tells the learner when every later one comes. Watched in LONG_LESSON_STEP_S steps,
    two fresh draws fall in one step with probability step / (0.85 × part): 60 / 2295 for
    2-hour lessons of 90 min, so three learners all so by chance about once in 56,000 runs.
    Not judged (nothing returned): fewer than three learners with every hour captured, hours
    whose length is not a whole number of steps (the bins shift from hour to hour), or hours so
    short that chance passes SAME_OFFSET_FALSE_ALARM."""
    offsets: list[list[float]] = []
    for evidence in evidences:
        lesson = evidence.get("long_lesson")
        if not lesson or lesson["lesson_hours"] < 2:
            return []
        part = lesson["duration_s"] / lesson["lesson_hours"]
        chance = LONG_LESSON_STEP_S / (0.85 * part)  # two fresh draws in one step's bin
        if part % LONG_LESSON_STEP_S or chance**3 > SAME_OFFSET_FALSE_ALARM:
            return []  # hours off the step grid, or too short to tell a repeat from chance
        first: dict[int, float] = {}
        for capture in sorted(evidence.get("captures", []), key=lambda c: c["issued_at"]):
            hour = min(int(capture["position_s"] // part), lesson["lesson_hours"] - 1)
            first.setdefault(hour, capture["position_s"] - hour * part)
        if len(first) < lesson["lesson_hours"]:
            return []
        offsets.append([first[h] for h in sorted(first)])
    if len(offsets) < 3:
        return []
    if all(max(row) - min(row) <= SAME_OFFSET_S for row in offsets):
        return [
            f"every learner's captures sit at one offset into every hour of the lesson"
            f" ({[[round(o) for o in row] for row in offsets]} s): a point drawn once per"
            " lesson, not afresh for every hour"
        ]
    return []


def long_lesson_missed_hour_problems(probe: Probe) -> tuple[list[str], dict[str, Any]]:
    """The derived side of the same rule: a lesson of several hours watched to its end by a
    learner who answers the first hour's capture live and every later challenge with another
    person's face (a failed capture, so credit keeps flowing and the content is fully watched)
    is not credited, and none of its hours counts toward the course (docs/interface.md:
    credited only when each of its lesson hours has a passed capture; a rule reading "any
    hour" instead of "each" credits it)."""
    session = long_lesson_session(probe)
    if session is None:
        return [], dict(NO_LONG_LESSON)
    enrolled, lesson = session.enrolled, session.lesson
    first = session.watch_until_challenge(step=LONG_LESSON_STEP_S)
    first_answer = session.answer("live") if first is not None else None
    session.watch_to_end(step=LONG_LESSON_STEP_S, captures="impostor")
    row = lesson_progress(probe, enrolled, lesson.lesson_id)
    standing = course_progress(probe, enrolled)
    captures = lesson_captures(probe, enrolled, lesson)
    evidence = {
        "long_lesson": lesson.model_dump(mode="json"),
        "captures": [c.model_dump(mode="json") for c in captures],
        "first_challenge": first.model_dump(mode="json") if first else None,
        "first_answer": short_answer(first_answer),
        "progress": row.model_dump(mode="json") if row else None,
        "course_progress": standing.model_dump(mode="json") if standing else None,
        # False: the platform stopped crediting the content (its choice after failed captures),
        # so "not credited" here says nothing about the capture rule
        "content_fully_credited": row is not None and row.credited_s >= row.duration_s,
        "journal": session.sent,
    }
    if first is None:  # no challenge in the whole lesson: long_lesson_problems reports it
        return [], evidence
    problems = []
    if row is None or row.hour_credited:
        problems.append(
            f"lesson {lesson.lesson_id}: credited with only its first hour's capture passed,"
            f" shown {evidence['progress']}"
        )
    if standing is None or standing.credited_hours != 0:
        problems.append(
            f"lesson {lesson.lesson_id}: with hours lacking a passed capture, the course counts"
            f" {standing.credited_hours if standing else None} credited hours, not 0"
        )
    return problems, evidence


@check("STUDY-01")
def every_lesson_hour_has_a_capture_with_time_and_image(probe: Probe) -> None:
    """Two honestly watched lesson hours each get a capture whose time and image a supervisor
    can retrieve, the image byte for byte as the learner's camera sent it; a lesson of several
    hours has a capture inside each of its hours.

    Space: the first two lessons of a course (one hour each): a passed capture each (and no
    second: one capture point per lesson hour, never challenged again once passed), its answer
    time inside its window, its deadline within the profile's answer time, its image kept byte
    for byte; the first lesson's challenges answered with another person's face until its end
    (then live): every failed capture's image kept byte for byte as sent too (the policy's
    影像留存 is of every capture, and a failed one is the evidence of cheating); the first
    lesson of several hours the platform offers (the reference's last lesson
    of its junior course B, 2 h), watched in 60 s steps: a capture issued inside each hour's
    band ([5 %, 90 %] of its part, one step of lateness), none of the hours left without one
    and no hour challenged again once its capture passed (exactly one challenge per hour),
    the lesson credited with a passed capture per hour and its hours counted in the course's
    credited hours; and the same lesson, watched to its end by another learner who passes the
    first hour's capture and fails every later one: not credited, 0 hours counted (an hour
    that must not count counts toward nothing). Since stop 47 a second learner watches the
    long lesson as the first does, and the moments are judged across its hours: a point is
    drawn afresh for every hour (docs/interface.md), so the three learners' captures must not
    all sit at one offset into every hour (`_one_offset_for_every_hour`)."""
    long_problems, long_evidence = long_lesson_problems(probe)
    again_problems, again_evidence = long_lesson_problems(probe)
    missed_problems, missed_evidence = long_lesson_missed_hour_problems(probe)
    long_problems += again_problems + _one_offset_for_every_hour(
        [long_evidence, again_evidence, missed_evidence]
    )
    enrolled = study_setup(probe)
    sent: set[str] = set()
    journal = []
    for index in range(SAMPLE_LESSONS):
        session = study(probe, enrolled, index)
        # the first lesson's first capture answered with another person's face: a failed
        # capture's time and image are records too (the evidence of cheating)
        session.watch_to_end(captures="impostor" if index == 0 else "live")
        session.settle_capture()
        sent |= session.images_sent
        journal += session.sent
    captures = probe.supervisor.captures(enrolled.learner.learner_id or "")
    answer_time = dt.timedelta(seconds=probe.thresholds.capture_answer_seconds)
    problems, rows = [], []
    for lesson in enrolled.lessons[:SAMPLE_LESSONS]:
        mine = [c for c in captures if c.lesson_id == lesson.lesson_id and c.passed]
        if not mine:
            problems.append(f"lesson {lesson.lesson_id}: no passed capture on record")
        if len(mine) > lesson.lesson_hours:  # an hour is challenged until its capture passes
            problems.append(
                f"lesson {lesson.lesson_id}: {len(mine)} passed captures for "
                f"{lesson.lesson_hours} lesson hour(s) (one capture point per lesson hour)"
            )
        for capture in mine:
            image = probe.supervisor.capture_image(capture.challenge_id)
            digest = hashlib.sha256(image).hexdigest() if image else None
            rows.append({**capture.model_dump(mode="json"), "retrieved_sha256": digest})
            if capture.answered_at is None or not (
                capture.issued_at <= capture.answered_at <= capture.deadline
            ):
                problems.append(f"capture {capture.challenge_id}: no answer time in its window")
            if capture.deadline - capture.issued_at > answer_time:
                problems.append(
                    f"capture {capture.challenge_id}: deadline {capture.deadline} is more than "
                    f"{answer_time.total_seconds():g} s after it was issued"
                )
            if digest is None or digest not in sent or capture.image_sha256 != digest:
                problems.append(f"capture {capture.challenge_id}: image not kept as sent")
    failed = [c for c in captures if c.answered_at is not None and c.passed is False]
    for capture in failed:
        image = probe.supervisor.capture_image(capture.challenge_id)
        digest = hashlib.sha256(image).hexdigest() if image else None
        rows.append({**capture.model_dump(mode="json"), "retrieved_sha256": digest})
        if digest is None or digest not in sent or capture.image_sha256 != digest:
            problems.append(
                f"failed capture {capture.challenge_id} ({capture.reason}): image not kept as sent"
            )
    probe.evidence.attach_json(
        "captures", {"supervision": rows, "failed_answered": len(failed), "journal": journal}
    )
    probe.evidence.attach_json("long-lesson", long_evidence)
    probe.evidence.attach_json("long-lesson-second-learner", again_evidence)
    probe.evidence.attach_json("long-lesson-hour-missed", missed_evidence)
    problems += long_problems + missed_problems
    if problems:
        raise CheckFailure(
            "Lesson hours without a kept biometric capture",
            received=problems,
            expected="one passed capture per hour, its time and image kept, answered within "
            f"{probe.thresholds.capture_answer_seconds} s",
        )
    probe.evidence.note(
        f"{len(rows) - len(failed)} passed and {len(failed)} failed captures over"
        f" {SAMPLE_LESSONS} hours, time and image kept"
    )
    if long_evidence["long_lesson"] is None:
        probe.evidence.note(
            "no lesson of several hours is offered: a capture inside each hour of one not probed"
        )
    else:
        probe.evidence.note(
            f"lesson of {long_evidence['long_lesson']['lesson_hours']} hours: a capture inside each"
            " hour, all passed, the hours credited"
        )
        if not missed_evidence.get("content_fully_credited"):
            probe.evidence.note(
                "the learner failing the later hours' captures was not credited the whole"
                " content: its uncredited lesson does not prove the each-hour rule"
            )


@check("STUDY-02")
def capture_moments_are_unpredictable(probe: Probe) -> None:
    """Across learners and hours, capture moments differ and spread over the hour: no fixed
    offset a script could wait for.

    Space: 8 fresh learners × their first 4 lessons (MOMENT_LEARNERS, MOMENT_LESSONS), watched
    in 60 s steps (the resolution of a moment), the learners side by side under one clock;
    judged on the supervision view's capture positions: distinct moments, their spread over the
    hour, per lesson across learners, and each moment inside the interface's band for its hour
    ([5 %, 90 %] of its part, one step of lateness: both ends of the band)."""
    positions: dict[str, list[float]] = defaultdict(list)
    step = 60
    with ThreadPoolExecutor(max_workers=MOMENT_LEARNERS) as pool:
        setups = seeding.with_own_draws([lambda: study_setup(probe)] * MOMENT_LEARNERS)
        learners = list(pool.map(lambda setup: setup(), setups))
        for index in range(MOMENT_LESSONS):
            lesson = [index] * len(learners)
            sessions = list(pool.map(study, [probe] * len(learners), learners, lesson))
            watch_until_challenges(probe, sessions, step=step)
    outside: list[str] = []
    for enrolled in learners:
        for capture in probe.supervisor.captures(enrolled.learner.learner_id or ""):
            lesson = next(x for x in enrolled.lessons if x.lesson_id == capture.lesson_id)
            positions[str(enrolled.lessons.index(lesson))].append(capture.position_s)
            low, high = hour_windows(lesson, step)[0]  # the first challenge: the first hour's
            if not low <= capture.position_s <= high:
                outside.append(
                    f"lesson {lesson.lesson_id}: a capture at {capture.position_s:g} s, outside"
                    f" its band {low:g}–{high:g} s"
                )
    samples = [p for values in positions.values() for p in values]
    duration = enrolled.lessons[0].duration_s
    distinct = {round(p / step) for p in samples}
    probe.evidence.attach_json("capture-positions", {"step_s": step, "by_lesson_index": positions})
    problems = []
    if len(samples) < MOMENT_LEARNERS * MOMENT_LESSONS:
        problems.append(f"{len(samples)} captures for {MOMENT_LEARNERS * MOMENT_LESSONS} hours")
    problems += outside
    if len(distinct) < len(samples) / 2:
        problems.append(f"only {len(distinct)} distinct moments among {len(samples)} captures")
    # ⅛ hour: a fixed offset or a narrow band fails; 32 uniform draws never fall short in practice.
    if samples and max(samples) - min(samples) < duration / 8:
        problems.append(f"moments span {max(samples) - min(samples):g} s of a {duration} s hour")
    for index, values in positions.items():
        if len(values) > 1 and len({round(v / step) for v in values}) == 1:
            problems.append(f"lesson {index}: every learner captured at {values[0]:g} s")
    if problems:
        raise CheckFailure(
            "Capture moments are predictable",
            received=problems,
            expected="a fresh random moment per learner and hour",
        )
    probe.evidence.note(
        f"{len(distinct)} distinct moments in {len(samples)} captures, "
        f"spread {min(samples):g}–{max(samples):g} s, each inside its hour's band"
    )


def _failed_capture_answered_again(probe: Probe, session: Study) -> list[str]:
    """The first failed challenge of the session answered once more with the live face."""
    failed_id = next((s["capture"] for s in session.sent if s.get("passed") is False), None)
    if failed_id is None:
        return []  # nothing failed: the impostor passed, which the hour's credit shows
    image = session.capture_image("live")
    again = attempt(
        lambda: probe.platform.answer_capture(
            session.token or session.enrolled.token, failed_id, image
        )
    )
    answer = f"{again.status} {again.detail}" if isinstance(again, Refused) else again.model_dump()
    session.sent.append({"capture": failed_id, "kind": "live", "answered_again": answer})
    if isinstance(again, Refused) and again.status == 409:
        return []
    return [f"a failed capture {failed_id} answered again with the live face: {answer}, not 409"]


def _unknown_challenge_answered(probe: Probe, session: Study) -> list[str]:
    """The live face sent as the answer to a challenge id the platform never issued: refused
    with a 4xx (the interface: 404), and nothing passes (the caller sees the hour uncredited)."""
    image = session.capture_image("live")
    token = session.token or session.enrolled.token
    answer = attempt(lambda: probe.platform.answer_capture(token, UNKNOWN_CHALLENGE, image))
    shown = f"{answer.status} {answer.detail}" if isinstance(answer, Refused) else answer
    session.sent.append({"capture": UNKNOWN_CHALLENGE, "kind": "live", "unknown": str(shown)})
    if isinstance(answer, Refused):
        return []
    return [f"an answer to a challenge never issued ({UNKNOWN_CHALLENGE}) was taken: {shown}"]


def _genuine_capture_answered_at_once(probe: Probe, session: Study) -> list[str]:
    """The lesson's next challenge answered with the live face by AT_ONCE requests released
    together, each with a fresh frame (a client retrying while its first answer is under way):
    one is answered and passes, the others are refused 409 (already answered)."""
    challenge = session.await_challenge()
    if challenge is None:  # the interface: the next heartbeat of the lesson issues a new one
        return ["no challenge came after re-opening an hour without a passed capture"]
    session.open_challenge = None
    session.answered.add(challenge.challenge_id)
    # a fresh frame each (the same image twice is a replay to the province, whichever request
    # the platform then lets win)
    images = [session.capture_image("live") for _ in range(AT_ONCE)]
    session.images_sent |= {hashlib.sha256(base64.b64decode(i)).hexdigest() for i in images}
    token = session.token or session.enrolled.token
    together = threading.Barrier(AT_ONCE)

    def answer(index: int) -> CaptureOut | Refused:
        together.wait(timeout=10)
        return attempt(
            lambda: probe.platform.answer_capture(token, challenge.challenge_id, images[index])
        )

    with ThreadPoolExecutor(AT_ONCE) as pool:
        answers = list(pool.map(answer, range(AT_ONCE)))
    shown = [
        a.model_dump(mode="json") if isinstance(a, CaptureOut) else f"{a.status} {a.detail}"
        for a in answers
    ]
    session.sent.append({"capture": challenge.challenge_id, "kind": "live", "at_once": shown})
    answered = [a for a in answers if isinstance(a, CaptureOut)]
    session.enrolled.passed_images += [
        images[i] for i, a in enumerate(answers) if isinstance(a, CaptureOut) and a.passed
    ]
    conflicts = [a for a in answers if isinstance(a, Refused) and a.status == 409]
    if len(answered) == 1 and answered[0].passed and len(conflicts) == AT_ONCE - 1:
        return []
    return [f"{AT_ONCE} answers at once to challenge {challenge.challenge_id}: {shown}"]


@check("STUDY-02")
def hour_without_passed_capture_is_not_credited(probe: Probe) -> None:
    """Hours watched to the end while every capture shows another face or a still photo are not
    credited, nor counted toward the course; the hour is credited (and counted) once a genuine
    capture passes.

    Space:
    - the fake: another person's face (`impostor`), a still photo replayed (`still`), and
      (since stop 44) the picture of the learner's own capture that passed, sent again byte for
      byte (a recorded picture: the authority's `replay`; a platform remembering verdicts by
      image passes it);
    - order: fakes before any genuine capture of the learner, and after one passed (a platform
      must judge every capture, not remember an earlier verdict);
    - a failed challenge answered again, in time, with the learner's live face: refused 409
      (already answered, the interface's status), so a failed verdict is final and the hour
      waits for a new challenge; and the live face sent to a challenge id never issued: refused
      (4xx, the interface's 404), the hour still not credited;
    - the genuine capture sent by AT_ONCE requests together: one answered, the others 409, and
      the lesson's `captures_passed` is 1 (a race that judged every answer counts it again);
    - the authority cannot judge: another learner, whose registration the identity authority
      has dropped (a province-side reset), watches a lesson hour answering every capture with
      the live face: the face match answers 404, so every answer is a failed capture (200,
      `passed: false`: the interface's reason `identity_not_registered`, not a refusal that
      leaves the challenge open) and the hour is not credited — a platform that lets a capture
      pass when the authority gives no verdict fails open;
    - derived values: the lesson's `hour_credited` and the course's `credited_hours` in the
      supervision view, at every step."""
    enrolled = study_setup(probe)
    journal, problems, steps = [], [], []

    def observe(
        step: str,
        lesson_index: int,
        credited: bool,
        course_hours: int,
        captures_passed: int | None = None,
    ) -> None:
        lesson_id = enrolled.lessons[lesson_index].lesson_id
        row = studied_lesson_progress(probe, enrolled, lesson_id, step)
        course = course_progress(probe, enrolled)
        hours = course.credited_hours if course else None
        steps.append({"step": step, "lesson": row.model_dump(mode="json"), "course_hours": hours})
        if row.hour_credited != credited:
            problems.append(f"{step}: hour_credited {row.hour_credited}")
        if captures_passed is not None and row.captures_passed != captures_passed:
            problems.append(
                f"{step}: captures_passed {row.captures_passed}, expected {captures_passed}"
            )
        if course is None or course.credited_hours != course_hours or course.completed:
            problems.append(f"{step}: course credited_hours {hours}, expected {course_hours}")

    for index, kind in enumerate(("impostor", "still")):
        session = study(probe, enrolled, index)
        session.watch_to_end(captures=kind)
        if index == 0:
            problems += _failed_capture_answered_again(probe, session)
            problems += _unknown_challenge_answered(probe, session)
        journal += session.sent
        observe(f"hour {index + 1} watched, {kind} captures only", index, False, 0)
    retry = study(probe, enrolled, 0)
    problems += _genuine_capture_answered_at_once(probe, retry)
    journal += retry.sent
    observe("hour 1 re-opened, a genuine capture", 0, True, 1, captures_passed=1)
    after = study(probe, enrolled, 2)
    after.watch_to_end(captures="impostor")
    journal += after.sent
    observe("hour 3 watched after a genuine pass, impostor captures only", 2, False, 1)
    replayed = study(probe, enrolled, 3)
    replayed.watch_to_end(captures="replayed")
    journal += replayed.sent
    observe("hour 4 watched, the passed capture's picture replayed", 3, False, 1)
    problems += _unknown_to_the_authority(probe, journal, steps)
    probe.evidence.attach_json("hours-without-capture", {"journal": journal, "steps": steps})
    if problems:
        raise CheckFailure(
            "Lesson hours credited (or counted toward the course) without a passed capture",
            received=problems,
            expected="no credited or counted hour until its own genuine capture passes",
        )
    probe.evidence.note(
        "impostor, still-photo and replayed captures earned no hour, before and after a "
        "genuine one; "
        "a genuine capture released its hour, counted once toward the course"
    )


def _unknown_to_the_authority(
    probe: Probe, journal: list[Any], steps: list[dict[str, Any]]
) -> list[str]:
    """A learner the identity authority no longer knows answers the captures of a lesson hour
    with the live face: none may pass, and the hour is not credited."""
    enrolled = study_setup(probe)
    session = study(probe, enrolled, 0)
    dropped = probe.province.forget_registrations(enrolled.learner.id_number)
    session.watch_to_end(captures="live")
    journal += session.sent
    row = studied_lesson_progress(probe, enrolled, session.lesson.lesson_id, "unregistered")
    course = course_progress(probe, enrolled)
    passed = [
        c.challenge_id
        for c in probe.supervisor.captures(enrolled.learner.learner_id or "")
        if c.passed
    ]
    steps.append(
        {
            "step": "a learner the authority no longer knows, live captures",
            "registrations_dropped": dropped,
            "lesson": row.model_dump(mode="json"),
            "passed_captures": passed,
            "course_hours": course.credited_hours if course else None,
        }
    )
    answers = [e for e in session.sent if "capture" in e]
    problems = []
    if not answers:
        problems.append("no capture challenge came in a watched lesson hour")
    not_a_verdict = [e for e in answers if e.get("passed") is not False]
    if not_a_verdict:
        problems.append(
            f"a live capture the authority could not match was answered {not_a_verdict}, not "
            "200 with `passed: false` (the interface's `identity_not_registered`)"
        )
    if passed:
        problems.append(f"captures {passed} passed though the authority knows no such person")
    if row.hour_credited or (course is not None and course.credited_hours):
        problems.append("the hour of a learner the authority no longer knows was credited")
    return problems


@check("STUDY-02")
def unattended_playback_earns_no_lesson_hour(probe: Probe) -> None:
    """A lesson left playing to its end with nobody answering the capture challenges earns no
    lesson hour, and no hour toward the course.

    Space: captures ignored (never answered, so each challenge runs past its deadline) while
    the player reports every 5 minutes to the lesson's end, and, when the challenge came with
    the last heartbeat (a capture point in the hour's last stride), one more heartbeat at the
    end after its deadline, as an open player keeps reporting: a platform settling a lapsed
    challenge at the next heartbeat is seen wherever the capture point falls. Judged on the
    lesson's `hour_credited` and, one level further, on the course's `credited_hours` and
    `completed` in the supervision view (the learner has studied nothing else)."""
    enrolled = study_setup(probe)
    session = study(probe, enrolled, 0)
    session.watch_to_end(captures=None)
    if session.open_challenge is not None:
        session.wait(300)
        session.beat(session.position)
    row = studied_lesson_progress(probe, enrolled, session.lesson.lesson_id, "ignore_capture")
    course = course_progress(probe, enrolled)
    probe.evidence.attach_json(
        "unattended",
        {
            "journal": session.sent,
            "progress": row.model_dump(mode="json"),
            "course_progress": course.model_dump(mode="json") if course else None,
        },
    )
    if row.hour_credited or (course is not None and (course.credited_hours or course.completed)):
        raise CheckFailure(
            "Unattended playback earned a lesson hour",
            received={
                "lesson": row.model_dump(mode="json"),
                "course": course.model_dump(mode="json") if course else None,
            },
            expected="hour not credited; 0 credited hours for the course",
        )
    probe.evidence.note(f"unattended hour not credited ({row.credited_s:g} s held)")


# STUDY-01's answer moments, seconds from the challenge's deadline, and whether the player keeps
# sending heartbeats (which replaces an overdue challenge with a new one) while the learner waits.
ANSWER_MOMENTS: tuple[tuple[float, bool], ...] = (
    (-1.0, False),  # the last second in time: must pass
    (-1.0, True),  # the last second in time, the player heartbeating on: the open challenge kept
    (1.0, False),  # the first second late
    (300.0, False),  # minutes late, the player idle
    (300.0, True),  # minutes late, the player heartbeating on (the challenge replaced meanwhile)
)
HEARTBEATS_WHILE_LATE = 5


def _let_time_pass(
    session: Study, until: dt.datetime, heartbeats: bool
) -> list[HeartbeatOut | Refused]:
    """Let the clock run to `until`: in one advance, or in heartbeats that play on (their
    answers)."""
    remaining = (until - session.time.now()).total_seconds()
    if not heartbeats:
        session.wait(max(0.0, remaining))
        return []
    step = max(0.0, remaining) / HEARTBEATS_WHILE_LATE
    answers = []
    for _ in range(HEARTBEATS_WHILE_LATE):
        session.wait(step)
        answers.append(session.beat(session.position + step))
    return answers


def _challenge_not_repeated(
    answers: list[HeartbeatOut | Refused], challenge_id: str
) -> list[dict[str, Any] | str]:
    """The heartbeat answers that do not carry the open challenge `challenge_id`."""
    return [
        answer.model_dump(mode="json")
        if isinstance(answer, HeartbeatOut)
        else f"{answer.status} {answer.detail}"
        for answer in answers
        if not (
            isinstance(answer, HeartbeatOut)
            and answer.challenge is not None
            and answer.challenge.challenge_id == challenge_id
        )
    ]


@check("STUDY-01")
def capture_answer_window_is_the_profiles_answer_time(probe: Probe) -> None:
    """A capture challenge's deadline is the profile's answer time after it was issued (not
    more, and, since stop 49, not less: docs/interface.md's deadline is `issued_at` + 60 s, and a
    shorter one refuses a learner answering in time; 1 s below is let pass for a platform's
    rounding of either timestamp); the learner's own live face in time passes, late does not
    — and a late answer passes nothing one level further (the lesson's `captures_passed` and
    `hour_credited` stay as they were).

    Space (one lesson hour per moment, the clock advanced to each moment):
    - answered 1 s before the deadline (must pass: with the player idle, and with it
      heartbeating on meanwhile, which must not replace a challenge still in time: every one of
      those answers, and a duplicate's, repeats the open challenge, as the interface promises),
      1 s after, 5 minutes after (must not);
    - while late, the player idle (no heartbeat), or heartbeating on (the platform replaces the
      overdue challenge meanwhile; the old one is answered) — heartbeats after the deadline of an
      unanswered challenge earn nothing (supervision heartbeats' `credited_delta_s`), and the
      overdue challenge they settled shows in supervision as `passed: false`, `reason:
      "expired"`, `answered_at: null` (the interface, for either compliant choice).
    Exactly at the deadline is not judged (the catalogue's decision)."""
    allowed = probe.thresholds.capture_answer_seconds
    enrolled = study_setup(probe)
    rows, problems = [], []
    for index, (offset, heartbeats) in enumerate(ANSWER_MOMENTS):
        should_pass = offset < 0
        session = study(probe, enrolled, index)
        challenge = session.watch_until_challenge(step=300)
        if challenge is None:
            raise CheckFailure(
                "A watched lesson hour issued no capture challenge",
                received=session.sent,
                expected="a capture challenge within the hour",
            )
        window = (challenge.deadline - challenge.issued_at).total_seconds()
        beats = _let_time_pass(
            session, challenge.deadline + dt.timedelta(seconds=offset), heartbeats
        )
        not_repeated: list[dict[str, Any] | str] = []
        if heartbeats and should_pass:  # still open: every answer repeats it, a duplicate's too
            beats.append(session.beat(session.position, seq=session.seq))
            not_repeated = _challenge_not_repeated(beats, challenge.challenge_id)
        outcome = session.answer("live", challenge)
        passed = isinstance(outcome, CaptureOut) and outcome.passed
        kept = next(
            (
                c
                for c in probe.supervisor.captures(enrolled.learner.learner_id or "")
                if c.challenge_id == challenge.challenge_id
            ),
            None,
        )
        lesson = lesson_progress(probe, enrolled, session.lesson.lesson_id)
        earned_late = sum(
            b.credited_delta_s
            for b in probe.supervisor.heartbeats(session.playback_id)
            if b.at > challenge.deadline
        )
        moment = f"{abs(offset):g} s {'before' if should_pass else 'after'} the deadline" + (
            ", heartbeating meanwhile" if heartbeats else ""
        )
        rows.append(
            {
                "moment": moment,
                "challenge": challenge.model_dump(mode="json"),
                "answer": f"{outcome.status} {outcome.detail}"
                if isinstance(outcome, Refused)
                else outcome.model_dump(mode="json"),
                "supervision_capture": kept.model_dump(mode="json") if kept else None,
                "supervision_lesson": lesson.model_dump(mode="json") if lesson else None,
                "credited_after_deadline_s": earned_late,
                "answers_not_repeating_the_open_challenge": not_repeated,
            }
        )
        if not_repeated:
            problems.append(
                f"{len(not_repeated)} heartbeat answers while the challenge was open ({moment})"
                " did not repeat it"
            )
        if window > allowed + 1e-6:
            problems.append(f"deadline {window:g} s after issue, more than {allowed} s")
        if window < allowed - ROUNDING_S:
            problems.append(f"deadline {window:g} s after issue, less than {allowed} s")
        if should_pass and not passed:
            problems.append(f"a live answer {moment} did not pass")
        if not should_pass:
            if passed or (kept is not None and kept.passed):
                problems.append(f"a live answer {moment} passed")
            if earned_late > 0:
                problems.append(
                    f"heartbeats after an unanswered challenge's deadline earned {earned_late:g} s"
                    f" ({moment})"
                )
            # heartbeats after the deadline settle the overdue challenge
            if heartbeats and (
                kept is None
                or (kept.passed, kept.reason, kept.answered_at) != (False, "expired", None)
            ):
                shown = kept.model_dump(mode="json") if kept else None
                problems.append(
                    f"the challenge left unanswered past its deadline while the player reported"
                    f" on ({moment}) shows in supervision as {shown}, not passed false, reason"
                    " expired, answered_at null"
                )
            if lesson is not None and (lesson.captures_passed or lesson.hour_credited):
                problems.append(
                    f"a live answer {moment}: the lesson shows captures_passed "
                    f"{lesson.captures_passed}, hour_credited {lesson.hour_credited}"
                )
    probe.evidence.attach_json("capture-answer-window", {"allowed_s": allowed, "answers": rows})
    if problems:
        raise CheckFailure(
            "Capture answers are not bound to the profile's answer time",
            received=problems,
            expected=f"deadline {allowed} s after issue; in time passes, late does not",
        )
    probe.evidence.note(
        f"deadlines {allowed} s after issue; answer 1 s before passed; 1 s and 5 min after "
        "(idle or heartbeating) did not"
    )
