"""ID — identity before study (二(五)1): real-name registration, liveness before every login,
and a liveness check that only the registered person passes."""

from __future__ import annotations

import base64
import hashlib
from contextlib import suppress

from harness.api import Refused, attempt
from harness.checks._support import in_parallel
from harness.failures import CannotProbe, CheckFailure, ProtocolViolation
from harness.learners import Learner
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.cheats import short_answer
from harness.spec.identity import LoginOut
from harness.spec.sandbox import LogEntry


def _sha(b64: str) -> str:
    return hashlib.sha256(base64.b64decode(b64)).hexdigest()


def _image_sha(field: object) -> str | None:
    return field.get("sha256") if isinstance(field, dict) else None


# Real names a platform must take as the identity authority holds them (catalogue ID-01), each
# outside what the common name validators admit (2-4 characters of U+4E00-U+9FA5): a Uyghur name
# with the middle dot (U+00B7) between its parts, 8 characters; a character of CJK Extension A
# (U+4DAE); one beyond the Basic Multilingual Plane (U+2B5AF, four bytes in UTF-8: a 3-byte
# "utf8" column cannot hold it). Each (name, Latin transcription for the ID card).
UNCOMMON_NAMES: tuple[tuple[str, str], ...] = (
    ("阿依古丽·买买提", "Ayigul Maimaiti"),
    ("刘\u4dae", "Liu Yan"),
    ("赵孟\U0002b5af", "Zhao Mengfu"),
)


@check("ID-01")
def registration_keeps_real_name_face_and_id_card(probe: Probe) -> None:
    """Registration passes name, ID number and face to the identity authority and keeps both
    photos, byte for byte, where a supervisor can see them.

    Space: the name's characters — a drawn name of common characters, and the UNCOMMON_NAMES
    (a minority name with its middle dot, a CJK Extension A character, a character beyond the
    BMP): each person registers (a refusal or a 5xx fails), the authority receives the face, and
    a supervisor sees the learner under exactly the name, with both photos as sent."""
    people = [("a drawn name", probe.learners.person)] + [
        (f"the name {name}", lambda name=name, latin=latin: _named(probe, name, latin))
        for name, latin in UNCOMMON_NAMES
    ]
    rows = in_parallel([lambda c=c, p=p: _registration_kept(probe, c, p()) for c, p in people])
    probe.evidence.attach_json("registration", rows)
    problems = [f"{row['case']}: {problem}" for row in rows for problem in row["problems"]]
    if problems:
        raise CheckFailure(
            "Real-name registration is incomplete",
            received=problems,
            expected="every real name registered; name, ID number, face photo and ID-card "
            "photo kept",
        )
    probe.evidence.note(
        "name, ID number, face and ID-card photo kept; face registered at the province; also"
        f" for the names {', '.join(name for name, _ in UNCOMMON_NAMES)}"
    )


def _named(probe: Probe, name: str, latin: str) -> Learner:
    return probe.learners.person_of(probe.province.new_identity(name=(name, latin)))


def _registration_kept(probe: Probe, case: str, learner: Learner) -> dict[str, object]:
    """One person registered, and what the authority and a supervisor hold of it."""
    outcome = attempt(lambda: probe.learners.register(learner))
    face_sha, card_sha = _sha(learner.face_photo), _sha(learner.id_card_photo)
    registrations = [
        e
        for e in probe.province.log(
            service="identity", operation="register", id_number=learner.id_number
        )
        if 200 <= e.status_code < 300
    ]
    sent = [_image_sha(e.request.get("face_photo")) for e in registrations]
    seen = probe.supervisor.learner(learner.id_number)
    stored_face = probe.supervisor.photo(seen.learner_id, "face") if seen else None
    stored_card = probe.supervisor.photo(seen.learner_id, "id-card") if seen else None
    observed: dict[str, object] = {
        "case": case,
        "name": learner.name,
        "registration": short_answer(outcome) if isinstance(outcome, Refused) else "registered",
        "province_registrations": [e.model_dump(mode="json") for e in registrations],
        "supervision_learner": seen.model_dump(mode="json") if seen else None,
        "stored_face_sha256": hashlib.sha256(stored_face).hexdigest() if stored_face else None,
        "stored_id_card_sha256": hashlib.sha256(stored_card).hexdigest() if stored_card else None,
        "sent_face_sha256": face_sha,
        "sent_id_card_sha256": card_sha,
    }
    problems = []
    if isinstance(outcome, Refused):  # what follows from it is in the evidence, not repeated
        observed["problems"] = [f"the registration was refused ({short_answer(outcome)})"]
        return observed
    if face_sha not in sent:
        problems.append("the identity authority did not receive the registered face photo")
    if seen is None or seen.name != learner.name:
        problems.append("a supervisor does not see the learner under the real name")
    if observed["stored_face_sha256"] != face_sha:
        problems.append("the stored face photo differs from the one registered")
    if observed["stored_id_card_sha256"] != card_sha:
        problems.append("the stored ID-card photo differs from the one registered")
    observed["problems"] = problems
    return observed


