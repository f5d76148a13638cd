"""The browser probes in real Chromium: a player configured only through the profile, a selector
that is not there, `--skip-browser`, and the profile's `[browser]` table.

These tests need Debian's `chromium` and `ffmpeg` (scripts/setup-system.sh installs both; the
README's test command runs it first). Without them they fail rather than skip: a browser probe
that silently does not run is exactly what CI must not accept.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from harness.embedded import embedded_target
from harness.profile import BrowserPages
from tests.conftest import read_report, run_sxcert, write_profile

ALT_FACTORY = "tests.alt_player.app:create_app"

# The second front end (tests/alt_player): other paths, classes, no play button, no ready marker.
ALT_BROWSER_TABLE = """
[browser]
login_path = "/signin"
logged_in_selector = ".banner.welcome"
lesson_path = "/watch/{course_id}/{lesson_id}"
video_selector = "video.vjs-tech"
ready_selector = ""
play_selector = ""
progress_selector = ".vjs-progress"
seek_keys = ["ArrowRight"]

[[browser.login_steps]]
action = "fill"
selector = "input[name=user]"
value = "{id_number}"

[[browser.login_steps]]
action = "fill"
selector = "input[name=secret]"
value = "{password}"

[[browser.login_steps]]
action = "click"
selector = "a.go"
"""


def browser_checks(report: dict) -> dict[str, dict]:
    return {
        check["name"]: check
        for clause in report["clauses"]
        for check in clause["checks"]
        if check["kind"] == "browser"
    }


RUN_MARK = "SXCERT_TEST_RUN_MARK"


def run_mark(tmp_path: Path) -> dict[str, str]:
    """An environment variable every process the run starts inherits (Chromium, its renderers and
    its crashpad handler included), so the run's processes are told from any other test's."""
    return {RUN_MARK: str(tmp_path)}


def processes_of(mark: dict[str, str]) -> set[str]:
    """The live processes whose environment carries `mark` (the test's own pid excluded)."""
    needle = f"{RUN_MARK}={mark[RUN_MARK]}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or entry.name == str(os.getpid()):
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.add(entry.name)
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


def nothing_left_of(mark: dict[str, str]) -> None:
    """No process started by the run outlives it. Chromium's crashpad handler is daemonized (its
    parent is init) and closes a moment after its browser: a short grace, then the judgement."""
    deadline = time.monotonic() + 10
    left = processes_of(mark)
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = processes_of(mark)
    assert not left, f"processes left by the run: {sorted(left)}"


def test_profile_browser_table_is_validated() -> None:
    assert BrowserPages().lesson_path == "/courses/{course_id}/lessons/{lesson_id}"
    with pytest.raises(ValidationError, match="must name"):
        BrowserPages(lesson_path="/watch/{lesson_id}")
    with pytest.raises(ValidationError):
        BrowserPages(login_steps=[{"action": "hover", "selector": "a"}])


def profile_with_browser(tmp_path: Path, profile, table: str) -> tuple[Path, dict[str, str]]:
    path, env = write_profile(tmp_path / "profile.toml", profile)
    path.write_text(path.read_text(encoding="utf-8") + table, encoding="utf-8")
    return path, env


def test_a_player_configured_only_through_the_profile_is_probed(tmp_path: Path) -> None:
    """The second front end passes the seek, speed and resume probes; its own markup is reached
    through nothing but the profile's `[browser]` table."""
    mark = run_mark(tmp_path)
    with embedded_target(tmp_path / "target", factory=ALT_FACTORY) as profile:
        path, env = profile_with_browser(tmp_path, profile, ALT_BROWSER_TABLE)
        out = tmp_path / "out"
        run = run_sxcert(
            "certify", "--profile", str(path), "--only", "STUDY-05,STUDY-06,STUDY-07",
            "--out", str(out), env={**env, **mark},
        )  # fmt: skip
    checks = browser_checks(read_report(out))
    ran = {name: c["status"] for name, c in checks.items() if c["status"] != "not_run"}
    assert ran == {
        "player_blocks_forward_seeking": "pass",
        "player_resets_speed_up": "pass",
        "userscript_cheats_earn_only_real_watching": "pass",
        "player_resumes_at_breakpoint": "pass",
    }, (run.stdout[-3000:], {n: c["detail"] for n, c in checks.items()})
    assert run.returncode == 0
    for name in ran:  # the cheats may leave a page too busy for a screenshot: trace only
        evidence = checks[name]["evidence"]
        if name == "userscript_cheats_earn_only_real_watching":
            assert any(e.endswith(".zip") for e in evidence), evidence
            continue
        assert any(e.endswith(".png") for e in evidence), evidence
        assert any(e.endswith(".zip") for e in evidence), evidence
    nothing_left_of(mark)


def test_a_selector_not_on_the_page_is_an_error_naming_it(tmp_path: Path) -> None:
    """A wrong selector is `error` (never pass) naming the selector and the page, with a
    screenshot of what was there."""
    table = ALT_BROWSER_TABLE.replace(
        'video_selector = "video.vjs-tech"', 'video_selector = "#nope"'
    )
    with embedded_target(tmp_path / "target", factory=ALT_FACTORY) as profile:
        path, env = profile_with_browser(tmp_path, profile, table)
        out = tmp_path / "out"
        run = run_sxcert(
            "certify", "--profile", str(path), "--only", "STUDY-06", "--out", str(out), env=env
        )
    check = browser_checks(read_report(out))["player_resets_speed_up"]
    assert check["status"] == "error", check
    assert "'#nope'" in check["detail"] and "/watch/" in check["detail"], check["detail"]
    assert any(e.endswith("not-found.png") for e in check["evidence"]), check["evidence"]
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr


def test_skip_browser_runs_no_browser_check(tmp_path: Path) -> None:
    mark = run_mark(tmp_path)
    out = tmp_path / "out"
    run = run_sxcert("certify", "--only", "STUDY-07", "--skip-browser", "--out", str(out), env=mark)
    report = read_report(out)
    assert {c["status"] for c in browser_checks(report).values()} == {"not_run"}
    api = [c for cl in report["clauses"] for c in cl["checks"] if cl["id"] == "STUDY-07"]
    assert {c["status"] for c in api if c["kind"] == "api"} == {"pass"}
    assert report["partial"] is True and run.returncode == 0, json.dumps(report)[:2000]
    nothing_left_of(mark)
