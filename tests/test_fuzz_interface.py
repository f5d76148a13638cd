"""Fuzzing the reference platform from the interface's OpenAPI document (issue 10, POST-03).

- The clean reference answers every generated request — valid and invalid, on every operation
  but the test hooks, signed in as a learner and as the HR authority — without a 5xx, with a
  declared status and a body valid against the declared schema (refusals too: the reference
  declares every 4xx of its document, a stricter promise than a vendor's). Bounded: 8 cases
  per operation and generation mode, 100 s at most (610 requests when the time bound is not
  met; the count is printed and recorded as the test's `fuzz_cases` property).
- The optional certify check (`--fuzz`, kind `fuzz`) runs only when asked for, leaves a run
  unnarrowed when it is off, and fails — with each failing exchange in its evidence — against a
  platform that answers bad input with a server error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from harness.context import RunContext
from harness.driver import HttpLearnerDriver
from harness.embedded import embedded_target
from harness.fuzzing import FuzzBudget, Fuzzer, fuzzed_operations, refusal_problem
from harness.interface_paths import interface_document
from harness.learners import LearnerFactory
from harness.profile import Fuzz, Profile
from harness.province_sandbox import ProvinceSandboxClient
from harness.supervision import Supervisors
from tests.conftest import ROOT, read_report, write_profile

SUITE_BUDGET = FuzzBudget(max_examples=8, seconds=100)
FUZZ_CHECK = "interface_survives_fuzzing"


def tokens_for(profile: Profile) -> dict[str, str]:
    """A signed-in learner's token and the authority's, by the document's scheme names."""
    session = requests.Session()
    url = profile.target.url
    sandbox = ProvinceSandboxClient(
        profile.province.base, profile.province_admin_token(), session=session
    )
    learners = LearnerFactory(HttpLearnerDriver(url, session), sandbox)
    authority = Supervisors.for_accounts(url, session, profile.accounts(), 10).authority
    return {"LearnerToken": learners.logged_in()[1].token, "SupervisorToken": authority.bearer()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Profile]:
    with embedded_target(tmp_path_factory.mktemp("fuzz-target")) as profile:
        yield profile


def test_the_reference_survives_fuzzing_of_every_operation(reference, record_property) -> None:
    document = interface_document()
    tokens = tokens_for(reference)
    fuzzer = Fuzzer(document, reference.target.url, tokens, SUITE_BUDGET, strict_refusals=True)
    outcome = fuzzer.run()
    record_property("fuzz_cases", outcome.cases)
    print(f"\nfuzz: {outcome.cases} cases on {outcome.operations} operations", outcome.statuses)
    assert not outcome.not_generated
    assert outcome.operations == len(fuzzed_operations(document))
    if not outcome.out_of_time:
        assert all(cases >= 1 for cases in outcome.cases_by_operation.values())
    shown = [(f.operation, f.check, f.message[:300], f.exchange) for f in outcome.failures[:3]]
    assert not outcome.failures, json.dumps(shown, ensure_ascii=False, indent=1)
    # signed in, the fuzzer gets past authentication: most answers are not 401
    assert outcome.statuses[401] < outcome.cases / 2, outcome.statuses
    assert outcome.statuses[200] > 0 and outcome.statuses[422] > 0


class _Answer:
    def __init__(self, body: str) -> None:
        self.body = body

    def json(self) -> object:
        return json.loads(self.body)


@pytest.mark.parametrize(
    "body,compliant",
    [
        ('{"detail": "Voucher already redeemed"}', True),
        ('{"detail": [{"loc": ["body"], "msg": "bad", "type": "x"}]}', True),
        ('{"detail": ""}', False),
        ('{"error": "bad"}', False),
        ("[1]", False),
        ("<html>Bad Request</html>", False),
    ],
)
def test_a_refusal_is_judged_by_its_reason_only(body: str, compliant: bool) -> None:
    assert (refusal_problem(_Answer(body)) is None) is compliant


def test_no_test_hook_is_fuzzed() -> None:
    paths = {path for _, path, _ in fuzzed_operations(interface_document())}
    assert paths and not any(path.startswith("/api/v1/test/") for path in paths)


def _certify_fuzz_check(tmp_path: Path, profile: Profile, fuzz_table: str) -> dict:
    """Certify only the fuzzing check (in a child process, as `--rerun-failed` would select it)
    against `profile`, with `fuzz_table` appended to its TOML."""
    profile_file, env = write_profile(tmp_path / "profile.toml", profile)
    with profile_file.open("a", encoding="utf-8") as file:
        file.write(fuzz_table)
    out = tmp_path / "out"
    program = (
        "import sys; from pathlib import Path; "
        "from harness.certify import CertifyOptions, certify_run; "
        "certify_run(CertifyOptions(profile=Path(sys.argv[1]), out=Path(sys.argv[2]), "
        f"only=['POST-03'], checks=frozenset({{{FUZZ_CHECK!r}}})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, str(profile_file), str(out)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        env={**os.environ, **env},
    )
    assert "Traceback" not in done.stderr, done.stderr
    return read_report(out)


def _fuzz_entry(report: dict) -> dict:
    post03 = next(c for c in report["clauses"] if c["id"] == "POST-03")
    return next(c for c in post03["checks"] if c["name"] == FUZZ_CHECK)


def test_the_fuzz_check_fails_a_platform_that_crashes_on_bad_input(tmp_path: Path) -> None:
    factory = "tests.fuzz_targets:crashing_reference"
    with embedded_target(tmp_path / "target", factory=factory) as profile:
        table = "[fuzz]\nenabled = true\nmax_examples = 2\nseconds = 30\n"
        report = _certify_fuzz_check(tmp_path, profile, table)
    entry = _fuzz_entry(report)
    assert entry["status"] == "fail", entry
    assert "Server error" in json.dumps(entry["received"]) or "500" in json.dumps(entry)
    evidence = tmp_path / "out" / "evidence" / FUZZ_CHECK
    failures = json.loads((evidence / "fuzz-failures.json").read_text(encoding="utf-8"))
    assert failures and failures[0]["exchange"]["response"]["status"] == 500
    assert "Bearer" not in (evidence / "fuzz-failures.json").read_text(encoding="utf-8")


def test_the_fuzz_check_is_off_unless_asked_for(tmp_path: Path, reference: Profile) -> None:
    """Off by default without narrowing the run; on by `--fuzz` or `[fuzz] enabled`."""
    off = RunContext.build(reference, tmp_path)
    assert "fuzz" in off.skip_kinds and not off.partial
    assert "fuzz" not in RunContext.build(reference, tmp_path, fuzz=True).skip_kinds
    enabled = reference.model_copy(update={"fuzz": Fuzz(enabled=True)})
    assert "fuzz" not in RunContext.build(enabled, tmp_path).skip_kinds
    assert RunContext.build(reference, tmp_path, skip_kinds={"browser"}).partial
