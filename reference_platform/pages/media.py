"""The lesson video: a generated test clip (ffmpeg), made once per duration and cached.

No video is committed to the repository. The clip is as long as the lesson (`duration_s`), so a
position in the player is a position in the lesson; at 160×90 and 2 frames a second a 45-minute
lesson is about a megabyte and takes a few seconds to encode, once per machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

_LOCK = threading.Lock()
ENCODE_TIMEOUT_S = 120
SEGMENT_S = 10


class VideoUnavailable(Exception):
    """The test video cannot be made here (no ffmpeg, or it failed); the message says why."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sxcert" / "media"


def lesson_video(duration_s: int) -> Path:
    """The cached WebM clip of `duration_s` seconds, encoded now if it is not there yet."""
    target = cache_dir() / f"lesson-{duration_s}s.webm"
    if target.exists():
        return target
    with _LOCK:
        if target.exists():
            return target
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None:
            raise VideoUnavailable("ffmpeg is not installed (scripts/setup-system.sh installs it)")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.part.webm")
        segment = target.with_suffix(f".{os.getpid()}.segment.webm")
        loops = max(1, -(-duration_s // SEGMENT_S)) - 1
        encode = [
            ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=160x90:rate=1:duration={SEGMENT_S}",
            "-c:v", "libvpx", "-crf", "40", "-b:v", "20k", "-g", "10", "-an", str(segment),
        ]  # fmt: skip
        loop = [
            ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-stream_loop", str(loops),
            "-i", str(segment), "-t", str(duration_s), "-c", "copy", str(partial),
        ]  # fmt: skip
        try:
            for command in (encode, loop):
                subprocess.run(command, check=True, timeout=ENCODE_TIMEOUT_S, capture_output=True)
        except (subprocess.SubprocessError, OSError) as exc:
            partial.unlink(missing_ok=True)
            segment.unlink(missing_ok=True)
            raise VideoUnavailable(f"ffmpeg could not make the lesson video: {exc}") from None
        segment.unlink(missing_ok=True)
        partial.replace(target)
        return target
