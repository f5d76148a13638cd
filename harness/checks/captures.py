"""STUDY-01, STUDY-02 — random biometric captures in every lesson hour, answered within the
profile's answer time, and no credited hour without a passed capture."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from typing import Any

from harness.api import Refused
from harness.checks._support import lesson_progress, studied_lesson_progress, study, study_setup
from harness.failures import CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.study import Study
from harness.spec.study import CaptureChallenge, CaptureOut

SAMPLE_LEARNERS = 4
SAMPLE_LESSONS = 2


@check("STUDY-01")
def every_lesson_hour_has_a_capture_with_time_and_image(probe: Probe) -> None:
    """Two honestly watched lesson hours each get a capture whose time and image a supervisor
    can retrieve, the image byte for byte as the learner's camera sent it."""
    enrolled = study_setup(probe)
    sent: set[str] = set()
    journal = []
    for index in range(SAMPLE_LESSONS):
        session = study(probe, enrolled, index)
        session.watch_to_end()
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
    probe.evidence.attach_json("captures", {"supervision": rows, "journal": journal})
    if problems:
        raise CheckFailure(
            "Lesson hours without a kept biometric capture",
            received=problems,
            expected="≥ 1 capture per hour with its time and image kept, answered within "
            f"{probe.thresholds.capture_answer_seconds} s",
        )
    probe.evidence.note(f"{len(rows)} captures over {SAMPLE_LESSONS} hours, time and image kept")


@check("STUDY-02")
def capture_moments_are_unpredictable(probe: Probe) -> None:
    """Across learners and hours, capture moments differ and spread over the hour: no fixed
    offset a script could wait for."""
    positions: dict[str, list[float]] = defaultdict(list)
    step = 60
    for _ in range(SAMPLE_LEARNERS):
        enrolled = study_setup(probe)
        for index in range(SAMPLE_LESSONS):
            session = study(probe, enrolled, index)
            session.watch_until_challenge(step=step)
            session.answer("live")
        for capture in probe.supervisor.captures(enrolled.learner.learner_id or ""):
            positions[
                str(
                    enrolled.lessons.index(
                        next(x for x in enrolled.lessons if x.lesson_id == capture.lesson_id)
                    )
                )
            ].append(capture.position_s)
    samples = [p for values in positions.values() for p in values]
    duration = enrolled.lessons[0].duration_s
    distinct = {round(p / step) for p in samples}
    probe.evidence.attach_json("capture-positions", {"step_s": step, "by_lesson_index": positions})
    problems = []
    if len(samples) < SAMPLE_LEARNERS * SAMPLE_LESSONS:
        problems.append(f"{len(samples)} captures for {SAMPLE_LEARNERS * SAMPLE_LESSONS} hours")
    if len(distinct) < len(samples) / 2:
        problems.append(f"only {len(distinct)} distinct moments among {len(samples)} captures")
    # ⅛ hour: a fixed offset or a narrow band fails; 8 uniform draws fall short ~1 in 100,000.
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
        f"spread {min(samples):g}–{max(samples):g} s"
    )


@check("STUDY-02")
def hour_without_passed_capture_is_not_credited(probe: Probe) -> None:
    """Hours watched to the end while every capture shows another face or a still photo are not
    credited; the hour is credited once a genuine capture passes."""
    enrolled = study_setup(probe)
    journal, problems = [], []
    for index, kind in enumerate(("impostor", "still")):
        session = study(probe, enrolled, index)
        session.watch_to_end(captures=kind)
        journal += session.sent
        row = studied_lesson_progress(probe, enrolled, session.lesson.lesson_id, f"{kind} capture")
        if row.hour_credited:
            problems.append(f"hour {index + 1} credited with {kind} captures only")
    retry = study(probe, enrolled, 0)
    retry.settle_capture()
    journal += retry.sent
    released = lesson_progress(probe, enrolled, retry.lesson.lesson_id)
    probe.evidence.attach_json(
        "hours-without-capture",
        {
            "journal": journal,
            "progress": [
                r.model_dump(mode="json")
                for r in probe.supervisor.progress(
                    enrolled.learner.learner_id or "", enrolled.course.course_id
                )
            ],
        },
    )
    if problems:
        raise CheckFailure(
            "Lesson hours credited without a passed capture",
            received=problems,
            expected="no credited hour until a genuine capture passes",
        )
    if released is None or not released.hour_credited:
        raise CheckFailure(
            "A watched hour stays uncredited after a genuine capture passed",
            received=released.model_dump(mode="json") if released else None,
            expected="the hour credited once its capture passed",
        )
    probe.evidence.note(
        "impostor and still-photo captures earned no hour; a genuine one released it"
    )


