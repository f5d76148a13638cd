"""The dossier's byte form: a stored (uncompressed) zip with fixed timestamps and modes, and a
manifest in `sha256sum` format.

The form is canonical on purpose: the verifier re-writes the archive from its members and
compares bytes, so a changed byte anywhere — a member, a header's date, a comment — is found,
not only changes inside the files the manifest hashes. Stored, not deflated: the bytes of a
deflate stream depend on the zlib build, stored bytes do not.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable

MANIFEST = "MANIFEST.sha256"
SIGNATURE = "MANIFEST.sha256.sig"
SIGNER = "SIGNER.pub"
UNLISTED = frozenset({MANIFEST, SIGNATURE})  # the manifest cannot hash itself or its signature
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def zip_bytes(members: Iterable[tuple[str, bytes]]) -> bytes:
    """The canonical archive of `members`, in the order given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, _FIXED_TIME)
            info.create_system = 3  # unix, so that the mode below means what it says
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, data)
    return buffer.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_text(members: dict[str, bytes]) -> str:
    """One `<sha256>  <name>` line per member, sorted by name (`sha256sum -c` reads it)."""
    return "".join(f"{sha256(members[name])}  {name}\n" for name in sorted(members))


def parse_manifest(text: str) -> tuple[dict[str, str], list[str]]:
    """The manifest's {name: sha256}, and the problems of lines that are not `<hex>  <name>`."""
    listed: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        digest, separator, name = line.partition("  ")
        if not separator or len(digest) != 64 or not _is_hex(digest) or not name:
            problems.append(f"{MANIFEST} line {number} is not '<sha256>  <file>'")
        elif name in listed:
            problems.append(f"{MANIFEST} lists {name} twice")
        else:
            listed[name] = digest
    return listed, problems


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)
