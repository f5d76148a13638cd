"""Registration (ID-01): ID-number rule, photos, duplicates, the province's identity check."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path

from harness.spec import resident_id
from tests.test_reference_support import (
    Person,
    closed_port_url,
    image_b64,
    running_platform,
)


def _with_wrong_check_digit(number: str) -> str:
    wrong = "0" if number[17] != "0" else "1"
    return number[:17] + wrong


def test_registration_stores_the_learner_and_both_photos(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person = Person(*platform.province.new_person())
        body = platform.registration_body(person)
        answer = platform.client.post("/api/v1/learners", json=body)
        assert answer.status_code == 201, answer.text
        out = answer.json()
        assert out["id_number"] == person.id_number and out["name"] == person.name
        sent = hashlib.sha256(base64.b64decode(body["face_photo"])).hexdigest()
        assert platform.province.registered_face(person.id_number) == sent

        [learner] = platform.supervise("learners", id_number=person.id_number)
        face, id_card = (base64.b64decode(body[key]) for key in ("face_photo", "id_card_photo"))
        assert learner["learner_id"] == out["learner_id"]
        assert learner["face_photo_sha256"] == hashlib.sha256(face).hexdigest()
        assert learner["id_card_photo_sha256"] == hashlib.sha256(id_card).hexdigest()
        headers = platform.supervisor_headers()
        base = f"/api/v1/supervision/learners/{out['learner_id']}"
        face_answer = platform.client.get(f"{base}/face-photo", headers=headers)
        assert face_answer.content == face
        assert face_answer.headers["content-type"] == "image/png"
        card_answer = platform.client.get(f"{base}/id-card-photo", headers=headers)
        assert card_answer.content == id_card
        assert card_answer.headers["content-type"] == "image/jpeg"


def test_invalid_id_numbers_are_refused_with_the_reason(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person = Person(*platform.province.new_person())
        future = resident_id.build("140105", dt.date.today() + dt.timedelta(days=400), 11)
        cases = {
            _with_wrong_check_digit(person.id_number): "ID number check digit is wrong",
            resident_id.build("990105", dt.date(1990, 1, 1), 11): "unknown region code",
            person.id_number[:10] + "1332" + person.id_number[14:]: "impossible birth date",
            future: "impossible birth date",
            "14010519900101001A": "17 digits followed by a digit or X",
        }
        for number, reason in cases.items():
            body = platform.registration_body(person, id_number=number)
            answer = platform.client.post("/api/v1/learners", json=body)
            assert answer.status_code == 422, number
            assert reason in answer.json()["detail"]
        assert platform.supervise("learners") == []
        assert not [c for c in platform.province.calls_of("register") if c["id_number"] in cases]


def test_photos_must_be_png_or_jpeg(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person = Person(*platform.province.new_person())
        gif = base64.b64encode(b"GIF89a" + b"\x00" * 40).decode()
        for bad in ["not base64 at all !!!", gif, base64.b64encode(b"\x89PNG" * 10).decode()]:
            answer = platform.client.post(
                "/api/v1/learners", json=platform.registration_body(person, face_photo=bad)
            )
            assert answer.status_code == 422
            assert answer.json()["detail"] == "Face photo is not a PNG or JPEG image"
            answer = platform.client.post(
                "/api/v1/learners", json=platform.registration_body(person, id_card_photo=bad)
            )
            assert answer.json()["detail"] == "ID-card photo is not a PNG or JPEG image"
        missing = platform.registration_body(person)
        del missing["id_card_photo"]
        assert platform.client.post("/api/v1/learners", json=missing).status_code == 422
        assert platform.supervise("learners") == []


def test_a_second_registration_of_the_same_number_is_refused(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person = platform.register()
        again = platform.client.post("/api/v1/learners", json=platform.registration_body(person))
        assert again.status_code == 409
        assert again.json()["detail"] == "Learner already registered"
        lower_x = person.id_number.lower()
        if lower_x != person.id_number:  # an 'x' check digit is the same number as 'X'
            body = platform.registration_body(person, id_number=lower_x)
            assert platform.client.post("/api/v1/learners", json=body).status_code == 409


def test_the_province_must_know_the_identity_and_its_name(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        stranger = Person(resident_id.build("140105", dt.date(1991, 5, 5), 777), "陌生人")
        answer = platform.client.post("/api/v1/learners", json=platform.registration_body(stranger))
        assert (answer.status_code, answer.json()["detail"]) == (
            422,
            "Identity unknown to the province",
        )
        person = Person(*platform.province.new_person())
        wrong_name = platform.registration_body(person, name="冒名顶替")
        answer = platform.client.post("/api/v1/learners", json=wrong_name)
        assert (answer.status_code, answer.json()["detail"]) == (
            422,
            "Name does not match the identity",
        )
        assert platform.supervise("learners") == []


def test_province_outage_is_a_503_and_stores_nothing(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person = Person(*platform.province.new_person())
        with platform.province.outage():
            answer = platform.client.post(
                "/api/v1/learners", json=platform.registration_body(person)
            )
        assert answer.status_code == 503
        assert answer.json() == {"detail": "Province service unavailable"}
        assert platform.supervise("learners") == []
    with running_platform(tmp_path, province_url=closed_port_url()) as unreachable:
        answer = unreachable.client.post(
            "/api/v1/learners", json=unreachable.registration_body(person)
        )
        assert answer.status_code == 503


def test_defect_skips_id_check_digit(tmp_path: Path) -> None:
    with running_platform(tmp_path, defects=("skips_id_check_digit",)) as platform:
        person = Person(*platform.province.new_person())
        wrong = _with_wrong_check_digit(person.id_number)
        body = platform.registration_body(person, id_number=wrong)
        # The platform does not refuse it itself: it asks the province (which knows no such
        # number, as no real authority would) instead of answering "check digit is wrong".
        answer = platform.client.post("/api/v1/learners", json=body)
        assert answer.status_code == 422
        assert "check digit" not in answer.json()["detail"]
        assert [c["id_number"] for c in platform.province.calls_of("register")][-1] == wrong
        # Shape, region and birth date are still checked.
        body["id_number"] = wrong[:10] + "1332" + wrong[14:]
        answer = platform.client.post("/api/v1/learners", json=body)
        assert answer.status_code == 422
        assert "birth date" in answer.json()["detail"]


def test_defect_discards_id_card_photo(tmp_path: Path) -> None:
    with running_platform(tmp_path, defects=("discards_id_card_photo",)) as platform:
        person = platform.register()
        [learner] = platform.supervise("learners", learner_id=person.learner_id or "")
        assert learner["id_card_photo_sha256"] is None
        assert learner["face_photo_sha256"] is not None
        answer = platform.client.get(
            f"/api/v1/supervision/learners/{person.learner_id}/id-card-photo",
            headers=platform.supervisor_headers(),
        )
        assert answer.status_code == 404


def test_jpeg_face_photo_keeps_its_media_type(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person = Person(*platform.province.new_person())
        body = platform.registration_body(person, face_photo=image_b64(9, "JPEG"))
        learner_id = platform.client.post("/api/v1/learners", json=body).json()["learner_id"]
        answer = platform.client.get(
            f"/api/v1/supervision/learners/{learner_id}/face-photo",
            headers=platform.supervisor_headers(),
        )
        assert answer.headers["content-type"] == "image/jpeg"
