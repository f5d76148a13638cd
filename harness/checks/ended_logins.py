"""STUDY-03 — what a login started stops with it: its playback and its open capture earn nothing
for the login that comes next.

The play-here-answer-there cheat: a player runs on one device, the person signs in elsewhere to
answer the capture (or to keep the old playback going) under the new login. docs/interface.md:
heartbeats of a playback whose login ended are refused (409 playback ended), and "an answer whose
playback's login, or whose own token's login, has ended (newer login, logout, expiry) is always
refused and earns nothing". The space probed:
- how the first login ends: logout; a newer login on another device (when the platform accepts
  it: refusing it is compliant, and then there is nothing to probe); expiry (the test clock
  moved one second past the token's lifetime after its last request, so that a sliding expiry
  has run out too, and the old token seen refused);
- what the next login sends: an answer to the first login's open capture challenge (not after
  expiry: the challenge's own deadline has passed by then), and heartbeats to the first login's
  playback, three intervals of honest-looking study;
- the other way round (after logout and a newer login; an expired token is refused outright):
  the next login opens the course's second lesson and studies to its capture challenge; the
  first login's ended token answers that challenge and sends three intervals of heartbeats to
  the next login's playback;
- since stop 49, the ended token also opens a lesson while the next login studies: refused,
  and the next login's playback not ended by it;
- since stop 44, the ended token answers a quiz question of the course (after logout and a newer
  login): refused, and the answer not kept (a second session answering the quiz for the learner
  studying under the next login; the reference itself accepted it before);
- judged: each answer and heartbeat refused (4xx) or credited nothing; the lesson's credit in the
  supervision view not above what it was when the login ended; the challenge not passed; and
  (since stop 47) the supervision view's logins right after the next login: exactly that one
  active (docs/interface.md: `active` = not ended, not expired — a view taking only logout and
  supersession as ends shows the expired login active beside the new one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.api import Refused, attempt
from harness.checks._support import a_course, answer_text, studied_lesson_progress
from harness.failures import CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.study import Enrolled, Study, enrolled_learner
from harness.spec.study import HeartbeatOut

PROBE = "study of an ended login"
BEATS = 3
TOLERANCE_S = 0.5


def _play_on(study: Study, what: str) -> tuple[list[str], list[str]]:
    """BEATS intervals of honest-looking heartbeats with the study's current token: each answer in
    words, and a problem (`what` earned …) for every one that earned. Judged from the answers
    recorded, and each heartbeat taken with `attempt`: an answer saying a quiz is due makes the
    player fetch the questions with the same token, which a platform may refuse (401)."""
    first = len(study.sent)
    beats: list[str] = []
    for _ in range(BEATS):
        study.wait(study.interval)
        beat = attempt(lambda: study.beat(study.position + study.interval))
        if isinstance(beat, HeartbeatOut):
            beats.append(f"{beat.reason} +{beat.credited_delta_s:g} s")
        else:
            beats.append(f"{beat.method} {beat.path}: {beat.status} {beat.detail}")
    earned = [
        f"{what} earned {e['credited_delta_s']:g} s ({e.get('reason')})"
        for e in study.sent[first:]
        if (e.get("credited_delta_s") or 0) > 0
    ]
    return beats, earned


def _end_by_logout(probe: Probe, enrolled: Enrolled) -> Any:
    probe.platform.logout(enrolled.token)
    return probe.learners.login(enrolled.learner, device_id="device-A")


def _end_by_newer_login(probe: Probe, enrolled: Enrolled) -> Any:
    return attempt(lambda: probe.learners.login(enrolled.learner, device_id="device-B"))


def _end_by_expiry(probe: Probe, enrolled: Enrolled, lifetime_s: float) -> Any:
    """Let the clock run one second past the token's lifetime after its last request (a sliding
    expiry moves with every request), and make sure the token is dead before the next login."""
    probe.time.wait(lifetime_s + 1)
    still = attempt(lambda: probe.platform.me(enrolled.token))
    if not isinstance(still, Refused):
        raise CannotProbe(PROBE, f"the token still works {lifetime_s + 1:g} s after its last use")
    return probe.learners.login(enrolled.learner, device_id="device-A")


ENDINGS: dict[str, Callable[[Probe, Enrolled, float], Any]] = {
    "logout": lambda probe, enrolled, _: _end_by_logout(probe, enrolled),
    "a newer login": lambda probe, enrolled, _: _end_by_newer_login(probe, enrolled),
    "expiry": _end_by_expiry,
}


def _try_ending(probe: Probe, how: str) -> dict[str, Any]:
    course = a_course(probe.platform)
    signed_in_by = probe.time.now()
    enrolled = enrolled_learner(probe.learners, probe.platform, course)
    if enrolled.expires_at is None:
        raise CannotProbe(PROBE, "the login answer names no expiry")
    lifetime_s = (enrolled.expires_at - signed_in_by).total_seconds()  # at least the token's
    study = Study(probe.platform, probe.time, probe.province, enrolled, enrolled.lessons[0])
    study.open()
    challenge = study.watch_until_challenge()
    if challenge is None:
        raise CannotProbe(PROBE, "no capture challenge in the first lesson")
    lesson_id = study.lesson.lesson_id
    before = studied_lesson_progress(probe, enrolled, lesson_id, PROBE).credited_s
    nxt = ENDINGS[how](probe, enrolled, lifetime_s)
    row: dict[str, Any] = {"ended_by": how, "credited_before_s": before}
    if isinstance(nxt, Refused):
        row["next_login"] = f"refused {nxt.status} {nxt.detail} (compliant: nothing to probe)"
        return row
    study.token = nxt.token  # from here on, every request is the next login's
    problems: list[str] = []
    active = [
        x.login_id for x in probe.supervisor.logins(enrolled.learner.learner_id or "") if x.active
    ]
    row["active_logins"] = active
    if active != [nxt.login_id]:
        problems.append(
            f"after {how}, the supervision view shows {active} active, not the next login"
            f" {nxt.login_id} alone (an ended or expired login is not active)"
        )
    if how != "expiry":
        answer = study.answer("live", challenge)
        row["capture_answer"] = answer_text(answer)
        if not isinstance(answer, Refused):
            problems.append(f"after {how}, the next login answered the first one's capture")
    beats, earned = _play_on(study, f"after {how}, the first login's playback")
    problems += earned
    after = studied_lesson_progress(probe, enrolled, lesson_id, PROBE).credited_s
    passed = [
        c.challenge_id
        for c in probe.supervisor.captures(enrolled.learner.learner_id or "")
        if c.challenge_id == challenge.challenge_id and c.passed
    ]
    if after > before + TOLERANCE_S:
        problems.append(f"after {how}, the lesson's credit rose from {before:g} s to {after:g} s")
    if passed and how != "expiry":
        problems.append(f"after {how}, the first login's capture shows as passed")
    row |= {"heartbeats": beats, "credited_after_s": after, "problems": problems}
    row["journal"] = study.sent
    if how != "expiry":  # an expired token is refused outright (401): nothing more to try
        reverse, reverse_problems = _ended_token_on_the_next_logins_playback(
            probe, enrolled, nxt.token, how
        )
        row["ended_token_on_the_next_logins_playback"] = reverse
        problems += reverse_problems
        quiz, quiz_problems = _ended_token_answers_a_question(probe, enrolled, nxt.token, how)
        row["ended_token_answers_a_question"] = quiz
        problems += quiz_problems
    return row


def _ended_token_on_the_next_logins_playback(
    probe: Probe, enrolled: Enrolled, next_token: str, how: str
) -> tuple[dict[str, Any], list[str]]:
    """The cheat the other way round: the first device, its login ended, keeps reporting — into
    the playback the next login opened — and answers that playback's capture. The interface: an
    answer whose own token's login has ended is refused; a heartbeat sent with it earns nothing."""
    if len(enrolled.lessons) < 2:
        return {"skipped": "the course has one lesson: the next login's is the first's"}, []
    study = Study(probe.platform, probe.time, probe.province, enrolled, enrolled.lessons[1])
    study.token = next_token
    study.open()
    challenge = study.watch_until_challenge()
    lesson_id = study.lesson.lesson_id
    before = studied_lesson_progress(probe, enrolled, lesson_id, PROBE).credited_s
    study.token = enrolled.token  # the ended login's token, from here on
    problems: list[str] = []
    row: dict[str, Any] = {"lesson_id": lesson_id, "credited_before_s": before}
    if challenge is not None:
        answer = study.answer("live", challenge)
        row["capture_answer"] = answer_text(answer)
        if not isinstance(answer, Refused):
            problems.append(f"after {how}, the ended login answered the next login's capture")
    beats, earned = _play_on(
        study, f"after {how}, the ended login's heartbeats in the next login's playback"
    )
    problems += earned
    after = studied_lesson_progress(probe, enrolled, lesson_id, PROBE).credited_s
    if after > before + TOLERANCE_S:
        problems.append(
            f"after {how}, the ended login raised the next login's lesson from {before:g} s"
            f" to {after:g} s"
        )
    row["ended_token_opens_a_lesson"], opened = _ended_token_opens_a_lesson(probe, study, how)
    problems += opened
    return row | {"heartbeats": beats, "credited_after_s": after, "journal": study.sent}, problems


