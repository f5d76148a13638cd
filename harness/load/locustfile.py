"""The locust workload: learners of the cohort studying in real time (LOAD-01, LOAD-02).

Runs only inside a locust process (`harness/load/runner.py` starts it; never the certify
process). Each simulated user takes one learner of the cohort (`harness/load/cohort.py`: already
signed in with liveness, enrolled, its lesson open, the platform clock one lesson on; some at
their hour's end, the others at their lesson's start) and, every
heartbeat interval, plays on: a heartbeat at the position an honest player has reached, the
hour's quiz when the platform says it is due (one question per heartbeat interval: a person
reads before answering, and five answers in a second are what POST-06 flags as brushing), the
capture challenge when one is open; it leaves (logs out) at a moment of its own in the run's
last heartbeat interval, as a crowd does, not all in the same second.

It speaks docs/interface.md's learner protocol directly (FastHttpUser, for the rate a 2-core
machine can make) and writes down everything the platform *acknowledged* (a 2xx
answer) and everything whose outcome is unknown (no answer, a 5xx): the ledger that LOAD-02
reconciles with the supervision view afterwards (`harness/load/integrity.py`).

Configured by environment (set by the runner): SXCERT_LOAD_COHORT (the cohort JSON),
SXCERT_LOAD_LEDGER (a folder; one JSON-lines file per process), SXCERT_LOAD_SLICE (`k/W`: this
worker takes every W-th learner from the k-th), SXCERT_LOAD_PACING (seconds between a learner's
heartbeats; by default the platform's heartbeat interval), SXCERT_LOAD_DURATION (the timed run's
seconds, counted from this process's first learner; unset: learners leave when the run is
stopped), SXCERT_LOAD_CALL_DEADLINE_S (the bound of one call as a whole; 10 s unless set).
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, task
from locust.exception import StopUser

from harness.load.cohort import Cohort, CohortLearner, QuizQuestion
from harness.load.crowd import first_beat_delay, leaving_moment, next_question
from harness.load.ledger import LearnerLedger
from harness.load.runner import call_deadline_s


class _Seats:
    """This process's share of the cohort, handed out one learner per user."""

    def __init__(self) -> None:
        self._free: list[CohortLearner] | None = None
        self.questions: list[QuizQuestion] = []

    def take(self) -> CohortLearner | None:
        if self._free is None:
            cohort = Cohort.read(Path(os.environ["SXCERT_LOAD_COHORT"]))
            index, of = (int(x) for x in os.environ.get("SXCERT_LOAD_SLICE", "0/1").split("/"))
            self._free = list(reversed(cohort.learners[index::of]))
            self.questions = cohort.questions
        return self._free.pop() if self._free else None


SEATS = _Seats()
# One call's bound as a whole, connect to last byte. geventhttpclient bounds each socket read by
# `network_timeout` only, so a target that trickles its answer a byte at a time inside it holds
# the call as long as it likes — and hides it: locust records a request when it ends, and a run
# stopped while its calls trickle records none of them. A call cut here is a failed request
# (locust counts gevent's Timeout as a failure, "no answer").
CALL_DEADLINE_S = call_deadline_s()
_RUN_STARTED: list[float] = []  # this process's first learner's start (monotonic)


