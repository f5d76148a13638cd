"""The `sxcert` command line (typer + rich). Exit codes: 0 ADMIT, 1 REJECT, 2 could not run."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from harness.catalogue import load_catalogue
from harness.certify import CertifyOptions, RunFailed, certify
from harness.registry import checks_by_requirement
from harness.report.model import Report

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
reference_app = typer.Typer(no_args_is_help=True, help="The reference platform.")
province_app = typer.Typer(no_args_is_help=True, help="The province emulator.")
app.add_typer(reference_app, name="reference")
app.add_typer(province_app, name="province")
console = Console()
errors = Console(stderr=True)

STATUS_STYLE = {
    "pass": "green",
    "attested": "green",
    "fail": "bold red",
    "not_attested": "red",
    "error": "yellow",
    "not_run": "dim",
}


def _fail(message: str) -> typer.Exit:
    errors.print(f"[bold red]sxcert:[/] {message}", highlight=False)
    return typer.Exit(2)


def _reference_defects() -> dict:
    """Defects of the reference platform; the CLI (not the checks) may look inside it."""
    from reference_platform.defects import DEFECTS

    return DEFECTS


@app.command("certify")
def certify_command(
    profile: Annotated[Path | None, typer.Option(help="target profile (TOML)")] = None,
    out: Annotated[Path, typer.Option(help="report folder")] = Path("reports"),
    only: Annotated[str | None, typer.Option(help="comma-separated requirement IDs")] = None,
    reference_defect: Annotated[
        list[str] | None, typer.Option(help="switch on a reference-platform defect (repeatable)")
    ] = None,
    skip_browser: Annotated[bool, typer.Option(help="skip browser checks")] = False,
    skip_load: Annotated[bool, typer.Option(help="skip load checks")] = False,
) -> None:
    """Certify a platform (default: the embedded reference platform) and write the reports."""
    defects = tuple(d for item in reference_defect or [] for d in item.split(",") if d)
    if defects:
        unknown = sorted(set(defects) - set(_reference_defects()))
        if unknown:
            raise _fail(f"unknown reference defect(s): {', '.join(unknown)} (see `sxcert defects`)")
    options = CertifyOptions(
        profile=profile,
        out=out,
        only=[i.strip().upper() for i in only.split(",") if i.strip()]
        if only is not None
        else None,
        reference_defects=defects,
        skip_browser=skip_browser,
        skip_load=skip_load,
    )
    try:
        code, report = certify(options)
    except RunFailed as exc:
        raise _fail(str(exc)) from None
    print_summary(report, out)
    raise typer.Exit(code)


def print_summary(report: Report, out: Path) -> None:
    """One row per in-scope clause; a non-passing one shows its first check's one-line finding."""
    table = Table(title="sxcert — 晋人社厅发〔2021〕31号", show_lines=False)
    for column in ("clause", "level", "status", "checks", "first finding"):
        table.add_column(column)
    for clause in report.clauses:
        if not clause.in_scope:
            continue
        ran = [c for c in clause.checks if c.status != "not_run"]
        passed = sum(c.status == "pass" for c in ran)
        failing = next((c for c in ran if c.status != "pass"), None)
        finding = next(iter((failing.detail or failing.title).splitlines()), "") if failing else ""
        style = STATUS_STYLE.get(clause.status, "")
        table.add_row(
            clause.id,
            clause.level,
            f"[{style}]{clause.status}[/]",
            f"{passed}/{len(clause.checks)}" if clause.checks else "—",
            finding[:70],
        )
    console.print(table)
    print_failures(report)
    colour = "green" if report.verdict == "ADMIT" else "red"
    partial = " (partial run: not valid for certification)" if report.partial else ""
    console.print(f"Verdict: [bold {colour}]{report.verdict}[/]{partial}")
    console.print(f"Reports: {out / 'report.html'}, {out / 'report.json'}, {out / 'junit.xml'}")


def print_failures(report: Report, limit: int = 300) -> None:
    """Each failed or errored check as one typed block: what was done, what happened, what was
    expected (redacted already; cut short — the whole is in report.json and evidence)."""
    for clause in report.clauses:
        for check in clause.checks if clause.in_scope else []:
            if check.status in ("pass", "not_run"):
                continue
            style = STATUS_STYLE.get(check.status, "")
            console.print(
                f"[{style}]{check.status.upper()}[/] {clause.id} {check.name}", highlight=False
            )
            lines = [("done", check.title), ("happened", check.detail)]
            if check.received is not None:
                lines.append(("received", _short(check.received, limit)))
            if check.expected is not None:
                lines.append(("expected", _short(check.expected, limit)))
            for label, text in lines:
                if text:
                    console.print(f"  {label:<9}{text}", highlight=False, markup=False)


def _short(value: object, limit: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + " …"


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


@app.command("clauses")
def clauses_command(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the requirement catalogue with the checks that cover each clause."""
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
    uvicorn.run(factory, factory=True, host=host, port=port, log_level="info")


@reference_app.command("serve")
def reference_serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    defect: Annotated[list[str] | None, typer.Option(help="switch on a defect")] = None,
) -> None:
    """Run the reference platform (configure it with SXCERT_REF_* variables; see README)."""
    if defect:
        os.environ["SXCERT_REF_DEFECTS"] = ",".join(defect)
    _serve("reference_platform.main:create_app", host, port)


@province_app.command("serve")
def province_serve(host: str = "127.0.0.1", port: int = 8700) -> None:
    """Run the province emulator (SXCERT_PROVINCE_ADMIN_TOKEN, SXCERT_PROVINCE_PLATFORM_KEYS)."""
    _serve("harness.province.app:create_app", host, port)


@app.command("load")
def load_command(profile: Annotated[Path, typer.Option(help="target profile (TOML)")]) -> None:
    """The load test alone (LOAD-01, LOAD-02)."""
    raise _fail("the load test (LOAD-01, LOAD-02) is not implemented in this version yet")


def main() -> None:
    app()
