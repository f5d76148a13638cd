"""EXAM-01, EXAM-02 — a quiz in every lesson hour; the course passes at 60 % accuracy.

Judged from what the harness did (the questions it was shown, the answers it gave, scored by the
certification instance's answer key) and what the supervision view shows (credited hours,
`completed`, the recorded answers), never from the platform's own verdict on an answer.
"""

from __future__ import annotations

import datetime as dt

from harness.api import Refused, attempt
from harness.catalogue import load_catalogue
from harness.checks._quiz_support import BoundaryPlan, answer_ahead, given_json, standing_of
from harness.checks._support import (
    NO_LONG_LESSON,
    long_lesson_session,
    offered_courses,
    study,
    study_setup,
)
from harness.failures import CannotJudge, CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.quiz import GivenAnswer, QuizTaker, all_right
from harness.scenarios.study import Enrolled, Study
from harness.spec.courses import CourseOut
from harness.spec.quizzes import QuestionOut

CLOCK_TOLERANCE = dt.timedelta(seconds=2)  # an answer's recorded time vs the harness's readings


def _approved(probe: Probe) -> list[CourseOut]:
    courses = [c for c in offered_courses(probe.platform) if c.approval and c.level]
    if not courses:
        raise CannotJudge("no approved course with a level is offered")
    return courses


@check("EXAM-01")
def every_lesson_hour_has_at_least_five_questions(probe: Probe) -> None:
    """Every lesson hour of every approved course puts at least 5 distinct questions to an
    enrolled learner, each with at least two distinct options.

    Space: every offered approved course (a fresh learner enrolled in each), every lesson of its
    content, every lesson hour of each lesson (counted per hour, never averaged over a lesson)."""
    minimum = load_catalogue().get("EXAM-01").params["questions_per_hour"]
    short: list[dict] = []
    counted: dict[str, dict[str, int]] = {}
    for course in _approved(probe):
        enrolled = study_setup(probe, course=course)
        questions = probe.platform.questions(enrolled.token, course.course_id)
        per_hour: dict[tuple[str, int], set[str]] = {}
        for question in questions:
            keys = [o.key for o in question.options]
            if len(set(keys)) < 2:
                short.append({"question": question.model_dump(mode="json"), "why": "< 2 options"})
            per_hour.setdefault((question.lesson_id, question.hour), set()).add(
                question.question_id
            )
        counted[course.course_id] = {}
        for lesson in enrolled.lessons:
            for hour in range(max(1, lesson.lesson_hours)):
                count = len(per_hour.get((lesson.lesson_id, hour), set()))
                counted[course.course_id][f"{lesson.lesson_id}#{hour}"] = count
                if count < minimum:
                    short.append(
                        {
                            "course_id": course.course_id,
                            "lesson_id": lesson.lesson_id,
                            "hour": hour,
                            "questions": count,
                        }
                    )
    probe.evidence.attach_json("questions-per-hour", counted)
    if short:
        raise CheckFailure(
            "A lesson hour has fewer than the required questions",
            received=short[:20],
            expected=f"≥ {minimum} distinct questions, each with ≥ 2 options, in every lesson hour",
        )
    hours = sum(len(c) for c in counted.values())
    probe.evidence.note(f"{hours} lesson hours in {len(counted)} courses: all ≥ {minimum}")


PLAY_ON_BEATS = 3  # heartbeats of a player that ignores `quiz_due` and plays on


def _play_on_past_the_gate(session: Study) -> list[dict[str, object]]:
    """A player that ignores `quiz_due`: it plays on from where the platform stopped it, one
    interval per heartbeat, as the clock runs (`Study.beat` puts it back at the furthest point
    after each answer that says the quiz is due); the heartbeats' answers."""
    first = len(session.sent)
    for _ in range(PLAY_ON_BEATS):
        session.wait(session.interval)
        session.beat(session.position + session.interval)
    return [e for e in session.sent[first:] if "heartbeat" in e]


