"""Ed25519 keys and signatures for certification dossiers (the `cryptography` package).

The certifier signs a dossier's MANIFEST.sha256 once; anyone holding the public key can check,
offline and years later, that the manifest (and through its hashes every file) is the one the
certifier filed. Keys are PEM files: the private key PKCS#8 (written readable by its owner only),
the public key SubjectPublicKeyInfo, so that `openssl` reads both too.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class SigningKeyError(Exception):
    """A key file is missing, unreadable or not an ed25519 key; the message says which."""


def public_key_path(private_key: Path) -> Path:
    return private_key.with_name(private_key.name + ".pub")


def generate_key_pair(private_key: Path, *, overwrite: bool = False) -> Path:
    """Write a new private key to `private_key` (mode 0600) and its public key beside it as
    `<name>.pub`; answer the public key's path. Refuses to replace an existing key unless told:
    a lost private key cannot sign again, and a replaced one orphans every earlier dossier."""
    public = public_key_path(private_key)
    if not overwrite and (private_key.exists() or public.exists()):
        raise SigningKeyError(f"{private_key} or {public} exists already (use --force to replace)")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        private_key.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(private_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(private_pem)
        public.write_bytes(public_pem(key.public_key()))
    except OSError as exc:
        raise SigningKeyError(
            f"cannot write the key pair at {private_key}: {exc.strerror}"
        ) from None
    return public


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_private_key(path: Path) -> Ed25519PrivateKey:
    data = _read(path, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path}: not an ed25519 private key")
    return key


def load_public_key(data: bytes, where: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise SigningKeyError(f"{where}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{where}: not an ed25519 public key")
    return key


def load_public_key_file(path: Path) -> Ed25519PublicKey:
    return load_public_key(_read(path, "public key"), str(path))


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, hex: short enough to read out over the phone."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def sign(data: bytes, key: Ed25519PrivateKey) -> bytes:
    return key.sign(data)


def signature_holds(data: bytes, signature: bytes, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SigningKeyError(f"{path}: {what} file not found") from None
    except OSError as exc:
        raise SigningKeyError(f"{path}: cannot read the {what}: {exc.strerror}") from None
