"""The compliant alternatives (reference_platform/alternatives.py): the catalogue is true to the
code, each alternative really makes the other compliant choice, and `sxcert` exposes them.

That the clean reference stays ADMIT under each of them is the detection matrix's
(tests/test_detection_matrix.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from harness.catalogue import load_catalogue
from reference_platform.alternatives import ALTERNATIVES, READ_AT_START, ChosenAlternatives
from reference_platform.credit import Beat, CreditRules, PlaybackState, judge
from reference_platform.defects import SOURCE_ROOT, ActiveDefects, read_sites
from reference_platform.settings import PlatformSettings
from tests.conftest import read_report, run_sxcert
from tests.test_reference_study_support import Player, enrolled, lesson_id
from tests.test_reference_support import ServedProvince, running_platform

T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
ALL = frozenset(ALTERNATIVES)


# ---- the catalogue ------------------------------------------------------------------------------
def test_every_alternative_is_read_in_a_rule_module_and_every_read_is_known() -> None:
    sites = read_sites("chosen")
    assert set(sites) == set(ALTERNATIVES), "an alternative nobody reads, or a misspelt read"
    for name, places in sites.items():
        for place in places:
            path, line = place.rsplit(":", 1)
            assert "/routers/" not in path, f"{name} is read in a router: {place}"
            text = (SOURCE_ROOT / path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
            assert f'"{name}"' in text, place


def test_every_alternative_names_catalogue_clauses_it_leaves_open() -> None:
    ids = set(load_catalogue().ids())
    for alternative in ALTERNATIVES.values():
        assert alternative.clauses and set(alternative.clauses) <= ids, alternative.name


def test_a_misspelt_alternative_is_a_bug_not_false() -> None:
    with pytest.raises(KeyError):
        ChosenAlternatives().chosen("refuse_second_login")
    with pytest.raises(ValueError, match="Unknown alternative"):
        ChosenAlternatives(["nope"])
    chosen = ChosenAlternatives()
    at_runtime = ALL - READ_AT_START
    chosen.switch(at_runtime)
    assert chosen.names == at_runtime
    assert all(chosen.chosen(name) for name in at_runtime)
    for name in READ_AT_START:
        with pytest.raises(ValueError, match="Read at start-up"):
            chosen.switch({name})
        started = ChosenAlternatives([name])
        started.switch({name})
        assert started.chosen(name)


def test_an_unknown_alternative_refuses_to_start() -> None:
    with pytest.raises(ValueError, match="Unknown alternative"):
        PlatformSettings.from_env({"SXCERT_REF_ALTERNATIVES": "fixed_token_expiry, nope"})
    settings = PlatformSettings.from_env({"SXCERT_REF_ALTERNATIVES": " fixed_token_expiry ,"})
    assert settings.alternatives == {"fixed_token_expiry"}


def test_alternatives_json_leads_to_the_code() -> None:
    done = run_sxcert("alternatives", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [row["name"] for row in rows] == list(ALTERNATIVES)
    for row in rows:
        assert row["description"] and row["clauses"]
        path, line = row["where"].rsplit(":", 1)
        text = (SOURCE_ROOT / path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
        assert row["name"] in text


# ---- each alternative makes the other compliant choice ------------------------------------------
def test_refuses_second_login_keeps_the_first_until_it_ends(tmp_path: Path) -> None:
    with running_platform(tmp_path, alternatives=frozenset({"refuses_second_login"})) as platform:
        person = platform.register()
        first = platform.login(person)
        assert first.status_code == 200, first.text
        second = platform.login(person, device="dev-2")
        assert second.status_code == 409
        assert second.json() == {"detail": "Another login is active"}
        token = first.json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert platform.client.get("/api/v1/me", headers=headers).status_code == 200
        [login] = platform.supervise("logins", id_number=person.id_number)
        assert login["active"] and login["end_reason"] is None
        assert platform.client.post("/api/v1/logout", headers=headers).status_code == 204
        again = platform.login(person, device="dev-2")
        assert again.status_code == 200, again.text


def test_default_second_login_ends_the_first(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        person = platform.register()
        first = platform.login(person).json()["token"]
        assert platform.login(person, device="dev-2").status_code == 200
        me = platform.client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"})
        assert me.status_code == 401


@pytest.mark.parametrize("fixed", [False, True])
def test_token_expiry_slides_or_is_fixed(tmp_path: Path, fixed: bool) -> None:
    """Requests every 6 h: a sliding token lives on past 12 h; a fixed one dies at 12 h."""
    chosen = frozenset({"fixed_token_expiry"}) if fixed else frozenset()
    with running_platform(tmp_path, alternatives=chosen) as platform:
        person = platform.register()
        out = platform.login(person).json()
        headers = {"Authorization": f"Bearer {out['token']}"}
        statuses = []
        for _ in range(3):
            platform.advance(6 * 3600 + 60)
            statuses.append(platform.client.get("/api/v1/me", headers=headers).status_code)
        assert statuses == ([200, 401, 401] if fixed else [200, 200, 200])
        if fixed:  # the client signs in again, with a new liveness check
            assert platform.login(person).status_code == 200


def test_voucher_refusals_forbidden_answers_403_for_an_unknown_voucher(tmp_path: Path) -> None:
    for chosen, expected in ((frozenset(), 422), (frozenset({"voucher_refusals_forbidden"}), 403)):
        with running_platform(tmp_path, alternatives=chosen) as platform:
            person = platform.register()
            platform.login(person)
            course_id = platform.client.get("/api/v1/courses").json()[0]["course_id"]
            answer = platform.enrol(platform.learner_headers(person), course_id, "NO-SUCH-CODE")
            assert answer.status_code == expected, answer.text
            assert answer.json() == {"detail": "Voucher unknown to the province"}
            assert platform.supervise("enrolments", learner_id=person.learner_id or "") == []


def test_approval_applied_at_start_up_or_on_the_first_course_request(tmp_path: Path) -> None:
    """Either way only approved courses are offered; the lazy one applies on the first request."""
    for lazily in (False, True):
        chosen = frozenset({"applies_for_approval_lazily"}) if lazily else frozenset()
        province = ServedProvince().start()  # its own log: applications of this platform only
        try:
            with running_platform(tmp_path, province=province, alternatives=chosen) as platform:
                at_start = len(province.calls_of("apply"))
                courses = platform.client.get("/api/v1/courses").json()
                assert courses and all(c["approval"] for c in courses)
                assert (at_start == 0) is lazily
                assert len(province.calls_of("apply")) >= len(courses)
        finally:
            province.stop()


# ---- the overdue-capture rule under `overdue_capture_stops_credit` ------------------------------
STOPS = CreditRules.of(ActiveDefects(), ChosenAlternatives(["overdue_capture_stops_credit"]))


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def watching(**changes: object) -> PlaybackState:
    base = PlaybackState(
        last_seq=1,
        last_credit_at=T0,
        furthest_s=1010.0,
        credited_s=1010.0,
        duration_s=2700.0,
        capture_points_s=(1000.0,),
        challenge_deadline=at(60),
        challenge_hour=0,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_the_alternative_is_read_into_the_rules() -> None:
    assert STOPS.overdue_stops_credit
    assert not CreditRules.of(ActiveDefects(), ChosenAlternatives()).overdue_stops_credit


def test_overdue_capture_is_settled_without_a_replacement_at_once() -> None:
    outcome = judge(watching(), Beat(2, 1040.0, 1.0), at(61), rules=STOPS)
    assert (outcome.reason, outcome.credited_delta_s, outcome.challenge) == (
        "capture_overdue",
        0.0,
        "expire",
    )


def test_after_a_missed_capture_nothing_is_earned_until_one_passes() -> None:
    missed = watching(challenge_deadline=None, challenge_hour=None, missed_capture_unmade=True)
    replaced = judge(missed, Beat(2, 1040.0, 1.0), at(30), rules=STOPS)
    assert (replaced.reason, replaced.credited_delta_s) == ("capture_overdue", 0.0)
    assert (replaced.challenge, replaced.challenge_hour) == ("issue", 0)
    waiting = dataclasses.replace(missed, challenge_deadline=at(90), challenge_hour=0)
    still = judge(waiting, Beat(3, 1040.0, 1.0), at(60), rules=STOPS)
    assert (still.reason, still.credited_delta_s, still.challenge) == (
        "capture_overdue",
        0.0,
        "keep",
    )
    passed = dataclasses.replace(missed, missed_capture_unmade=False, passed_hours=frozenset({0}))
    resumed = judge(passed, Beat(3, 1040.0, 1.0), at(30), rules=STOPS)
    assert (resumed.reason, resumed.credited_delta_s) == ("ok", 30.0)


def test_default_rule_earns_again_while_the_replacement_is_open() -> None:
    """The default: a replaced challenge open in time does not stop credit."""
    replaced = watching(challenge_deadline=at(90), missed_capture_unmade=True)
    outcome = judge(replaced, Beat(2, 1040.0, 1.0), at(30))
    assert (outcome.reason, outcome.credited_delta_s) == ("ok", 30.0)


def until_challenge(player: Player) -> dict:
    while player.challenge is None:
        last = player.step(30)
    return last


def test_overdue_capture_stops_credit_until_a_new_one_passes(tmp_path: Path) -> None:
    """On the live platform: the overdue heartbeat settles the challenge and issues none; the
    next one issues the replacement and earns nothing, nor does study until it passes."""
    chosen = frozenset({"overdue_capture_stops_credit"})
    with running_platform(tmp_path, alternatives=chosen) as platform:
        learner = enrolled(platform)
        player = Player(platform, learner)
        player.open()
        old = until_challenge(player)["challenge"]
        player.wait(61)
        overdue = player.beat(player.position)
        assert (overdue["reason"], overdue["credited_delta_s"], overdue["challenge"]) == (
            "capture_overdue",
            0.0,
            None,
        )
        player.challenge = None
        replaced = player.step(30)
        assert (replaced["reason"], replaced["credited_delta_s"]) == ("capture_overdue", 0.0)
        assert replaced["challenge"]["challenge_id"] != old["challenge_id"]
        assert player.step(0)["reason"] == "capture_overdue"
        assert player.answer()["passed"]
        player.position = replaced["furthest_position_s"]
        assert player.step(30)["credited_delta_s"] == 30.0
        rows = platform.supervise("captures", learner_id=learner.learner_id)
        assert [(r["passed"], r["reason"]) for r in rows] == [(False, "expired"), (True, "ok")]


@pytest.mark.parametrize("refuse", [False, True])
def test_a_capture_after_its_playback_closed(tmp_path: Path, refuse: bool) -> None:
    chosen = frozenset({"capture_needs_open_playback"}) if refuse else frozenset()
    with running_platform(tmp_path, alternatives=chosen) as platform:
        player = Player(platform, enrolled(platform))
        player.open()
        until_challenge(player)
        player.close()
        if refuse:
            assert player.answer(expect=409) == {"detail": "Playback ended"}
        else:
            assert player.answer()["passed"]


@pytest.mark.parametrize("refuse", [False, True])
def test_a_second_playback_while_one_is_in_use(tmp_path: Path, refuse: bool) -> None:
    """Default: the new playback ends the one in use. Alternative: the new one is refused
    while the other had a heartbeat within two intervals, and ends it once it is idle."""
    chosen = frozenset({"refuses_second_playback"}) if refuse else frozenset()
    with running_platform(tmp_path, alternatives=chosen) as platform:
        learner = enrolled(platform)
        first = Player(platform, learner, lesson_id(1))
        first.open()
        first.step(30)
        second = Player(platform, learner, lesson_id(2), window="window-2")
        if refuse:
            body = {"course_id": second.course, "lesson_id": second.lesson, "window_id": "w2"}
            refused = platform.client.post("/api/v1/playbacks", json=body, headers=second.headers)
            assert refused.status_code == 409
            assert refused.json() == {"detail": "Another playback is active"}
            assert first.step(30)["credited_delta_s"] == 30.0  # the first one goes on
            first.wait(61)  # idle for more than two intervals
        second.open()
        assert first.beat(first.position + 30, expect=409) == {"detail": "Playback ended"}
        rows = platform.supervise("playbacks", learner_id=learner.learner_id)
        assert [p["playback_id"] for p in rows if p["active"]] == [second.playback_id]


def test_a_playback_whose_login_ended_is_in_use_by_nobody(tmp_path: Path) -> None:
    """Under the refusing choice, a playback ended with its login (here a logout right after a
    heartbeat) does not block the learner's next login from playing at once."""
    chosen = frozenset({"refuses_second_playback"})
    with running_platform(tmp_path, alternatives=chosen) as platform:
        learner = enrolled(platform)
        first = Player(platform, learner, lesson_id(1))
        first.open()
        first.step(30)
        assert platform.client.post("/api/v1/logout", headers=learner.headers).status_code == 204
        again = dataclasses.replace(learner, headers=platform.learner_headers(learner.person))
        second = Player(platform, again, lesson_id(1), window="window-2")
        second.open()  # 201, not 409: the logged-out playback is in use by nobody
        assert second.step(30)["credited_delta_s"] == 30.0


