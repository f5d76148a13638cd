"""The `sxcert` subcommands around certification: keys, dossiers, baselines, a profile template.
Registered on the main app by harness.cli; exit codes as there (0 holds, 1 does not, 2 could not
run)."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from harness.baseline import starting_baseline
from harness.dossier.verify import verify_dossier
from harness.rerun import RerunError, read_report
from harness.signing import SigningKeyError, generate_key_pair, load_public_key_file

console = Console()
errors = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    errors.print(f"[bold red]sxcert:[/] {message}", highlight=False)
    return typer.Exit(2)


def keygen_command(
    keyfile: Annotated[Path, typer.Argument(help="private key file to write (and KEYFILE.pub)")],
    force: Annotated[bool, typer.Option(help="replace an existing key pair")] = False,
) -> None:
    """Write a new ed25519 key pair for signing dossiers: KEYFILE (private, mode 0600) and
    KEYFILE.pub (publish this one; verifiers pass it to `verify-dossier --public-key`)."""
    try:
        public = generate_key_pair(keyfile, overwrite=force)
    except SigningKeyError as exc:
        raise _fail(str(exc)) from None
    console.print(f"Private key: {keyfile} (keep it secret)\nPublic key:  {public}")


def verify_dossier_command(
    dossier: Annotated[Path, typer.Argument(help="the dossier zip")],
    public_key: Annotated[
        Path | None, typer.Option(help="the certifier's public key (PEM) the signature must hold")
    ] = None,
) -> None:
    """Check a dossier offline: every file's hash, no file missing or extra, the archive's bytes
    and the signature; print the verdict it carries. Exit 0 when it holds, 1 naming each
    problem, 2 when the public key cannot be read."""
    if public_key is not None:
        try:
            load_public_key_file(public_key)
        except SigningKeyError as exc:
            raise _fail(f"--public-key: {exc}") from None
    check = verify_dossier(dossier, public_key)
    if not check.holds:
        console.print(f"[bold red]Dossier does not hold:[/] {dossier}", highlight=False)
        for problem in check.problems:
            console.print(f"  {problem}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1)
    if check.signed_by is None:
        signature = "unsigned: the hashes hold, but nothing says who made it"
    elif check.key_given:
        signature = f"signed with the given key (sha256 {check.signed_by})"
    else:
        signature = (
            f"signed with the key it carries (sha256 {check.signed_by}); pass --public-key to "
            "check it is the certifier's"
        )
    partial = " (partial run)" if check.partial else ""
    kind = "a certification" if check.certification else "not a certification"
    console.print(f"Dossier holds: {dossier}", highlight=False)
    console.print(f"  verdict {check.verdict}{partial}; {kind}", highlight=False)
    console.print(f"  {signature}", highlight=False, soft_wrap=True)


def baseline_command(
    from_report: Annotated[Path, typer.Option("--from", help="a report.json to start from")],
    out: Annotated[Path, typer.Option(help="baseline file to write")] = Path("expected.toml"),
    owner: Annotated[str, typer.Option(help="owner of every entry")] = "CHANGE: owner",
    days: Annotated[int, typer.Option(min=1, max=3650, help="entries expire after")] = 90,
    force: Annotated[bool, typer.Option(help="replace an existing file")] = False,
) -> None:
    """Write a starting baseline: one expected-failure entry per failing check (or clause
    without checks) of a report, each with a reason to fill in, an owner and an expiry."""
    try:
        report = read_report(from_report)
    except RerunError as exc:
        raise _fail(str(exc)) from None
    if out.exists() and not force:
        raise _fail(f"{out} exists already (use --force to replace)")
    text = starting_baseline(report, owner=owner, days=days, today=dt.date.today())
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _fail(f"cannot write {out}: {exc.strerror}") from None
    console.print(f"Baseline: {out} ({text.count('[[expected]]')} entries)", highlight=False)


def init_command(
    out: Annotated[Path, typer.Option(help="profile file to write")] = Path("profile.toml"),
    force: Annotated[bool, typer.Option(help="replace an existing file")] = False,
) -> None:
    """Write a commented profile template: fill in the values marked CHANGE, export the
    variables its `*_env` keys name, and it validates as a profile."""
    if out.exists() and not force:
        raise _fail(f"{out} exists already (use --force to replace)")
    template = resources.files("harness").joinpath("profile_template.toml").read_text("utf-8")
    try:
        out.write_text(template, encoding="utf-8")
    except OSError as exc:
        raise _fail(f"cannot write {out}: {exc.strerror}") from None
    console.print(f"Profile template: {out}", highlight=False)
