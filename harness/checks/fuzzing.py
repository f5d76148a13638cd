"""POST-03 (optional, kind `fuzz`) — the platform survives fuzzing of its interface.

Off by default (it is a robustness probe, not a clause of its own): `sxcert certify --fuzz` or
`[fuzz] enabled = true` in the profile runs it. It judges only what the interface's OpenAPI
document (`harness/spec/openapi.json`, docs/interface.md) promises.

The space probed (harness/fuzzing.py): every operation of the interface document but the
test hooks, with requests schemathesis generates from the document — valid ones (to reach the
paths past validation) and invalid ones (wrong types, missing and extra fields, bodies that are
not JSON, out-of-range values, odd strings in paths and queries) — `[fuzz] max_examples` of
each per operation (default 10), sent with a signed-in learner's token on learner operations
and the authority's on supervision ones, within `[fuzz] seconds` (default 120). Expected: no
5xx, only statuses the document declares for the operation, bodies of the declared media type
and, for JSON, valid against the declared schema. A learner driver other than the built-in one
means the learner protocol may be the vendor's own: then only supervision operations are fuzzed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict

from harness.driver import HttpLearnerDriver
from harness.failures import CannotProbe, CheckFailure
from harness.fuzzing import FuzzBudget, Fuzzer, fuzzed_operations
from harness.interface_paths import interface_document
from harness.probe import Probe
from harness.registry import check

SUPERVISION_SCHEME = "SupervisorToken"
LEARNER_SCHEME = "LearnerToken"


def document_for(probe: Probe) -> dict:
    """The interface document, narrowed to the supervision protocol for a vendor's driver."""
    document = interface_document()
    if isinstance(probe.platform, HttpLearnerDriver):
        return document
    kept = {
        (method.lower(), path)
        for method, path, schemes in fuzzed_operations(document)
        if SUPERVISION_SCHEME in schemes
    }
    paths = {
        path: {m: op for m, op in item.items() if (m, path) in kept}
        for path, item in document["paths"].items()
    }
    return {**document, "paths": {path: item for path, item in paths.items() if item}}


@check("POST-03", kind="fuzz")
def interface_survives_fuzzing(probe: Probe) -> None:
    """Generated valid and invalid requests on every operation of the interface document get no
    5xx, only declared statuses, and answers valid against the declared schemas."""
    tokens = {SUPERVISION_SCHEME: probe.supervisors.authority.bearer()}
    if isinstance(probe.platform, HttpLearnerDriver):
        tokens[LEARNER_SCHEME] = probe.learners.logged_in()[1].token
    settings = probe.fuzz
    budget = FuzzBudget(settings.max_examples, settings.seconds, probe.supervisor.timeout)
    base_url = probe.supervisor.base_url
    outcome = Fuzzer(document_for(probe), base_url, tokens, budget).run()
    probe.evidence.attach_json("fuzz-summary", outcome.summary())
    probe.evidence.attach_json("fuzz-failures", [asdict(f) for f in outcome.failures])
    if outcome.cases == 0:
        raise CannotProbe("fuzzing the interface", "no request could be generated and sent")
    if outcome.failures:
        kinds = Counter(f"{f.operation}: {f.check}" for f in outcome.failures)
        first = outcome.failures[0]
        raise CheckFailure(
            f"Fuzzing {outcome.cases} requests: {outcome.failure_count} answers break the "
            f"interface, first {first.operation} ({first.check})",
            received={"failures": dict(kinds.most_common(10)), "first": asdict(first)},
            expected="no 5xx; only declared statuses; answers valid against the declared schema",
        )
    probe.evidence.note(
        f"{outcome.cases} fuzz requests on {outcome.operations} operations, none broke the "
        f"interface{' (stopped by the time bound)' if outcome.out_of_time else ''}"
    )
