"""POST-04 — disaster-recovery backup: a backup restores into a working platform, nothing lost.

The space probed (docs/interface.md, "Backup and restore"), through the profile's `[backup]`
commands (for the embedded reference: `sxcert reference backup|restore`):

- the data: a learner with a trail in every supervision view (registration, login, liveness,
  enrolment, a playback with heartbeats, an answered capture, progress) on top of whatever the
  platform holds; every row of every unfiltered supervision list (learners, enrolments, logins,
  liveness events, playbacks, captures, course progress, quiz answers, certificates), the
  trail's lesson progress and the heartbeats of the trail's playback and of the latest
  SAMPLED_PLAYBACKS playbacks, read as the authority before the backup and again after the
  restore: row by row the same, none missing, none changed;
- the pictures, which a row only names (by SHA-256): the trail's capture image and its
  learner's face and ID-card photos, and those of the latest SAMPLED_PLAYBACKS answered captures
  and registered learners, fetched byte for byte before and after (a backup of the database
  alone, with the pictures kept in a file or object store beside it, brings every row back and
  no picture: the rows' SHA-256 still name pictures that are gone);
- the restore takes effect: a learner registered after the backup is gone after the restore
  (a restore command that does nothing would otherwise pass);
- the restored platform keeps working: a learner registered, enrolled and studying after the
  restore has STUDY_S of honest study credited in the supervision view.

The test clock is not moved between backup and restore (the clock is data too, and must not run
backwards for the checks that follow). A platform whose vendor cannot expose commands may attest
POST-04 in the profile (`[[attestations]] id = "POST-04"`, examiner, date, an evidence file): the
check then records the attestation and its file's SHA-256 instead of probing; with neither, the
check cannot probe (`error`).
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

from harness.checks._commands import run_command
from harness.checks._support import (
    a_course,
    studied_lesson_progress,
    study,
    study_setup,
    watch_honestly,
)
from harness.failures import CannotProbe, CheckFailure
from harness.probe import Probe
from harness.profile import BackupCommands, file_sha256
from harness.registry import check
from harness.scenarios.trail import Trail, learner_with_trail
from harness.supervision import SupervisionClient

SECTION = "[backup]"  # the profile's section of the commands, named in a failure
SAMPLED_PLAYBACKS = 10  # the latest playbacks whose heartbeats are compared besides the trail's
SAMPLED_PICTURES = 10  # the latest answered captures and learners whose pictures are compared
STUDY_S = 600.0  # honest study after the restore: two heartbeats of the honest journey


def snapshot(authority: SupervisionClient, trail: Trail) -> dict[str, list[str]]:
    """Every row the authority sees in the compared views, each as canonical JSON, sorted."""
    views: dict[str, list[Any]] = {
        "learners": authority.learners(),
        "enrolments": authority.enrolments(),
        "logins": authority.logins(),
        "liveness_events": authority.liveness_events(),
        "playbacks": authority.playbacks(),
        "captures": authority.captures(),
        "course_progress": authority.course_progress(),
        "quiz_answers": authority.quiz_answers(),
        "certificates": authority.certificates(),
        "trail_lesson_progress": authority.progress(
            trail.learner_id, trail.enrolled.course.course_id
        ),
    }
    latest = sorted(views["playbacks"], key=lambda p: p.opened_at)[-SAMPLED_PLAYBACKS:]
    for playback_id in {trail.playback_id, *(p.playback_id for p in latest)}:
        views[f"heartbeats {playback_id}"] = authority.heartbeats(playback_id)
    found = {name: sorted(row.model_dump_json() for row in rows) for name, rows in views.items()}
    found["pictures"] = pictures(authority, trail, views["captures"], views["learners"])
    return found


def pictures(
    authority: SupervisionClient, trail: Trail, captures: list[Any], learners: list[Any]
) -> list[str]:
    """The SHA-256 of each sampled picture as the authority fetches it ("none" for a 404), one
    line per picture: the trail's and the latest SAMPLED_PICTURES answered captures' and
    registered learners'."""
    answered = sorted((c for c in captures if c.answered_at), key=lambda c: c.answered_at)
    newest = sorted(learners, key=lambda row: row.registered_at)
    challenge_ids = {trail.challenge_id, *(c.challenge_id for c in answered[-SAMPLED_PICTURES:])}
    learner_ids = {trail.learner_id, *(row.learner_id for row in newest[-SAMPLED_PICTURES:])}
    fetched = {f"capture {c} image": authority.capture_image(c) for c in challenge_ids}
    for learner_id in learner_ids:
        for kind in ("face", "id-card"):
            fetched[f"learner {learner_id} {kind} photo"] = authority.photo(learner_id, kind)
    return sorted(
        f"{what}: {hashlib.sha256(data).hexdigest() if data is not None else 'none'}"
        for what, data in fetched.items()
    )