# ---- the command line ---------------------------------------------------------------------------
def test_an_unknown_reference_alternative_is_exit_2_with_one_reason(tmp_path: Path) -> None:
    done = run_sxcert(
        "certify", "--only", "STUDY-07", "--out", str(tmp_path), "--reference-alternative", "x"
    )
    assert done.returncode == 2
    assert "unknown reference alternative(s): x" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_a_reference_alternative_needs_the_embedded_reference(tmp_path: Path) -> None:
    profile = Path(__file__).resolve().parents[1] / "examples/profile.toml"
    done = run_sxcert(
        "certify",
        "--profile",
        str(profile),
        "--out",
        str(tmp_path),
        "--reference-alternative",
        "refuses_second_login",
    )
    assert done.returncode == 2
    assert "applies only to the embedded reference platform" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_reference_alternative_reaches_the_embedded_reference(tmp_path: Path) -> None:
    """STUDY-07 logs in anew: under refuses_second_login it must log out first, and does."""
    out = tmp_path / "out"
    done = run_sxcert(
        "certify",
        "--only",
        "STUDY-07",
        "--out",
        str(out),
        "--reference-alternative",
        "refuses_second_login",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = read_report(out)
    assert report["target"]["reference_alternatives"] == ["refuses_second_login"]


def test_a_revoked_approval_ends_the_offer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not an alternative but the rule that closes the approval lifecycle: once the province
    revoked a course's approval, the platform stops offering it at its next review, and
    offers it again at the review after the approval is reinstated."""
    from reference_platform.catalogue import ApprovalSync

    monkeypatch.setattr(ApprovalSync, "REVIEW_INTERVAL_S", 3600.0)
    province = ServedProvince().start()
    try:
        with running_platform(tmp_path, province=province) as platform:
            before = platform.client.get("/api/v1/courses").json()
            revoked = before[0]
            province.sandbox.revoke_approval(revoked["approval"]["number"])
            assert platform.client.get("/api/v1/courses").json() == before  # not yet reviewed
            monkeypatch.setattr(ApprovalSync, "REVIEW_INTERVAL_S", 0.0)
            after = platform.client.get("/api/v1/courses").json()
            assert [c["course_id"] for c in after] == [c["course_id"] for c in before[1:]]
            person = platform.register()
            platform.login(person)
            answer = platform.enrol(
                platform.learner_headers(person), revoked["course_id"], "ANY-CODE"
            )
            assert answer.status_code == 404, answer.text
            province.sandbox.revoke_approval(revoked["approval"]["number"], revoked=False)
            assert platform.client.get("/api/v1/courses").json() == before
    finally:
        province.stop()


@pytest.mark.parametrize(
    ("current", "registry", "becomes"),
    [
        ("approved", "revoked", "revoked"),
        ("revoked", "revoked", "revoked"),
        ("revoked", "valid", "approved"),
        ("approved", "valid", "approved"),
        (None, "valid", None),  # a seeded number nobody applied for keeps its own state
        (None, "revoked", "revoked"),
    ],
)
def test_an_approvals_status_follows_the_registry(
    current: str | None, registry: str, becomes: str | None
) -> None:
    from reference_platform.catalogue import approval_status

    assert approval_status(current, registry) == becomes
