"""The `sxcert` command line (typer + rich). Exit codes: 0 ADMIT, 1 REJECT, 2 could not run."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from harness import cli_vendor
from harness.catalogue import load_catalogue
from harness.certify import CertifyOptions, RunFailed, certify_run
from harness.clauses_export import Format, render, traceability
from harness.envvars import PROVINCE_VARIABLES, REFERENCE_VARIABLES, epilog
from harness.i18n import LANGS, Messages, default_lang
from harness.load.command import load_command
from harness.province.timeline_cli import province_timeline
from harness.proxies import bypass_proxies_for_loopback
from harness.registry import all_checks, checks_by_requirement
from harness.report.terminal import print_summary
from harness.servers import KEEP_ALIVE_S
from harness.spec.test_hooks import OWN_PROCESS_VARIABLE
from harness.vendor_run import VendorOptionError, finish_run, prepare_extras, rerun_selection
from harness.version import sxcert_version

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
reference_app = typer.Typer(no_args_is_help=True, help="The reference platform.")
province_app = typer.Typer(no_args_is_help=True, help="The province emulator.")
app.add_typer(reference_app, name="reference")
app.add_typer(province_app, name="province")
console = Console()
errors = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    errors.print(f"[bold red]sxcert:[/] {message}", highlight=False)
    return typer.Exit(2)


def _print_version(value: bool) -> None:
    if value:
        console.print(f"sxcert {sxcert_version()}", highlight=False)
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="show the version and exit"
        ),
    ] = False,
) -> None:
    """sxcert: certify an online vocational-training platform under 晋人社厅发〔2021〕31号."""


def _reference_defects() -> dict:
    """Defects of the reference platform; the CLI (not the checks) may look inside it."""
    from reference_platform.defects import DEFECTS

    return DEFECTS


def _reference_alternatives() -> dict:
    """Compliant alternatives of the reference platform (the CLI may look inside it)."""
    from reference_platform.alternatives import ALTERNATIVES

    return ALTERNATIVES


def _names(given: list[str] | None) -> tuple[str, ...]:
    """A repeatable option's names, each occurrence also comma-separated."""
    return tuple(name.strip() for item in given or [] for name in item.split(",") if name.strip())