LONG_LESSON_STEP_S = 300  # heartbeat steps through a lesson of several hours


def _due_hours(session: Study, since: int) -> set[int]:
    return {int(e["quiz_due"]) for e in session.sent[since:] if e.get("quiz_due") is not None}


def long_lesson_gate_problems(probe: Probe) -> tuple[list[str], dict]:
    """Each hour of a lesson of several hours waits for its own quiz, inside that hour.

    The lesson's hours are its equal parts (the interface, as for captures). A learner ignoring
    the quiz is held before the end of the first part with `quiz_due: 0` announced (not at the
    lesson's end, with every hour's quiz saved for the last minutes); answering hour 0 alone
    releases it and holds the next hour before its part's end with its own hour due, and so on;
    answering the last releases the lesson. No such lesson offered: nothing to judge here (the
    other part of the check is a one-hour lesson)."""
    taker = QuizTaker(key_source=probe.clock.quiz_key, ignoring=True)
    session = long_lesson_session(probe, quiz=taker)
    if session is None:
        return [], dict(NO_LONG_LESSON)
    enrolled, lesson = session.enrolled, session.lesson
    part = lesson.duration_s / lesson.lesson_hours
    rows, problems = [], []
    for hour in range(lesson.lesson_hours):
        since = len(session.sent)
        session.watch_to_end(step=LONG_LESSON_STEP_S)  # stopped by the ignored quiz
        held = _lesson_row(probe, enrolled, lesson.lesson_id)
        rows.append({"ignoring_from_hour": hour, "row": held})
        due = _due_hours(session, since)
        end_of_hour = (hour + 1) * part
        if held["credited_s"] >= end_of_hour - 1e-6 or held["hour_credited"]:
            problems.append(
                f"lesson {lesson.lesson_id} hour {hour + 1} of {lesson.lesson_hours}: credited to"
                f" {held['credited_s']:g} s, its end at {end_of_hour:g} s, with its quiz"
                " unanswered"
            )
            break
        if hour not in due:
            problems.append(
                f"lesson {lesson.lesson_id} hour {hour + 1}: held at {held['credited_s']:g} s"
                f" without `quiz_due: {hour}` (announced: {sorted(due) or 'none'})"
            )
            break
        taker.ignoring = False
        session.take_quiz(hour)
        taker.ignoring = True
    if not problems:
        taker.ignoring = False
        session.watch_to_end(step=LONG_LESSON_STEP_S)
        session.settle_capture()
        released = _lesson_row(probe, enrolled, lesson.lesson_id)
        rows.append({"all_answered": True, "row": released})
        if not released["hour_credited"] or released["credited_s"] < lesson.duration_s:
            problems.append(
                f"lesson {lesson.lesson_id}: every hour's quiz answered and watched to its end,"
                f" shown {released}"
            )
    evidence = {
        "long_lesson": lesson.model_dump(mode="json"),
        "course_id": enrolled.course.course_id,
        "part_s": part,
        "rows": rows,
        "answers_given": [given_json(g) for g in taker.given],
        "journal": session.sent,
    }
    return problems, evidence


