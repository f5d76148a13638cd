"""The load run's learners, made ready before the clock of the run starts.

Making a learner (a sandbox identity, registration with photos, a voucher, enrolment) costs the
province and the platform far more than studying does, and is not what LOAD-01 measures: a
platform is admitted for how it holds learners who study. So every learner is registered, signed
in with a liveness check, enrolled and has its first lesson open *before* the timed run, through
the same learner driver and factory as the certify checks (`harness/learners.py`,
`harness/scenarios/study.py`). Then the platform's test clock is moved on by one lesson, once for
all. A learner *at its hour's end* has had its player running for a lesson's length, so its
first heartbeat of the run earns up to the lesson's quiz gate, it answers that hour's quiz, and
the capture challenge of the hour is issued and answered — under load, as in real study,
without the run having to last 45 minutes. The other learners have just opened their lesson:
they study from its start, and meet a capture only if its moment comes within the run.
Everything else of the run happens in real time.

How many learners are at their hour's end (`hour_end_learners`): in real study a learner meets
one hour's end (a capture, five questions) per lesson of study, so over a run of D seconds a
share D / lesson of the crowd does. That is the default, all of it in the run's first interval
(a worst case of the real rate); at least MIN_HOUR_END_LEARNERS (or all), so that every run
reconciles captures and answers. A profile may ask for more, never less
(`load_hour_end_share`; 1: every learner, the stress mix).

The cohort is written as JSON for the locust processes, which import nothing of the harness but
this module's data shape.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

from harness.driver import HttpLearnerDriver
from harness.failures import ProtocolViolation
from harness.learners import LearnerFactory
from harness.profile import Profile
from harness.province_sandbox import ProvinceSandboxClient
from harness.spec.courses import CourseOut
from harness.supervision import TestClock

MIN_HOUR_END_LEARNERS = 10
PREPARE_THREADS = 6  # enough to keep a 2-core platform busy, few enough not to starve it
PREPARE_ATTEMPTS = 3


def _dropped(exc: Exception) -> bool:
    """A connection dropped or refused, not an answer the platform gave."""
    return isinstance(exc, requests.ConnectionError) or "connection failed" in str(exc)


@dataclass(frozen=True)
class CohortLearner:
    """One learner ready to study: signed in, enrolled, its first lesson's player open."""

    learner_id: str
    id_number: str
    token: str
    course_id: str
    lesson_id: str
    lesson_duration_s: float
    playback_id: str
    window_id: str
    heartbeat_interval_s: int
    capture_image: str  # a live camera frame of the learner's own sandbox face (base64 PNG)
    at_hour_end: bool = True  # its player at the lesson's end (quiz and capture due), or its start


@dataclass(frozen=True)
class QuizQuestion:
    question_id: str
    lesson_id: str
    hour: int
    option: str  # the first option: the load run judges that answers are kept, not right


@dataclass(frozen=True)
class Cohort:
    learners: list[CohortLearner]
    questions: list[QuizQuestion]

    def write(self, path: Path) -> None:
        data = {
            "learners": [asdict(x) for x in self.learners],
            "questions": [asdict(q) for q in self.questions],
        }
        path.write_text(json.dumps(data), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Cohort:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            [CohortLearner(**x) for x in data["learners"]],
            [QuizQuestion(**q) for q in data["questions"]],
        )


def hour_end_learners(users: int, duration_s: float, lesson_s: float, share: float) -> int:
    """How many of `users` meet their lesson hour's end in the run (the module's docstring): a
    `share` below real study's is not taken (the catalogue's decision of LOAD-01)."""
    wanted = max(min(1.0, duration_s / lesson_s), share)
    return min(users, max(MIN_HOUR_END_LEARNERS, math.ceil(wanted * users - 1e-9)))


GOLDEN = (5**0.5 - 1) / 2  # a Weyl sequence's step: even in every stride of the cohort