@check("STUDY-02")
def unattended_playback_earns_no_lesson_hour(probe: Probe) -> None:
    """A lesson left playing with nobody answering the capture challenges earns no hour."""
    enrolled = study_setup(probe)
    session = study(probe, enrolled, 0)
    session.watch_to_end(captures=None)
    row = studied_lesson_progress(probe, enrolled, session.lesson.lesson_id, "ignore_capture")
    probe.evidence.attach_json(
        "unattended", {"journal": session.sent, "progress": row.model_dump(mode="json")}
    )
    if row.hour_credited:
        raise CheckFailure(
            "Unattended playback earned a lesson hour",
            received=row.model_dump(mode="json"),
            expected="hour not credited",
        )
    probe.evidence.note(f"unattended hour not credited ({row.credited_s:g} s held)")


def _answer_at(session: Study, challenge: CaptureChallenge, offset_s: float) -> Any:
    """Let the clock run to `offset_s` from the challenge's deadline (negative: before it), then
    answer with the learner's own live face."""
    session.wait(max(0.0, (challenge.deadline - session.time.now()).total_seconds() + offset_s))
    return session.answer("live")


@check("STUDY-01")
def capture_answer_window_is_the_profiles_answer_time(probe: Probe) -> None:
    """A capture challenge's deadline is at most the profile's answer time after it was issued;
    the learner's own face one second before the deadline passes, one second after it does not
    (the clock is advanced to each moment)."""
    allowed = probe.thresholds.capture_answer_seconds
    enrolled = study_setup(probe)
    rows, problems = [], []
    for index, offset, should_pass in ((0, -1.0, True), (1, 1.0, False)):
        session = study(probe, enrolled, index)
        challenge = session.watch_until_challenge()
        if challenge is None:
            raise CheckFailure(
                "A watched lesson hour issued no capture challenge",
                received=session.sent,
                expected="a capture challenge within the hour",
            )
        window = (challenge.deadline - challenge.issued_at).total_seconds()
        outcome = _answer_at(session, challenge, offset)
        passed = isinstance(outcome, CaptureOut) and outcome.passed
        kept = next(
            (
                c
                for c in probe.supervisor.captures(enrolled.learner.learner_id or "")
                if c.challenge_id == challenge.challenge_id
            ),
            None,
        )
        rows.append(
            {
                "challenge": challenge.model_dump(mode="json"),
                "answered_s_from_deadline": offset,
                "answer": f"{outcome.status} {outcome.detail}"
                if isinstance(outcome, Refused)
                else outcome.model_dump(mode="json"),
                "supervision": kept.model_dump(mode="json") if kept else None,
            }
        )
        if window > allowed + 1e-6:
            problems.append(f"deadline {window:g} s after issue, more than {allowed} s")
        if should_pass and not passed:
            problems.append(f"a live answer {-offset:g} s before the deadline did not pass")
        if not should_pass and (passed or (kept is not None and kept.passed)):
            problems.append(f"a live answer {offset:g} s after the deadline passed")
    probe.evidence.attach_json("capture-answer-window", {"allowed_s": allowed, "answers": rows})
    if problems:
        raise CheckFailure(
            "Capture answers are not bound to the profile's answer time",
            received=problems,
            expected=f"deadline ≤ {allowed} s after issue; in time passes, late does not",
        )
    probe.evidence.note(
        f"deadlines ≤ {allowed} s after issue; answer 1 s before passed, 1 s after did not"
    )
