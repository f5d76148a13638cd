"""One learner studying one lesson: the honest journey, driven by a time source.

Every heartbeat and capture answer is recorded with the platform's answer, so a check can attach
exactly what was sent as evidence. Time passes only through the `TimeSource`: certify checks pass
the platform's test clock, so a lesson hour (or an 80-hour course) takes seconds; load users pass
real time and reuse the very same journey. Nothing here imports pytest or the plugin.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from harness.api import Refused
from harness.driver import LearnerDriver
from harness.learners import Learner, LearnerFactory
from harness.province_sandbox import ProvinceSandboxClient
from harness.spec.courses import CourseOut, LessonOut
from harness.spec.study import CaptureChallenge, HeartbeatOut, PlaybackOut
from harness.timesource import TimeSource


@dataclass
class Enrolled:
    learner: Learner
    token: str
    course: CourseOut
    lessons: list[LessonOut]


def enrolled_learner(
    learners: LearnerFactory,
    platform: LearnerDriver,
    course: CourseOut,
    device_id: str = "device-A",
) -> Enrolled:
    """A fresh registered, liveness-checked, enrolled learner of `course`."""
    learner = learners.registered()
    login = learners.login(learner, device_id=device_id)
    voucher = learners.voucher(learner, course)
    platform.enrol(login.token, course_id=course.course_id, voucher_code=voucher.code)
    lessons = sorted(platform.lessons(course.course_id), key=lambda x: x.seq)
    return Enrolled(learner, login.token, course, lessons)


@dataclass
class Study:
    platform: LearnerDriver
    time: TimeSource
    province: ProvinceSandboxClient
    enrolled: Enrolled
    lesson: LessonOut
    window_id: str = "window-1"
    token: str | None = None
    playback: PlaybackOut | None = None
    seq: int = 0
    position: float = 0.0
    sent: list[dict[str, Any]] = field(default_factory=list)
    open_challenge: CaptureChallenge | None = None
    answered: set[str] = field(default_factory=set)
    images_sent: set[str] = field(default_factory=set)

    @property
    def playback_id(self) -> str:
        assert self.playback is not None, "open() first"
        return self.playback.playback_id

    @property
    def interval(self) -> int:
        return self.playback.heartbeat_interval_s if self.playback else 30

    def open(self) -> PlaybackOut:
        self.playback = self.platform.open_playback(
            self.token or self.enrolled.token,
            course_id=self.enrolled.course.course_id,
            lesson_id=self.lesson.lesson_id,
            window_id=self.window_id,
        )
        self.position = self.playback.resume_position_s
        self.sent.append(
            {
                "open": self.lesson.lesson_id,
                "window_id": self.window_id,
                "resume_position_s": self.position,
            }
        )
        return self.playback

    def elapsed_since_open(self) -> float:
        """Seconds of the time source since this playback opened: the most honest study could
        earn (the test clock runs in real time too, besides the advances)."""
        assert self.playback is not None, "open() first"
        return (self.time.now() - self.playback.opened_at).total_seconds()

    def wait(self, seconds: float) -> None:
        """Let `seconds` pass: advance the test clock, or sleep under real time."""
        self.time.wait(seconds)
        self.sent.append({"clock_advanced_s": seconds})

    def beat(
        self, position: float, *, rate: float = 1.0, seq: int | None = None, paused: bool = False
    ) -> HeartbeatOut | Refused:
        """Send one heartbeat (seq defaults to the next one); remember any open challenge."""
        if seq is None:
            self.seq += 1
            seq = self.seq
        body = {"seq": seq, "position_s": position, "rate": rate, "paused": paused}
        try:
            answer: HeartbeatOut | Refused = self.platform.heartbeat(
                self.token or self.enrolled.token,
                self.playback_id,
                window_id=self.window_id,
                **body,
            )
        except Refused as refused:
            answer = refused
        if isinstance(answer, HeartbeatOut):
            # A real player snaps back to the furthest point when a jump or a speed-up is refused.
            snapped = answer.reason in ("seek", "speed")
            self.position = answer.furthest_position_s if snapped else position
            if answer.challenge and answer.challenge.challenge_id not in self.answered:
                self.open_challenge = answer.challenge
            self.sent.append(
                {
                    "heartbeat": body,
                    "reason": answer.reason,
                    "credited_delta_s": answer.credited_delta_s,
                    "credited_s": answer.credited_s,
                }
            )
        else:
            self.sent.append({"heartbeat": body, "refused": f"{answer.status} {answer.detail}"})
        return answer

    def capture_image(self, kind: str = "live") -> str:
        learner = self.enrolled.learner
        return self.province.liveness_frames(learner.id_number, kind=kind, count=1)[0]

    def answer(self, kind: str = "live") -> Any:
        """Answer the open challenge with a `live`, `still` or `impostor` image."""
        challenge = self.open_challenge
        if challenge is None:
            return None
        self.open_challenge = None
        self.answered.add(challenge.challenge_id)
        image = self.capture_image(kind)
        self.images_sent.add(hashlib.sha256(base64.b64decode(image)).hexdigest())
        try:
            outcome: Any = self.platform.answer_capture(
                self.token or self.enrolled.token, challenge.challenge_id, image
            )
            self.sent.append(
                {
                    "capture": challenge.challenge_id,
                    "kind": kind,
                    "passed": outcome.passed,
                    "reason": outcome.reason,
                }
            )
        except Refused as refused:
            outcome = refused
            self.sent.append(
                {
                    "capture": challenge.challenge_id,
                    "kind": kind,
                    "refused": f"{refused.status} {refused.detail}",
                }
            )
        return outcome

    def watch(self, seconds: float, *, step: float = 300, captures: str | None = "live") -> float:
        """Watch honestly for `seconds` of content in steps of `step` s of clock time.

        `captures`: how to answer challenges (`live`, `still`, `impostor`) or None to ignore
        them. Answers the platform's credited_s at the end.
        """
        end = min(self.position + seconds, float(self.lesson.duration_s))
        credited = 0.0
        while self.position < end - 1e-6:
            stride = min(step, end - self.position)
            self.wait(stride)
            answer = self.beat(self.position + stride)
            if isinstance(answer, HeartbeatOut):
                credited = answer.credited_s
            if captures and self.open_challenge is not None:
                self.answer(captures)
            if isinstance(answer, Refused):
                break
        return credited

    def watch_until_challenge(self, *, step: float = 60) -> CaptureChallenge | None:
        """Watch honestly until the platform issues a capture challenge (or the lesson ends)."""
        while self.open_challenge is None and self.position < self.lesson.duration_s - 1e-6:
            stride = min(step, self.lesson.duration_s - self.position)
            self.wait(stride)
            if isinstance(self.beat(self.position + stride), Refused):
                break
        return self.open_challenge

    def watch_to_end(self, *, step: float = 300, captures: str | None = "live") -> float:
        return self.watch(self.lesson.duration_s - self.position, step=step, captures=captures)

    def settle_capture(self, *, step: float = 30, limit: int = 4) -> None:
        """After the content is watched, keep the playback alive until an open challenge is
        answered (the platform re-issues one for a watched hour without a passed capture)."""
        for _ in range(limit):
            if self.open_challenge is None:
                self.wait(step)
                self.beat(self.position)
            if self.open_challenge is None:
                return
            self.answer("live")
