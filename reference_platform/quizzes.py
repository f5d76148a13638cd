"""The quiz rules (EXAM-01, EXAM-02): questions per lesson hour, the quiz gate, the pass mark.

What compliant means, for a vendor:

* Every lesson hour has at least 5 questions (随学随测、学考同步, EXAM-01).
* The hour's last minutes cannot be credited until all of its questions are answered: credit stops
  at the hour's *quiz gate*, `gate_before_hour_end_s` before the hour ends, and the heartbeat
  answer names the hour in `quiz_due` until its questions are answered.
* Answers are final and kept with their time.
* Accuracy is taken over every question of the learner's credited lesson hours (an unanswered one
  counts as wrong), and passes at 60 % or more, computed exactly in integers:
  `100 × correct ≥ 60 × questions` (3 of 5 passes, 119 of 200 fails). A course is completed when
  the level's lesson hours are credited (COURSE-05) *and* the accuracy passes (EXAM-02).

The numbers are one `QuizRules` value, so a deployment can change the gate without touching the
code that applies it (`SXCERT_REF_QUIZ_GATE_SECONDS`, `PlatformSettings.quiz_rules`).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reference_platform.defects import ActiveDefects

OPTION_KEYS = ("A", "B", "C", "D")
_SYSTEM_RANDOM = random.SystemRandom()
SHORT_QUIZ_LESSON_SEQ = 3  # four_questions_in_one_hour: this lesson's hour loses a question


@dataclass(frozen=True)
class QuizRules:
    questions_per_hour: int = 5
    gate_before_hour_end_s: float = 300.0
    pass_percent: int = 60


DEFAULT_RULES = QuizRules()


@dataclass(frozen=True)
class BankQuestion:
    """A question as the bank stores it: `number` is its place (1-based) within its hour."""

    question_id: str
    hour: int
    number: int
    text: str
    options: tuple[str, ...]
    correct_option: str


def question_bank(
    lesson_id: str,
    title: str,
    lesson_hours: int,
    rules: QuizRules = DEFAULT_RULES,
    rng: random.Random = _SYSTEM_RANDOM,
) -> list[BankQuestion]:
    """The questions of one lesson: `questions_per_hour` per lesson hour, the correct option
    drawn at random (so "always A" is not a strategy)."""
    bank = []
    for hour in range(max(1, lesson_hours)):
        for number in range(1, rules.questions_per_hour + 1):
            bank.append(
                BankQuestion(
                    question_id=f"{lesson_id}-h{hour}-q{number}",
                    hour=hour,
                    number=number,
                    text=f"{title}（第{hour + 1}课时）第{number}题：下列说法哪一项正确？",
                    options=tuple(f"选项{key}" for key in OPTION_KEYS),
                    correct_option=rng.choice(OPTION_KEYS),
                )
            )
    return bank


def questions_set(
    lesson_seq: int, numbers: Iterable[tuple[int, int]], defects: ActiveDefects
) -> set[tuple[int, int]]:
    """The (hour, number) pairs of a lesson's questions that are put to learners."""
    asked = set(numbers)
    if lesson_seq == SHORT_QUIZ_LESSON_SEQ and defects.active("four_questions_in_one_hour"):
        asked = {(hour, number) for hour, number in asked if not (hour == 0 and number == 5)}
    return asked


def quiz_gates(duration_s: float, lesson_hours: int, rules: QuizRules) -> list[float]:
    """Each hour's gate, in seconds from the lesson's start: its end minus the gate window."""
    hours = max(1, lesson_hours)
    hour_s = duration_s / hours
    return [max(0.0, (hour + 1) * hour_s - rules.gate_before_hour_end_s) for hour in range(hours)]


@dataclass(frozen=True)
class QuizGate:
    ceiling_s: float | None  # credit may not pass this point (None: no quiz holds it back)
    due_hour: int | None  # the hour whose questions are due now


def quiz_gate(
    furthest_s: float,
    duration_s: float,
    lesson_hours: int,
    answered_hours: Iterable[int],
    rules: QuizRules,
    defects: ActiveDefects,
) -> QuizGate:
    """Where credit stops for want of answers, and whether the learner has reached it."""
    if defects.active("credits_hour_without_quiz"):
        return QuizGate(None, None)
    done = set(answered_hours)
    gates = quiz_gates(duration_s, lesson_hours, rules)
    if defects.active("quiz_gates_at_lesson_end"):
        gates = [gates[-1]] * len(gates)  # "the lesson's quiz": every hour's questions at its end
    for hour, gate in enumerate(gates):
        if hour not in done:
            return QuizGate(gate, hour if furthest_s >= gate - 1e-6 else None)
    return QuizGate(None, None)


def accuracy_passes(correct: int, questions: int, rules: QuizRules, defects: ActiveDefects) -> bool:
    """`100 × correct ≥ pass_percent × questions`, in integers; no questions is no pass."""
    percent = 50 if defects.active("passes_at_50_percent") else rules.pass_percent
    if questions == 0:
        return False
    if defects.active("rounds_accuracy_to_whole_percent"):
        return round(100 * correct / questions) >= percent
    return 100 * correct >= percent * questions


def hours_answered(asked: Sequence[tuple[int, int]], answered: Iterable[tuple[int, int]]) -> set:
    """The hours all of whose asked questions have an answer."""
    by_hour: dict[int, set[int]] = {}
    for hour, number in asked:
        by_hour.setdefault(hour, set()).add(number)
    got: dict[int, set[int]] = {}
    for hour, number in answered:
        got.setdefault(hour, set()).add(number)
    return {hour for hour, numbers in by_hour.items() if numbers <= got.get(hour, set())}
