"""POST-03 — an audit log of supervisor access.

The space probed (docs/interface.md, `GET /supervision/access-log`: "every authenticated
supervision request"): every supervision account kind of the profile; every kind of read a
supervision account makes of a learner — each learner-filtered list (learners, enrolments,
logins, liveness events, lesson and course progress, playbacks, captures, quiz answers,
certificates, self-check findings), both photos (objects), and the learning-data export (a bulk
download: the read an audit exists for) — of a fresh learner, in scope or not (a read answered
with nothing is access too); the log's readers — the authority and the auditor must find each
read under the reader's username with its path (and, for a filtered list, the learner in its
query); enterprise and institution accounts must be refused the log. Since stop 44 the reads
are every kind the interface offers; before, a list and a photo only, and a platform that
audited neither its other lists nor its export passed. Since stop 47 also the reads no learner
filter names: a capture's image, a playback's heartbeats, the five dataset exports and the live
view (`_other_reads`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from harness.api import Refused, attempt
from harness.checks.supervision_scope import accounts_by_kind
from harness.failures import CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.spec.export import DATASET_EXPORT_PATH, EXPORT_DATASETS, EXPORT_PATH
from harness.supervision import PREFIX, SupervisionClient

LOG_READERS = ("authority", "auditor")
# Each learner-filtered list: the client call and the path it reads (under PREFIX).
FILTERED_READS: dict[str, Callable[[SupervisionClient, str], Any]] = {
    "/learners": lambda c, i: c.learners(learner_id=i),
    "/enrolments": lambda c, i: c.enrolments(i),
    "/logins": lambda c, i: c.logins(i),
    "/liveness-events": lambda c, i: c.liveness_events(i),
    "/progress": lambda c, i: c.progress(i),
    "/course-progress": lambda c, i: c.course_progress(i),
    "/playbacks": lambda c, i: c.playbacks(i),
    "/captures": lambda c, i: c.captures(i),
    "/quiz-answers": lambda c, i: c.quiz_answers(i),
    "/certificates": lambda c, i: c.certificates(i),
    "/self-check/findings": lambda c, i: c.self_check_findings(i),
}
PHOTOS = ("face", "id-card")
EXPORT = "/api/v1" + EXPORT_PATH


def _other_reads(learner_id: str) -> dict[str, Callable[[SupervisionClient], Any]]:
    """Since stop 47, the reads of the interface that no learner filter names (path → call): a
    capture's image and a playback's heartbeats (by ids made for the learner: an answer of
    nothing is a read all the same), the five dataset exports and the live view. A platform
    leaving its image reader out of the log (`<img>` tags fetch in bulk) passed before."""
    tag = hashlib.sha256(learner_id.encode()).hexdigest()[:12]  # ids well under 64 characters
    capture, playback = f"chl-audit-{tag}", f"pbk-audit-{tag}"
    reads: dict[str, Callable[[SupervisionClient], Any]] = {
        f"/captures/{capture}/image": lambda c: c.capture_image(capture),
        f"/heartbeats?playback_id={playback}": lambda c: c.heartbeats(playback),
        "/live": lambda c: c.studying_now(),
    }
    for dataset in EXPORT_DATASETS:
        path = DATASET_EXPORT_PATH.format(dataset=dataset).removeprefix("/supervision")
        reads[path] = lambda c, d=dataset: c.export_dataset(d, "csv")
    return reads


def _read_everything(account: SupervisionClient, learner_id: str) -> None:
    for read in FILTERED_READS.values():
        attempt(lambda r=read: r(account, learner_id))
    for kind in PHOTOS:
        attempt(lambda k=kind: account.photo(learner_id, k))
    attempt(lambda: account.export("csv"))
    for other in _other_reads(learner_id).values():
        attempt(lambda r=other: r(account))


def _entry_key(entry: Any) -> tuple[str, str, str, str]:
    return (entry.at.isoformat(), entry.method, entry.path, entry.query)


def _logged(entries: list[Any], learner_id: str) -> dict[str, bool]:
    """Which of the reads the entries of one account show."""
    found = {
        path: any(e.path == PREFIX + path and learner_id in e.query for e in entries)
        for path in FILTERED_READS
    }
    for kind in PHOTOS:
        path = f"/learners/{learner_id}/{kind}-photo"
        found[path] = any(e.path == PREFIX + path for e in entries)
    found["/export/learning-data"] = any(e.path == EXPORT for e in entries)
    for read in _other_reads(learner_id):
        path, _, query = read.partition("?")
        found[read] = any(
            e.path == PREFIX + path and query.split("=")[-1] in (e.query or "") for e in entries
        )
    return found


@check("POST-03")
def supervisor_access_is_audited(probe: Probe) -> None:
    """Every supervision account's reads of a learner (every filtered list, both photos, the
    export) appear in the access log that the authority and auditors read, and only they."""
    accounts = accounts_by_kind(probe)
    learner = probe.learners.registered()
    learner_id = learner.learner_id or ""
    # What each account's log held before: the export's path names no learner, so on a platform
    # that served earlier runs only entries that are new count (the log answers the newest ones).
    authority = accounts["authority"]
    before = {
        kind: {_entry_key(e) for e in authority.access_log(username=account.username)}
        for kind, account in accounts.items()
    }
    for account in accounts.values():
        _read_everything(account, learner_id)
    missing: list[str] = []
    for reader_kind in LOG_READERS:
        reader = accounts[reader_kind]
        for kind, account in accounts.items():
            entries = [
                e
                for e in reader.access_log(username=account.username)
                if _entry_key(e) not in before[kind]
            ]
            for path, seen in _logged(entries, learner_id).items():
                if not seen:
                    missing.append(f"{reader_kind} does not see {kind}'s read of {path}")
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
    reads = len(FILTERED_READS) + len(PHOTOS) + 1 + len(_other_reads(learner_id))
    probe.evidence.note(f"{len(accounts) * reads} reads, each found by both log readers")
