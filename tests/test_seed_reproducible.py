"""One run seed repeats a run's people and explorations: the same `--seed` against a fresh
province gives the same identities; another seed gives others; the state machines' Hypothesis
seeds (first attempt and retries) follow from the check's seed."""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from conftest import read_report, run_sxcert

from harness import seeding
from harness.province.stores.identities import IdentityStore
from harness.province_sandbox import CHINA, DRAWN_AGES, ProvinceSandboxClient
from harness.scenarios.machine import ATTEMPTS, attempt_seeds
from harness.seed_plugin import RunSeed
from harness.spec import resident_id
from harness.spec.resident_id import SHANXI_REGION_CODES

ONLY = "ID-01,ELIG-01"


def _people(out: Path) -> dict[str, list[tuple[str, str]]]:
    """Per check, the (ID number, name) of every identity the province created for it, sorted
    (probes run side by side record in any order), read back from the check's exchanges."""
    people: dict[str, list[tuple[str, str]]] = {}
    for exchanges in sorted((out / "evidence").glob("*/exchanges.json")):
        for exchange in json.loads(exchanges.read_text(encoding="utf-8")):
            request, response = exchange["request"], exchange["response"]
            if request["method"] == "POST" and request["url"].endswith("/sandbox/v1/identities"):
                body = response["body"]
                people.setdefault(exchanges.parent.name, []).append(
                    (body["id_number"], body["name"])
                )
    return {check: sorted(found) for check, found in people.items()}


def _certify(out: Path, seed: int) -> dict[str, list[tuple[str, str]]]:
    done = run_sxcert("certify", "--only", ONLY, "--seed", str(seed), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert read_report(out)["seed"] == seed
    return _people(out)


def test_the_same_seed_repeats_the_people_and_another_seed_does_not(tmp_path: Path) -> None:
    first = _certify(tmp_path / "first", 7)  # each run starts its own embedded province
    assert sum(map(len, first.values())) >= 3, first
    assert _certify(tmp_path / "again", 7) == first
    other = _certify(tmp_path / "other", 8)
    assert other.keys() == first.keys()
    numbers = {number for people in first.values() for number, _ in people}
    assert not numbers & {number for people in other.values() for number, _ in people}


def test_attempt_seeds_are_derived_deterministically_from_the_first() -> None:
    seeds = attempt_seeds(12345)
    assert len(seeds) == ATTEMPTS and seeds[0] == 12345
    assert len(set(seeds)) == ATTEMPTS
    assert attempt_seeds(12345) == seeds
    assert attempt_seeds(12346)[1:] != seeds[1:]
    assert all(0 <= s < 2**63 for s in seeds)


def test_a_check_seed_fixes_the_machines_first_seed() -> None:
    plugin = RunSeed(7)
    item = SimpleNamespace(name="cheating_machine_check")
    plugin.pytest_runtest_setup(item)  # type: ignore[arg-type]
    first = seeding.draws.getrandbits(63)
    random.seed(0)  # what Hypothesis does inside an example: `draws` does not care
    plugin.pytest_runtest_setup(item)  # type: ignore[arg-type]
    assert seeding.draws.getrandbits(63) == first
    RunSeed(8).pytest_runtest_setup(item)  # type: ignore[arg-type]
    assert seeding.draws.getrandbits(63) != first


def test_a_seeded_request_repeats_in_a_fresh_province_and_steps_past_a_taken_number() -> None:
    wanted: dict[str, Any] = {
        "birth_date": dt.date(1990, 5, 1),
        "region_code": "140105",
        "sex": "F",
        "seed": 42,
    }
    one, two = IdentityStore(), IdentityStore()
    first = one.new_identity(**wanted).identity
    assert two.new_identity(**wanted).identity == first
    # the number is taken now: the same seed gives the next candidate, the same one every time
    following = one.new_identity(**wanted).identity
    assert following.id_number != first.id_number
    assert following.name == first.name
    assert two.new_identity(**wanted).identity == following
    other = IdentityStore().new_identity(**{**wanted, "seed": 43}).identity
    assert other.id_number != first.id_number


class _Recording(ProvinceSandboxClient):
    def __init__(self) -> None:
        super().__init__("http://province.invalid", "token")
        self.bodies: list[dict[str, Any]] = []

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        body = kwargs["json"]
        self.bodies.append(body)
        born = dt.date.fromisoformat(body["birth_date"])
        number = resident_id.build(body["region_code"], born, 1)
        answer = {**body, "id_number": number, "name": "王伟"}
        answer.pop("seed")
        return SimpleNamespace(json=lambda: answer)


def test_the_client_draws_what_it_does_not_specify_from_the_check_seed() -> None:
    client = _Recording()
    plugin = RunSeed(7)
    item = SimpleNamespace(name="some_check")
    plugin.pytest_runtest_setup(item)  # type: ignore[arg-type]
    client.new_identity()
    client.new_identity(sex="M")
    plugin.pytest_runtest_setup(item)  # type: ignore[arg-type]
    client.new_identity()
    client.new_identity(sex="M")
    assert client.bodies[:2] == client.bodies[2:]
    assert client.bodies[0]["seed"] != client.bodies[1]["seed"]
    today = dt.datetime.now(CHINA).date()
    for body in client.bodies:
        assert body["region_code"] in SHANXI_REGION_CODES
        age = resident_id.age_on(dt.date.fromisoformat(body["birth_date"]), today)
        assert DRAWN_AGES[0] <= age <= DRAWN_AGES[1]
    assert client.bodies[1]["sex"] == "M"


def test_probes_side_by_side_draw_the_same_whichever_thread_runs_first() -> None:
    def drawn_in_threads(reverse: bool) -> list[int]:
        seeding.draws.seed(5)
        calls = seeding.with_own_draws([lambda: seeding.rng().getrandbits(32)] * 4)
        order = list(range(4))[::-1] if reverse else list(range(4))
        results: dict[int, int] = {}
        for index in order:  # threads may start in any order: each has its own generator
            worker = threading.Thread(target=lambda i=index: results.update({i: calls[i]()}))
            worker.start()
            worker.join()
        return [results[i] for i in range(4)]

    assert drawn_in_threads(False) == drawn_in_threads(True)
    assert len(set(drawn_in_threads(False))) == 4
    assert seeding.rng() is seeding.draws  # the caller's own generator is untouched
