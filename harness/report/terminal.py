"""The terminal summary of a finished run: the clause table (failed first), each failed or
errored check as a typed block, the thresholds that differ from the defaults, and the verdict
explained in one sentence and a list, in the chosen language."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from harness.i18n import Messages
from harness.report.explain import (
    clauses_failed_first,
    reason_lines,
    reason_of,
    verdict_sentence,
)
from harness.report.model import Report

STATUS_STYLE = {
    "pass": "green",
    "attested": "green",
    "fail": "bold red",
    "not_attested": "red",
    "error": "yellow",
    "not_run": "dim",
}
FINDING_WIDTH = 70
FAILURE_TEXT_LIMIT = 300


def print_summary(report: Report, out: Path, console: Console, t: Messages) -> None:
    """Everything a reader needs to know why the verdict is what it is, the reason last (it is
    what stays on screen)."""
    console.print(clause_table(report, t))
    print_failures(report, console, t)
    print_run_facts(report, console, t)
    colour = "green" if report.verdict == "ADMIT" else "red"
    partial = t("partial_suffix", partial=t("partial")) if report.partial else ""
    verdict = f"[bold {colour}]{t('verdict.' + report.verdict)}[/]"
    console.print(t("verdict_line", verdict=verdict, partial=partial), highlight=False)
    # whole lines (the terminal wraps them): rich would move a Chinese list, one "word", whole
    console.print(verdict_sentence(report, t), highlight=False, markup=False, soft_wrap=True)
    for what, ids in reason_lines(report, t):
        item = "  - " + t("item", what=what, ids=t.ids(ids))
        console.print(item, highlight=False, markup=False, soft_wrap=True)
    files = ", ".join(str(out / name) for name in ("report.html", "report.json", "junit.xml"))
    console.print(t("reports_line", files=files), highlight=False, markup=False)


def clause_table(report: Report, t: Messages) -> Table:
    """One row per in-scope clause, failed first; a non-passing one shows its first finding."""
    table = Table(title="sxcert — 晋人社厅发〔2021〕31号", show_lines=False)
    for key in ("col.clause", "col.level", "col.status", "col.checks", "col.finding"):
        table.add_column(t(key))
    for clause in clauses_failed_first(report):
        ran = [c for c in clause.checks if c.status != "not_run"]
        passed = sum(c.status == "pass" for c in ran)
        failing = next((c for c in ran if c.status != "pass"), None)
        if failing is not None:
            finding = next(iter((failing.detail or failing.title).splitlines()), "")
        else:  # no check failed: say why the clause is not a pass anyway
            reason = reason_of(clause)
            finding = t(f"reason.{reason}") if reason in ("no_check", "not_attested") else ""
        style = STATUS_STYLE.get(clause.status, "")
        table.add_row(
            clause.id,
            clause.level,
            f"[{style}]{t('status.' + clause.status)}[/]",
            f"{passed}/{len(clause.checks)}" if clause.checks else "—",
            finding[:FINDING_WIDTH],
        )
    return table


def print_failures(report: Report, console: Console, t: Messages) -> None:
    """Each failed or errored check as one typed block: what was done, what happened, what was
    expected (redacted already; cut short — the whole is in report.json and evidence)."""
    for clause in clauses_failed_first(report):
        for check in clause.checks:
            if check.status in ("pass", "not_run"):
                continue
            style = STATUS_STYLE.get(check.status, "")
            console.print(
                f"[{style}]{check.status.upper()}[/] {clause.id} {check.name}", highlight=False
            )
            lines = [("label.done", check.title), ("label.happened", check.detail)]
            if check.received is not None:
                lines.append(("label.received", _short(check.received)))
            if check.expected is not None:
                lines.append(("label.expected", _short(check.expected)))
            for label, text in lines:
                if text:
                    console.print(f"  {t(label):<9}{text}", highlight=False, markup=False)


def print_run_facts(report: Report, console: Console, t: Messages) -> None:
    """What the verdict was judged by: the sxcert version, the profile's hash, and every
    threshold the profile changed from its default (flagged, so no changed bound passes
    silently)."""
    profile = report.profile_sha256 or t("no_profile")
    line = t("version_line", version=report.sxcert_version, profile=profile)
    console.print(line, markup=False, highlight=False)
    changed = report.non_default_thresholds()
    if not changed:
        console.print(t("thresholds.all_default"), markup=False, highlight=False)
        return
    flagged = t("list_sep").join(
        t("threshold_changed", name=name, value=entry.value, default=entry.default)
        for name, entry in changed.items()
    )
    heading = f"[bold yellow]{t('thresholds.non_default')}[/]{t('colon')}"
    console.print(heading + escape(flagged), highlight=False)


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= FAILURE_TEXT_LIMIT else text[:FAILURE_TEXT_LIMIT] + " …"