# The identity authority's fewest frames to judge (docs/interface.md, the province's liveness
# service: fewer answer `too_few_frames`, a failed check).
MIN_FRAMES = 3

# The re-login paths a client controls (ID-02, ID-03): `(device, log out first?)` after a login
# on device-A. Without a logout a platform may refuse the login (STUDY-03's first alternative).
RELOGIN_PATHS = (
    ("device-A", False),  # same device, no logout: the path a "remember this device" bug skips
    ("device-B", False),  # another device, no logout
    ("device-A", True),  # same device after logging out
    ("device-B", True),  # another device after logging out
)


def _passed_verifications(probe: Probe, learner: Learner) -> dict[str, LogEntry]:
    """verification id → the identity authority's log entry of every passed liveness check."""
    return {
        str(e.response.get("verification_id")): e
        for e in probe.province.log(
            service="identity", operation="liveness", id_number=learner.id_number
        )
        if 200 <= e.status_code < 300 and e.response.get("passed") is True
    }


@check("ID-02")
def every_login_passes_its_own_liveness_check(probe: Probe) -> None:
    """Every login that gets a study token rests on a passed liveness check made for it.

    Space: every way a client reaches a study token — a login without frames, with 1 and with
    MIN_FRAMES − 1 live frames (the interface admits 1–16 images; the identity authority judges
    fewer than MIN_FRAMES `too_few_frames`, a failed check: a platform refusing only the reasons
    it knows, `still_replay` and `face_mismatch`, lets them in), the first login with exactly
    MIN_FRAMES live frames (the other side: passed at the authority, so it must be admitted),
    and a re-login on the same device or another, with and without logging out first (the four
    `RELOGIN_PATHS`, in that order, each from the account's current session); last, after a
    logout, a login with live frames once the identity authority has dropped the person's
    registration (a province-side reset): its liveness check answers 404, no verdict, so the
    login must be refused as a failed liveness check (403) — a platform that admits a login the
    authority could not judge fails open; and (since stop 47) before that, a login with live
    frames while the authority is unavailable (every call answered 503): refused in any way,
    no token, no new active login (a platform letting learners in until the face service is
    back fails open the same way).

    Without frames, or with too few: refused, no token. Every login that gets a token must have
    a passed verification at the identity authority made *for it* (logged after the previous
    login's), distinct from every earlier one, and the supervision view must link the login to
    it. A re-login without logout may be refused (409, STUDY-03's first alternative); after a
    logout it must be accepted."""
    learner = probe.learners.registered()
    bare = attempt(
        lambda: probe.platform.login(
            id_number=learner.id_number,
            password=learner.password,
            device_id="device-A",
            liveness_frames=[],
        )
    )
    if not isinstance(bare, Refused):
        raise CheckFailure(
            "A login without liveness frames got a token",
            received=bare.model_dump(mode="json"),
            expected="a 4xx refusal",
        )
    rows: list[dict[str, object]] = []
    problems: list[str] = []
    for count in sorted({1, MIN_FRAMES - 1}):
        few = attempt(lambda count=count: probe.learners.login(learner, frame_count=count))
        rows.append({"path": f"login with {count} live frame(s)", "answer": short_answer(few)})
        if not isinstance(few, Refused):
            problems.append(
                f"a login with {count} live frame(s) (the authority: too_few_frames) got a token "
                f"for login {few.login_id}"
            )
            with suppress(Refused):  # the finding is kept; the journey goes on from no session
                probe.platform.logout(few.token)
    seen_before: set[str] = set(_passed_verifications(probe, learner))

    def login_on(device: str, path: str, frame_count: int = 5) -> LoginOut | None:
        nonlocal seen_before
        outcome = attempt(
            lambda: probe.learners.login(learner, device_id=device, frame_count=frame_count)
        )
        passed = _passed_verifications(probe, learner)
        fresh = set(passed) - seen_before
        seen_before = set(passed)
        rows.append(
            {"path": path, "answer": short_answer(outcome), "fresh_verifications": sorted(fresh)}
        )
        if isinstance(outcome, Refused):
            return None
        if outcome.liveness_verification_id not in fresh:
            problems.append(
                f"{path}: login {outcome.login_id} got a token without a fresh passed "
                f"verification (it names {outcome.liveness_verification_id!r})"
            )
        return outcome

    first = f"first login on device-A, {MIN_FRAMES} live frames"
    current = login_on("device-A", first, frame_count=MIN_FRAMES)
    if current is None:
        if not _passed_verifications(probe, learner):  # the authority failed it: nothing to judge
            raise CannotProbe("first login", "the platform refused a genuine first login")
        raise CheckFailure(
            "A login whose liveness check passed was refused",
            received=rows,
            expected=f"a token for {MIN_FRAMES} live frames the identity authority passed",
        )
    logins = [current]
    for device, log_out_first in RELOGIN_PATHS:
        path = f"re-login on {device} {'after logging out' if log_out_first else 'without logout'}"
        if log_out_first:
            probe.platform.logout(current.token)
        new = login_on(device, path)
        if new is None and log_out_first:
            problems.append(f"{path}: refused although no login was active")
        if new is not None:
            logins.append(new)
            current = new
    ids = [x.liveness_verification_id for x in logins]
    if len(set(ids)) != len(ids):
        problems.append(f"logins share a liveness verification: {ids}")
    by_login = {
        x.login_id: x.liveness_verification_id
        for x in probe.supervisor.logins(learner.learner_id or "")
    }
    for login in logins:
        if by_login.get(login.login_id) != login.liveness_verification_id:
            problems.append(
                f"login {login.login_id}: the supervision view shows "
                f"{by_login.get(login.login_id)!r} as its verification"
            )
    problems += _outage_refused(probe, learner, current, rows)
    problems += _unknown_to_the_authority_refused(probe, learner, current, rows)
    probe.evidence.attach_json(
        "liveness-per-login", {"logins": rows, "supervision_logins": by_login}
    )
    if problems:
        raise CheckFailure(
            "A study login was not preceded by its own liveness check",
            received=problems,
            expected="one fresh passed verification per login, on every path",
        )
    probe.evidence.note(
        f"no token without frames or with too few; {len(logins)} logins over "
        f"{len(RELOGIN_PATHS) + 1} paths, "
        "each with its own fresh passed verification"
    )


