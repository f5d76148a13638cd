"""The certification dossier: what goes in, and that `verify-dossier` finds every tampering —
each part changed, removed or added, a wrong or missing signature, and any single changed byte
of the archive."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import stat
import tomllib
import zipfile
from pathlib import Path

import pytest
from conftest import read_report, run_sxcert
from pydantic import ValidationError

from harness.dossier.archive import MANIFEST, SIGNATURE, SIGNER, zip_bytes
from harness.dossier.build import REMOVED, RunRecord, build_dossier
from harness.dossier.verify import verify_dossier
from harness.profile import Profile
from harness.report.model import Report
from harness.signing import generate_key_pair

SECRETS = ("authority-pw-1234", "test-token-5678", "platform-key-9abc")


def _profile(product: bool = True, base_url: str = "http://127.0.0.1:8000") -> Profile:
    data = {
        "target": {
            "base_url": base_url,
            "platform_id": "vendor-x",
            "test_token": SECRETS[1],
            "accounts": [{"kind": "authority", "username": "hr", "password": SECRETS[0]}],
        },
        "province": {"url": "http://127.0.0.1:8700", "platform_key": SECRETS[2]},
    }
    if product:
        data["product"] = {
            "vendor": "Vendor X",
            "platform": "Learn",
            "version": "2.4.1",
            "commit": "abc123",
            "contact": "qa@vendor.example",
        }
    return Profile.model_validate(data)


def _report(partial: bool = False) -> Report:
    now = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
    return Report(
        verdict="REJECT",
        partial=partial,
        target={"embedded_reference": False, "driver": {"name": "http", "sha256": "00"}},
        started_at=now,
        finished_at=now + dt.timedelta(minutes=3),
        clauses=[],
        seed=42,
    )


@pytest.fixture
def run(tmp_path: Path) -> RunRecord:
    out = tmp_path / "reports"
    (out / "evidence" / "some_check").mkdir(parents=True)
    report = _report()
    (out / "report.json").write_text(report.to_json(), encoding="utf-8")
    (out / "report.html").write_text("<html>report</html>", encoding="utf-8")
    (out / "junit.xml").write_text("<testsuites/>", encoding="utf-8")
    (out / "evidence" / "some_check" / "exchanges.json").write_text("[]", encoding="utf-8")
    return RunRecord(out, report, _profile())


@pytest.fixture
def key(tmp_path: Path) -> Path:
    private = tmp_path / "keys" / "centre"
    generate_key_pair(private)
    return private


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rewrite(path: Path, members: dict[str, bytes]) -> None:
    """Re-pack in sxcert's own form: only the content tells the change."""
    path.write_bytes(zip_bytes(members.items()))


def test_keygen_writes_a_private_key_only_its_owner_reads(key: Path) -> None:
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert b"PRIVATE KEY" in key.read_bytes()
    assert b"PUBLIC KEY" in key.with_name("centre.pub").read_bytes()


def test_dossier_holds_every_part_and_no_secret(run: RunRecord, key: Path, tmp_path) -> None:
    dossier = build_dossier(run, tmp_path / "d.zip", key)
    members = _members(dossier)
    assert {
        "report.json",
        "report.html",
        "junit.xml",
        "evidence/some_check/exchanges.json",
        "profile.toml",
        "PRODUCT.toml",
        "ENVIRONMENT.toml",
        MANIFEST,
        SIGNATURE,
        SIGNER,
    } == set(members)
    raw = dossier.read_bytes()
    assert not any(secret.encode() in raw for secret in SECRETS)
    profile = tomllib.loads(members["profile.toml"].decode())
    assert profile["target"]["accounts"][0]["password"] == REMOVED
    assert profile["target"]["test_token"] == REMOVED
    assert profile["province"]["platform_key"] == REMOVED
    assert tomllib.loads(members["PRODUCT.toml"].decode()) == {
        "declared": True,
        "vendor": "Vendor X",
        "platform": "Learn",
        "version": "2.4.1",
        "commit": "abc123",
        "contact": "qa@vendor.example",
    }
    environment = tomllib.loads(members["ENVIRONMENT.toml"].decode())
    assert environment["seed"] == 42
    assert environment["certification"] is True
    assert environment["baseline_used"] is False
    assert len(environment["checks"]["sha256"]) == 64 and environment["checks"]["files"]
    assert environment["started_at"] == "2026-12-01T08:00:00+00:00"
    listed = members[MANIFEST].decode().splitlines()
    assert len(listed) == len(members) - 2  # all but the manifest and its signature
    check = verify_dossier(dossier, key.with_name("centre.pub"))
    assert check.holds, check.problems
    assert (check.verdict, check.partial, check.certification) == ("REJECT", False, True)


