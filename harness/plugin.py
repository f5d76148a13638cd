"""The sxcert pytest plugin (entry point `pytest11: sxcert`).

Like pytest's own junitxml plugin: thin module-level hooks add the options and the `requirement`
marker; one stateful `CertificationSession` is registered only when a run is configured (by
`sxcert certify`, or by `--sxcert-profile` for vendors who run pytest themselves). The session
holds the fixtures checks use, collects one result per check and writes the reports at the end.
"""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path
from typing import Any

import allure
import pytest

from harness.allure_labels import allure_marks
from harness.context import RunContext
from harness.driver import LearnerDriver
from harness.evidence import EvidenceRecorder
from harness.failures import CheckFailure, error_detail
from harness.i18n import default_lang
from harness.learners import LearnerFactory
from harness.probe import Probe
from harness.profile import ProfileError, load_profile
from harness.province_sandbox import ProvinceSandboxClient
from harness.proxies import bypass_proxies_for_loopback
from harness.redaction import scrub_text
from harness.report.build import CheckResult, build_report, check_title
from harness.report.junit import complete_junit
from harness.report.write import write_reports
from harness.supervision import SupervisionClient, Supervisors, TestClock
from harness.timesource import TestClockTime

MARKER_HELP = (
    "requirement(*ids, kind='api'): ties a check to catalogue requirement IDs and a kind "
    "(api, browser, load, attest), e.g. @pytest.mark.requirement('ELIG-01')"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sxcert", "sxcert certification")
    group.addoption("--sxcert-profile", help="certify the target described by this TOML profile")
    group.addoption("--sxcert-out", default="reports", help="report folder (default: reports)")
    group.addoption("--sxcert-only", default=None, help="comma-separated requirement IDs")
    group.addoption("--sxcert-skip-browser", action="store_true", help="skip browser checks")
    group.addoption("--sxcert-skip-load", action="store_true", help="skip load checks")
    group.addoption("--sxcert-fuzz", action="store_true", help="also run the fuzzing check")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    if current_session(config) is not None or not config.getoption("sxcert_profile", None):
        return
    bypass_proxies_for_loopback()  # plain pytest does not pass through `sxcert` (proxies.py)
    only = config.getoption("sxcert_only")
    skip = {
        k
        for k, o in (("browser", "sxcert_skip_browser"), ("load", "sxcert_skip_load"))
        if config.getoption(o)
    }
    try:
        profile = load_profile(Path(config.getoption("sxcert_profile")))
        if profile.province.start:
            raise ProfileError(
                "province.start = true needs `sxcert certify`; under plain pytest run "
                "`sxcert province serve`, then set province.start = false and admin_token_env"
            )
        context = RunContext.build(
            profile,
            Path(config.getoption("sxcert_out")),
            only=[i.strip() for i in only.split(",") if i.strip()] if only else None,
            skip_kinds=skip,
            fuzz=bool(config.getoption("sxcert_fuzz")),
        )
    except ProfileError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.pluginmanager.register(CertificationSession(context), "sxcert-session")


def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> Any:
    """Collect `@check` functions whatever their name: checks are named for their property."""
    if inspect.isfunction(obj) and getattr(obj, "__sxcert_check__", None) is not None:
        return [pytest.Function.from_parent(collector, name=name)]
    return None


def current_session(config: pytest.Config) -> CertificationSession | None:
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, CertificationSession):
            return plugin
    return None


def _requirements(item: pytest.Item) -> tuple[set[str], str]:
    marker = item.get_closest_marker("requirement")
    if marker is None:
        return set(), "api"
    return set(marker.args), marker.kwargs.get("kind", "api")


