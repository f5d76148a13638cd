"""What the browser checks share: a learner ready to log in through the pages, the camera clip
of a chosen face, a logged-in context, and the supervision rows each verdict rests on."""

from __future__ import annotations

import base64
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from harness.api import Refused
from harness.browser import BrowserLab, Player
from harness.checks._support import study, study_setup, watch_honestly
from harness.failures import CannotProbe
from harness.probe import Probe
from harness.scenarios.study import Enrolled
from harness.spec.supervision import SupLessonProgress

CAMERA_FRAMES = 12  # more distinct pictures than a login and two captures take


@dataclass
class BrowserLearner:
    """An enrolled learner whose API login is ended, so the pages log in afresh."""

    enrolled: Enrolled
    lab: BrowserLab

    @property
    def learner_id(self) -> str:
        return self.enrolled.learner.learner_id or ""

    @property
    def course_id(self) -> str:
        return self.enrolled.course.course_id

    def lesson_id(self, index: int = 0) -> str:
        return self.enrolled.lessons[index].lesson_id


def browser_learner(probe: Probe, lab: BrowserLab, studied_s: float = 0) -> BrowserLearner:
    """A fresh enrolled learner; with `studied_s`, the first lesson is first studied that far
    through the learner API (on the test clock), as on an earlier day."""
    enrolled = study_setup(probe)
    if studied_s:
        session = study(probe, enrolled, 0)
        watch_honestly(session, studied_s, "study before the browser")
    for playback_id in enrolled.playbacks:  # as a player does when the learner leaves: a
        with suppress(Refused):  # platform may refuse a new playback while one is in use
            probe.platform.close_playback(enrolled.token, playback_id)
    enrolled.playbacks.clear()
    probe.platform.logout(enrolled.token)
    return BrowserLearner(enrolled, lab)


def show_face(probe: Probe, who: BrowserLearner, kind: str = "live") -> None:
    """Put the learner in front of the fake camera: `live` (their moving face), `still` (a
    photo held up: identical frames) or `impostor` (another person's moving face)."""
    frames = probe.province.liveness_frames(
        who.enrolled.learner.id_number, kind=kind, count=CAMERA_FRAMES
    )
    who.lab.show_camera([base64.b64decode(f) for f in frames])


def logged_in(
    probe: Probe, who: BrowserLearner, userscripts: tuple[str, ...] = ()
) -> tuple[Any, Any]:
    """A traced context logged in through the profile's login steps with the live camera."""
    show_face(probe, who)
    context = who.lab.context(userscripts=userscripts)
    learner = who.enrolled.learner
    page = who.lab.login(context, learner.id_number, learner.password)
    who.lab.trace(context)
    return context, page


def open_playing(who: BrowserLearner, context: Any, page: Any = None, index: int = 0) -> Player:
    player = who.lab.open_lesson(context, who.course_id, who.lesson_id(index), page)
    player.play()
    return player


def progress_row(probe: Probe, who: BrowserLearner, index: int = 0) -> SupLessonProgress:
    """The supervision view's row of the lesson the browser studied; none is CannotProbe."""
    rows = probe.supervisor.progress(who.learner_id, who.course_id)
    row = next((r for r in rows if r.lesson_id == who.lesson_id(index)), None)
    if row is None:
        raise CannotProbe("the lesson studied in the browser", "no supervision progress row")
    return row