def test_partial_or_baseline_run_is_no_certification(run: RunRecord, tmp_path: Path) -> None:
    baseline = tmp_path / "expected.toml"
    baseline.write_text("expected = []\n", encoding="utf-8")
    record = RunRecord(run.out_dir, _report(partial=True), _profile(product=False), baseline)
    members = _members(build_dossier(record, tmp_path / "d.zip"))
    environment = tomllib.loads(members["ENVIRONMENT.toml"].decode())
    assert environment["certification"] is False
    assert environment["baseline_used"] is True
    assert len(environment["not_a_certification_because"]) == 2
    assert tomllib.loads(members["PRODUCT.toml"].decode())["declared"] is False


@pytest.mark.parametrize(
    "part",
    [
        "report.json",
        "report.html",
        "junit.xml",
        "evidence/some_check/exchanges.json",
        "profile.toml",
        "PRODUCT.toml",
        "ENVIRONMENT.toml",
        SIGNER,
    ],
)
def test_a_changed_part_is_named(run: RunRecord, key: Path, tmp_path: Path, part: str) -> None:
    dossier = build_dossier(run, tmp_path / "d.zip", key)
    members = _members(dossier)
    members[part] = members[part] + b" "
    _rewrite(dossier, members)
    problems = verify_dossier(dossier).problems
    assert f"changed file: {part} (sha256 differs from {MANIFEST})" in problems


def test_missing_and_extra_files_are_named(run: RunRecord, tmp_path: Path) -> None:
    dossier = build_dossier(run, tmp_path / "d.zip")
    members = _members(dossier)
    del members["junit.xml"]
    members["evidence/planted.json"] = b"{}"
    _rewrite(dossier, members)
    problems = verify_dossier(dossier).problems
    assert "missing file: junit.xml" in problems
    assert f"extra file: evidence/planted.json (not in {MANIFEST})" in problems


def test_a_changed_manifest_breaks_the_signature(run: RunRecord, key: Path, tmp_path) -> None:
    """Re-hashing a changed file into the manifest is exactly what the signature prevents."""
    dossier = build_dossier(run, tmp_path / "d.zip", key)
    members = _members(dossier)
    members["report.html"] = b"<html>ADMIT</html>"
    digest = hashlib.sha256(members["report.html"]).hexdigest()
    lines = [
        f"{digest}  report.html" if line.endswith("  report.html") else line
        for line in members[MANIFEST].decode().splitlines()
    ]
    members[MANIFEST] = ("\n".join(lines) + "\n").encode()
    _rewrite(dossier, members)
    problems = verify_dossier(dossier, key.with_name("centre.pub")).problems
    assert problems == [
        f"bad signature: {SIGNATURE} does not hold for {MANIFEST} under the given public key"
    ]


def test_signature_checks(run: RunRecord, key: Path, tmp_path: Path) -> None:
    signed = build_dossier(run, tmp_path / "signed.zip", key)
    other = tmp_path / "other"
    generate_key_pair(other)
    assert any(
        p.startswith("bad signature")
        for p in verify_dossier(signed, other.with_suffix(".pub")).problems
    )
    members = _members(signed)
    members[SIGNATURE] = bytes([members[SIGNATURE][0] ^ 1]) + members[SIGNATURE][1:]
    _rewrite(signed, members)
    assert any(p.startswith("bad signature") for p in verify_dossier(signed).problems)
    unsigned = build_dossier(run, tmp_path / "unsigned.zip")
    assert verify_dossier(unsigned).holds
    assert verify_dossier(unsigned, key.with_name("centre.pub")).problems == [
        "not signed, but --public-key was given"
    ]


def test_any_single_changed_byte_is_found(run: RunRecord, key: Path, tmp_path: Path) -> None:
    """Every byte of a signed dossier, in turn, one bit flipped: never accepted."""
    dossier = build_dossier(run, tmp_path / "d.zip", key)
    original = dossier.read_bytes()
    public = key.with_name("centre.pub")
    accepted = []
    for position in range(len(original)):
        changed = bytearray(original)
        changed[position] ^= 0x01
        dossier.write_bytes(bytes(changed))
        if verify_dossier(dossier, public).holds:
            accepted.append(position)
    assert accepted == []
    dossier.write_bytes(original)
    assert verify_dossier(dossier, public).holds


def test_a_repacked_archive_is_found(run: RunRecord, tmp_path: Path) -> None:
    """Same files, other archive form (a date, a comment): the bytes are not sxcert's."""
    dossier = build_dossier(run, tmp_path / "d.zip")
    members = _members(dossier)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    dossier.write_bytes(buffer.getvalue())
    problems = verify_dossier(dossier).problems
    assert len(problems) == 1 and "differ from the form sxcert writes" in problems[0]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.txt", b"0" * 10_000_000)  # a deflated member is never inflated
    dossier.write_bytes(bomb.getvalue())
    assert "damaged file: bomb.txt (compressed; sxcert stores)" in verify_dossier(dossier).problems