@check("EXAM-01")
def an_hours_last_minutes_wait_for_its_quiz(probe: Probe) -> None:
    """A learner who watches a lesson hour to its end but leaves its questions unanswered gets
    the hour not credited (its last minutes held back) and is told the quiz is due; answering
    them releases the hour; every answer is kept with the question, the option and a time
    between the harness's readings of the platform clock before and after it.

    Space: the honest learner ignoring the quiz (the cheat: credit without a test), its player
    stopping at the gate as told; then the same player playing on past the gate for `PLAY_ON_BEATS`
    intervals in real-time steps (a player that ignores `quiz_due`): each of those heartbeats must
    earn 0 s, not a creeping second beyond the gate; then the learner answering all of the hour's
    questions but its last and playing on again (every question is needed, not most: 0 s a heartbeat
    and `quiz_due` still announced); then the last answered (a compliant platform must not keep the
    hour locked). Before answering, every question of the due hour is sent each answer that is not
    one of its option keys (`_off_key_options`: the letter after its last key, every key at once,
    nothing): each must be refused with a 4xx, or a guess at every option (or at a key the question
    lacks) would be stored as final and count toward the hour. And the first lesson of several hours
    the platform offers (the reference's junior course B ends with a 2 h lesson): the learner
    ignoring each hour's quiz in turn is held inside that hour (before its part's end) with that
    hour's `quiz_due`, not at the lesson's end; answering releases the next hour
    (`long_lesson_gate_problems`)."""
    long_problems, long_evidence = long_lesson_gate_problems(probe)
    probe.evidence.attach_json("quiz-gates-of-a-long-lesson", long_evidence)
    if long_problems:
        raise CheckFailure(
            "A lesson of several hours does not hold each hour for its own quiz",
            received=long_problems,
            expected="each hour held before its end until its questions are answered",
        )
    course = _approved(probe)[0]
    taker = QuizTaker(key_source=probe.clock.quiz_key, ignoring=True)
    enrolled = study_setup(probe, course=course, quiz=taker)
    session = study(probe, enrolled, 0)
    session.watch_to_end(step=900)
    session.settle_capture()
    due_seen = any(e.get("quiz_due") is not None for e in session.sent)
    played_on = _play_on_past_the_gate(session)
    held = _lesson_row(probe, enrolled, session.lesson.lesson_id)
    due_hour = next((int(e["quiz_due"]) for e in session.sent if e.get("quiz_due") is not None), 0)
    hour_questions = [
        q
        for q in taker.questions(probe.platform, enrolled.token, course.course_id)
        if q.lesson_id == session.lesson.lesson_id and q.hour == due_hour
    ]
    off_key = _answer_off_key(probe, enrolled.token, hour_questions)
    taker.ignoring, taker.leave_unanswered = False, 1
    session.take_quiz(due_hour)  # all of the hour's questions but its last
    played_on_partly = _play_on_past_the_gate(session)
    held_partly = _lesson_row(probe, enrolled, session.lesson.lesson_id)
    taker.leave_unanswered = 0
    session.watch_to_end(step=300)  # the player asks again; the quiz is answered when due
    session.settle_capture()
    released = _lesson_row(probe, enrolled, session.lesson.lesson_id)
    after = probe.time.now()
    recorded = probe.supervisor.quiz_answers(enrolled.learner.learner_id or "")
    probe.evidence.attach_json(
        "quiz-gate",
        {
            "lesson": session.lesson.model_dump(mode="json"),
            "journal": session.sent,
            "unanswered": held,
            "answered": released,
            "answers_given": [given_json(g) for g in taker.given],
            "answers_recorded": [r.model_dump(mode="json") for r in recorded],
            "quiz_due_announced": due_seen,
            "played_on_past_the_gate": played_on,
            "answers_off_the_keys": off_key,
            "one_question_unanswered": held_partly,
            "played_on_with_one_question_unanswered": played_on_partly,
        },
    )
    stored = [a for a in off_key if not a["refused"]]
    if stored:
        raise CheckFailure(
            "An answer that is not one of the question's option keys was accepted",
            received=stored[:10],
            expected="422 (any 4xx) for an option the question does not have; nothing stored",
        )
    earned_past_gate = [a for a in played_on if a.get("credited_delta_s")]
    if due_seen and earned_past_gate:
        raise CheckFailure(
            "A player that played on past the quiz gate earned credit there",
            received=earned_past_gate,
            expected="every heartbeat past the gate, while the quiz is unanswered, earns 0 s",
        )
    if held["hour_credited"] or held["credited_s"] >= held["duration_s"]:
        raise CheckFailure(
            "A lesson hour was credited to its end with its quiz unanswered",
            received=held,
            expected="hour not credited, its last minutes held back until the quiz is answered",
        )
    if not due_seen:
        raise CheckFailure(
            "The platform never said the hour's quiz was due",
            received={"quiz_due_announced": due_seen, "lesson": held},
            expected="`quiz_due` in a heartbeat answer once the hour's questions are needed",
        )
    partly_released = [a for a in played_on_partly if a.get("credited_delta_s")] + (
        [held_partly]
        if held_partly["hour_credited"] or held_partly["credited_s"] >= held_partly["duration_s"]
        else []
    )
    if partly_released:
        raise CheckFailure(
            "A lesson hour was released with one of its questions unanswered",
            received=partly_released,
            expected="the hour held (0 s past the gate) until all its questions are answered",
        )
    unannounced = [a for a in played_on_partly if "quiz_due" not in a]
    if unannounced:
        raise CheckFailure(
            "The quiz stopped being due with one of its questions unanswered",
            received=unannounced,
            expected="`quiz_due` in every heartbeat answer until the hour's questions are answered",
        )
    refused = [given_json(g) for g in taker.given if g.refused]
    if refused:
        raise CheckFailure(
            "Answers to the due quiz were refused", received=refused, expected="accepted"
        )
    if not released["hour_credited"] or released["credited_s"] < released["duration_s"]:
        raise CheckFailure(
            "Answering the quiz did not release the lesson hour",
            received=released,
            expected="the hour credited once its questions are answered",
        )
    _answers_kept_with_time(taker.given, recorded, after)
    probe.evidence.note(
        f"held at {held['credited_s']:g} of {held['duration_s']} s unanswered; "
        f"credited after {len(taker.given)} answers"
    )