def _outage_refused(
    probe: Probe, learner: Learner, current: LoginOut, rows: list[dict[str, object]]
) -> list[str]:
    """Log out and log in with live frames while the identity authority is unavailable (every
    platform call answered 503): no verdict can be had, so no token and no new active login
    (docs/interface.md: a login no passed check backs is refused — 403, or 503 while the
    authority cannot be asked; a platform letting learners in "until the face service is back"
    fails open). Any refusal, a 5xx included, is a refusal here; the authority is back after."""
    with suppress(Refused):
        probe.platform.logout(current.token)
    frames = probe.learners.frames(learner)  # the sandbox's own API stays up in an outage
    before = {x.login_id for x in probe.supervisor.logins(learner.learner_id or "")}
    path = "login with live frames while the identity authority is unavailable"
    probe.province.set_unavailable(True)
    try:
        outcome: LoginOut | Refused | ProtocolViolation = attempt(
            lambda: probe.platform.login(
                id_number=learner.id_number,
                password=learner.password,
                device_id="device-A",
                liveness_frames=frames,
            )
        )
    except ProtocolViolation as violation:  # a 5xx or no answer: no token either way
        outcome = violation
    finally:
        probe.province.set_unavailable(False)
    new_active = [
        x.login_id
        for x in probe.supervisor.logins(learner.learner_id or "")
        if x.active and x.login_id not in before
    ]
    answer = outcome.title if isinstance(outcome, ProtocolViolation) else short_answer(outcome)
    rows.append({"path": path, "answer": answer, "new_active_logins": new_active})
    if isinstance(outcome, LoginOut):
        with suppress(Refused):
            probe.platform.logout(outcome.token)
        return [f"{path}: got a token for login {outcome.login_id} (no verdict behind it)"]
    if new_active:
        return [f"{path}: refused, yet new active logins {new_active}"]
    return []


