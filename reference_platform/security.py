"""Secrets handling: salted scrypt for passwords, sha256 for bearer tokens, random ids.

Bearer tokens are 256-bit random values, so a fast hash is enough to make a leaked table useless
while keeping the per-request lookup cheap; passwords are low-entropy and get a slow KDF.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

DEFAULT_PASSWORD_HASH_COST = 14  # log2 of scrypt's N: 16 MiB and ~40 ms a hash on this machine
_SCRYPT_R, _SCRYPT_P = 8, 1


@dataclass(frozen=True)
class PasswordHasher:
    """Salted scrypt at one instance's cost (`log2_n`).

    The cost is a setting because it is a deployment's trade of sign-in time against an attacker's
    time, and because an instance whose database is thrown away with synthetic learners (the one
    `sxcert certify` embeds) has nothing to protect: there it is the largest part of a run's time
    (some 700 sign-ins and registrations). A stored hash carries its own parameters, so a hash made
    at another cost still verifies."""

    log2_n: int = DEFAULT_PASSWORD_HASH_COST

    def hash(self, password: str) -> str:
        salt = secrets.token_bytes(16)
        n = 2**self.log2_n
        digest = hashlib.scrypt(
            password.encode(), salt=salt, n=n, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
        )
        return f"scrypt${n}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"

    def verify(self, password: str, stored: str | None) -> bool:
        """Whether `password` is the one `stored` was made of. With no stored hash (an unknown
        account) a dummy of this instance's cost is verified against, so that a miss costs as
        much as a hit and the timing does not reveal who is registered."""
        dummy = f"scrypt${2**self.log2_n}${_SCRYPT_R}${_SCRYPT_P}${'00' * 16}${'00' * 32}"
        _, n, r, p, salt, digest = (stored or dummy).split("$")
        candidate = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
        return hmac.compare_digest(candidate.hex(), digest) and stored is not None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two strings (of any content)."""
    return hmac.compare_digest(given.encode(), expected.encode())


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"