def _off_key_options(question: QuestionOut) -> list[str]:
    """Answers a single-choice question must refuse: the key after its last (a platform that
    checks against a longer key list than the question's), every key at once (a guess at all of
    them), and no key."""
    keys = [o.key for o in question.options]
    last = max(keys, default="@")[-1:] or "@"
    beyond = next((chr(c) for c in range(ord(last) + 1, ord("Z") + 1) if chr(c) not in keys), "Z9")
    return [beyond, ",".join(keys), ""]


def _answer_off_key(probe: Probe, token: str, questions: list[QuestionOut]) -> list[dict]:
    """Send every off-key answer to every question; what the platform made of each."""
    return [
        {
            "question_id": question.question_id,
            "option": option,
            "refused": _refusal(probe, token, question.question_id, option),
        }
        for question in questions
        for option in _off_key_options(question)
    ]


def _refusal(probe: Probe, token: str, question_id: str, option: str) -> str | None:
    """Answer a question outside the quiz taker; the refusal ("409 …") or None when taken. A
    refused token is no answer to the probe: the check cannot judge then."""
    outcome = attempt(lambda: probe.platform.answer_question(token, question_id, option))
    if not isinstance(outcome, Refused):
        return None
    if outcome.status == 401:
        raise CannotProbe("quiz answers", f"the learner's token was refused: {outcome}")
    return f"{outcome.status} {outcome.detail}"


def _lesson_row(probe: Probe, enrolled: Enrolled, lesson_id: str) -> dict:
    rows = probe.supervisor.progress(enrolled.learner.learner_id or "", enrolled.course.course_id)
    row = next((r for r in rows if r.lesson_id == lesson_id), None)
    if row is None:
        raise CannotProbe("the quiz gate", f"no supervision progress for lesson {lesson_id}")
    return row.model_dump(mode="json")


