"""What one simulated learner was acknowledged during a load run, for LOAD-02's reconciliation.

Acknowledged means a 2xx answer: the platform said it took the heartbeat, the capture answer or
the quiz answer. An attempt without an answer (timeout, 5xx) has an unknown outcome: the
platform may or may not have kept it, so it is neither lost if missing nor double if present.

Every attempt is written down as unknown *before* it is sent (`sending_*`) and settled when its
answer comes: a learner that locust stops at the run's end while its request is in flight has
sent something whose outcome it never learns, and the platform may well have kept it (the
20,000-learner run of stop 29 showed 26 captures the platform passed and no learner's ledger
named: counted "double" before this).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class LearnerLedger:
    learner_id: str
    playback_id: str
    lesson_id: str
    # seq → (accepted, credited_delta_s, credited_s) as answered
    heartbeats: dict[int, tuple[bool, float, float]] = field(default_factory=dict)
    heartbeats_unknown: list[int] = field(default_factory=list)
    captures: dict[str, bool] = field(default_factory=dict)  # challenge id → passed
    captures_unknown: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # question ids
    answers_unknown: list[str] = field(default_factory=list)

    def sending_heartbeat(self, seq: int) -> None:
        self.heartbeats_unknown.append(seq)

    def heartbeat(self, seq: int, answer: dict[str, Any]) -> None:
        _settle(self.heartbeats_unknown, seq)
        self.heartbeats[seq] = (
            bool(answer.get("accepted")),
            float(answer.get("credited_delta_s") or 0.0),
            float(answer.get("credited_s") or 0.0),
        )

    def heartbeat_refused(self, seq: int) -> None:
        _settle(self.heartbeats_unknown, seq)

    def sending_capture(self, challenge_id: str) -> None:
        self.captures_unknown.append(challenge_id)

    def capture(self, challenge_id: str, passed: bool) -> None:
        _settle(self.captures_unknown, challenge_id)
        self.captures[challenge_id] = passed

    def capture_refused(self, challenge_id: str) -> None:
        _settle(self.captures_unknown, challenge_id)

    def sending_answer(self, question_id: str) -> None:
        self.answers_unknown.append(question_id)

    def answer(self, question_id: str) -> None:
        _settle(self.answers_unknown, question_id)
        self.answers.append(question_id)

    def answer_refused(self, question_id: str) -> None:
        _settle(self.answers_unknown, question_id)

    @property
    def acknowledged_credit_s(self) -> float:
        """The lesson's credited total the platform last announced (0 when nothing answered)."""
        return max((credited for _, _, credited in self.heartbeats.values()), default=0.0)

    @property
    def records(self) -> int:
        return len(self.heartbeats) + len(self.captures) + len(self.answers)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["heartbeats"] = [[seq, *values] for seq, values in self.heartbeats.items()]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LearnerLedger:
        beats = {
            int(row[0]): (bool(row[1]), float(row[2]), float(row[3]))
            for row in data.pop("heartbeats")
        }
        return cls(heartbeats=beats, **data)


def _settle(unknown: list[Any], item: Any) -> None:
    """An attempt's answer came: its outcome is known (the last one sent is the one answered)."""
    for index in range(len(unknown) - 1, -1, -1):
        if unknown[index] == item:
            del unknown[index]
            return


def read_ledgers(folder: Path) -> list[LearnerLedger]:
    """Every learner's ledger the locust processes wrote into `folder`."""
    ledgers: list[LearnerLedger] = []
    for path in sorted(folder.glob("ledger-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                ledgers.append(LearnerLedger.from_dict(json.loads(line)))
    return ledgers
