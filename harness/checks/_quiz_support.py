"""Quiz helpers shared by the EXAM and POST-02 checks: a plan that puts a learner's accuracy
exactly at the pass mark's edge, and the harness's own scoring of what it answered."""

from __future__ import annotations

from dataclasses import dataclass

from harness.failures import CannotProbe
from harness.probe import Probe
from harness.scenarios.quiz import GivenAnswer, Plan, QuizTaker
from harness.scenarios.study import Enrolled
from harness.spec.quizzes import QuestionOut


@dataclass
class BoundaryPlan:
    """How many of each hour's questions to answer right so that the course's accuracy sits
    exactly at the pass mark's edge: `below` keeps it at the largest count that still fails
    (100·R < 60·T), `reach` answers the fewest that make it pass (100·R ≥ 60·T)."""

    percent: int
    mode: str = "below"
    right: int = 0
    total: int = 0
    # right answers beyond the fewest that pass, in `reach` mode: a pass a little above the mark,
    # whose percentage has more than two decimals (POST-02's score rounding)
    reach_margin: int = 0

    def __call__(self, _lesson_id: str, _hour: int, questions: int) -> int:
        total = self.total + questions
        if self.mode == "below":
            choice = max(
                r for r in range(questions + 1) if 100 * (self.right + r) < self.percent * total
            )
        else:
            fits = [
                r for r in range(questions + 1) if 100 * (self.right + r) >= self.percent * total
            ]
            choice = min(questions, fits[0] + self.reach_margin) if fits else questions
        self.right, self.total = self.right + choice, total
        return choice


def given_json(answer: GivenAnswer) -> dict:
    return {
        "question_id": answer.question_id,
        "lesson_id": answer.lesson_id,
        "hour": answer.hour,
        "option": answer.option,
        "correct_by_key": answer.correct,
        "sent_after": answer.sent_after.isoformat(),
        "refused": answer.refused,
    }


def standing_of(
    probe: Probe,
    enrolled: Enrolled,
    learner_id: str,
    questions: list[QuestionOut],
    given: list[GivenAnswer],
) -> dict:
    """The harness's own accuracy over the questions of the hours the supervision view shows
    credited, beside the view's `completed`."""
    progress = probe.supervisor.progress(learner_id, enrolled.course.course_id)
    credited = {r.lesson_id for r in progress if r.hour_credited}
    hours = sum(r.lesson_hours for r in progress if r.hour_credited)
    asked = [q for q in questions if q.lesson_id in credited]
    answers = {g.question_id: g for g in given if g.refused is None}
    correct = sum(1 for q in asked if q.question_id in answers and answers[q.question_id].correct)
    unscored = sum(
        1 for q in asked if q.question_id in answers and answers[q.question_id].correct is None
    )
    row = next(
        (
            p
            for p in probe.supervisor.course_progress(learner_id)
            if p.course_id == enrolled.course.course_id
        ),
        None,
    )
    if row is None:
        raise CannotProbe("the pass mark", "the supervision view shows no course progress")
    return {
        "credited_hours": hours,
        "questions": len(asked),
        "correct": correct,
        "unscored": unscored,
        "completed": row.completed,
        "supervision": row.model_dump(mode="json"),
    }


def answer_ahead(
    probe: Probe, enrolled: Enrolled, taker: QuizTaker, index: int, plan: Plan
) -> list[GivenAnswer]:
    """Answer every question of lesson `index` by `plan` before studying it (its hours not
    credited), outside the taker's own plan: answers the interface lets a learner give at any
    time once enrolled, and which count for nothing until their hour is credited."""
    lesson, course_id = enrolled.lessons[index], enrolled.course.course_id
    kept, taker.plan = taker.plan, plan
    try:
        return [
            given
            for hour in range(max(1, lesson.lesson_hours))
            for given in taker.take(
                probe.platform, enrolled.token, course_id, lesson.lesson_id, hour, probe.time.now
            )
        ]
    finally:
        taker.plan = kept