def _ended_token_opens_a_lesson(probe: Probe, study: Study, how: str) -> tuple[str, list[str]]:
    """The ended login's token opens the course's first lesson while the next login studies the
    second: refused (docs/interface.md: a token whose login ended is refused, 401), and the next
    login's playback not ended by it (a platform that lets an ended login open a lesson lets a
    signed-out device end the live session's study, or keep a second one going)."""
    enrolled = study.enrolled
    opened = attempt(
        lambda: probe.platform.open_playback(
            enrolled.token,
            course_id=enrolled.course.course_id,
            lesson_id=enrolled.lessons[0].lesson_id,
            window_id="window-ended-login",
        )
    )
    problems = []
    if not isinstance(opened, Refused):
        problems.append(f"after {how}, the ended login opened a lesson: {answer_text(opened)}")
    learner_id = enrolled.learner.learner_id or ""
    ended = [
        p.end_reason or "ended"
        for p in probe.supervisor.playbacks(learner_id)
        if p.playback_id == study.playback_id and p.ended_at is not None
    ]
    if ended:
        problems.append(
            f"after {how}, the ended login's opening ended the next login's playback ({ended[0]})"
        )
    return answer_text(opened), problems


def _ended_token_answers_a_question(
    probe: Probe, enrolled: Enrolled, next_token: str, how: str
) -> tuple[dict[str, Any], list[str]]:
    """The ended login's token answers a quiz question of the course no one answered yet: it must
    be refused, and the answer must not be kept (it would count for the learner studying under
    the next login: a second session answering the quiz)."""
    answered = enrolled.quiz.answered()
    questions = probe.platform.questions(next_token, enrolled.course.course_id)
    question = next((q for q in questions if q.question_id not in answered and q.options), None)
    if question is None:
        return {"skipped": "the course has no unanswered question"}, []
    option = question.options[0].key
    outcome = attempt(
        lambda: probe.platform.answer_question(enrolled.token, question.question_id, option)
    )
    kept = [
        a.question_id
        for a in probe.supervisor.quiz_answers(enrolled.learner.learner_id or "")
        if a.question_id == question.question_id
    ]
    row = {"question_id": question.question_id, "answer": answer_text(outcome), "kept": kept}
    problems = []
    if not isinstance(outcome, Refused) or kept:
        problems.append(f"after {how}, the ended login's quiz answer was accepted or kept")
    return row, problems


@check("STUDY-03")
def ended_login_study_earns_nothing_for_the_next_login(probe: Probe) -> None:
    """Once a login ends — by logout, a newer login or expiry — the next login can neither answer
    its open capture nor keep its playback earning, and its token earns nothing in the next
    login's playback."""
    # One after another, expiry last: its clock advance would expire the others' challenges.
    rows = [_try_ending(probe, how) for how in ENDINGS]
    probe.evidence.attach_json("ended-logins", rows)
    problems = [p for row in rows for p in row.get("problems", [])]
    if problems:
        raise CheckFailure(
            "Study of an ended login earned for the next login",
            received=problems,
            expected="the capture answer and the heartbeats refused (4xx) or credited nothing",
        )
    probed = [row["ended_by"] for row in rows if "problems" in row]
    probe.evidence.note(f"ended by {', '.join(probed)}: the next login earned nothing from it")
