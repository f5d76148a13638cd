"""`sxcert certify`: set up the target, run the checks through pytest in-process, write reports.

Exit codes (DESIGN.md): 0 ADMIT, 1 REJECT, 2 the run could not be made (bad profile, target
unreachable, servers that would not start, nothing to judge, interrupted) — always with a
message, never a traceback.

Nothing is lost on the way: the selection is validated before any server starts, the new report
is written into a staging folder beside the old one and replaces it only once it exists, and
SIGTERM/SIGHUP end a run like Ctrl-C does (servers stopped, temporary folder removed).
"""

from __future__ import annotations

import dataclasses
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from harness.api import Refused
from harness.catalogue import load_catalogue
from harness.context import RunContext
from harness.database_urls import DatabaseUrlError, backend, check_reference_database
from harness.embedded import PLATFORM_HEALTH, PROVINCE_HEALTH, embedded_target, running_province
from harness.failures import CheckFailure
from harness.heap import settle_heap
from harness.i18n import Messages
from harness.plugin import CertificationSession
from harness.profile import Profile, ProfileError, load_profile
from harness.progress import RunProgress
from harness.province_sandbox import ProvinceSandboxClient, ProvinceSandboxError
from harness.registry import all_checks, check_modules, checks_by_requirement
from harness.repeat import keep_flaky_evidence, merge_repetitions
from harness.report.model import Report
from harness.report.write import write_reports
from harness.run_bounds import DEFAULT_RUN_TIMEOUT_S, RunBounds, StopRequest, stop_on_signals
from harness.second_instance import InstanceJoin, SecondInstance, second_instance
from harness.seed_plugin import RunSeed
from harness.seeding import new_seed
from harness.servers import ServerStartError, reachable
from harness.shares import Share, plan_shares
from harness.supervision import Supervisors, TestClock
from harness.transport import TARGETS

INI = Path(__file__).with_name("pytest-certify.ini")
DEFAULT_REFERENCE_INSTANCES = 2  # one per core of the 2-core machines DESIGN.md targets
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
    reference_alternatives: tuple[str, ...] = ()
    reference_database: str | None = None  # an empty database for the embedded reference
    reference_processes: int = 1  # server processes of the embedded reference (embedded.py)
    # Embedded reference instances judging shares of the clauses side by side (shares.py);
    # None: DEFAULT_REFERENCE_INSTANCES where a run can be shared, else 1.
    reference_instances: int | None = None
    skip_browser: bool = False
    skip_load: bool = False
    fuzz: bool = False  # run the optional fuzzing check (also `[fuzz] enabled` in the profile)
    pytest_args: list[str] = field(default_factory=list)
    lang: str = "en"  # of report.html (and of the summary the CLI prints)
    seed: int | None = None  # None: a fresh one, written into report.json
    repeat: int = 1  # run every check this many times; differing verdicts make it flaky
    checks: frozenset[str] | None = None  # only these checks (by name), e.g. --rerun-failed
    rerun_of: dict[str, str] | None = None  # the report re-run, recorded in the new one

    @property
    def skip_kinds(self) -> set[str]:
        return {k for k, on in (("browser", self.skip_browser), ("load", self.skip_load)) if on}


@dataclass(frozen=True)
class RunOutcome:
    """A finished run: the exit code its verdict gives, its report, and the profile it ran
    with (the embedded one included: a dossier files it, secrets removed)."""

    code: int
    report: Report
    profile: Profile
    lang: str = "en"  # of report.html, kept when the report is written again (baseline)


def certify(options: CertifyOptions) -> tuple[int, Report]:
    """Run a certification; answer (exit code, report). RunFailed when it cannot be made."""
    outcome = certify_run(options)
    return outcome.code, outcome.report


