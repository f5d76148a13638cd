"""Verify a dossier offline: every hash, the signature, and the archive's own bytes.

Any changed, missing or extra file, a damaged or re-packed archive, or a signature that does not
hold is a problem named in one line; the caller exits 1 when there is any. Without
`--public-key` a signature is checked against the key the dossier carries, which proves the
files are unchanged since signing but not who signed: the fingerprint is printed so it can be
compared with the certifier's published one.
"""

from __future__ import annotations

import json
import tomllib
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from harness.dossier.archive import (
    MANIFEST,
    SIGNATURE,
    SIGNER,
    UNLISTED,
    parse_manifest,
    sha256,
    zip_bytes,
)
from harness.signing import (
    SigningKeyError,
    fingerprint,
    load_public_key,
    load_public_key_file,
    signature_holds,
)

# what zipfile raises on damaged bytes: bad headers, CRCs, flags (encrypted, unknown methods)
_DAMAGE = (
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    ValueError,
    EOFError,
    OSError,
    UnicodeDecodeError,
)


@dataclass
class DossierCheck:
    """The outcome of verifying one dossier."""

    problems: list[str] = field(default_factory=list)
    verdict: str | None = None
    partial: bool | None = None
    certification: bool | None = None
    signed_by: str | None = None  # fingerprint of the key the signature holds under
    key_given: bool = False  # the signature was checked against a key the caller trusts
    damaged: list[str] = field(default_factory=list)  # members that could not be read

    @property
    def holds(self) -> bool:
        return not self.problems


def verify_dossier(path: Path, public_key: Path | None = None) -> DossierCheck:
    """Check `path`; `public_key` (PEM) is the certifier's key the signature must hold under."""
    check = DossierCheck(key_given=public_key is not None)
    members = _read_members(path, check)
    if members is None:
        return check
    _check_form(path, members, check)
    _check_manifest(members, check)
    _check_signature(dict(members), public_key, check)
    _read_verdict(dict(members), check)
    return check


def _read_members(path: Path, check: DossierCheck) -> list[tuple[str, bytes]] | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist()]
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                check.problems.append(f"the archive holds {', '.join(twice)} more than once")
                return None
            members = []
            for info in archive.infolist():
                name = info.filename
                if info.compress_type != zipfile.ZIP_STORED:  # never inflated: no zip bombs
                    check.damaged.append(name)
                    check.problems.append(f"damaged file: {name} (compressed; sxcert stores)")
                    continue
                try:
                    members.append((name, archive.read(info)))
                except _DAMAGE as exc:
                    check.damaged.append(name)
                    check.problems.append(f"damaged file: {name} ({exc})")
            return members
    except FileNotFoundError:
        check.problems.append(f"{path}: no such file")
    except IsADirectoryError:
        check.problems.append(f"{path}: is a folder, not a dossier zip")
    except _DAMAGE as exc:
        check.problems.append(f"{path}: not a readable zip archive ({exc})")
    return None


def _check_form(path: Path, members: list[tuple[str, bytes]], check: DossierCheck) -> None:
    """The archive must be byte for byte the canonical form of its members."""
    if zip_bytes(members) != path.read_bytes():
        check.problems.append(
            "the archive's bytes differ from the form sxcert writes (headers, dates, comment or "
            "layout were altered, or a member is damaged)"
        )


def _check_manifest(members: list[tuple[str, bytes]], check: DossierCheck) -> None:
    files = dict(members)
    if MANIFEST not in files:
        if MANIFEST not in check.damaged:
            check.problems.append(f"missing file: {MANIFEST}")
        return
    try:
        listed, problems = parse_manifest(files[MANIFEST].decode("utf-8"))
    except UnicodeDecodeError:
        check.problems.append(f"changed file: {MANIFEST} (not UTF-8 text)")
        return
    check.problems.extend(problems)
    for name, digest in sorted(listed.items()):
        if name in check.damaged:
            continue  # said already
        if name not in files:
            check.problems.append(f"missing file: {name}")
        elif sha256(files[name]) != digest:
            check.problems.append(f"changed file: {name} (sha256 differs from {MANIFEST})")
    for name in sorted(set(files) - set(listed) - UNLISTED):
        check.problems.append(f"extra file: {name} (not in {MANIFEST})")


def _check_signature(files: dict[str, bytes], public_key: Path | None, check: DossierCheck) -> None:
    signature = files.get(SIGNATURE)
    if signature is None:
        if public_key is not None:
            check.problems.append("not signed, but --public-key was given")
        return
    try:
        if public_key is not None:
            key = load_public_key_file(public_key)
        elif SIGNER in files:
            key = load_public_key(files[SIGNER], SIGNER)
        else:
            check.problems.append(f"missing file: {SIGNER} (and no --public-key given)")
            return
    except SigningKeyError as exc:
        check.problems.append(f"bad signature: {exc}")
        return
    if MANIFEST in files and signature_holds(files[MANIFEST], signature, key):
        check.signed_by = fingerprint(key)
    else:
        whose = "the given public key" if public_key is not None else f"the key in {SIGNER}"
        check.problems.append(
            f"bad signature: {SIGNATURE} does not hold for {MANIFEST} under {whose}"
        )


def _read_verdict(files: dict[str, bytes], check: DossierCheck) -> None:
    """The verdict the dossier carries (from report.json) and whether it is a certification."""
    try:
        report = json.loads(files["report.json"])
        check.verdict, check.partial = report["verdict"], bool(report["partial"])
    except (KeyError, ValueError, TypeError):
        if "report.json" in files:
            check.problems.append("report.json is not a readable sxcert report")
        return
    try:
        environment = tomllib.loads(files.get("ENVIRONMENT.toml", b"").decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        check.problems.append("ENVIRONMENT.toml is not readable TOML")
        return
    check.certification = environment.get("certification") is True