def _answers_kept_with_time(given: list[GivenAnswer], recorded: list, after: dt.datetime) -> None:
    """Every accepted answer appears once in the supervision view, as given, timed in between
    the harness's clock readings before it was sent and after all were sent."""
    by_question = {}
    for row in recorded:
        by_question.setdefault(row.question_id, []).append(row)
    wrong = []
    for answer in (g for g in given if g.refused is None):
        rows = by_question.get(answer.question_id, [])
        row = rows[0] if len(rows) == 1 else None
        if row is None or row.option != answer.option:
            wrong.append({"given": given_json(answer), "recorded": [r.option for r in rows]})
            continue
        if not (answer.sent_after - CLOCK_TOLERANCE <= row.answered_at <= after + CLOCK_TOLERANCE):
            wrong.append({"given": given_json(answer), "recorded_at": row.answered_at.isoformat()})
    if wrong:
        raise CheckFailure(
            "Quiz answers are not kept as given, with their time",
            received=wrong[:10],
            expected="each answer once in /supervision/quiz-answers, same option, timed when sent",
        )


@check("EXAM-02")
def course_passes_at_sixty_percent_accuracy_and_not_below(probe: Probe) -> None:
    """A learner with every required hour credited but accuracy at the largest count below 60 %
    (e.g. 119 of 200) has not completed the course; one more credited hour answered so that the
    accuracy is the smallest count at or above 60 % (e.g. 123 of 205, exactly 60 %) completes it.

    Space: both sides of the pass mark, one question apart; the hours requirement met on both sides
    (so only the accuracy decides); accuracy recomputed by the harness from its own answers over
    every question of the credited hours, as shown to the learner. On the side below, the learner
    has also answered every question of the course's last lesson right without studying it
    (`answer_ahead`: the interface lets a learner answer at any time once enrolled): that lesson is
    not credited, so its right answers are not the accuracy's and the course stays not completed (a
    platform counting every right answer the learner gave passes it); and it has sent
    `ANSWERED_AGAIN` of its wrong answers again with the right option: answers are final, so each is
    refused and the accuracy stays below (a platform taking the last answer, or any right one, lets
    a learner try every option). Then one more lesson opened and watched 10 minutes, its questions
    unanswered: not credited, so its questions are not the accuracy's, and the pass at exactly 60 %
    stands."""
    percent = round(load_catalogue().get("EXAM-02").params["pass_accuracy"] * 100)
    minimum = load_catalogue().get("COURSE-05").params["min_credited_hours"]
    courses = [c for c in _approved(probe) if c.level in minimum]
    course = min(courses, key=lambda c: minimum[c.level])
    required = minimum[course.level]
    plan = BoundaryPlan(percent)
    taker = QuizTaker(key_source=probe.clock.quiz_key, plan=plan)
    enrolled = study_setup(probe, course=course, quiz=taker)
    if len(enrolled.lessons) <= required:
        raise CannotProbe("the pass mark", f"{course.course_id} has no lesson beyond {required}")
    learner_id = enrolled.learner.learner_id or ""
    questions = taker.questions(probe.platform, enrolled.token, course.course_id)
    ahead = answer_ahead(probe, enrolled, taker, len(enrolled.lessons) - 1, all_right)
    sides: list[dict] = []
    changed: list[dict] = []
    for index in range(required + 1):
        if index == required:
            plan.mode = "reach"
        session = study(probe, enrolled, index)
        session.watch_to_end(step=900)
        session.settle_capture()
        if index == required - 1:
            changed = _answer_again(probe, enrolled, taker)
        if index >= required - 1:
            sides.append(standing_of(probe, enrolled, learner_id, questions, taker.given))
    below, reached = sides
    opened_only = _open_a_lesson_beyond(probe, enrolled, required + 1)
    after_opening = None
    if opened_only is not None:
        after_opening = standing_of(probe, enrolled, learner_id, questions, taker.given)
    probe.evidence.attach_json(
        "pass-mark",
        {
            "course": course.model_dump(mode="json"),
            "required_hours": required,
            "pass_percent": percent,
            "answered_ahead_not_studied": [given_json(g) for g in ahead],
            "wrong_answers_sent_again_right": changed,
            "below": below,
            "reached": reached,
            "after_a_lesson_opened_not_credited": after_opening,
            "opened_not_credited": opened_only,
            "answers_given": [given_json(g) for g in taker.given],
        },
    )
    for side in sides:
        if side["credited_hours"] < required:
            raise CannotProbe(
                "the pass mark", f"honest study credited only {side['credited_hours']} hours"
            )
        if side["unscored"]:
            raise CannotProbe("the pass mark", "an answer could not be scored by the answer key")
    if not ahead or any(g.refused for g in ahead):
        raise CannotProbe(
            "the pass mark",
            f"answers to lesson {len(enrolled.lessons)} before studying it were refused or none",
        )
    if 100 * below["correct"] >= percent * below["questions"]:
        raise CannotProbe("the pass mark", "the plan did not stay below the pass mark")
    if not changed:
        raise CannotProbe("the pass mark", "no wrong answer to send again")
    taken_again = [c for c in changed if not c["refused"]]
    if taken_again:
        raise CheckFailure(
            "A quiz answer could be changed after it was given",
            received=taken_again,
            expected="answers are final: a second answer to a question is refused (409)",
        )
    if below["completed"]:
        raise CheckFailure(
            f"The course counts as passed at {below['correct']} of {below['questions']} right",
            received={"standing": below, "answered_right_in_a_lesson_not_studied": len(ahead)},
            expected=f"not completed below {percent} % (100 × correct < {percent} × questions)",
        )
    if 100 * reached["correct"] < percent * reached["questions"]:
        raise CannotProbe("the pass mark", "the plan did not reach the pass mark")
    if not reached["completed"]:
        raise CheckFailure(
            f"The course is not passed at {reached['correct']} of {reached['questions']} right",
            received=reached,
            expected=f"completed at ≥ {percent} % with the required hours credited",
        )
    if after_opening is not None and not after_opening["completed"]:
        raise CheckFailure(
            "A lesson opened but not credited counted toward the quiz accuracy",
            received={"opened_not_credited": opened_only, "standing": after_opening},
            expected="accuracy over the credited hours' questions only: still completed",
        )
    probe.evidence.note(
        f"not completed at {below['correct']}/{below['questions']}, "
        f"completed at {reached['correct']}/{reached['questions']}"
        + (", still completed with one more lesson opened, not credited" if opened_only else "")
    )


