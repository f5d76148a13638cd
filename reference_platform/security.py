"""Secrets handling: salted scrypt for passwords, sha256 for bearer tokens, random ids.

Bearer tokens are 256-bit random values, so a fast hash is enough to make a leaked table useless
while keeping the per-request lookup cheap; passwords are low-entropy and get a slow KDF.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
# Verified against when the ID number is unknown, so that a miss costs as much as a hit and the
# timing does not reveal who is registered.
_DUMMY_HASH = f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${'00' * 16}${'00' * 32}"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    _, n, r, p, salt, digest = (stored or _DUMMY_HASH).split("$")
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