def test_not_a_zip_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    assert "not a readable zip archive" in verify_dossier(junk).problems[0]
    assert "no such file" in verify_dossier(tmp_path / "none.zip").problems[0]


def test_certify_writes_a_dossier_verify_accepts_and_rejects_after_a_byte(tmp_path) -> None:
    """End to end on the embedded reference, through the command line."""
    keys = tmp_path / "centre"
    assert run_sxcert("keygen", str(keys)).returncode == 0
    again = run_sxcert("keygen", str(keys))
    assert again.returncode == 2 and "exists already" in again.stderr
    out, dossier = tmp_path / "out", tmp_path / "dossier.zip"
    done = run_sxcert(
        "certify", "--only", "ID-02", "--out", str(out), "--dossier", str(dossier),
        "--sign-key", str(keys), "--seed", "1234",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Dossier:" in done.stdout and "(signed)" in done.stdout
    assert read_report(out)["seed"] == 1234
    members = _members(dossier)
    assert members["report.json"] == (out / "report.json").read_bytes()
    profile = members["profile.toml"].decode()
    assert f'password = "{REMOVED}"' in profile and "test_token" in profile
    verified = run_sxcert("verify-dossier", str(dossier), "--public-key", f"{keys}.pub")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "verdict ADMIT (partial run); not a certification" in verified.stdout
    data = bytearray(dossier.read_bytes())
    data[len(data) // 2] ^= 0x20
    dossier.write_bytes(bytes(data))
    rejected = run_sxcert("verify-dossier", str(dossier), "--public-key", f"{keys}.pub")
    assert rejected.returncode == 1 and "Dossier does not hold" in rejected.stdout
    assert "Traceback" not in rejected.stdout + rejected.stderr


def test_sign_key_without_dossier_or_unreadable_is_refused_before_the_run(tmp_path) -> None:
    alone = run_sxcert("certify", "--only", "ID-02", "--sign-key", str(tmp_path / "k"))
    assert alone.returncode == 2 and "give --dossier" in alone.stderr
    missing = run_sxcert(
        "certify", "--only", "ID-02", "--dossier", str(tmp_path / "d.zip"),
        "--sign-key", str(tmp_path / "nokey"),
    )  # fmt: skip
    assert missing.returncode == 2 and "private key file not found" in missing.stderr
    assert not (tmp_path / "d.zip").exists()


def test_a_damaged_member_is_named_once(run: RunRecord, tmp_path: Path) -> None:
    dossier = build_dossier(run, tmp_path / "d.zip")
    data = bytearray(dossier.read_bytes())
    where = data.index(b"<html>report</html>")
    data[where] ^= 0x01
    dossier.write_bytes(bytes(data))
    problems = verify_dossier(dossier).problems
    assert problems[0].startswith("damaged file: report.html (Bad CRC-32")
    assert not any("report.html" in p for p in problems[1:])


def test_unreadable_public_key_or_bad_dossier_path_is_exit_2(run: RunRecord, key, tmp_path) -> None:
    dossier = build_dossier(run, tmp_path / "d.zip")
    for wrong in (key, tmp_path / "none.pub"):  # a private key, a missing file
        done = run_sxcert("verify-dossier", str(dossier), "--public-key", str(wrong))
        assert done.returncode == 2 and "--public-key" in done.stderr, done.stderr
    folder = tmp_path / "folder.zip"
    folder.mkdir()
    done = run_sxcert("certify", "--only", "ID-02", "--dossier", str(folder))
    assert done.returncode == 2 and "give the path of a .zip file" in done.stderr


def test_a_urls_credentials_are_removed_from_the_profile(run: RunRecord, tmp_path) -> None:
    profile = _profile(base_url="http://vendor:url-secret-77@127.0.0.1:8000/")
    record = RunRecord(run.out_dir, run.report, profile)
    members = _members(build_dossier(record, tmp_path / "d.zip"))
    dumped = tomllib.loads(members["profile.toml"].decode())
    assert dumped["target"]["base_url"] == f"http://{REMOVED}@127.0.0.1:8000/"
    assert b"url-secret-77" not in (tmp_path / "d.zip").read_bytes()


def test_the_product_table_is_validated() -> None:
    data = _profile().model_dump(mode="json", exclude_none=True, exclude={"source"})
    data["product"] = {"vendor": "Vendor X", "platform": "Learn", "release": "2"}
    with pytest.raises(ValidationError) as raised:
        Profile.model_validate(data)
    problems = {".".join(map(str, e["loc"])) for e in raised.value.errors()}
    assert problems == {"product.version", "product.release"}
