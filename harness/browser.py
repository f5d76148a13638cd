"""Real Chromium for the browser checks: launch, fake camera, login, the lesson player.

The checks probe any HTML5-video player through the profile's `[browser]` settings (page paths,
a few selectors, the login steps), never through knowledge of the reference platform's pages.
Chromium is Debian's (`chromium` on PATH) driven by Playwright through `executable_path`
(`playwright install` cannot download here); Playwright's own browser is used where there is no
system one. The camera is Chromium's fake device fed with a clip made at run time from the
sandbox identity's synthetic frames (`camera_clip`), so a live face, a still photo or another
person's face is shown to the platform exactly as a webcam would.

Every context a check opens is closed when its `BrowserLab` ends (also on failure), and the run's
one Chromium when the session ends, so no Chromium process outlives a run. Screenshots and the
trace go to the check's evidence; the trace starts after the login steps, so the typed password
never reaches it, and it records no network bodies (no bearer token, no liveness frames).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.evidence import EvidenceRecorder
from harness.failures import CannotProbe
from harness.overload import BUSY
from harness.profile import BrowserPages

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--use-fake-ui-for-media-stream",  # grants the camera without a prompt
    "--use-fake-device-for-media-stream",
)
# Chromium calls Google on its own (update.googleapis.com, accounts.google.com, clients2.google.com)
# whatever its flags say, through any proxy the environment names. The embedded reference's pages
# need no other host, so for it Chromium gets a proxy that goes nowhere (the discard port) and
# reaches loopback only (always bypassed): such a run sends nothing off this machine. A vendor's
# pages may load a player from a CDN, so their Chromium keeps the environment's network.
NOWHERE_PROXY = "--proxy-server=http://127.0.0.1:9"
CAMERA_FPS = 5
LAUNCH_TIMEOUT_MS = 30_000
SCREENSHOT_TIMEOUT_MS = 5_000

# Installed before any page script: records what every <video> did (media events do not bubble,
# but a capture-phase listener on the document sees them all) and whether the page asked for the
# camera. The record is what the player did, whoever wrote the player.
RECORDER_SCRIPT = """
(() => {
  const events = [];
  window.__sxcertEvents = events;
  window.__sxcertCameraRequests = 0;
  const kinds = ["play", "pause", "seeking", "seeked", "ratechange", "ended", "loadedmetadata"];
  for (const kind of kinds) {
    document.addEventListener(kind, (event) => {
      const v = event.target;
      if (!(v instanceof HTMLVideoElement) || v.srcObject) return;
      if (events.length < 500)
        events.push({ kind, t: Math.round(performance.now()), currentTime: v.currentTime,
                      playbackRate: v.playbackRate, paused: v.paused });
    }, true);
  }
  const media = navigator.mediaDevices;
  if (media && media.getUserMedia) {
    const original = media.getUserMedia.bind(media);
    media.getUserMedia = (constraints) => {
      window.__sxcertCameraRequests += 1;
      return original(constraints);
    };
  }
})();
"""

# The learner refuses the camera: every request for it is denied, as a click on "Block" would.
REFUSE_CAMERA_SCRIPT = """
(() => {
  const media = navigator.mediaDevices;
  if (media) media.getUserMedia = () =>
    Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
})();
"""


class BrowserUnavailable(CannotProbe):
    """No Chromium or no Playwright here: the browser checks are `error`, never `pass`."""

    def __init__(self, reason: str) -> None:
        super().__init__("a real browser", reason)


def chromium_executable() -> str | None:
    """Debian's Chromium on PATH, or None (then Playwright's own browser, where installed)."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def camera_clip(frames: list[bytes], path: Path) -> Path:
    """A looping `.y4m` clip (yuv420p, as Chromium's fake camera needs) of PNG `frames`."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise BrowserUnavailable("ffmpeg is not installed (scripts/setup-system.sh installs it)")
    command = [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "image2pipe",
        "-framerate", str(CAMERA_FPS), "-i", "-", "-pix_fmt", "yuv420p", str(path),
    ]  # fmt: skip
    try:
        subprocess.run(command, input=b"".join(frames), check=True, timeout=60, capture_output=True)
    except (subprocess.SubprocessError, OSError) as exc:
        raise BrowserUnavailable(f"ffmpeg could not make the camera clip: {exc}") from None
    return path


@dataclass
class _PageAnswer:
    """A page load's answer as harness/overload.py reads one (Playwright's has `status`)."""

    status_code: int
    headers: dict[str, str]

    @classmethod
    def of(cls, response: Any) -> _PageAnswer:
        if response is None:  # a navigation within the document: nothing was asked of the server
            return cls(0, {})
        return cls(int(response.status), dict(response.headers))


@dataclass
class Player:
    """One open lesson page and its video element (found by the profile's selector)."""

    lab: BrowserLab
    page: Any
    url: str
    playing_since: float | None = None  # monotonic time of the last play step

    @property
    def video(self) -> str:
        return self.lab.pages.video_selector

    def state(self) -> dict[str, Any]:
        """What the video element reports now: position, rate, paused, duration."""
        return self.page.eval_on_selector(
            self.video,
            "v => ({currentTime: v.currentTime, playbackRate: v.playbackRate, paused: v.paused,"
            " ended: v.ended, duration: Number.isFinite(v.duration) ? v.duration : null,"
            " readyState: v.readyState})",
        )

    def events(self) -> list[dict[str, Any]]:
        return self.page.evaluate("window.__sxcertEvents || []")

    def play(self, *, must_start: bool = True) -> None:
        """Press play (the profile's button, or `video.play()`); with `must_start`, the video
        must then play (else CannotProbe). Without, the page may refuse to play (a second
        window's guard): whether it plays is then for the caller to sample."""
        selector = self.lab.pages.play_selector
        if selector:
            self.lab.require(self.page, selector, "play button")
            self.page.click(selector)
        else:
            # A refused play() (a guard pausing at once) must not throw out of the probe.
            self.page.eval_on_selector(self.video, "v => { v.play().catch(() => {}); }")
        self.playing_since = time.monotonic()
        if not must_start:
            return
        self.lab.wait_until(
            lambda: not self.state()["paused"], self.page, "the video to play after the play step"
        )

    def set(self, prop: str, value: float) -> None:
        """Set a property of the video as a script (a userscript, the console) would."""
        self.page.eval_on_selector(self.video, f"(v, x) => {{ v.{prop} = x; }}", value)

    def press(self, key: str) -> None:
        self.page.focus("body")
        self.page.keyboard.press(key)

    def drag_progress(self, to_fraction: float) -> bool:
        """Drag the seek bar with the mouse from its start to `to_fraction` of its width;
        False when the profile names no seek bar."""
        selector = self.lab.pages.progress_selector
        if not selector:
            return False
        self.lab.require(self.page, selector, "seek bar")
        box = self.page.locator(selector).first.bounding_box()
        y = box["y"] + box["height"] / 2
        self.page.mouse.move(box["x"] + 2, y)
        self.page.mouse.down()
        self.page.mouse.move(box["x"] + box["width"] * to_fraction, y, steps=5)
        self.page.mouse.up()
        return True

    def watch(self, seconds: float) -> None:
        self.page.wait_for_timeout(seconds * 1000)

    def screenshot(self, name: str) -> bool:
        """Attach a screenshot; False when the page is too busy to render one in time (a page
        fighting an injected script), which is itself worth a note, not an error."""
        try:
            shot = self.page.screenshot(timeout=SCREENSHOT_TIMEOUT_MS)
        except Exception:
            self.lab.evidence.note(f"{name}: no screenshot, the page did not render in time")
            return False
        self.lab.evidence.attach_file(f"{name}.png", shot)
        return True


class Chromium:
    """One Chromium for the whole run (starting Playwright and a browser costs seconds on a
    loaded machine), launched on first use. Its fake camera reads `camera`, a clip that `show`
    replaces before each login or capture: Chromium opens the file anew whenever a page asks
    for the camera, so each check shows its own learner's face (or a still, or a stranger)."""

    def __init__(self, workdir: Path) -> None:
        self.camera = workdir / "camera.y4m"
        self._playwright: Any = None
        self._browser: Any = None

    def browser(self, *, loopback_only: bool = False) -> Any:
        """The run's Chromium; `loopback_only` (decided by the first caller: the embedded
        reference's run) launches it unable to reach anything but this machine."""
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        if self._playwright is None:
            try:
                from playwright.sync_api import sync_playwright
            except ImportError:
                raise BrowserUnavailable("the playwright package is not installed") from None
            self._playwright = sync_playwright().start()
        if not self.camera.exists():
            self.show([_grey_frame()])
        args = [*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={self.camera}"]
        if loopback_only:
            args.append(NOWHERE_PROXY)
        executable = chromium_executable()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=executable, args=args, headless=True, timeout=LAUNCH_TIMEOUT_MS
            )
        except Exception as exc:  # Playwright's own Error: no browser, or it would not start
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BrowserUnavailable(f"Chromium did not start ({executable}): {reason}") from None
        return self._browser

    def show(self, frames: list[bytes]) -> None:
        """Make the camera show PNG `frames` from the next time a page opens it."""
        partial = self.camera.with_suffix(".part.y4m")
        camera_clip(frames, partial)
        os.replace(partial, self.camera)

    def close(self) -> None:
        with suppress(Exception):
            if self._browser is not None:
                self._browser.close()
        with suppress(Exception):
            if self._playwright is not None:
                self._playwright.stop()
        self._browser = self._playwright = None


def _grey_frame() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (128, 128), (128, 128, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class BrowserLab:
    """The browser side of one check: its contexts (each traced on request) on the run's
    Chromium, all closed when the check ends, their traces saved to its evidence."""

    pages: BrowserPages
    base_url: str
    evidence: EvidenceRecorder
    chromium: Chromium
    loopback_only: bool = False  # the embedded reference: Chromium reaches nothing else
    _contexts: list[dict[str, Any]] = field(default_factory=list)

    def show_camera(self, frames: list[bytes]) -> None:
        self.chromium.show(frames)

    def context(self, *, refuse_camera: bool = False, userscripts: tuple[str, ...] = ()) -> Any:
        """A fresh browser profile (no cookies or storage); `userscripts` run in every page
        before the page's own scripts, as a userscript manager injects them."""
        browser = self.chromium.browser(loopback_only=self.loopback_only)
        context = browser.new_context(viewport={"width": 800, "height": 600})
        context.set_default_timeout(self.pages.wait_seconds * 1000)
        context.add_init_script(RECORDER_SCRIPT)
        if refuse_camera:
            context.add_init_script(REFUSE_CAMERA_SCRIPT)
        for script in userscripts:
            context.add_init_script(script)
        self._contexts.append({"context": context, "tracing": False})
        return context

    def trace(self, context: Any) -> None:
        """Start the context's trace (screenshots, actions; no DOM snapshots or network)."""
        context.tracing.start(screenshots=True, snapshots=False)
        for entry in self._contexts:
            if entry["context"] is context:
                entry["tracing"] = True

    def close(self) -> None:
        """Stop traces into evidence and close every context (also after errors)."""
        with tempfile.TemporaryDirectory(prefix="sxcert-trace-") as folder:
            for index, entry in enumerate(self._contexts, start=1):
                with suppress(Exception):  # a crashed page: closing the context is what matters
                    if entry["tracing"]:
                        path = Path(folder) / f"trace-{index}.zip"
                        entry["context"].tracing.stop(path=str(path))
                        self.evidence.attach_file(path.name, path, "application/zip")
                with suppress(Exception):
                    entry["context"].close()
        self._contexts = []

    # ---- pages -------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def navigate(self, page: Any, go: Callable[[], Any]) -> None:
        """Load a page (`go`: a goto or a reload) and, while the platform answers it 503 with
        `Retry-After` (busy, nothing done: docs/interface.md), load it again after the delay,
        within harness/overload.py's patience, as the API client does — else a busy platform's
        page would be judged as one without its video (a false REJECT of the compliant
        `sheds_load_now_and_then`, seen in the run under every alternative). Each refused load
        is noted in the evidence (and is in the trace); a refusal beyond the patience stays on
        the page for the check to judge."""
        answer, _, patience = BUSY.send(self.base_url, lambda: _PageAnswer.of(go()))
        if patience.refusals:
            self.evidence.note(
                f"{page.url}: answered 503 with Retry-After {patience.refusals} time(s), loaded"
                f" again after the delay (last status {answer.status_code})"
            )

    def require(self, page: Any, selector: str, what: str) -> None:
        """The element must be on the page; otherwise `error` naming selector and page, with a
        screenshot of what was there instead."""
        try:
            page.wait_for_selector(
                selector, state="attached", timeout=self.pages.wait_seconds * 1000
            )
        except Exception:
            self.evidence.attach_file("not-found.png", page.screenshot())
            raise CannotProbe(
                what, f"no element matches {selector!r} on {page.url} (screenshot not-found.png)"
            ) from None

    def wait_until(self, condition: Callable[[], bool], page: Any, what: str) -> None:
        deadline = time.monotonic() + self.pages.wait_seconds
        while not condition():
            if time.monotonic() > deadline:
                self.evidence.attach_file("timed-out.png", page.screenshot())
                raise CannotProbe(what, f"not reached within {self.pages.wait_seconds:g} s")
            page.wait_for_timeout(100)

    def login(self, context: Any, id_number: str, password: str, *, expect: bool = True) -> Any:
        """Run the profile's login steps on a new page; answer the page. With `expect`, the
        logged-in selector must appear (else CannotProbe); without, it is only waited for."""
        page = context.new_page()
        login_url = self.url(self.pages.login_path)
        self.navigate(page, lambda: page.goto(login_url))
        for step in self.pages.login_steps:
            self.require(page, step.selector, f"login step {step.action}")
            value = step.value.format(id_number=id_number, password=password)
            if step.action == "fill":
                page.fill(step.selector, value)
            elif step.action == "click":
                page.click(step.selector)
            else:
                page.press(step.selector, value)
        if expect:
            self.require(page, self.pages.logged_in_selector, "the logged-in state after login")
        return page

    def logged_in(
        self, page: Any, wait_seconds: float = 4, until: Callable[[], bool] | None = None
    ) -> bool:
        """Whether the page shows its logged-in state within `wait_seconds`; with `until`, the
        wait also ends (False) once that outside observation says the login was decided."""
        deadline = time.monotonic() + wait_seconds
        while True:
            if page.query_selector(self.pages.logged_in_selector) is not None:
                return True
            if time.monotonic() > deadline or (until is not None and until()):
                return False
            page.wait_for_timeout(200)

    def camera_requests(self, page: Any) -> int:
        return int(page.evaluate("window.__sxcertCameraRequests || 0"))

    def open_lesson(self, context: Any, course_id: str, lesson_id: str, page: Any = None) -> Player:
        """Open the lesson page (in `page`, or a new tab) and wait for its video and player."""
        page = page or context.new_page()
        url = self.url(self.pages.lesson_path.format(course_id=course_id, lesson_id=lesson_id))
        self.navigate(page, lambda: page.goto(url))
        return self.player_on(page, url)

    def player_on(self, page: Any, url: str) -> Player:
        """The lesson page already loaded in `page` (opened, or reloaded): wait for its video
        and player."""
        self.require(page, self.pages.video_selector, "the lesson video")
        if self.pages.ready_selector:
            self.require(page, self.pages.ready_selector, "the player's ready state")
        player = Player(self, page, url)
        self.wait_until(lambda: player.state()["readyState"] >= 1, page, "the video's metadata")
        return player