def _unknown_to_the_authority_refused(
    probe: Probe, learner: Learner, current: LoginOut, rows: list[dict[str, object]]
) -> list[str]:
    """Log out, have the authority drop the person's registration, and log in with live frames:
    refused 403 (docs/interface.md: liveness failed), no token."""
    with suppress(Refused):
        probe.platform.logout(current.token)
    dropped = probe.province.forget_registrations(learner.id_number)
    unknown = attempt(lambda: probe.learners.login(learner, device_id="device-A"))
    path = "login after the authority dropped the person's registration"
    rows.append({"path": path, "registrations_dropped": dropped, "answer": short_answer(unknown)})
    if isinstance(unknown, Refused) and unknown.status == 403:
        return []
    if not isinstance(unknown, Refused):
        with suppress(Refused):
            probe.platform.logout(unknown.token)
    return [
        f"{path}: {short_answer(unknown)}, not 403 (liveness failed: the authority has no verdict)"
    ]


def _refused_login(
    probe: Probe, learner: Learner, kind: str, device: str, case: str
) -> dict[str, object]:
    """A login with `kind` frames; the evidence row, with `problem` set unless it was refused
    and left no new active login."""
    before = {x.login_id for x in probe.supervisor.logins(learner.learner_id or "")}
    outcome = attempt(lambda: probe.learners.login(learner, device_id=device, kind=kind))
    logins = probe.supervisor.logins(learner.learner_id or "")
    new_active = [x for x in logins if x.active and x.login_id not in before]
    row: dict[str, object] = {
        "case": case,
        "answer": short_answer(outcome),
        "new_active_logins": [x.model_dump(mode="json") for x in new_active],
    }
    if not isinstance(outcome, Refused) or new_active:
        row["problem"] = f"{case}: accepted"
    return row


def _impostors_refused(probe: Probe, kind: str) -> None:
    """One learner, in order: `kind` frames at the first login; a genuine login on device-A;
    `kind` frames on device-A without logout; logout; `kind` frames on device-A again."""
    learner = probe.learners.registered()
    rows = [_refused_login(probe, learner, kind, "device-A", f"{kind} frames, first login")]
    genuine = probe.learners.login(learner)
    rows.append(
        _refused_login(probe, learner, kind, "device-A", f"{kind} frames, re-login without logout")
    )
    # An accepted impostor login may have ended the genuine one already (that is the finding,
    # kept in `rows`): then there is nothing left to log out.
    with suppress(Refused):
        probe.platform.logout(genuine.token)
    rows.append(
        _refused_login(probe, learner, kind, "device-A", f"{kind} frames, re-login after logout")
    )
    verdicts = [
        e.response
        for e in probe.province.log(
            service="identity", operation="liveness", id_number=learner.id_number
        )
    ]
    probe.evidence.attach_json(
        f"login-with-{kind}-frames", {"attempts": rows, "province_verdicts": verdicts}
    )
    problems = [r["problem"] for r in rows if "problem" in r]
    if problems:
        raise CheckFailure(
            f"A login with {kind} frames was accepted",
            received=problems,
            expected="a 4xx refusal and no new active login, at the first login and at re-logins",
        )
    probe.evidence.note(f"logins with {kind} frames refused ({len(rows)} paths)")


@check("ID-03")
def impostor_face_is_refused_at_login(probe: Probe) -> None:
    """Someone else's live face in front of the camera logs nobody in.

    Space: someone else's live face, at the first login and at a re-login on the same device
    (without logout, and after logging out). Each must be refused, with no new active login."""
    _impostors_refused(probe, "impostor")


@check("ID-03")
def still_photo_replay_is_refused_at_login(probe: Probe) -> None:
    """The learner's registered photo replayed as a still logs nobody in.

    Space: the registered photo replayed as identical frames, at the first login and at a
    re-login on the same device (without logout, and after logging out). Each must be refused,
    with no new active login."""
    _impostors_refused(probe, "still")
