"""Shared helpers of the project's own test suite."""

from __future__ import annotations

import compileall
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


# The tests that take minutes (whole certify runs), longest first. They are started before
# everything else so that, with `-n 2 --maxschedchunk 1` (the README's test command: each worker
# pulls its next test when it is free), the two workers end together on short tests instead of
# one finishing a queue of certify runs alone at the end: longest-first is what keeps that tail
# short. Only the order changes, never what runs.
RUN_FIRST = (
    "tests/test_detection_matrix.py::test_clean_reference_under_compliant_alternatives_is_admitted[together]",
    "tests/test_detection_matrix.py::test_clean_reference_platform_is_admitted",
    "tests/test_second_run.py::",
    "tests/test_detection_matrix.py::test_group_of_defects_fails_exactly_their_checks",
    "tests/test_detection_matrix.py::test_clean_reference_under_compliant_alternatives_is_admitted",
    "tests/test_detection_matrix.py::test_the_switch_leaves_the_running_reference_compliant",
    "tests/test_rerun_seed_repeat.py::",
    "tests/test_baseline.py::test_baseline_run_end_to_end",
    "tests/test_detection_matrix.py::",
    "tests/test_browser_probes.py::",
)


# The packages every `sxcert` process the suite starts imports (the command, the reference
# platform, the province emulator: hundreds of processes in a run of the suite).
COMPILED_PACKAGES = ("harness", "reference_platform")


def pytest_configure(config: pytest.Config) -> None:
    """Compile the project's modules to bytecode once, before any test starts a process.

    Where PYTHONDONTWRITEBYTECODE is set (this project's CI machine sets it), no process writes
    `__pycache__`, so every one of the suite's `sxcert` processes and servers compiled its
    modules from source again (a solo run's start measured 0.1-0.5 s of CPU more, in noisy
    pairs). Reading bytecode that exists is not affected by that variable, and Python checks it
    against each source's mtime, so an edited module is compiled afresh. Only the controller
    compiles (xdist's workers start after it)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    for package in COMPILED_PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1, workers=1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next(
            (n for n, prefix in enumerate(RUN_FIRST) if item.nodeid.startswith(prefix)),
            len(RUN_FIRST),
        )

    items.sort(key=rank)  # stable: the rest keep their order


def run_sxcert(*args: str, env: dict[str, str] | None = None, timeout: float = 600):
    """Run the real `sxcert` command line (as a user would) and answer the finished process.

    A `certify` without `--out` writes into a fresh temporary folder: tests never touch the
    repository's reports/."""
    if args and args[0] == "certify" and "--out" not in args:
        args = (*args, "--out", tempfile.mkdtemp(prefix="sxcert-test-out-"))
    if args and args[0] == "certify" and not {"--profile", "--reference-instances"} & set(args):
        # The suite already runs two certify runs side by side (-n 2): a second reference
        # instance per run would only add CPU. The shared run is certified by the tests that
        # ask for it (--reference-instances 2: the clean run, tests/test_second_instance.py).
        args = (*args, "--reference-instances", "1")
    return subprocess.run(
        [sys.executable, "-c", "from harness.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


def processes_with_env(entry: str) -> list[int]:
    """Processes whose environment holds `entry` ("NAME=value"): what a run started, found
    even when it is another process group's (another run's processes are not this one's)."""
    marker = entry.encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker in (proc / "environ").read_bytes().split(b"\0"):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def read_report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


@pytest.fixture
def sxcert():
    return run_sxcert


def write_profile(path: Path, profile, **wrong: str) -> tuple[Path, dict[str, str]]:
    """`profile` (a harness Profile with inline secrets, e.g. from embedded_target) as a TOML file
    with every secret behind an environment variable, and those variables; `wrong` replaces a
    secret (by its variable name) with a value the platform will refuse."""
    env = {"SXCERT_T_TEST_TOKEN": profile.target.test_token or ""}
    env["SXCERT_T_ADMIN"] = profile.province.admin_token or ""
    lines = [
        "[target]",
        f'base_url = "{profile.target.url}"',
        f'platform_id = "{profile.target.platform_id}"',
        'test_token_env = "SXCERT_T_TEST_TOKEN"',
    ]
    for n, account in enumerate(profile.target.accounts):
        env[f"SXCERT_T_PW_{n}"] = account.password or ""
        lines += [
            "[[target.accounts]]",
            f'kind = "{account.kind}"',
            f'username = "{account.username}"',
            f'password_env = "SXCERT_T_PW_{n}"',
        ]
        if account.scope:
            lines.append(f'scope = "{account.scope}"')
    lines += [
        "[province]",
        f'url = "{profile.province.base}"',
        "start = false",
        'admin_token_env = "SXCERT_T_ADMIN"',
    ]
    if profile.backup is not None:  # POST-04's commands (TOML arrays read as JSON arrays do)
        lines += [
            "[backup]",
            f"backup = {json.dumps(profile.backup.backup)}",
            f"restore = {json.dumps(profile.backup.restore)}",
        ]
    changed = profile.thresholds.model_dump(exclude_defaults=True)  # the embedded short load
    if changed:
        lines += ["[thresholds]", *(f"{name} = {value!r}" for name, value in changed.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, {**env, **wrong}


@pytest.fixture(autouse=True, scope="session")
def _private_data_home(tmp_path_factory: pytest.TempPathFactory):
    """The user's data directory of every test (and every sxcert it runs) is a temporary one:
    a province started for a profile keeps its state there by default, and a test must neither
    write into the home directory nor find a state left by an earlier run."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data-home")))
        yield


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server for the backend's tests (harness/local_postgres.py), one per test
    module that asks; skipped with the reason only where none can start."""
    from harness.local_postgres import PostgresUnavailable, local_postgres

    try:
        with local_postgres() as url:
            yield url
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL backend not tested: {exc}")
