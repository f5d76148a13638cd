"""Password hashing of the reference platform (security.py): the cost is a setting, a hash
keeps its own parameters, and an unknown account costs what a known one does."""

from __future__ import annotations

import hashlib

import pytest

from harness.embedded import THROWAWAY_PASSWORD_HASH_COST
from reference_platform.security import DEFAULT_PASSWORD_HASH_COST, PasswordHasher
from reference_platform.settings import PlatformSettings


def test_a_hash_verifies_its_password_and_no_other() -> None:
    hasher = PasswordHasher(THROWAWAY_PASSWORD_HASH_COST)
    stored = hasher.hash("correct horse")
    assert hasher.verify("correct horse", stored)
    assert not hasher.verify("correct horsE", stored)
    assert not hasher.verify("", stored)
    assert "correct horse" not in stored


def test_two_hashes_of_one_password_differ_by_their_salt() -> None:
    hasher = PasswordHasher(THROWAWAY_PASSWORD_HASH_COST)
    first, second = hasher.hash("pw"), hasher.hash("pw")
    assert first != second
    assert first.split("$")[4] != second.split("$")[4]


def test_the_cost_is_written_into_the_hash() -> None:
    assert PasswordHasher(10).hash("pw").split("$")[1:4] == [str(2**10), "8", "1"]
    assert PasswordHasher().hash("pw").split("$")[1] == str(2**DEFAULT_PASSWORD_HASH_COST)


@pytest.mark.parametrize(("made_at", "verified_at"), [(10, 14), (14, 10)])
def test_a_hash_made_at_another_cost_still_verifies(made_at: int, verified_at: int) -> None:
    """Changing the setting never locks an account out: the stored parameters are used."""
    stored = PasswordHasher(made_at).hash("pw")
    assert PasswordHasher(verified_at).verify("pw", stored)
    assert not PasswordHasher(verified_at).verify("other", stored)


@pytest.mark.parametrize("cost", [THROWAWAY_PASSWORD_HASH_COST, DEFAULT_PASSWORD_HASH_COST])
def test_an_unknown_account_is_refused_after_a_hash_of_the_instances_cost(
    cost: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No stored hash: refused, after the same scrypt work a known account's check costs, so
    that timing does not reveal who is registered (the work is counted, not timed)."""
    works: list[int] = []
    real = hashlib.scrypt

    def counted(password: bytes, **kwargs: int) -> bytes:
        works.append(kwargs["n"])
        return real(password, **kwargs)  # type: ignore[arg-type]

    hasher = PasswordHasher(cost)
    stored = hasher.hash("pw")
    monkeypatch.setattr(hashlib, "scrypt", counted)
    assert not hasher.verify("pw", None)
    assert hasher.verify("pw", stored)
    assert works == [2**cost, 2**cost]


def test_the_setting_is_read_from_the_environment_and_bounded() -> None:
    assert PlatformSettings.from_env({}).password_hasher == PasswordHasher()
    read = PlatformSettings.from_env({"SXCERT_REF_PASSWORD_HASH_COST": "10"})
    assert read.password_hasher == PasswordHasher(10)
    with pytest.raises(ValueError, match="password_hash_cost"):
        PlatformSettings.from_env({"SXCERT_REF_PASSWORD_HASH_COST": "0"})
    with pytest.raises(ValueError, match="password_hash_cost"):
        PlatformSettings.from_env({"SXCERT_REF_PASSWORD_HASH_COST": "21"})
