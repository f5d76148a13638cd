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

from harness.context import RunContext
from harness.driver import LearnerDriver
from harness.evidence import EvidenceRecorder
from harness.failures import CheckFailure
from harness.learners import LearnerFactory
from harness.probe import Probe
from harness.profile import ProfileError, load_profile
from harness.province_sandbox import ProvinceSandboxClient
from harness.report.build import CheckResult, build_report
from harness.report.write import write_reports
from harness.supervision import SupervisionClient, TestClock
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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    if current_session(config) is not None or not config.getoption("sxcert_profile", None):
        return
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

    def __init__(self, context: RunContext) -> None:
        self.context = context
        self.results: dict[str, CheckResult] = {}
        self.started_at = dt.datetime.now(dt.UTC).astimezone()
        self.report: Any = None

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
            if selected:  # junit.xml carries them, so CI dashboards can group by requirement
                item.user_properties += [
                    ("requirements", ",".join(sorted(requirements))),
                    ("kind", kind),
                ]
            (keep if selected else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    # ---- results -----------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        report = yield
        requirements, kind = _requirements(item)
        if not requirements:
            return report
        result = self.results.setdefault(
            item.nodeid, CheckResult(name=item.name, kind=kind, requirements=sorted(requirements))
        )
        if report.when == "teardown":
            result.evidence = list(getattr(item, "sxcert_evidence_paths", []))
            notes = getattr(item, "sxcert_notes", [])
            if result.status == "pass" and notes:
                result.detail = "; ".join(notes)
            if report.failed and result.status == "pass":
                result.status, result.detail = "error", _text(call)
            return report
        if report.when == "setup" and report.failed:
            result.status, result.detail = "error", _text(call)
        elif report.when == "call":
            if report.passed:
                result.status = "pass"
                result.detail = _summary(item)
            elif call.excinfo is not None and isinstance(call.excinfo.value, CheckFailure):
                result.status, result.detail = "fail", str(call.excinfo.value)
            else:
                result.status, result.detail = "error", _text(call)
        return report

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        finished = dt.datetime.now(dt.UTC).astimezone()
        self.report = build_report(
            self.context, list(self.results.values()), self.started_at, finished
        )
        write_reports(self.report, self.context.out_dir)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.report is not None:
            terminalreporter.write_line(
                f"sxcert verdict: {self.report.verdict}"
                f"{' (partial run)' if self.report.partial else ''} — "
                f"{self.context.out_dir / 'report.json'}"
            )

    # ---- fixtures ----------------------------------------------------------------------------
    @pytest.fixture(autouse=True)
    def evidence(self, request: pytest.FixtureRequest) -> Any:
        directory = self.context.evidence_dir / request.node.name
        recorder = EvidenceRecorder(directory, self.context.out_dir)
        request.node.sxcert_notes = recorder.notes
        yield recorder
        paths = recorder.flush()
        request.node.sxcert_evidence_paths = paths
        for path in paths:
            allure.attach.file(
                str(self.context.out_dir / path),
                name=Path(path).name,
                attachment_type=allure.attachment_type.JSON if path.endswith(".json") else None,
            )

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
    def supervisor(self, http: Any) -> SupervisionClient:
        target = self.context.profile.target
        return SupervisionClient(
            target.url,
            http,
            username=target.accounts.authority.username,
            password=self.context.authority_password,
            timeout=target.timeout_seconds,
        )

    @pytest.fixture
    def province(self, http: Any) -> ProvinceSandboxClient:
        return ProvinceSandboxClient(
            self.context.profile.province.base, self.context.province_admin_token, session=http
        )

    @pytest.fixture
    def clock(self, http: Any) -> TestClock:
        target = self.context.profile.target
        return TestClock(target.url, http, self.context.test_token, target.timeout_seconds)

    @pytest.fixture
    def learners(self, platform: LearnerDriver, province: ProvinceSandboxClient) -> LearnerFactory:
        return LearnerFactory(platform, province)

    @pytest.fixture
    def probe(
        self,
        platform: LearnerDriver,
        supervisor: SupervisionClient,
        province: ProvinceSandboxClient,
        clock: TestClock,
        learners: LearnerFactory,
        evidence: EvidenceRecorder,
    ) -> Probe:
        return Probe(
            platform,
            supervisor,
            province,
            clock,
            learners,
            evidence,
            self.context.profile.thresholds,
            self.context.profile.target.platform_id,
            time=TestClockTime(clock),
        )


def _summary(item: pytest.Item) -> str:
    doc = inspect.getdoc(getattr(item, "obj", None)) or ""
    return doc.splitlines()[0] if doc else "passed"


def _text(call: pytest.CallInfo) -> str:
    if call.excinfo is None:
        return "error"
    value = call.excinfo.value
    return f"{type(value).__name__}: {value}"[:2000]
