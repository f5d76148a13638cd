"""Pack a finished run into a dossier zip (see the package docstring for what goes in)."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import tomli_w

from harness.dossier.archive import MANIFEST, SIGNATURE, SIGNER, manifest_text, sha256, zip_bytes
from harness.profile import Profile
from harness.registry import check_modules
from harness.report.model import Report
from harness.signing import load_private_key, public_pem, sign

REPORT_MEMBERS = ("report.json", "report.html", "junit.xml")
EVIDENCE = "evidence"
# inline secrets a profile may hold; their `*_env` siblings only name a variable and stay
SECRET_FIELDS = frozenset({"password", "test_token", "admin_token", "platform_key"})
REMOVED = "<removed>"
_URL_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#@]*@")


class DossierError(Exception):
    """The dossier could not be written; the message says why."""


@dataclass(frozen=True)
class RunRecord:
    """What a dossier needs to know of a finished run beyond its report folder."""

    out_dir: Path
    report: Report
    profile: Profile
    baseline: Path | None = None


def build_dossier(run: RunRecord, destination: Path, sign_key: Path | None = None) -> Path:
    """Write the dossier of `run` to `destination` (replaced only once complete)."""
    key = load_private_key(sign_key) if sign_key is not None else None
    members = _report_members(run.out_dir)
    members["profile.toml"] = _toml(redacted_profile(run.profile))
    members["PRODUCT.toml"] = _toml(product(run))
    members["ENVIRONMENT.toml"] = _toml(environment(run))
    if key is not None:
        members[SIGNER] = public_pem(key.public_key())
    manifest = manifest_text(members).encode()
    ordered = [(name, members[name]) for name in sorted(members)] + [(MANIFEST, manifest)]
    if key is not None:
        ordered.append((SIGNATURE, sign(manifest, key)))
    partial = destination.with_name(destination.name + ".partial")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(zip_bytes(ordered))
        os.replace(partial, destination)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise DossierError(f"cannot write the dossier {destination}: {exc.strerror}") from None
    return destination


def _report_members(out_dir: Path) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    for name in REPORT_MEMBERS:
        path = out_dir / name
        if not path.is_file():
            raise DossierError(f"the run wrote no {name} in {out_dir}")
        members[name] = path.read_bytes()
    evidence = out_dir / EVIDENCE
    if evidence.is_dir():
        for path in sorted(p for p in evidence.rglob("*") if p.is_file()):
            members[path.relative_to(out_dir).as_posix()] = path.read_bytes()
    return members


def redacted_profile(profile: Profile) -> dict[str, Any]:
    """The profile as data, every inline secret replaced by `<removed>` (None values dropped:
    TOML has no null)."""
    return _redact(profile.model_dump(mode="json", exclude_none=True, exclude={"source"}))


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: REMOVED if k in SECRET_FIELDS else _redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    if isinstance(value, str):  # a URL's user:password@ is a secret too
        return _URL_USERINFO.sub(rf"\1{REMOVED}@", value)
    return value


def product(run: RunRecord) -> dict[str, Any]:
    """PRODUCT.toml: the profile's [product] table; the embedded reference names itself."""
    if run.profile.product is not None:
        return {"declared": True, **run.profile.product.model_dump(exclude_none=True)}
    if run.report.target.get("embedded_reference"):
        return {
            "declared": True,
            "vendor": "sxcert",
            "platform": "sxcert reference platform (embedded)",
            "version": sxcert_version(),
        }
    return {"declared": False, "note": "the profile has no [product] table"}


def environment(run: RunRecord) -> dict[str, Any]:
    """ENVIRONMENT.toml: what ran the checks, when, and whether this run can certify."""
    report = run.report
    not_certification = _why_not_certification(run)
    record: dict[str, Any] = {
        "sxcert_version": sxcert_version(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "os": platform.platform(),
        "started_at": report.started_at.isoformat(),
        "finished_at": report.finished_at.isoformat(),
        "dossier_written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "verdict": report.verdict,
        "partial": report.partial,
        "certification": not not_certification,
        "not_a_certification_because": not_certification,
        "baseline_used": run.baseline is not None,
        "checks": checks_fingerprint(),
        "driver": report.target.get("driver", {}),
    }
    for name in ("seed", "repeat", "rerun_of"):
        value = getattr(report, name, None)
        if value is not None:
            record[name] = value
    if run.baseline is not None:
        record["baseline"] = {
            "file": run.baseline.name,
            "sha256": sha256(run.baseline.read_bytes()),
        }
    return record


def _why_not_certification(run: RunRecord) -> list[str]:
    """A dossier may file any run; only a whole run without a baseline can certify."""
    reasons = []
    if run.report.partial:
        reasons.append("partial run (narrowed, re-run or interrupted)")
    if run.baseline is not None:
        reasons.append("a baseline of expected failures was applied")
    if run.report.target.get("embedded_reference"):
        reasons.append("the target is sxcert's own reference platform")
    return reasons


def checks_fingerprint() -> dict[str, Any]:
    """sha256 of every check module, and one over all of them: which checklist judged."""
    files = {path.name: sha256(path.read_bytes()) for path in sorted(check_modules())}
    combined = sha256("".join(f"{d}  {n}\n" for n, d in files.items()).encode())
    return {"sha256": combined, "files": files}


def sxcert_version() -> str:
    try:
        return metadata.version("sxcert")
    except metadata.PackageNotFoundError:
        return "unknown"


def _toml(data: dict[str, Any]) -> bytes:
    return tomli_w.dumps(data).encode()