class CertificationSession:
    """One certification run inside pytest: fixtures, result collection, report writing."""

    def __init__(
        self, context: RunContext, *, announce: bool = True, lang: str | None = None
    ) -> None:
        """`announce`: end pytest's output with the verdict line (plain-pytest runs; `sxcert
        certify` prints its own summary once the report is in its final place). `lang`: of
        report.html (default: the locale's)."""
        self.context = context
        self.announce = announce
        self.lang = lang or default_lang()
        self.results: dict[str, CheckResult] = {}
        self.started_at = dt.datetime.now(dt.UTC).astimezone()
        self.report: Any = None
        self.extra_junit_cases: list[Any] = []  # a second instance's (second_instance.py)

    # ---- selection ---------------------------------------------------------------------------
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        keep, drop = [], []
        for item in items:
            requirements, kind = _requirements(item)
            selected = bool(requirements) and kind not in self.context.skip_kinds
            if self.context.only is not None:
                selected = selected and bool(requirements & self.context.only)
            if requirements and requirements <= self.context.delegated:
                selected = False  # judged by the second instance, folded in at the end
            if selected:  # junit.xml carries them, so CI dashboards can group by requirement
                item.user_properties += [
                    ("requirements", ",".join(sorted(requirements))),
                    ("kind", kind),
                ]
                for mark in allure_marks(sorted(requirements), kind):
                    item.add_marker(mark)
            (keep if selected else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
        # Checks that move the test clock years on (retention) run last, so that no other check
        # meets a platform living in a year its vouchers and calendars do not expect; the load
        # check just before them, so that a run shared with a second instance waits for it once,
        # when nothing but the load is left (second_instance.py).
        items[:] = sorted(
            keep, key=lambda item: (_runs_last(item), _requirements(item)[1] == "load")
        )

    # ---- results -----------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        """Keep each check's outcome typed: title, detail, expected/received as JSON, duration."""
        report = yield
        requirements, kind = _requirements(item)
        if not requirements:
            return report
        result = self.results.setdefault(
            item.nodeid,
            CheckResult(
                name=item.name, kind=kind, requirements=sorted(requirements), title=_title(item)
            ),
        )
        if report.failed and report.when in ("setup", "call"):
            self._write_technical_log(item, call)
        if report.when == "teardown":
            result.evidence = list(getattr(item, "sxcert_evidence_paths", [])) + list(
                getattr(item, "sxcert_technical_log", [])
            )
            notes = getattr(item, "sxcert_notes", [])
            if result.status == "pass" and notes:
                result.detail = "; ".join(notes)
            if report.failed and result.status == "pass":
                _record_error(result, call)
            return report
        if report.when == "setup" and report.failed:
            _record_error(result, call)
        elif report.when == "call":
            result.duration_s = round(call.duration, 3)
            if report.passed:
                result.status, result.detail = "pass", result.title or "passed"
            elif call.excinfo is not None and isinstance(call.excinfo.value, CheckFailure):
                failure = call.excinfo.value.as_json()
                result.status, result.detail = "fail", failure["title"]
                result.expected, result.received = failure["expected"], failure["received"]
            else:
                _record_error(result, call)
        return report

    def status_of(self, nodeid: str) -> str:
        """A finished check's status so far (the live progress reports clauses with it)."""
        result = self.results.get(nodeid)
        return result.status if result is not None else "not_run"

    def _write_technical_log(self, item: pytest.Item, call: pytest.CallInfo) -> None:
        """The full traceback goes to evidence, not to the terminal: without function arguments
        or locals (where passwords and tokens sit), and scrubbed once more."""
        if call.excinfo is None:
            return
        text = str(call.excinfo.getrepr(style="long", funcargs=False, showlocals=False))
        path = self.context.evidence_dir / item.name / "technical-log.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(scrub_text(text), encoding="utf-8")
        item.sxcert_technical_log = [str(path.relative_to(self.context.out_dir))]

    @pytest.hookimpl(trylast=True)  # after pytest's junitxml has written junit.xml
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        finished = dt.datetime.now(dt.UTC).astimezone()
        self.report = build_report(
            self.context, list(self.results.values()), self.started_at, finished
        )
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            self.report.interrupted = self.report.partial = True
        write_reports(self.report, self.context.out_dir, self.lang)
        junit = getattr(session.config.option, "xmlpath", None)
        if junit:
            complete_junit(Path(junit), self.report, self.extra_junit_cases)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.report is not None and self.announce:
            terminalreporter.write_line(
                f"sxcert verdict: {self.report.verdict}"
                f"{' (partial run)' if self.report.partial else ''} — "
                f"{self.context.out_dir / 'report.json'}"
            )

    # ---- fixtures ----------------------------------------------------------------------------
    @pytest.fixture(autouse=True)
    def evidence(self, request: pytest.FixtureRequest) -> Any:
        """Each check's recorder; at its end every evidence file is listed and sent to allure."""
        directory = self.context.evidence_dir / request.node.name
        recorder = EvidenceRecorder(directory, self.context.out_dir)
        request.node.sxcert_notes = recorder.notes
        yield recorder
        paths = recorder.flush()
        request.node.sxcert_evidence_paths = paths
        for path in paths:
            full = self.context.out_dir / path
            mime, extension = _allure_type(recorder.content_type(full), full.suffix)
            allure.attach.file(str(full), name=full.name, attachment_type=mime, extension=extension)

    @pytest.fixture
    def http(self, evidence: EvidenceRecorder) -> Any:
        session = evidence.session()
        yield session
        session.close()

    @pytest.fixture
    def platform(self, http: Any) -> LearnerDriver:
        target = self.context.profile.target
        return self.context.driver_class(target.url, http, target.timeout_seconds)

    @pytest.fixture
    def supervisors(self, http: Any) -> Supervisors:
        """One client per profile account; each signs in only when first used."""
        target = self.context.profile.target
        return Supervisors.for_accounts(
            target.url, http, self.context.accounts, target.timeout_seconds
        )

    @pytest.fixture
    def supervisor(self, supervisors: Supervisors) -> SupervisionClient:
        return supervisors.authority

    @pytest.fixture
    def province(self, http: Any) -> ProvinceSandboxClient:
        return ProvinceSandboxClient(
            self.context.profile.province.base, self.context.province_admin_token, session=http
        )

    @pytest.fixture
    def clock(self, http: Any) -> TestClock:
        target = self.context.profile.target
        return TestClock(target.url, http, self.context.test_token, target.timeout_seconds)

    @pytest.fixture(scope="session")
    @staticmethod  # a session fixture bound to the plugin instance is deprecated (pytest 9.2)
    def chromium(tmp_path_factory: pytest.TempPathFactory) -> Any:
        """The run's one Chromium (launched when a browser check first needs it), closed at
        the end of the session."""
        from harness.browser import Chromium  # only browser checks import Playwright

        browser = Chromium(tmp_path_factory.mktemp("sxcert-browser"))
        yield browser
        browser.close()

    @pytest.fixture
    def browser_lab(self, evidence: EvidenceRecorder, chromium: Any) -> Any:
        """A browser check's contexts on the run's Chromium, driven by the profile's `[browser]`
        pages; each is closed (its trace saved to evidence) when the check ends."""
        from harness.browser import BrowserLab

        profile = self.context.profile
        lab = BrowserLab(
            profile.browser,
            str(profile.target.url),
            evidence,
            chromium,
            loopback_only=self.context.embedded,
        )
        yield lab
        lab.close()

    @pytest.fixture
    def learners(self, platform: LearnerDriver, province: ProvinceSandboxClient) -> LearnerFactory:
        return LearnerFactory(platform, province)

    @pytest.fixture
    def probe(
        self,
        platform: LearnerDriver,
        supervisors: Supervisors,
        province: ProvinceSandboxClient,
        clock: TestClock,
        learners: LearnerFactory,
        evidence: EvidenceRecorder,
    ) -> Probe:
        return Probe(
            platform,
            supervisors.authority,
            province,
            clock,
            learners,
            evidence,
            self.context.profile.thresholds,
            self.context.profile.target.platform_id,
            time=TestClockTime(clock),
            supervisors=supervisors,
            fuzz=self.context.profile.fuzz,
            profile=self.context.profile,
        )


def _title(item: pytest.Item) -> str:
    return check_title(inspect.getdoc(getattr(item, "obj", None)))


def _record_error(result: CheckResult, call: pytest.CallInfo) -> None:
    """An error says what raised, in one line; received/expected stay null (nothing judged)."""
    result.status = "error"
    result.detail = error_detail(call.excinfo.value) if call.excinfo is not None else "error"
    result.expected = result.received = None


def _allure_type(content_type: str, suffix: str) -> tuple[Any, str | None]:
    """Allure's own attachment type when it has one (it renders those inline), else the MIME."""
    for known in allure.attachment_type:
        if known.mime_type == content_type:
            return known, None
    return content_type, suffix.lstrip(".") or None


def _runs_last(item: pytest.Item) -> bool:
    """True for a check marked `runs_last` (it moves the test clock years on)."""
    return bool(getattr(getattr(item, "function", None), "runs_last", False))