@app.command("certify", epilog=epilog(REFERENCE_VARIABLES, PROVINCE_VARIABLES))
def certify_command(
    profile: Annotated[Path | None, typer.Option(help="target profile (TOML)")] = None,
    out: Annotated[Path, typer.Option(help="report folder")] = Path("reports"),
    only: Annotated[str | None, typer.Option(help="comma-separated requirement IDs")] = None,
    check: Annotated[
        list[str] | None,
        typer.Option(
            help="run only this check, by name (repeatable; `sxcert clauses --json` names them)"
        ),
    ] = None,
    reference_defect: Annotated[
        list[str] | None, typer.Option(help="switch on a reference-platform defect (repeatable)")
    ] = None,
    reference_alternative: Annotated[
        list[str] | None,
        typer.Option(help="choose a compliant alternative of the reference platform (repeatable)"),
    ] = None,
    reference_database: Annotated[
        str | None,
        typer.Option(
            help="an empty database for the embedded reference: postgresql://USER@HOST:PORT/DB "
            "(password in PGPASSWORD) or sqlite:///FILE (default: a fresh SQLite file)"
        ),
    ] = None,
    reference_processes: Annotated[
        int,
        typer.Option(
            min=1,
            max=8,
            help="server processes of the embedded reference (2 on a 2-core machine: the API "
            "checks about 12 % faster; 1, the default, is what the test suite certifies)",
        ),
    ] = 1,
    reference_instances: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=4,
            help="embedded reference instances judging shares of the clauses side by side "
            "(default: 2; 1 where a run cannot be shared: a given database, --repeat, "
            "--rerun-failed)",
        ),
    ] = None,
    skip_browser: Annotated[bool, typer.Option(help="skip browser checks")] = False,
    skip_load: Annotated[bool, typer.Option(help="skip load checks")] = False,
    fuzz: Annotated[
        bool, typer.Option(help="also fuzz the interface (schemathesis; off by default)")
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(help="language of the summary and report.html: zh or en (default: locale)"),
    ] = None,
    dossier: Annotated[
        Path | None, typer.Option(help="also write the certification dossier (zip)")
    ] = None,
    sign_key: Annotated[
        Path | None, typer.Option(help="sign the dossier with this ed25519 key (`sxcert keygen`)")
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(help="expected failures (TOML): changes the exit code only")
    ] = None,
    rerun_failed: Annotated[
        Path | None, typer.Option(help="run only the checks that failed or errored in this report")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, max=2**32 - 1, help="run seed (default: a fresh one)")
    ] = None,
    repeat: Annotated[
        int, typer.Option(min=1, max=20, help="run every check N times; differing: flaky")
    ] = 1,
) -> None:
    """Certify a platform (default: the embedded reference platform) and write the reports.

    Variables below: of `reference serve` and `province serve` (an embedded run sets them)."""
    lang = lang or default_lang()
    if lang not in LANGS:
        raise _fail(f"--lang: unknown language {lang!r} (choose zh or en)")
    defects = tuple(d for item in reference_defect or [] for d in item.split(",") if d)
    if rerun_failed is not None and only is not None:
        raise _fail("--rerun-failed chooses the checks itself; leave out --only")
    chosen = _names(check)
    registered = all_checks() if check is not None else {}
    if check is not None and not chosen:
        raise _fail("--check: no check named (see `sxcert clauses --json`)")
    if chosen and (rerun_failed is not None or only is not None):
        raise _fail("--check chooses the clauses itself; leave out --only and --rerun-failed")
    unknown = sorted(set(chosen) - set(registered))
    if unknown:
        raise _fail(f"unknown check(s): {', '.join(unknown)} (see `sxcert clauses --json`)")
    try:
        extras = prepare_extras(baseline, dossier, sign_key)
        rerun = None
        if rerun_failed is not None:
            rerun, defects = rerun_selection(rerun_failed, profile is not None, defects)
    except VendorOptionError as exc:
        raise _fail(str(exc)) from None
    if defects:
        unknown = sorted(set(defects) - set(_reference_defects()))
        if unknown:
            raise _fail(f"unknown reference defect(s): {', '.join(unknown)} (see `sxcert defects`)")
    alternatives = _names(reference_alternative)
    unknown = sorted(set(alternatives) - set(_reference_alternatives()))
    if unknown:
        raise _fail(
            f"unknown reference alternative(s): {', '.join(unknown)} (see `sxcert alternatives`)"
        )
    if rerun is not None:
        under = f" under reference defects {', '.join(defects)}" if defects else ""
        console.print(
            f"Re-running {len(rerun.checks)} checks of {rerun_failed}{under}", highlight=False
        )
    options = CertifyOptions(
        profile=profile,
        out=out,
        only=[i.strip().upper() for i in only.split(",") if i.strip()]
        if only is not None
        else None,
        reference_defects=defects,
        reference_alternatives=alternatives,
        reference_database=reference_database,
        reference_processes=reference_processes,
        reference_instances=reference_instances,
        skip_browser=skip_browser,
        skip_load=skip_load,
        fuzz=fuzz,
        lang=lang,
        seed=seed,
        repeat=repeat,
    )
    if rerun is not None:
        options.only, options.checks = rerun.clauses, rerun.checks
        options.rerun_of = rerun.source
    elif chosen:  # a partial run of those checks' clauses, like a re-run's
        options.only = sorted({r for name in chosen for r in registered[name].requirements})
        options.checks = frozenset(chosen)
    try:
        outcome = certify_run(options)
    except RunFailed as exc:
        raise _fail(str(exc)) from None
    print_summary(outcome.report, out, console, Messages(lang))
    try:
        code = finish_run(outcome, extras, out, console)
    except VendorOptionError as exc:
        raise _fail(str(exc)) from None
    raise typer.Exit(code)


