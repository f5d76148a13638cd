"""ID — identity before study (二(五)1): real-name registration, liveness before every login,
and a liveness check that only the registered person passes."""

from __future__ import annotations

import base64
import hashlib

from harness.api import Refused, attempt
from harness.failures import CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.spec import resident_id


def _sha(b64: str) -> str:
    return hashlib.sha256(base64.b64decode(b64)).hexdigest()


def _image_sha(field: object) -> str | None:
    return field.get("sha256") if isinstance(field, dict) else None


@check("ID-01")
def registration_keeps_real_name_face_and_id_card(probe: Probe) -> None:
    """Registration passes name, ID number and face to the identity authority and keeps both
    photos, byte for byte, where a supervisor can see them."""
    learner = probe.learners.registered()
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
    observed = {
        "province_registrations": [e.model_dump(mode="json") for e in registrations],
        "supervision_learner": seen.model_dump(mode="json") if seen else None,
        "stored_face_sha256": hashlib.sha256(stored_face).hexdigest() if stored_face else None,
        "stored_id_card_sha256": hashlib.sha256(stored_card).hexdigest() if stored_card else None,
        "sent_face_sha256": face_sha,
        "sent_id_card_sha256": card_sha,
    }
    probe.evidence.attach_json("registration", observed)
    problems = []
    if face_sha not in sent:
        problems.append("the identity authority did not receive the registered face photo")
    if seen is None or seen.name != learner.name:
        problems.append("a supervisor does not see the learner under the real name")
    if observed["stored_face_sha256"] != face_sha:
        problems.append("the stored face photo differs from the one registered")
    if observed["stored_id_card_sha256"] != card_sha:
        problems.append("the stored ID-card photo differs from the one registered")
    if problems:
        raise CheckFailure(
            "Real-name registration is incomplete",
            received=problems,
            expected="name, ID number, face photo and ID-card photo kept",
        )
    probe.evidence.note(
        "name, ID number, face and ID-card photo kept; face registered at the province"
    )


def _broken_numbers(valid: str) -> dict[str, str]:
    body, birth = valid[:17], valid[6:14]
    wrong_digit = next(c for c in "0123456789X" if c != valid[17])

    def rebuilt(first17: str) -> str:
        return first17 + resident_id.check_digit(first17)

    return {
        "wrong check digit": body + wrong_digit,
        "impossible birth date": rebuilt(valid[:6] + birth[:4] + "1332" + valid[14:17]),
        "unknown region code": rebuilt("00" + valid[2:17]),
        "birth date in the future": rebuilt(valid[:6] + "29991231" + valid[14:17]),
    }


@check("ID-01")
def invalid_id_numbers_are_refused(probe: Probe) -> None:
    """ID numbers that break GB 11643 are refused by the platform itself, before the province."""
    person = probe.learners.person()
    problems, rows = [], []
    for case, number in _broken_numbers(person.id_number).items():
        outcome = attempt(
            lambda number=number: probe.platform.register(
                name=person.name,
                id_number=number,
                password=person.password,
                face_photo=person.face_photo,
                id_card_photo=person.id_card_photo,
            )
        )
        forwarded = probe.province.log(service="identity", id_number=number)
        kept = probe.supervisor.learner(number)
        rows.append(
            {
                "case": case,
                "id_number": number,
                "answer": f"{outcome.status} {outcome.detail}"
                if isinstance(outcome, Refused)
                else "registered",
                "forwarded_to_province": len(forwarded),
                "kept": kept is not None,
            }
        )
        if not isinstance(outcome, Refused) or kept is not None:
            problems.append(f"{case} ({number}) was registered")
        elif forwarded:
            problems.append(f"{case} ({number}) was not validated: sent on to the province")
    probe.evidence.attach_json("invalid-id-numbers", rows)
    if problems:
        raise CheckFailure(
            "Invalid ID numbers are not refused by the platform",
            received=problems,
            expected="4xx, nothing kept, nothing sent to the identity authority",
        )
    probe.evidence.note(
        f"{len(rows)} kinds of invalid ID number refused before reaching the province"
    )


@check("ID-02")
def every_login_passes_its_own_liveness_check(probe: Probe) -> None:
    """No token without liveness frames, and every login has a fresh, passed verification at the
    identity authority (a re-login does not reuse an earlier one)."""
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
    first = probe.learners.login(learner)
    probe.platform.logout(first.token)
    second = probe.learners.login(learner)
    verifications = {
        e.response.get("verification_id"): e
        for e in probe.province.log(
            service="identity", operation="liveness", id_number=learner.id_number
        )
        if 200 <= e.status_code < 300 and e.response.get("passed") is True
    }
    logins = probe.supervisor.logins(learner.learner_id or "")
    observed = {
        "logins": [first.model_dump(mode="json"), second.model_dump(mode="json")],
        "province_passed_verifications": sorted(v for v in verifications if v),
        "supervision_logins": [x.model_dump(mode="json") for x in logins],
    }
    probe.evidence.attach_json("liveness-per-login", observed)
    problems = []
    if first.liveness_verification_id == second.liveness_verification_id:
        problems.append("the second login reused the first login's liveness verification")
    for login in (first, second):
        if login.liveness_verification_id not in verifications:
            problems.append(
                f"login {login.login_id}: no passed verification "
                f"{login.liveness_verification_id} at the identity authority"
            )
    if len(verifications) < 2:
        problems.append(f"{len(verifications)} passed verification(s) for 2 logins")
    by_login = {x.login_id: x.liveness_verification_id for x in logins}
    for login in (first, second):
        if by_login.get(login.login_id) != login.liveness_verification_id:
            problems.append(
                f"login {login.login_id}: the supervision view shows "
                f"{by_login.get(login.login_id)!r} as its verification"
            )
    if problems:
        raise CheckFailure(
            "A study login was not preceded by its own liveness check",
            received=problems,
            expected="one passed verification per login",
        )
    probe.evidence.note("no token without frames; 2 logins, 2 fresh passed verifications")


def _refused_first_login(probe: Probe, kind: str) -> None:
    learner = probe.learners.registered()
    outcome = attempt(lambda: probe.learners.login(learner, kind=kind))
    verdicts = [
        e.response
        for e in probe.province.log(
            service="identity", operation="liveness", id_number=learner.id_number
        )
    ]
    logins = probe.supervisor.logins(learner.learner_id or "")
    probe.evidence.attach_json(
        f"login-with-{kind}-frames",
        {
            "answer": f"{outcome.status} {outcome.detail}"
            if isinstance(outcome, Refused)
            else outcome.model_dump(mode="json"),
            "province_verdicts": verdicts,
            "supervision_logins": [x.model_dump(mode="json") for x in logins],
        },
    )
    active = [x for x in logins if x.active]
    if not isinstance(outcome, Refused) or active:
        raise CheckFailure(
            f"A login with {kind} frames was accepted",
            received={"province_verdicts": verdicts, "active_logins": len(active)},
            expected="a 4xx refusal and no active login",
        )
    probe.evidence.note(f"login with {kind} frames refused ({outcome.status} {outcome.detail})")


@check("ID-03")
def impostor_face_is_refused_at_login(probe: Probe) -> None:
    """Someone else's face, live, does not log the learner in."""
    _refused_first_login(probe, "impostor")


@check("ID-03")
def still_photo_replay_is_refused_at_login(probe: Probe) -> None:
    """Replaying the registered photo as identical frames does not log the learner in."""
    _refused_first_login(probe, "still")
