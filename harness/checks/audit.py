"""POST-03 — an audit log of supervisor access.

The space probed (docs/interface.md, `GET /supervision/access-log`): every supervision account
kind of the profile; two kinds of read — a list filtered to one learner, and that learner's face
photo (an object) — of a fresh learner, in scope or not (a read answered with nothing is access
too); the log's readers — the authority and the auditor must find each read under the reader's
username with its path and query; enterprise and institution accounts must be refused the log.
"""

from __future__ import annotations

from harness.api import Refused, attempt
from harness.checks.supervision_scope import accounts_by_kind
from harness.failures import CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.supervision import PREFIX

LOG_READERS = ("authority", "auditor")


@check("POST-03")
def supervisor_access_is_audited(probe: Probe) -> None:
    """Every supervision account's reads of a learner (a filtered list and a photo) appear in
    the access log that the authority and auditors read, and only they."""
    accounts = accounts_by_kind(probe)
    learner = probe.learners.registered()
    learner_id = learner.learner_id or ""
    for account in accounts.values():
        account.learners(learner_id=learner_id)
        account.photo(learner_id, "face")
    missing: list[str] = []
    for reader_kind in LOG_READERS:
        reader = accounts[reader_kind]
        for kind, account in accounts.items():
            entries = reader.access_log(username=account.username)
            list_read = any(
                e.path == f"{PREFIX}/learners" and learner_id in e.query for e in entries
            )
            photo_read = any(
                e.path == f"{PREFIX}/learners/{learner_id}/face-photo" for e in entries
            )
            if not list_read:
                missing.append(f"{reader_kind} does not see {kind}'s list read")
            if not photo_read:
                missing.append(f"{reader_kind} does not see {kind}'s photo read")
    scoped_read = {
        kind: attempt(lambda a=accounts[kind]: a.access_log())
        for kind in ("enterprise", "institution")
    }
    leaked = [kind for kind, outcome in scoped_read.items() if not isinstance(outcome, Refused)]
    probe.evidence.attach_json(
        "access-log",
        {"learner_id": learner_id, "missing": missing, "scoped_accounts_reading_log": leaked},
    )
    if missing or leaked:
        raise CheckFailure(
            "Supervisor access is not audited as promised",
            received={"missing": missing[:8], "scoped accounts read the log": leaked},
            expected="every read logged, readable by authority and auditors only",
        )
    probe.evidence.note(f"{len(accounts) * 2} reads, each found by both log readers")