def differences(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict[str, Any]:
    """Per view, the rows the restore lost and the rows it has that the backup did not."""
    found: dict[str, Any] = {}
    for view in sorted(before.keys() | after.keys()):
        old, new = set(before.get(view, [])), set(after.get(view, []))
        if old != new:
            found[view] = {"lost": sorted(old - new)[:5], "extra": sorted(new - old)[:5]}
            found[view]["counts"] = {"before": len(old), "after": len(new)}
    return found


def attested(probe: Probe) -> bool:
    """Record a POST-04 attestation of the profile, if it has one (and its file exists)."""
    profile = probe.profile
    attestation = next(
        (a for a in (profile.attestations if profile else []) if a.id == "POST-04"), None
    )
    if attestation is None:
        return False
    if not attestation.evidence.is_file():
        raise CannotProbe("the POST-04 attestation", f"no evidence file at {attestation.evidence}")
    probe.evidence.attach_json(
        "attestation",
        {
            "examiner": attestation.examiner,
            "date": attestation.date.isoformat(),
            "evidence": str(attestation.evidence),
            "sha256": file_sha256(attestation.evidence),
            "note": attestation.note,
        },
    )
    probe.evidence.note(
        f"attested by {attestation.examiner} on {attestation.date.isoformat()} (no commands)"
    )
    return True


@check("POST-04")
def restored_backup_serves_the_same_data_and_keeps_working(probe: Probe) -> None:
    """After backup → a change → restore, every row of the supervision view, and every sampled
    picture byte for byte, is as it was at the backup (the change undone), and new study after
    the restore is credited."""
    commands: BackupCommands | None = probe.profile.backup if probe.profile else None
    if commands is None:
        if attested(probe):
            return
        raise CannotProbe(
            "backup and restore",
            "the profile has no [backup] commands and no POST-04 attestation",
        )
    authority = probe.supervisors.authority
    course = a_course(probe.platform)
    trail = learner_with_trail(probe, course)
    with tempfile.TemporaryDirectory(prefix="sxcert-backup-") as folder:
        file = Path(folder) / "platform.backup"
        before = snapshot(authority, trail)
        ran = [run_command("backup", commands.backup, commands.timeout_seconds, SECTION, file)]
        later = probe.learners.registered()  # after the backup: the restore must undo it
        ran.append(
            run_command("restore", commands.restore, commands.timeout_seconds, SECTION, file)
        )
        after = snapshot(authority, trail)
    undone = not authority.learners(learner_id=later.learner_id or "")
    changed = differences(before, after)
    enrolled = study_setup(probe, course=course)
    session = study(probe, enrolled)
    watch_honestly(session, STUDY_S, "study after the restore")
    row = studied_lesson_progress(
        probe, enrolled, session.lesson.lesson_id, "study after the restore"
    )
    credited_ok = STUDY_S - session.interval <= row.credited_s <= STUDY_S + 1
    probe.evidence.attach_json(
        "backup-restore",
        {
            "commands": ran,
            "rows_compared": {view: len(rows) for view, rows in before.items()},
            # a picture the platform did not keep before the backup ("none") is STUDY-01's or
            # ID-01's matter; here it only has to be the same after the restore
            "pictures_kept_before": sum(not p.endswith(": none") for p in before["pictures"]),
            "differences": changed,
            "learner_registered_after_backup": later.learner_id,
            "gone_after_restore": undone,
            "study_after_restore": {"watched_s": STUDY_S, "credited_s": row.credited_s},
        },
    )
    if changed:
        raise CheckFailure(
            f"The restored platform's data differs from the backed-up data in {len(changed)} "
            "view(s)",
            received=changed,
            expected="every row of every compared supervision view, and every sampled picture,"
            " as it was at the backup",
        )
    if not undone:
        raise CheckFailure(
            "The restore did not return the platform to the backup",
            received={"learner registered after the backup": later.learner_id},
            expected="the learner registered after the backup gone after the restore",
        )
    if not credited_ok:
        raise CheckFailure(
            "Study after the restore was not credited",
            received={"watched_s": STUDY_S, "credited_s": row.credited_s},
            expected=f"{STUDY_S:g} s credited (within one heartbeat interval)",
        )
    rows = sum(len(r) for r in before.values())
    probe.evidence.note(
        f"{rows} rows in {len(before)} views the same after restore; the later learner undone; "
        f"{row.credited_s:g} s credited after the restore"
    )