def certify_run(options: CertifyOptions) -> RunOutcome:
    """Run a certification; answer its outcome. RunFailed when it cannot be made."""
    profile = _validate_selection(options)
    staging = _prepare_out(options.out)  # before any server starts: an unwritable folder fails fast
    seed = new_seed() if options.seed is None else options.seed
    try:
        code, session = _run(options, profile, staging, seed)
        if session.report is not None:
            _record_run(session.report, options, seed, staging)
            _publish(staging, options.out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if code == pytest.ExitCode.INTERRUPTED:
        raise RunFailed("Interrupted; servers stopped, the report covers what ran")
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        raise RunFailed(f"pytest could not run the checks (exit {int(code)})")
    if session.report is None:
        raise RunFailed("No report was produced")
    if not any(c.in_scope and c.status != "not_run" for c in session.report.clauses):
        raise RunFailed("Nothing was judged: no selected clause has a check that ran")
    code = 0 if session.report.verdict == "ADMIT" else 1
    return RunOutcome(code, session.report, session.context.profile, options.lang)


def _record_run(report: Report, options: CertifyOptions, seed: int, staging: Path) -> None:
    """What report.json must say of how the run was made, beyond what the plugin knows."""
    report.seed, report.repeat, report.rerun_of = seed, options.repeat, options.rerun_of
    if options.rerun_of is not None:
        report.partial = True
    write_reports(report, staging, options.lang)


def _run(
    options: CertifyOptions, given: Profile | None, staging: Path, seed: int
) -> tuple[int, CertificationSession]:
    stop = StopRequest()
    TARGETS.reset()  # what preflight sees of a dead target counts for the checks too
    shares = plan_run_shares(options)
    try:
        with stop_on_signals(stop), ExitStack() as stack:
            other = None
            if len(shares) > 1:  # started first: both instances start side by side
                workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sxcert-")))
                args = _instance_args(options, shares[1], seed)
                other = stack.enter_context(
                    second_instance(shares[1], args, workdir, DEFAULT_RUN_TIMEOUT_S, stop)
                )
            profile = stack.enter_context(_target(options, given))
            context = RunContext.build(
                profile,
                staging,
                only=options.only,
                skip_kinds=options.skip_kinds,
                embedded=options.profile is None,
                reference_defects=options.reference_defects,
                reference_alternatives=options.reference_alternatives,
                reference_database=backend(options.reference_database or "sqlite://")
                if options.profile is None
                else None,
                fuzz=options.fuzz,
                delegated=other.share.clauses if other is not None else frozenset(),
                reference_instances=len(shares) if options.profile is None else 1,
            )
            _preflight(context)
            bounds = RunBounds(
                profile.target.url,
                check_timeout_s=profile.target.check_timeout_seconds,
                run_timeout_s=profile.target.run_timeout_seconds,
                stop=stop,
            )
            return _repetitions(options, context, bounds, RunSeed(seed), other)
    except ProfileError as exc:
        raise RunFailed(str(exc)) from None
    except ServerStartError as exc:
        raise RunFailed(f"A server could not be started: {exc}") from None
    except KeyboardInterrupt:
        raise RunFailed("Interrupted; servers stopped, no report written") from None


def _repetitions(
    options: CertifyOptions,
    context: RunContext,
    bounds: RunBounds,
    seed: RunSeed,
    other: SecondInstance | None = None,
) -> tuple[int, CertificationSession]:
    """Run the checks `options.repeat` times against the same target; the first repetition
    writes into the staging folder (its evidence is the report's), the others into their own
    folders inside it (discarded with it, but for a flaky check's evidence). One session carries
    the merged report."""
    sessions: list[CertificationSession] = []
    code: int = pytest.ExitCode.OK
    settle_heap()  # the checks and the frame are imported: nothing to walk again (heap.py)
    for index in range(options.repeat):
        out = context.out_dir if index == 0 else context.out_dir / f".repeat-{index + 1}"
        run_context = context if index == 0 else dataclasses.replace(context, out_dir=out)
        session = CertificationSession(run_context, announce=False, lang=options.lang)
        progress = RunProgress(Messages(options.lang), session.status_of)
        join = InstanceJoin(other, session, progress) if other is not None else None
        try:
            plugins = [session, bounds, seed, progress, *([join] if join else [])]
            code = pytest.main(_pytest_args(options, out), plugins=plugins)
        finally:
            progress.close()
        if join is not None and join.failure is not None:
            raise RunFailed(join.failure)
        sessions.append(session)
        if code == pytest.ExitCode.INTERRUPTED or session.report is None:
            break
    first = sessions[0]
    if len(sessions) > 1 and all(s.report is not None for s in sessions):
        first.report = merge_repetitions([s.report for s in sessions])
        later = [(s.context.out_dir, s.report) for s in sessions[1:]]
        keep_flaky_evidence(first.report, later, context.out_dir)
    return code, first


def plan_run_shares(options: CertifyOptions) -> list[Share]:
    """The run's shares: one per embedded instance. A run is shared only where its instances
    cannot meet: a fresh embedded reference each (a profile's platform is one platform, a
    given database one database), one session's results (not repetitions or chosen checks)."""
    wanted = options.reference_instances
    shareable = (
        options.profile is None
        and options.repeat == 1
        and options.checks is None
        and not options.pytest_args
        and options.reference_database in (None, "sqlite://")
    )
    count = (DEFAULT_REFERENCE_INSTANCES if wanted is None else wanted) if shareable else 1
    catalogue = load_catalogue()
    selected = options.only or [c.id for c in catalogue.clauses if c.judged]
    skipped = options.skip_kinds | (set() if options.fuzz else {"fuzz"})
    return plan_shares(selected, all_checks(), count, skipped)


def _instance_args(options: CertifyOptions, share: Share, seed: int) -> list[str]:
    """The second instance's command line: the run's own choices, narrowed to its share; the
    load check stays with the run (shares.py)."""
    args = ["--only", ",".join(sorted(share.clauses)), "--seed", str(seed), "--lang", options.lang]
    args += ["--reference-instances", "1", "--skip-load"]
    args += ["--reference-processes", str(options.reference_processes)]
    args += [arg for name in options.reference_defects for arg in ("--reference-defect", name)]
    args += [
        arg for name in options.reference_alternatives for arg in ("--reference-alternative", name)
    ]
    if options.skip_browser:
        args.append("--skip-browser")
    if options.fuzz:
        args.append("--fuzz")
    return args


def _validate_selection(options: CertifyOptions) -> Profile | None:
    """Refuse a bad profile, or a selection that names unknown clauses or leaves nothing to
    judge, before any server starts and before the report folder is touched (a typo must not
    cost a run, nor an earlier report). Answers the loaded profile (None: the embedded one)."""
    profile = None
    if options.profile is not None:
        embedded_only = {
            "--reference-defect": bool(options.reference_defects),
            "--reference-alternative": bool(options.reference_alternatives),
            "--reference-database": bool(options.reference_database),
            "--reference-processes": options.reference_processes != 1,
            "--reference-instances": (options.reference_instances or 1) != 1,
        }
        for flag, given in embedded_only.items():
            if given:
                raise RunFailed(f"{flag} applies only to the embedded reference platform")
        try:
            profile = load_profile(options.profile)
        except ProfileError as exc:
            raise RunFailed(str(exc)) from None
    elif options.reference_database:
        try:
            check_reference_database(options.reference_database)
        except DatabaseUrlError as exc:
            raise RunFailed(f"--reference-database: {exc}") from None
    if options.only is None:
        return profile
    catalogue = load_catalogue()
    known = set(catalogue.ids())
    unknown = sorted(set(options.only) - known)
    if not options.only:
        raise RunFailed("--only names no requirement ID")
    if unknown:
        raise RunFailed(f"--only: unknown requirement IDs: {', '.join(unknown)}")
    province = sorted(i for i in options.only if catalogue.get(i).level == "PROVINCE")
    covered = checks_by_requirement()
    judgeable = [i for i in options.only if i in covered or catalogue.get(i).level == "ATTEST"]
    if not judgeable:
        why = (
            f"{', '.join(province)}: PROVINCE clauses are duties of the province, not part of a "
            "platform's verdict"
            if province
            else "no check covers the selected clauses in this version"
        )
        raise RunFailed(f"Nothing to judge: {why}")
    return profile


@contextmanager
def _target(options: CertifyOptions, profile: Profile | None) -> Iterator[Profile]:
    """The profile of the run's target, with whatever servers it needs started for the run.

    The embedded reference platform is fresh every run, and so is its province (in memory). A
    province started for a profile's platform — a running instance that outlives the run —
    keeps its state in `province.state_dir` (default: the user's data directory), so a second
    run finds the approvals and registrations the platform obtained in the first."""
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sxcert-")))
        if profile is None:
            yield stack.enter_context(
                embedded_target(
                    workdir,
                    options.reference_defects,
                    alternatives=options.reference_alternatives,
                    database_url=options.reference_database,
                    processes=options.reference_processes,
                )
            )
            return
        if profile.province.start:
            url = profile.province.url
            state_dir = profile.province.state_folder(
                profile.target.platform_id, relative_to=options.profile.parent
            )
            province = stack.enter_context(
                running_province(
                    workdir,
                    {profile.target.platform_id: profile.province_platform_key()},
                    host=url.host or "127.0.0.1",
                    port=url.port or 80,
                    state_dir=state_dir,
                )
            )
            profile.province.admin_token = province.admin_token
            profile.province.admin_token_env = None
        yield profile


def _preflight(context: RunContext) -> None:
    """Before the first check: both sides answer (a platform started seconds ago is waited for,
    within a bound), and the target speaks the learner interface at all — a platform that
    answers 404 after /health is one mismatch, said once, not 36 failed checks."""
    profile = context.profile
    wait = profile.target.ready_timeout_seconds
    # Both sides are waited for at once: an unreachable target is said after one bound, not two.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="preflight") as pool:
        waits = (
            pool.submit(
                reachable,
                profile.target.url + PLATFORM_HEALTH,
                profile.target.timeout_seconds,
                ready_within=wait,
            ),
            pool.submit(reachable, profile.province.base + PROVINCE_HEALTH, ready_within=wait),
        )
        problems = [why for why in (w.result() for w in waits) if why]
    if problems:
        raise RunFailed("Target unreachable: " + "; ".join(problems))
    mismatch = _interface_mismatch(context)
    if mismatch:
        raise RunFailed(mismatch)
    refused = _refused_credentials(context)
    if refused:
        raise RunFailed("A credential of the profile is refused: " + "; ".join(refused))


def _interface_mismatch(context: RunContext) -> str | None:
    target = context.profile.target
    with requests.Session() as session:
        driver = context.driver_class(target.url, session, target.timeout_seconds)
        try:
            driver.courses()
        except Refused as refused:
            if refused.status == 404:
                return (
                    f"Interface mismatch: the target answers {PLATFORM_HEALTH} but 404 to "
                    f"{refused.method} {refused.path}; it does not speak the sxcert/1 learner "
                    "interface at target.base_url (a vendor API needs its own target.driver)"
                )
        except Exception:  # misbehaviour beyond a missing API is for the checks to judge
            return None
    return None


def _refused_credentials(context: RunContext) -> list[str]:
    """Sign in with every credential of the profile before the first check, so a wrong password
    or token is the profile's fault said once, not dozens of platform failures."""
    target, refused = context.profile.target, []
    with requests.Session() as session:
        for account in Supervisors.for_accounts(
            target.url, session, context.accounts, target.timeout_seconds
        ):
            if TARGETS.gone(target.url):
                return refused  # not answering at all: the checks will say so, at once
            try:
                account.sign_in()
            except Refused as answer:
                refused.append(
                    f"target.accounts ({account.kind} {account.username!r}): the platform "
                    f"answers {answer.status} {answer.detail}"
                )
            except CheckFailure:
                pass  # a misbehaving platform is for the checks to judge, with evidence
        if context.test_token:
            try:
                TestClock(target.url, session, context.test_token, target.timeout_seconds).now()
            except Refused as answer:
                if answer.status in (401, 403):
                    refused.append(f"target.test_token: the test hooks answer {answer.status}")
            except CheckFailure:
                pass  # a misbehaving clock is for the checks to judge, with evidence
        sandbox = ProvinceSandboxClient(
            context.profile.province.base, context.province_admin_token, session, timeout=10
        )
        try:
            sandbox.log(limit=1)
        except ProvinceSandboxError as error:
            if error.status_code in (401, 403):
                refused.append(f"province.admin_token: the province answers {error.status_code}")
        except requests.RequestException:
            pass
    return refused


def _prepare_out(out: Path) -> Path:
    """A fresh staging folder inside `out`; the earlier report stays until the new one exists."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = out / f".sxcert-run-{secrets.token_hex(4)}"
        staging.mkdir()
        return staging
    except OSError as exc:
        raise RunFailed(f"Cannot write reports to {out}: {exc.strerror or exc}") from None


def _publish(staging: Path, out: Path) -> None:
    """Replace the earlier report by the new one, file by file (evidence of two runs never
    mixes: an earlier run's folders go whole)."""
    for name in (*REPORT_FILES, *REPORT_DIRS):
        earlier = out / name
        if earlier.is_dir():
            shutil.rmtree(earlier)
        else:
            earlier.unlink(missing_ok=True)
        if (staging / name).exists():
            (staging / name).rename(out / name)


def _pytest_args(options: CertifyOptions, out: Path) -> list[str]:
    modules = [str(p) for p in check_modules()]
    if options.checks is not None:  # node IDs: exactly these checks, not name look-alikes
        registered = all_checks()
        modules = [f"{registered[name].path}::{name}" for name in sorted(options.checks)]
    return [
        *modules,
        "-c",
        str(INI),
        "--rootdir",
        str(INI.parent),
        "--junitxml",
        str(out / "junit.xml"),
        "--alluredir",
        str(out / "allure-results"),
        "-q",
        "--tb=no",  # failures are typed blocks in the summary; tracebacks could carry secrets
        "-o",
        "console_output_style=classic",  # harness.progress shows progress; no [NN%] of pytest
        "-rN",
        # Its full garbage collection at the session's end costs a run 0.2-0.5 s on a heap of
        # recorded evidence, to report exceptions in __del__ that a certification does not judge.
        "-p",
        "no:unraisableexception",
        *options.pytest_args,
    ]