def hour_end_indices(users: int, count: int) -> frozenset[int]:
    """Which `count` of the cohort's `users` learners are at their hour's end: spread evenly
    through it, and through every worker's slice (every W-th learner) and the crowd's arrival
    order too, within two learners of their share: the `count` whose i × golden ratio (mod 1)
    is smallest. An even spacing (every users/count-th) would alias with a worker's stride."""
    return frozenset(sorted(range(users), key=lambda i: (i * GOLDEN) % 1.0)[:count])


class CohortError(RuntimeError):
    """The cohort could not be made: the run cannot be made (exit 2), with the reason."""


def load_course(platform: HttpLearnerDriver) -> CourseOut:
    """An offered course with the fields enrolment needs (an approved one first)."""
    courses = [c for c in platform.courses() if c.occupation_code and c.level]
    if not courses:
        raise CohortError("the platform offers no course naming an occupation and a level")
    return sorted(courses, key=lambda c: c.approval is None)[0]


def prepare_cohort(
    profile: Profile,
    size: int,
    *,
    duration_s: float,
    hour_end_share: float = 0.0,
    session_factory: Callable[[], requests.Session] = requests.Session,
    on_ready: Callable[[int], None] = lambda done: None,
) -> Cohort:
    """`size` learners ready to study (see the module's docstring), and the first lesson hour's
    quiz questions; the platform's test clock is then one lesson further on. Which learners are
    at their hour's end follows from the run's `duration_s` and `hour_end_share`."""
    base = profile.target.url
    timeout = profile.target.timeout_seconds
    platform = HttpLearnerDriver(base, session_factory(), timeout)
    course = load_course(platform)
    lessons = sorted(platform.lessons(course.course_id), key=lambda x: x.seq)
    if not lessons:
        raise CohortError(f"course {course.course_id} has no lesson")
    lesson = lessons[0]
    made: list[CohortLearner] = []
    at_end = hour_end_indices(
        size, hour_end_learners(size, duration_s, float(lesson.duration_s), hour_end_share)
    )

    def one(index: int) -> CohortLearner:
        """One learner; a dropped connection (a keep-alive the server closed just then) makes
        the next attempt start over with a new person, the half-made one left unused."""
        for attempt in range(PREPARE_ATTEMPTS):
            try:
                return make(index)
            except (requests.ConnectionError, ProtocolViolation) as exc:
                if attempt + 1 == PREPARE_ATTEMPTS or not _dropped(exc):
                    raise
        raise AssertionError("unreachable")

    def make(index: int) -> CohortLearner:
        driver = HttpLearnerDriver(base, session_factory(), timeout)
        province = ProvinceSandboxClient(
            profile.province.base, profile.province_admin_token(), session_factory()
        )
        learners = LearnerFactory(driver, province)
        learner = learners.registered()
        device = f"load-device-{index}"
        login = learners.login(learner, device_id=device)
        voucher = learners.voucher(learner, course)
        driver.enrol(login.token, course_id=course.course_id, voucher_code=voucher.code)
        window = f"load-window-{index}"
        playback = driver.open_playback(
            login.token, course_id=course.course_id, lesson_id=lesson.lesson_id, window_id=window
        )
        image = province.liveness_frames(learner.id_number, kind="live", count=1)[0]
        return CohortLearner(
            learner_id=learner.learner_id or "",
            id_number=learner.id_number,
            token=login.token,
            course_id=course.course_id,
            lesson_id=lesson.lesson_id,
            lesson_duration_s=float(lesson.duration_s),
            playback_id=playback.playback_id,
            window_id=window,
            heartbeat_interval_s=playback.heartbeat_interval_s,
            capture_image=image,
            at_hour_end=index in at_end,
        )

    with ThreadPoolExecutor(PREPARE_THREADS) as pool:
        for learner in pool.map(one, range(size)):
            made.append(learner)
            on_ready(len(made))
    first = made[0] if made else None
    questions = []
    if first is not None:
        questions = [
            QuizQuestion(q.question_id, q.lesson_id, q.hour, q.options[0].key)
            for q in platform.questions(first.token, course.course_id)
            if q.lesson_id == lesson.lesson_id and q.options
        ]
    clock = TestClock(base, session_factory(), profile.test_token(), timeout)
    clock.advance(float(lesson.duration_s) + 60)
    return Cohort(made, questions)