ANSWERED_AGAIN = 3  # wrong answers of the side below the mark sent again, right


def _answer_again(probe: Probe, enrolled: Enrolled, taker: QuizTaker) -> list[dict]:
    """Send the right option to `ANSWERED_AGAIN` questions the learner answered wrong (from
    different lessons); what the platform made of each."""
    key = taker.key(enrolled.course.course_id)
    wrong, lessons = [], set()
    for given in taker.given:
        if given.correct is False and given.refused is None and given.lesson_id not in lessons:
            wrong.append(given)
            lessons.add(given.lesson_id)
    enrolled.renew_if_expiring(probe.time.now(), dt.timedelta(minutes=10))
    return [
        {
            "question_id": given.question_id,
            "first": given.option,
            "again": key[given.question_id],
            "refused": _refusal(probe, enrolled.token, given.question_id, key[given.question_id]),
        }
        for given in wrong[:ANSWERED_AGAIN]
    ]


OPENED_ONLY_WATCH_S = 600  # of a lesson opened after the pass: far from its quiz gate and end


def _open_a_lesson_beyond(probe: Probe, enrolled: Enrolled, index: int) -> dict | None:
    """Open lesson `index` and watch its first minutes, its questions unanswered: the lesson is
    not credited, so its questions are not the accuracy's (the interface: every question of the
    credited lesson hours). None when the course has no such lesson."""
    if index >= len(enrolled.lessons):
        return None
    session = study(probe, enrolled, index)
    session.watch(OPENED_ONLY_WATCH_S, step=300)
    return {"lesson_id": session.lesson.lesson_id, "watched_s": OPENED_ONLY_WATCH_S}