def _write_ledger(record: dict[str, Any]) -> None:
    folder = Path(os.environ["SXCERT_LOAD_LEDGER"])
    with (folder / f"ledger-{os.getpid()}.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


class StudyingLearner(FastHttpUser):
    """One learner of the cohort, studying its open lesson in real time."""

    network_timeout = 10.0
    connection_timeout = 10.0

    def wait_time(self) -> float:
        """Constant pacing: one heartbeat per interval, whatever the answer's latency; the
        learner's leaving moment cuts the last wait short."""
        next_tick = self.tick_started + self.pacing
        return max(0.0, min(next_tick, self.leaves_at) - time.monotonic())

    def on_start(self) -> None:
        seat = SEATS.take()
        if seat is None:
            raise StopUser()  # more users than learners: the runner prepares enough
        self.me = seat
        self.pacing = float(os.environ.get("SXCERT_LOAD_PACING") or seat.heartbeat_interval_s)
        if not _RUN_STARTED:
            _RUN_STARTED.append(time.monotonic())
        duration = float(os.environ.get("SXCERT_LOAD_DURATION") or "inf")
        self.leaves_at = leaving_moment(_RUN_STARTED[0], duration, self.pacing, random.random())
        arrived = time.monotonic() - _RUN_STARTED[0]
        first_beat = first_beat_delay(arrived, duration, self.pacing, random.random())
        self.left = False
        self.questions_tried: set[str] = set()
        self.auth = {"Authorization": f"Bearer {seat.token}"}
        self.ledger = LearnerLedger(seat.learner_id, seat.playback_id, seat.lesson_id)
        self.seq = 0
        # At its hour's end, the player has run for a lesson's length since it opened
        # (cohort.py): it stands at the lesson's end until the platform holds it back. Else the
        # lesson has just opened.
        self.position = seat.lesson_duration_s if seat.at_hour_end else 0.0
        self.last_beat = time.monotonic()
        self.answered_challenges: set[str] = set()
        self.quiz_hours_done: set[int] = set()
        # the first tick is `first_beat` from now: its interval is taken to have begun before
        self.tick_started = time.monotonic() + first_beat - self.pacing

    def on_stop(self) -> None:
        if hasattr(self, "me"):
            self.leave()

    def leave(self) -> None:
        if self.left:
            return
        self.left = True
        try:
            with self._post("/api/v1/logout", None, "logout"):
                pass  # judged by locust on its status (a 204 has no JSON to read)
        finally:  # a learner stopped while logging out (the run's end) still reports
            _write_ledger(self.ledger.as_dict())

    @task
    def study(self) -> None:
        if time.monotonic() >= self.leaves_at:
            self.leave()
            raise StopUser()
        if time.monotonic() < self.tick_started + self.pacing:
            return  # locust runs a task at once on start; the first tick waits its moment
        self.tick_started = time.monotonic()
        answer = self.heartbeat()
        if answer is None:
            return
        if answer.get("quiz_due") is not None and answer["quiz_due"] not in self.quiz_hours_done:
            self.answer_next_question(int(answer["quiz_due"]))
        challenge = answer.get("challenge")
        if challenge and challenge["challenge_id"] not in self.answered_challenges:
            self.answer_capture(challenge["challenge_id"])

    def heartbeat(self) -> dict[str, Any] | None:
        now = time.monotonic()
        played = now - self.last_beat
        self.position = min(self.me.lesson_duration_s, self.position + played)
        self.seq += 1
        body = {
            "seq": self.seq,
            "position_s": round(self.position, 3),
            "rate": 1.0,
            "window_id": self.me.window_id,
            "paused": False,
        }
        path = f"/api/v1/playbacks/{self.me.playback_id}/heartbeats"
        self.ledger.sending_heartbeat(self.seq)  # unknown until answered (ledger.py)
        with self._post(path, body, "heartbeat") as response:
            answer = self._judge(response)
            if answer is None:
                return None
            if answer is False:
                self.ledger.heartbeat_refused(self.seq)
                return None
        self.last_beat = now
        self.ledger.heartbeat(self.seq, answer)
        if answer.get("reason") in ("seek", "speed") or answer.get("quiz_due") is not None:
            self.position = float(answer["furthest_position_s"])  # the player snaps back
        return answer

    def answer_next_question(self, hour: int) -> None:
        """One question of the hour per heartbeat interval; each is tried once (an answer of
        unknown outcome may have been kept, and a second try would be refused)."""
        question = next_question(SEATS.questions, self.me.lesson_id, hour, self.questions_tried)
        if question is None:
            self.quiz_hours_done.add(hour)
            return
        self.questions_tried.add(question.question_id)
        self.ledger.sending_answer(question.question_id)  # unknown until answered (ledger.py)
        answer = self._post_judged(
            f"/api/v1/questions/{question.question_id}/answer",
            {"option": question.option},
            "quiz answer",
        )
        if answer is False:
            self.ledger.answer_refused(question.question_id)
        elif answer is not None:
            self.ledger.answer(question.question_id)

    def answer_capture(self, challenge_id: str) -> None:
        self.answered_challenges.add(challenge_id)
        self.ledger.sending_capture(challenge_id)  # unknown until answered (ledger.py)
        answer = self._post_judged(
            f"/api/v1/captures/{challenge_id}", {"image": self.me.capture_image}, "capture answer"
        )
        if answer is False:
            self.ledger.capture_refused(challenge_id)
        elif answer is not None:
            self.ledger.capture(challenge_id, bool(answer.get("passed")))

    def _post_judged(
        self, path: str, body: dict[str, Any], name: str
    ) -> dict[str, Any] | bool | None:
        """POST as this learner, named for locust's statistics, and judged by `_judge`."""
        with self._post(path, body, name) as response:
            return self._judge(response)

    def _post(self, path: str, body: dict[str, Any] | None, name: str) -> Any:
        """POST as this learner, named for locust's statistics, within CALL_DEADLINE_S; the
        answer's context, which records it when left (`catch_response`)."""
        with gevent.Timeout(CALL_DEADLINE_S):
            return self.client.post(
                path, json=body, headers=self.auth, name=name, catch_response=True
            )

    @staticmethod
    def _judge(response: Any) -> dict[str, Any] | bool | None:
        """The acknowledged answer (2xx JSON); False for a refusal (4xx: nothing happened);
        None when the outcome is unknown (no answer, a 5xx, garbage). Anything but a 2xx is a
        failed request for LOAD-01: an honest learner is never refused."""
        status = response.status_code
        if 200 <= status < 300:
            try:
                answer = response.json()
            except ValueError:
                response.failure("the answer is not JSON")
                return None
            response.success()
            return answer if isinstance(answer, dict) else {}
        if 400 <= status < 500:
            response.failure(f"{status}: {response.text[:200]}")
            return False
        response.failure(f"{status or 'no answer'}: {(response.text or '')[:200]}")
        return None
