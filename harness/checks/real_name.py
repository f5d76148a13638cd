"""ID-01 — real-name registration follows the identity authority: what the province refuses, the
platform refuses.

A platform that checks the ID number itself but registers whoever the province turns away (or
fails with a 5xx on the province's refusal) has no real-name registration. The space probed
(docs/interface.md, `POST /learners` and the province's `POST /identity/registrations`):
- the name: the person's real name with one character changed (the province: 409 name does not
  match the identity);
- the identity: an ID number valid under GB 11643 (known region, past birth date, right check
  digit) that the province holds no person for (404 unknown identity);
- the face photo: a PNG below the province's minimum side (8×8 pixels; the province refuses under
  32×32 with 422) and a PNG cut short (a platform may refuse either itself: any 4xx is a refusal);
- each answer must be a 4xx with a reason, never a 2xx or a 5xx (a protocol violation, which
  fails the check where it is answered), and nothing may be kept: no
  learner under that ID number in the supervision view;
- afterwards the same person, with the right name and photos, registers (201): the refusals were
  about the input, not the person.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

from PIL import Image

from harness.api import Refused, attempt
from harness.checks._support import answer_text
from harness.failures import CannotProbe, CheckFailure
from harness.learners import Learner, b64
from harness.probe import Probe
from harness.registry import check
from harness.spec import resident_id

PROBE = "registration against the identity authority's refusals"
TOO_SMALL_SIDE = 8  # the province's minimum is 32×32 (docs/interface.md)


def other_name(name: str) -> str:
    """The name with its last character changed: a typo the identity authority must catch."""
    replacement = "明" if name[-1] != "明" else "华"
    return name[:-1] + replacement


def unknown_number(number: str) -> str:
    """A GB 11643-valid number next to `number` (another sequence), which no sandbox person holds
    unless by chance: the province then answers 409 for the name, still a refusal."""
    sequence = (int(number[14:17]) + 500) % 1000
    first17 = number[:14] + f"{sequence:03d}"
    return first17 + resident_id.check_digit(first17)


def tiny_png() -> str:
    canvas = Image.new("RGB", (TOO_SMALL_SIDE, TOO_SMALL_SIDE), (200, 180, 160))
    data = io.BytesIO()
    canvas.save(data, format="PNG")
    return b64(data.getvalue())


def cut_short(photo_b64: str) -> str:
    """The photo's first 60 %: a PNG header and signature, no end."""
    data = base64.b64decode(photo_b64)
    return b64(data[: len(data) * 3 // 5])


def _register(probe: Probe, person: Learner, **changed: str) -> Any:
    fields = {
        "name": person.name,
        "id_number": person.id_number,
        "password": person.password,
        "face_photo": person.face_photo,
        "id_card_photo": person.id_card_photo,
    } | changed
    return attempt(lambda: probe.platform.register(**fields))


def _answer(outcome: Any) -> str:
    return answer_text(outcome, "registered")


def _refusal_row(probe: Probe, case: str, number: str, outcome: Any) -> dict[str, Any]:
    """What one registration that must be refused did: its answer, whether a learner under
    `number` is kept, and the `problem` when it was not a 4xx or kept something."""
    kept = attempt(lambda: probe.supervisor.learner(number))
    row: dict[str, Any] = {
        "case": case,
        "id_number": number,
        "answer": _answer(outcome),
        "kept": not isinstance(kept, Refused) and kept is not None,
    }
    if not isinstance(outcome, Refused):  # a 5xx fails the check where it is sent
        row["problem"] = f"{case}: answered {_answer(outcome)}, not a 4xx refusal"
    elif row["kept"]:
        row["problem"] = f"{case}: refused, but a learner {number} is kept"
    return row


@check("ID-01")
def registration_follows_the_identity_authority(probe: Probe) -> None:
    """What the identity authority refuses — a name that is not the person's, an ID number it
    holds nobody for, a face photo it cannot use — the platform refuses with a 4xx and keeps
    nothing; the person then registers with the right name and photos."""
    person = probe.learners.person()
    stranger = probe.learners.person()
    ghost = unknown_number(stranger.id_number)
    cases: dict[str, tuple[str, Callable[[], Any]]] = {
        "a name one character off": (
            person.id_number,
            lambda: _register(probe, person, name=other_name(person.name)),
        ),
        "an ID number the province holds nobody for": (
            ghost,
            lambda: _register(probe, stranger, id_number=ghost),
        ),
        f"a {TOO_SMALL_SIDE}×{TOO_SMALL_SIDE} face photo": (
            person.id_number,
            lambda: _register(probe, person, face_photo=tiny_png()),
        ),
        "a face photo cut short": (
            person.id_number,
            lambda: _register(probe, person, face_photo=cut_short(person.face_photo)),
        ),
    }
    rows: list[dict[str, Any]] = []
    for case, (number, send) in cases.items():
        rows.append(_refusal_row(probe, case, number, send()))
    refusals = [
        e.model_dump(mode="json")
        for number in (person.id_number, ghost)
        for e in probe.province.log(service="identity", operation="register", id_number=number)
        if e.status_code >= 400
    ]
    right = _register(probe, person)
    observed = {"cases": rows, "province_refusals": refusals, "right_name": _answer(right)}
    probe.evidence.attach_json("identity-refusals", observed)
    problems = [row["problem"] for row in rows if "problem" in row]
    if problems:
        raise CheckFailure(
            "Registration does not follow the identity authority's refusals",
            received=problems,
            expected="each refused with a 4xx and a reason, no learner kept",
        )
    if isinstance(right, Refused):
        raise CannotProbe(PROBE, f"the person with the right name was refused: {_answer(right)}")
    probe.evidence.note(
        f"{len(rows)} registrations the identity authority refuses were refused (4xx) and kept "
        "nothing; the person then registered with the right name and photos"
    )


@check("ID-01")
def registration_refuses_photos_that_are_not_images(probe: Probe) -> None:
    """A registration whose face or ID-card photo is not a PNG or JPEG image is refused (4xx)
    and keeps nothing; the person then registers with the right photos.

    Space: both photo fields; for each, nothing (an empty string), text that is not base64,
    base64 of text and the photo cut short (a PNG with no end) — the interface's "missing or
    undecodable photo". The ID card matters most, since only the platform reads it (the face
    photo is also refused by the province, and `registration_follows_the_identity_authority`
    tries it against that). Left out: an image of another format (a GIF) — the interface names
    PNG and JPEG as the wire format but promises a refusal only for what cannot be decoded, so a
    platform that converts one is not judged here."""
    person = probe.learners.person()
    values: dict[str, Callable[[str], str]] = {
        "nothing": lambda _photo: "",
        "text that is not base64": lambda _photo: "not base64 at all: %%% plain text, no image",
        "base64 of text": lambda _photo: b64("这不是一张照片 / not a photo".encode()),
        "a PNG cut short": cut_short,
    }
    cases = [
        (f"{label}: {what}", field, make)
        for field, label in (("id_card_photo", "ID-card photo"), ("face_photo", "face photo"))
        for what, make in values.items()
    ]
    rows: list[dict[str, Any]] = []
    for case, field, make in cases:
        outcome = _register(probe, person, **{field: make(getattr(person, field))})
        row = _refusal_row(probe, case, person.id_number, outcome)
        rows.append(row)
        if "problem" in row:
            break  # the person may be registered now: the other values would say nothing
    right = None if "problem" in rows[-1] else _register(probe, person)
    probe.evidence.attach_json(
        "photo-refusals", {"cases": rows, "right_photos": right and _answer(right)}
    )
    problems = [row["problem"] for row in rows if "problem" in row]
    if problems:
        raise CheckFailure(
            "Registration takes a photo that is not a PNG or JPEG image",
            received=problems,
            expected="each refused with a 4xx and a reason, no learner kept",
        )
    if isinstance(right, Refused):
        raise CannotProbe(PROBE, f"the person with the right photos was refused: {_answer(right)}")
    probe.evidence.note(
        f"{len(rows)} registrations with a photo that is not a PNG or JPEG image were refused "
        "(4xx) and kept nothing; the person then registered with the right photos"
    )
