"""Test support for learning integrity: an enrolled learner and a scripted player.

The player drives one playback through the platform's HTTP API and the test clock, keeping the
position a real player would show. No tests live here; the `test_reference_*` modules import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.test_reference_support import Person, PlatformDriver, hook_headers

COURSE = "crs-cook-junior-a"
LESSON_S = 2700


def lesson_id(seq: int, course: str = COURSE) -> str:
    return f"{course}-l{seq:03d}"


def fresh_face(platform: PlatformDriver, person: Person) -> str:
    """A camera image of the person the province has never seen (so it passes)."""
    return platform.province.capture(person.face_of or person.id_number)


def foreign_face(platform: PlatformDriver, person: Person) -> str:
    """A fresh camera image of somebody else in the person's place (a face mismatch)."""
    return platform.province.capture(person.face_of or person.id_number, "impostor")


@dataclass
class Learner:
    person: Person
    headers: dict[str, str]

    @property
    def learner_id(self) -> str:
        return self.person.learner_id or ""


def enrolled(platform: PlatformDriver, course: str = COURSE) -> Learner:
    person = platform.register()
    headers = platform.learner_headers(person)
    code = platform.province.issue_voucher(person.id_number)
    answer = platform.enrol(headers, course, code)
    assert answer.status_code == 201, answer.text
    return Learner(person, headers)


class Player:
    """One window playing one lesson; `position` is what the player shows."""

    def __init__(
        self,
        platform: PlatformDriver,
        learner: Learner,
        lesson: str | None = None,
        window: str = "window-1",
        course: str = COURSE,
    ) -> None:
        self.platform = platform
        self.learner = learner
        self.headers = learner.headers
        self.lesson = lesson or lesson_id(1, course)
        self.course = course
        self.window = window
        self.playback_id = ""
        self.seq = 0
        self.position = 0.0
        self.challenge: dict[str, Any] | None = None
        self.answers_quizzes = True  # answer an hour's questions when the platform says so
        self.quiz_headers: dict[str, str] | None = None  # another login's, when this one may not

    def open(self) -> dict[str, Any]:
        body = {"course_id": self.course, "lesson_id": self.lesson, "window_id": self.window}
        answer = self.platform.client.post("/api/v1/playbacks", json=body, headers=self.headers)
        assert answer.status_code == 201, answer.text
        out = answer.json()
        self.playback_id, self.position, self.seq = out["playback_id"], out["resume_position_s"], 0
        return out

    def wait(self, seconds: float) -> None:
        self.platform.advance(seconds)

    def send(self, body: dict[str, Any]) -> Any:
        return self.platform.client.post(
            f"/api/v1/playbacks/{self.playback_id}/heartbeats", json=body, headers=self.headers
        )

    def beat(
        self,
        position: float | None = None,
        *,
        rate: float = 1.0,
        seq: int | None = None,
        paused: bool = False,
        window: str | None = None,
        expect: int = 200,
    ) -> dict[str, Any]:
        if seq is None:
            self.seq += 1
            seq = self.seq
        body = {
            "seq": seq,
            "position_s": self.position if position is None else position,
            "rate": rate,
            "window_id": window or self.window,
            "paused": paused,
        }
        answer = self.send(body)
        assert answer.status_code == expect, answer.text
        out = answer.json()
        if expect == 200:
            self.position = body["position_s"]
            if out["reason"] in ("seek", "speed"):
                self.position = out["furthest_position_s"]
            self.challenge = out["challenge"]
            if out.get("quiz_due") is not None and self.answers_quizzes:
                self.position = min(self.position, out["furthest_position_s"])
                self.take_quiz(out["quiz_due"])
        return out

    def take_quiz(self, hour: int, right: int | None = None) -> list[dict[str, Any]]:
        """Answer the due hour's questions as an honest learner (EXAM-01): `right` of them
        correctly by the test hook's answer key (all by default)."""
        key = {
            row["question_id"]: row["option"]
            for row in self.platform.client.get(
                "/api/v1/test/quiz-key", params={"course_id": self.course}, headers=hook_headers()
            ).json()
        }
        headers = self.quiz_headers or self.headers
        listing = self.platform.client.get(
            f"/api/v1/courses/{self.course}/questions", headers=headers
        )
        assert listing.status_code == 200, listing.text
        questions = listing.json()
        due = [q for q in questions if q["lesson_id"] == self.lesson and q["hour"] == hour]
        answers = []
        for index, question in enumerate(due):
            correct = key[question["question_id"]]
            wrong = next(o["key"] for o in question["options"] if o["key"] != correct)
            option = correct if right is None or index < right else wrong
            answer = self.platform.client.post(
                f"/api/v1/questions/{question['question_id']}/answer",
                json={"option": option},
                headers=headers,
            )
            answers.append({"status": answer.status_code, **answer.json()})
        return answers

    def step(self, seconds: float = 30, **kwargs: Any) -> dict[str, Any]:
        """Let `seconds` of clock pass while the video plays, then report."""
        self.wait(seconds)
        return self.beat(min(self.position + seconds, LESSON_S), **kwargs)

    def answer(self, image: str | None = None, expect: int = 200) -> dict[str, Any]:
        assert self.challenge is not None, "no open challenge"
        answer = self.platform.client.post(
            f"/api/v1/captures/{self.challenge['challenge_id']}",
            json={"image": image or fresh_face(self.platform, self.learner.person)},
            headers=self.headers,
        )
        assert answer.status_code == expect, answer.text
        if expect == 200:
            self.challenge = None
        return answer.json()

    def watch_to_end(self, step: float = 30, answer: bool = True) -> dict[str, Any]:
        """Watch honestly to the end, answering each challenge at once with a fresh face."""
        last: dict[str, Any] = {}
        while self.position < LESSON_S:
            last = self.step(step)
            if answer and self.challenge is not None:
                self.answer()
        return last

    def close(self) -> None:
        answer = self.platform.client.post(
            f"/api/v1/playbacks/{self.playback_id}/close", headers=self.headers
        )
        assert answer.status_code == 204, answer.text

    def progress(self) -> dict[str, Any]:
        rows = self.platform.supervise("progress", learner_id=self.learner.learner_id)
        return next(row for row in rows if row["lesson_id"] == self.lesson)
