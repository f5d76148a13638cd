"""`sxcert certify`: set up the target, run the checks through pytest in-process, write reports.

Exit codes (DESIGN.md): 0 ADMIT, 1 REJECT, 2 the run could not be made (bad profile, target
unreachable, servers that would not start, interrupted) — always with a message, never a traceback.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.context import RunContext
from harness.embedded import PLATFORM_HEALTH, PROVINCE_HEALTH, embedded_target, running_province
from harness.plugin import CertificationSession
from harness.profile import Profile, ProfileError, load_profile
from harness.registry import check_modules
from harness.report.model import Report
from harness.servers import ServerStartError, reachable

INI = Path(__file__).with_name("pytest-certify.ini")
REPORT_FILES = ("report.json", "report.html", "junit.xml")
REPORT_DIRS = ("evidence", "allure-results")


class RunFailed(Exception):
    """The run could not be made; exit 2 with this message."""


@dataclass
class CertifyOptions:
    profile: Path | None = None
    out: Path = Path("reports")
    only: list[str] | None = None
    reference_defects: tuple[str, ...] = ()
    skip_browser: bool = False
    skip_load: bool = False
    pytest_args: list[str] = field(default_factory=list)

    @property
    def skip_kinds(self) -> set[str]:
        return {k for k, on in (("browser", self.skip_browser), ("load", self.skip_load)) if on}


def certify(options: CertifyOptions) -> tuple[int, Report]:
    """Run a certification; answer (exit code, report). RunFailed when it cannot be made."""
    _prepare_out(options.out)  # before any server starts: an unwritable folder fails fast
    try:
        with _target(options) as profile:
            context = RunContext.build(
                profile,
                options.out,
                only=options.only,
                skip_kinds=options.skip_kinds,
                embedded=options.profile is None,
                reference_defects=options.reference_defects,
            )
            _preflight(profile)
            session = CertificationSession(context)
            code = pytest.main(_pytest_args(options), plugins=[session])
    except ProfileError as exc:
        raise RunFailed(str(exc)) from None
    except ServerStartError as exc:
        raise RunFailed(f"A server could not be started: {exc}") from None
    except KeyboardInterrupt:
        raise RunFailed("Interrupted; servers stopped, no report written") from None
    if code == pytest.ExitCode.INTERRUPTED:
        raise RunFailed("Interrupted; servers stopped, the report covers what ran")
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        raise RunFailed(f"pytest could not run the checks (exit {int(code)})")
    if session.report is None:
        raise RunFailed("No report was produced")
    return (0 if session.report.verdict == "ADMIT" else 1), session.report


@contextmanager
def _target(options: CertifyOptions) -> Iterator[Profile]:
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sxcert-")))
        if options.profile is None:
            yield stack.enter_context(embedded_target(workdir, options.reference_defects))
            return
        if options.reference_defects:
            raise ProfileError("--reference-defect applies only to the embedded reference platform")
        profile = load_profile(options.profile)
        if profile.province.start:
            url = profile.province.url
            province = stack.enter_context(
                running_province(
                    workdir,
                    {profile.target.platform_id: profile.province_platform_key()},
                    host=url.host or "127.0.0.1",
                    port=url.port or 80,
                )
            )
            profile.province.admin_token = province.admin_token
            profile.province.admin_token_env = None
        yield profile


def _preflight(profile: Profile) -> None:
    problems = [
        why
        for why in (
            reachable(profile.target.url + PLATFORM_HEALTH, profile.target.timeout_seconds),
            reachable(profile.province.base + PROVINCE_HEALTH),
        )
        if why
    ]
    if problems:
        raise RunFailed("Target unreachable: " + "; ".join(problems))


def _prepare_out(out: Path) -> None:
    """Remove only what an earlier run wrote, so evidence of two runs never mixes."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in REPORT_FILES:
            (out / name).unlink(missing_ok=True)
        for name in REPORT_DIRS:
            shutil.rmtree(out / name, ignore_errors=True)
        marker = out / ".sxcert-write-test"
        marker.write_text("", encoding="utf-8")
        marker.unlink()
    except OSError as exc:
        raise RunFailed(f"Cannot write reports to {out}: {exc.strerror or exc}") from None


def _pytest_args(options: CertifyOptions) -> list[str]:
    modules = [str(p) for p in check_modules()]
    return [
        *modules,
        "-c",
        str(INI),
        "--rootdir",
        str(INI.parent),
        "--junitxml",
        str(options.out / "junit.xml"),
        "--alluredir",
        str(options.out / "allure-results"),
        "-q",
        *options.pytest_args,
    ]