@app.command("defects")
def defects_command(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the reference platform's deliberate defects: what each breaks, which checks must
    catch it, and where its code is (`file:line`, the primary place that reads its flag)."""
    rows = [
        {
            "name": d.name,
            "breaks": list(d.breaks),
            "checks": list(d.checks),
            "where": d.where,
            "also": list(d.sites[1:]),
            "description": d.description,
        }
        for d in _reference_defects().values()
    ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:  # one block per defect; `where` whole on its line, ready to open
        console.print(f"[bold]{row['name']}[/]  breaks {', '.join(row['breaks'])}", highlight=False)
        console.print(f"  where   {row['where']}", highlight=False, soft_wrap=True)
        for site in row["also"]:
            console.print(f"  also    {site}", highlight=False, soft_wrap=True)
        for name in row["checks"]:
            console.print(f"  caught  {name}", highlight=False, soft_wrap=True)
        console.print(f"  {row['description']}", highlight=False)


@app.command("alternatives")
def alternatives_command(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the reference platform's compliant alternatives: the choices the policy and the
    interface leave open, each one a switch of the reference that must stay ADMIT."""
    rows = [
        {
            "name": a.name,
            "clauses": list(a.clauses),
            "not_for": list(a.not_for),
            "where": a.where,
            "also": list(a.sites[1:]),
            "description": a.description,
        }
        for a in _reference_alternatives().values()
    ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        clauses = ", ".join(row["clauses"])
        console.print(f"[bold]{row['name']}[/]  leaves {clauses} open", highlight=False)
        if row["not_for"]:
            spared = ", ".join(row["not_for"])
            console.print(f"  not for {spared} (the interface's own rule)", highlight=False)
        console.print(f"  where   {row['where']}", highlight=False, soft_wrap=True)
        for site in row["also"]:
            console.print(f"  also    {site}", highlight=False, soft_wrap=True)
        console.print(f"  {row['description']}", highlight=False)


@app.command("clauses")
def clauses_command(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format", help="the traceability table: clause, level, quote, checks, defects"
        ),
    ] = None,
) -> None:
    """List the requirement catalogue with the checks that cover each clause."""
    if fmt is not None:
        defects = {name: d.checks for name, d in _reference_defects().items()}
        print(render(traceability(defects), fmt), end="")
        return
    covered = checks_by_requirement()
    rows = [
        {
            "id": c.id,
            "level": c.level,
            "section": c.section,
            "quote_zh": c.quote_zh,
            "text_en": c.text_en,
            "params": c.params,
            "decision": c.decision,
            "checks": covered.get(c.id, []),
        }
        for c in load_catalogue().clauses
    ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("id", "level", "checks", "requirement")
    for row in rows:
        table.add_row(row["id"], row["level"], str(len(row["checks"])), row["text_en"][:90])
    console.print(table)


def _serve(factory: str, host: str, port: int) -> None:
    import uvicorn

    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise _fail("servers listen on loopback only (use 127.0.0.1)")
    os.environ[OWN_PROCESS_VARIABLE] = "1"  # serving alone: the app may restart its process
    # proxy_headers off: the app reads X-Forwarded-For itself, from its trusted proxies only.
    uvicorn.run(
        factory,
        factory=True,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=False,
        timeout_keep_alive=KEEP_ALIVE_S,
    )


@reference_app.command("serve", epilog=epilog(REFERENCE_VARIABLES))
def reference_serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    defect: Annotated[list[str] | None, typer.Option(help="switch on a defect")] = None,
    alternative: Annotated[
        list[str] | None, typer.Option(help="choose a compliant alternative")
    ] = None,
) -> None:
    """Run the reference platform (configure it with SXCERT_REF_* variables; see README)."""
    if defect:
        os.environ["SXCERT_REF_DEFECTS"] = ",".join(defect)
    if alternative:
        os.environ["SXCERT_REF_ALTERNATIVES"] = ",".join(_names(alternative))
    _serve("reference_platform.main:create_app", host, port)


def _reference_database(database_url: str | None) -> str:
    url = database_url or os.environ.get("SXCERT_REF_DATABASE_URL")
    if not url:
        raise _fail("name the database: --database-url or SXCERT_REF_DATABASE_URL")
    return url


@reference_app.command("backup")
def reference_backup(
    file: Path,
    database_url: Annotated[str | None, typer.Option(help="sqlite:///FILE, postgresql://…")] = None,
) -> None:
    """Back up the reference platform's database (SQLite, PostgreSQL) to FILE (online; POST-04)."""
    from reference_platform.backup import BackupError, backup

    try:
        backup(_reference_database(database_url), file)
    except BackupError as exc:
        raise _fail(str(exc)) from None


@reference_app.command("restore")
def reference_restore(
    file: Path,
    database_url: Annotated[str | None, typer.Option(help="sqlite:///FILE, postgresql://…")] = None,
    defect: Annotated[list[str] | None, typer.Option(help="switch on a defect")] = None,
) -> None:
    """Restore the reference platform's database (SQLite or PostgreSQL) from FILE (POST-04)."""
    from reference_platform.backup import BackupError, restore
    from reference_platform.defects import ActiveDefects

    try:
        defects = ActiveDefects(defect or ())
    except ValueError as exc:
        raise _fail(str(exc)) from None
    try:
        restore(_reference_database(database_url), file, defects)
    except BackupError as exc:
        raise _fail(str(exc)) from None


@province_app.command("serve", epilog=epilog(PROVINCE_VARIABLES))
def province_serve(host: str = "127.0.0.1", port: int = 8700) -> None:
    """Run the province emulator (SXCERT_PROVINCE_ADMIN_TOKEN, SXCERT_PROVINCE_PLATFORM_KEYS,
    SXCERT_PROVINCE_STATE_DIR, SXCERT_PROVINCE_HOLIDAYS)."""
    _serve("harness.province.app:create_app", host, port)


province_app.command("timeline")(province_timeline)


app.command("load")(load_command)


app.command("keygen")(cli_vendor.keygen_command)
app.command("verify-dossier")(cli_vendor.verify_dossier_command)
app.command("baseline")(cli_vendor.baseline_command)
app.command("init")(cli_vendor.init_command)


def main() -> None:
    bypass_proxies_for_loopback()  # before anything connects (harness/proxies.py)
    app()
