"""One learner studying one lesson: the honest journey, driven by a time source.

Every heartbeat and capture answer is recorded with the platform's answer, so a check can attach
exactly what was sent as evidence. Time passes only through the `TimeSource`: certify checks pass
the platform's test clock, so a lesson hour (or an 80-hour course) takes seconds; load users pass
real time and reuse the very same journey. Nothing here imports pytest or the plugin.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import math
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from harness.api import Refused
from harness.driver import LearnerDriver
from harness.failures import CannotProbe
from harness.learners import Learner, LearnerFactory
from harness.province_sandbox import ProvinceSandboxClient
from harness.scenarios.quiz import QuizTaker
from harness.spec.courses import CourseOut, LessonOut
from harness.spec.identity import LoginOut
from harness.spec.study import CaptureChallenge, HeartbeatOut, PlaybackOut
from harness.timesource import TimeSource


@dataclass
class Enrolled:
    """A learner enrolled in `course`, signed in with `token`.

    A platform may let a token expire at a fixed time after its login (`expires_at`, as the
    login answered it) rather than sliding it with each request: both are compliant. A client
    then signs in again, with a new liveness check, as any learner would; `sign_in` does that,
    and `sign_ins` records each time it was needed (for the evidence)."""

    learner: Learner
    token: str
    course: CourseOut
    lessons: list[LessonOut]
    expires_at: dt.datetime | None = None
    sign_in: Callable[[], LoginOut] | None = None
    sign_out: Callable[[str], None] | None = None
    sign_ins: list[dict[str, Any]] = field(default_factory=list)
    # The playbacks the learner's journeys opened: a platform may refuse a new playback while
    # another is in use (409) instead of ending it, and a client then closes its old player.
    playbacks: list[str] = field(default_factory=list)

    def sign_in_again_if_expired(self, now: dt.datetime) -> bool:
        """After a 401: sign in again when the token is past the expiry the platform announced
        (a refusal before it is the platform's verdict on the token, to be judged, not
        retried). True when a new token was obtained."""
        if self.sign_in is None or self.expires_at is None or now < self.expires_at:
            return False
        login = self.sign_in()
        self.sign_ins.append(
            {
                "signed_in_again_at": now.isoformat(),
                "expired_at": self.expires_at.isoformat(),
                "login_id": login.login_id,
                "liveness_verification_id": login.liveness_verification_id,
            }
        )
        self.token, self.expires_at = login.token, login.expires_at
        return True

    def renew_if_expiring(self, now: dt.datetime, within: dt.timedelta) -> bool:
        """Before a step that lets `within` of clock time pass in one advance (a whole lesson in
        lockstep): when the token's announced expiry falls inside it, log out and sign in again
        now, as a client renews a session before it lapses, rather than lose the lesson to a
        401 at its end. Logging out first keeps it compliant with a platform that refuses a
        second login. True when a new token was obtained."""
        if self.sign_in is None or self.expires_at is None or now + within < self.expires_at:
            return False
        self.sign_in_anew(now)
        return True

    def sign_in_anew(self, now: dt.datetime) -> None:
        """Log out and sign in again now, on the same device (a platform refusing a second
        login is then never asked for one)."""
        if self.sign_in is None:
            raise ValueError("this learner was given no way to sign in again")
        if self.sign_out is not None:
            with suppress(Refused):  # already ended or expired: nothing to log out
                self.sign_out(self.token)
        login = self.sign_in()
        self.sign_ins.append(
            {
                "renewed_at": now.isoformat(),
                "would_expire_at": self.expires_at.isoformat() if self.expires_at else None,
                "login_id": login.login_id,
                "liveness_verification_id": login.liveness_verification_id,
            }
        )
        self.token, self.expires_at = login.token, login.expires_at

    # live camera frames fetched ahead in one call (a journey of many captures), used first
    spare_live_frames: list[str] = field(default_factory=list)
    quiz: QuizTaker = field(default_factory=QuizTaker)  # answers the hours' quizzes when due
    # the images of the learner's captures that passed: a `replayed` capture sends the last one
    # again, byte for byte (a recorded picture: the province's `replay`)
    passed_images: list[str] = field(default_factory=list)


def enrolled_learner(
    learners: LearnerFactory,
    platform: LearnerDriver,
    course: CourseOut,
    device_id: str = "device-A",
    quiz: QuizTaker | None = None,
    network_address: str | None = None,
) -> Enrolled:
    """A fresh registered, liveness-checked, enrolled learner of `course`, who signs in again
    on the same device (from the same address) when the token expires; `quiz` answers its
    quizzes (by default the first option of every question: right or wrong unknown);
    `network_address` by default the device's own (harness/network_address.py)."""
    learner = learners.registered()
    login = learners.login(learner, device_id=device_id, network_address=network_address)
    voucher = learners.voucher(learner, course)
    platform.enrol(login.token, course_id=course.course_id, voucher_code=voucher.code)
    lessons = sorted(platform.lessons(course.course_id), key=lambda x: x.seq)
    return Enrolled(
        learner,
        login.token,
        course,
        lessons,
        expires_at=login.expires_at,
        sign_in=lambda: learners.login(
            learner, device_id=device_id, network_address=network_address
        ),
        sign_out=platform.logout,
        quiz=quiz or QuizTaker(),
    )


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
    quiz_blocked: bool = False  # the last heartbeat left a due quiz unanswered

    @property
    def playback_id(self) -> str:
        assert self.playback is not None, "open() first"
        return self.playback.playback_id

    @property
    def interval(self) -> int:
        return self.playback.heartbeat_interval_s if self.playback else 30

    def signed_in_again(self, refused: Refused) -> bool:
        """Was `refused` an expired token of the enrolled learner's, now replaced by a new
        sign-in (recorded in the journal)? Sessions with a token of their own never re-sign."""
        if refused.status != 401 or self.token is not None:
            return False
        if not self.enrolled.sign_in_again_if_expired(self.time.now()):
            return False
        self.sent.append({"signed_in_again": self.enrolled.sign_ins[-1]})
        return True

    def closed_other_playbacks(self, refused: Refused) -> bool:
        """Was `refused` a 409 to a new playback while the learner's other ones are open? Then
        close them, as a player does when the learner moves on (journal: `closed_playbacks`)."""
        others = list(self.enrolled.playbacks)
        if refused.status != 409 or not others:
            return False
        token = self.token or self.enrolled.token
        for playback_id in others:
            with suppress(Refused):  # already ended, or ended with its login: nothing to close
                self.platform.close_playback(token, playback_id)
        self.enrolled.playbacks.clear()  # in place: windows of one account share the list
        because = f"{refused.status} {refused.detail}"
        self.sent.append({"closed_playbacks": others, "because": because})
        return True

    def open(self) -> PlaybackOut:
        def open_playback() -> PlaybackOut:
            return self.platform.open_playback(
                self.token or self.enrolled.token,
                course_id=self.enrolled.course.course_id,
                lesson_id=self.lesson.lesson_id,
                window_id=self.window_id,
            )

        try:
            self.playback = open_playback()
        except Refused as refused:
            if not (self.signed_in_again(refused) or self.closed_other_playbacks(refused)):
                raise
            self.playback = open_playback()
        self.enrolled.playbacks.append(self.playback.playback_id)
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
            if self.signed_in_again(refused):  # the expired login's playback has ended with it
                self.open()
                return self.beat(self.position)
        if isinstance(answer, HeartbeatOut):
            # A real player snaps back to the furthest point when a jump or a speed-up is refused.
            snapped = answer.reason in ("seek", "speed")
            self.position = answer.furthest_position_s if snapped else position
            if answer.challenge and answer.challenge.challenge_id not in self.answered:
                self.open_challenge = answer.challenge
            if answer.quiz_due is not None:
                # A real player stops at the quiz: credit waits there until it is answered.
                self.position = min(self.position, answer.furthest_position_s)
            self.sent.append(
                {
                    "heartbeat": body,
                    "reason": answer.reason,
                    "credited_delta_s": answer.credited_delta_s,
                    "credited_s": answer.credited_s,
                    **({"quiz_due": answer.quiz_due} if answer.quiz_due is not None else {}),
                }
            )
        else:
            self.sent.append({"heartbeat": body, "refused": f"{answer.status} {answer.detail}"})
        self.quiz_blocked = False
        if isinstance(answer, HeartbeatOut) and answer.quiz_due is not None:
            self.quiz_blocked = not self.take_quiz(answer.quiz_due)
        return answer

    def take_quiz(self, hour: int) -> bool:
        """Answer the due hour's questions (EXAM-01: 随学随测), as the learner's `quiz` plans;
        False when nothing was answered (the learner ignores the quiz, or all were refused)."""
        made = self.enrolled.quiz.take(
            self.platform,
            self.token or self.enrolled.token,
            self.enrolled.course.course_id,
            self.lesson.lesson_id,
            hour,
            self.time.now,
        )
        if not made:
            return False
        self.sent.append(
            {
                "quiz": {"lesson_id": self.lesson.lesson_id, "hour": hour},
                "answers": [
                    {"question_id": g.question_id, "option": g.option, "refused": g.refused}
                    for g in made
                ],
            }
        )
        return any(g.refused is None for g in made)

    def pass_open_capture(self, tries: int = 3) -> list[str]:
        """Answer the open capture challenge with the live face until none is open (a platform
        may issue a failed one again at the next heartbeat), at most `tries` answers; the
        reasons of the answers that did not pass."""
        failed: list[str] = []
        for _ in range(tries):
            if self.open_challenge is None:
                break
            outcome = self.answer("live")
            if isinstance(outcome, Refused) or not getattr(outcome, "passed", False):
                reason = getattr(outcome, "reason", None) or getattr(outcome, "detail", "")
                failed.append(str(reason))
                self.beat(self.position)
        return failed

    def capture_image(self, kind: str = "live") -> str:
        if kind == "replayed":
            if not self.enrolled.passed_images:
                raise CannotProbe("a replayed capture", "no capture of the learner passed yet")
            return self.enrolled.passed_images[-1]
        if kind == "live" and self.enrolled.spare_live_frames:
            return self.enrolled.spare_live_frames.pop()
        learner = self.enrolled.learner
        return self.province.liveness_frames(learner.id_number, kind=kind, count=1)[0]

    def answer(self, kind: str = "live", challenge: CaptureChallenge | None = None) -> Any:
        """Answer a challenge (the open one by default) with a `live`, `still` or `impostor`
        image, or `replayed`: the learner's last passed capture image again."""
        challenge = challenge or self.open_challenge
        if challenge is None:
            return None
        if self.open_challenge and self.open_challenge.challenge_id == challenge.challenge_id:
            self.open_challenge = None
        self.answered.add(challenge.challenge_id)
        image = self.capture_image(kind)
        self.images_sent.add(hashlib.sha256(base64.b64decode(image)).hexdigest())
        try:
            outcome: Any = self.platform.answer_capture(
                self.token or self.enrolled.token, challenge.challenge_id, image
            )
            if outcome.passed:
                self.enrolled.passed_images.append(image)
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
        # A platform snapping the player back (a seek or speed verdict) on every heartbeat would
        # keep an honest journey from ever reaching `end`: bounded, never an endless loop.
        for _ in range(3 * math.ceil(max(0.0, end - self.position) / step) + 3):
            if self.position >= end - 1e-6:
                break
            stride = min(step, end - self.position)
            self.wait(stride)
            answer = self.beat(self.position + stride)
            if isinstance(answer, HeartbeatOut):
                credited = answer.credited_s
            if captures and self.open_challenge is not None:
                self.answer(captures)
            if isinstance(answer, Refused) or self.quiz_blocked:
                break  # refused, or held at an unanswered quiz: the player stops there
        if self.position >= self.lesson.duration_s - 1e-6:
            self.finish_quizzes()
        return credited

    def finish_quizzes(self) -> None:
        """Answer any of the lesson's hours' questions still open: at the lesson's end (a
        platform need not announce `quiz_due`), or up front (a journey that lets the clock run
        once per lesson; a learner may answer an hour's questions at any time once enrolled)."""
        for hour in range(max(1, self.lesson.lesson_hours)):
            self.take_quiz(hour)

    def watch_until_challenge(self, *, step: float = 60) -> CaptureChallenge | None:
        """Watch honestly until the platform issues a capture challenge (or the lesson ends)."""
        for _ in range(3 * math.ceil(self.lesson.duration_s / step) + 3):  # bounded, as `watch`
            if self.open_challenge is not None or self.position >= self.lesson.duration_s - 1e-6:
                break
            stride = min(step, self.lesson.duration_s - self.position)
            self.wait(stride)
            if isinstance(self.beat(self.position + stride), Refused):
                break
        return self.open_challenge

    def watch_to_end(self, *, step: float = 300, captures: str | None = "live") -> float:
        return self.watch(self.lesson.duration_s - self.position, step=step, captures=captures)

    def await_challenge(self, *, step: float = 30, beats: int = 4) -> CaptureChallenge | None:
        """The open challenge, after up to `beats` heartbeats in place `step` apart if none is
        open yet (the platform re-issues one for a watched hour without a passed capture)."""
        for _ in range(beats):
            if self.open_challenge is not None:
                break
            self.wait(step)
            self.beat(self.position)
        return self.open_challenge

    def settle_capture(self, *, step: float = 30, limit: int = 4) -> None:
        """After the content is watched, keep the playback alive until an open challenge is
        answered."""
        for _ in range(limit):
            if self.await_challenge(step=step, beats=1) is None:
                return
            self.answer("live")
