"""POST-03 — ID numbers are masked in the lists of enterprise and institution accounts, and
appear in full nowhere else those accounts read.

The space probed (docs/interface.md, "ID numbers in supervision lists"): one learner inside the
scope of the profile's enterprise and institution accounts; every account kind's learner list,
unfiltered and filtered by `learner_id`. Expected: the authority and auditors see the full ID
number; an enterprise or institution sees it masked — the same length, at least 8 characters
hidden as `*`, every shown character equal to the full number's at that place.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from harness.api import Refused, attempt
from harness.checks._support import a_course
from harness.checks.audit import FILTERED_READS
from harness.checks.supervision_scope import accounts_by_kind, employ
from harness.failures import CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.trail import Trail, learner_with_trail
from harness.spec.export import EXPORT_DATASETS, EXPORT_FORMATS
from harness.supervision import PREFIX, SupervisionClient, could_be_masked

MIN_HIDDEN = 8  # of 18: at least the birth date is hidden


def properly_masked(shown: str, full: str) -> bool:
    return could_be_masked(shown, full) and shown.count("*") >= MIN_HIDDEN


def readable_text(body: bytes) -> str:
    """An answer's text to search: a zip (an XLSX) by the text of its members, else as sent."""
    if body[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                return "\n".join(
                    archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                )
        except zipfile.BadZipFile:
            pass
    return body.decode("utf-8", "replace")


def everything_read(account: SupervisionClient, trail: Trail) -> dict[str, bytes | str]:
    """Every answer a supervision account gets about the trail's learner: each learner-filtered
    list and the same list unfiltered, the trail playback's heartbeats, the live view, the
    export and every dataset export in each format (a refusal is kept as its status)."""
    reads: dict[str, Callable[[], bytes]] = {}
    learner = {"learner_id": trail.learner_id}
    for path in FILTERED_READS:
        reads[f"{path}?learner_id"] = lambda p=path: account.send(
            "GET", PREFIX + p, params=learner, raw=True
        )
        reads[path] = lambda p=path: account.send("GET", PREFIX + p, raw=True)
    reads["/heartbeats"] = lambda: account.send(
        "GET", PREFIX + "/heartbeats", params={"playback_id": trail.playback_id}, raw=True
    )
    reads["/live"] = lambda: account.send("GET", PREFIX + "/live", raw=True)
    for file_format in EXPORT_FORMATS:
        reads[f"export.{file_format}"] = lambda f=file_format: account.export(f)
        for dataset in EXPORT_DATASETS:
            reads[f"export/{dataset}.{file_format}"] = lambda d=dataset, f=file_format: (
                account.export_dataset(d, f)
            )
    found: dict[str, bytes | str] = {}
    for name, read in reads.items():
        outcome = attempt(read)
        found[name] = f"refused {outcome.status}" if isinstance(outcome, Refused) else outcome
    return found


def trail_in_both_scopes(probe: Probe) -> tuple[dict[str, SupervisionClient], Trail]:
    """One account of every kind, and a learner with a trail in the enterprise's and the
    institution's scope: enrolled in one of the institution's courses (any course if it runs
    none), and made the enterprise's employee."""
    accounts = accounts_by_kind(probe)
    institution = accounts["institution"].scope or ""
    courses = [c for c in probe.platform.courses() if c.institution_id == institution]
    trail = learner_with_trail(probe, courses[0] if courses else a_course(probe.platform))
    employ(accounts["enterprise"], trail.enrolled)
    return accounts, trail


def share_the_device(probe: Probe, trail: Trail) -> None:
    """Two more learners sign in on the trail learner's device, so that its findings hold a
    `shared_device` finding (the interface: 3 accounts on one device in 24 h), whatever else
    the run did: a finding's detail and trace are among the answers searched."""
    logins = probe.supervisor.logins(trail.learner_id)
    if not logins:
        raise CannotProbe("full ID numbers", "the supervision view shows no login of the trail")
    for _ in range(2):
        other = probe.learners.registered()
        probe.learners.login(other, device_id=logins[0].device_id)


@check("POST-03")
def full_id_numbers_reach_no_scoped_account(probe: Probe) -> None:
    """An enterprise or institution account finds a learner's full ID number in nothing it
    reads: no list (filtered or not), no self-check finding's detail or trace, no heartbeat, no
    live-view row, no export or dataset file (CSV, or XLSX read from its parts); the authority
    finds it (so the number is there to leak).

    Space: one learner in both accounts' scope (enrolled in the institution's course, the
    enterprise's employee) with a trail (sign-in, liveness, playback, heartbeats, capture, quiz
    answer) and a self-check finding (two more learners sign in on its device: `shared_device`);
    every read of the supervision interface that
    can carry a learner's data; the number searched as text in every answer, whatever field or
    format carries it (a vendor's free-text `detail`, a trace record, an extra column)."""
    accounts, trail = trail_in_both_scopes(probe)
    full = trail.enrolled.learner.id_number
    share_the_device(probe, trail)
    shown = accounts["authority"].send(
        "GET", PREFIX + "/learners", params={"learner_id": trail.learner_id}, raw=True
    )
    if full not in readable_text(shown):
        raise CannotProbe("full ID numbers", "the authority's learner list lacks the ID number")
    leaks: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    for kind in ("enterprise", "institution"):
        for name, body in everything_read(accounts[kind], trail).items():
            sizes[f"{kind} {name}"] = len(body)
            if isinstance(body, bytes) and full in readable_text(body):
                leaks.setdefault(kind, []).append(name)
    probe.evidence.attach_json(
        "full-id-number-search",
        {"learner_id": trail.learner_id, "answers_searched": sizes, "found_in": leaks},
    )
    if leaks:
        kind, where = next(iter(leaks.items()))
        raise CheckFailure(
            f"The {kind} account reads the learner's full ID number in {where[0]}",
            received=leaks,
            expected="the ID number masked or absent in every answer to a scoped account",
        )
    probe.evidence.note(
        f"{len(sizes)} answers to the enterprise and institution searched: no full ID number"
    )


@check("POST-03")
def id_numbers_are_masked_for_scoped_accounts(probe: Probe) -> None:
    """Enterprise and institution accounts see ID numbers masked in lists (≥ 8 characters
    hidden, the rest true); the authority and auditors see them in full."""
    accounts, trail = trail_in_both_scopes(probe)
    full = trail.enrolled.learner.id_number
    seen: dict[str, list[str]] = {}
    for kind, account in accounts.items():
        filtered = account.learners(learner_id=trail.learner_id)
        everyone = [r for r in account.learners() if r.learner_id == trail.learner_id]
        seen[kind] = [row.id_number for row in filtered + everyone]
    wrong = {}
    for kind, shown in seen.items():
        scoped = kind in ("enterprise", "institution")
        ok = all(properly_masked(s, full) if scoped else s == full for s in shown) and shown
        if not ok:
            wrong[kind] = shown
    probe.evidence.attach_json(
        "id-numbers", {"learner_id": trail.learner_id, "shown": seen, "wrong": list(wrong)}
    )
    if wrong:
        raise CheckFailure(
            "ID numbers are not shown as the rule says",
            received=wrong,
            expected="masked (≥ 8 of 18 hidden) for enterprise and institution, full otherwise",
        )
    probe.evidence.note("masked for enterprise and institution, full for authority and auditor")
