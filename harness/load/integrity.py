"""LOAD-02: what every learner was acknowledged under load, reconciled with the supervision view.

Judged from outside (DESIGN.md, "observe, don't trust"): the HR authority's supervision account
must show every acknowledged heartbeat (by its seq), the lesson's credit the last acknowledged
heartbeat announced, every acknowledged capture answer with its verdict and every acknowledged
quiz answer — once. The space it covers, per learner: heartbeats (present / missing / twice /
unsent), the lesson's credited seconds (short / over), captures (missing / verdict changed /
counted twice in `captures_passed`), quiz answers (missing / twice). An attempt whose outcome is
unknown (no answer, a 5xx) is allowed either way and makes its totals unverifiable rather than
wrong, so a slow platform is judged by LOAD-01, not blamed here for what it never acknowledged.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from harness.load.ledger import LearnerLedger
from harness.supervision import SupervisionClient

CREDIT_TOLERANCE_S = 0.01  # the wire rounds seconds; nothing else is allowed
RECONCILE_THREADS = 4


@dataclass
class Integrity:
    checked: int = 0  # acknowledged records and totals compared with the supervision view
    lost: int = 0
    double: int = 0
    learners: int = 0
    # learners who studied but whose ledger never arrived (a user ended by force): not vouched for
    unreported: int = 0
    error: str | None = None  # why the supervision view could not be reconciled at all
    findings: list[dict[str, object]] = field(default_factory=list)  # the first few, as evidence

    def add(self, other: Integrity) -> None:
        self.checked += other.checked
        self.lost += other.lost
        self.double += other.double
        self.learners += other.learners
        self.findings.extend(other.findings[: max(0, 20 - len(self.findings))])

    def as_dict(self) -> dict[str, object]:
        return {
            "checked": self.checked,
            "lost": self.lost,
            "double": self.double,
            "learners": self.learners,
            "unreported": self.unreported,
            "error": self.error,
            "findings": self.findings,
        }


def reconcile_learner(supervisor: SupervisionClient, ledger: LearnerLedger) -> Integrity:
    result = Integrity(learners=1)

    def finding(kind: str, what: str, **detail: object) -> None:
        if kind == "lost":
            result.lost += 1
        else:
            result.double += 1
        result.findings.append({"learner_id": ledger.learner_id, kind: what, **detail})

    rows = [h for h in supervisor.heartbeats(ledger.playback_id) if h.accepted]
    seen = Counter(h.seq for h in rows)
    unknown = set(ledger.heartbeats_unknown)
    for seq, (accepted, _, _) in ledger.heartbeats.items():
        if not accepted:
            continue
        result.checked += 1
        if seen[seq] == 0:
            finding("lost", "acknowledged heartbeat", seq=seq)
    for seq, count in seen.items():
        sent = seq in ledger.heartbeats or seq in unknown
        if count > 1 or not sent:
            finding("double", "heartbeat kept more than once", seq=seq, rows=count)

    lesson = next(
        (p for p in supervisor.progress(ledger.learner_id) if p.lesson_id == ledger.lesson_id),
        None,
    )
    shown_credit = lesson.credited_s if lesson else 0.0
    acknowledged = ledger.acknowledged_credit_s
    result.checked += 1
    if shown_credit < acknowledged - CREDIT_TOLERANCE_S:
        finding("lost", "acknowledged credit", acknowledged_s=acknowledged, shown_s=shown_credit)
    elif not unknown and shown_credit > acknowledged + CREDIT_TOLERANCE_S:
        finding("double", "credit", acknowledged_s=acknowledged, shown_s=shown_credit)

    captures = {c.challenge_id: c for c in supervisor.captures(ledger.learner_id)}
    for challenge_id, passed in ledger.captures.items():
        result.checked += 1
        row = captures.get(challenge_id)
        if row is None or row.answered_at is None or row.passed is not passed:
            finding("lost", "acknowledged capture answer", challenge_id=challenge_id)
    passed_count = sum(1 for p in ledger.captures.values() if p)
    shown_passed = lesson.captures_passed if lesson else 0
    if ledger.captures:
        result.checked += 1
    if shown_passed > passed_count + len(ledger.captures_unknown):
        finding("double", "passed capture", acknowledged=passed_count, shown=shown_passed)

    answers = Counter(a.question_id for a in supervisor.quiz_answers(ledger.learner_id))
    for question_id in ledger.answers:
        result.checked += 1
        if answers[question_id] == 0:
            finding("lost", "acknowledged quiz answer", question_id=question_id)
    for question_id, count in answers.items():
        if count > 1:
            finding("double", "quiz answer kept more than once", question_id=question_id)
    return result


def reconcile(supervisor: SupervisionClient, ledgers: list[LearnerLedger]) -> Integrity:
    """Every learner's ledger against the supervision view (a few learners at a time)."""
    total = Integrity()
    with ThreadPoolExecutor(RECONCILE_THREADS) as pool:
        for one in pool.map(lambda ledger: reconcile_learner(supervisor, ledger), ledgers):
            total.add(one)
    return total
