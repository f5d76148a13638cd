"""Writers of report.json and the self-contained report.html, in the run's language (junit.xml and
allure-results are written by pytest's junitxml and allure-pytest, which already do that well;
harness.report.junit adds the clauses to junit.xml, harness.allure_labels the labels to allure)."""

from __future__ import annotations

import json
from collections import Counter
from itertools import groupby
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from harness.i18n import Messages
from harness.report.explain import STATUS_RANK, reason_lines, verdict_sentence
from harness.report.model import ClauseEntry, Report

_ENV = Environment(
    loader=PackageLoader("harness.report", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def evidence_value(value: Any) -> Markup:
    """An expected/received JSON value as HTML a reader takes in at a glance.

    A list of strings is a sequence of steps (a Hypothesis falsifying program), shown numbered one
    step a line; a string is shown as text (with its line breaks); anything else as indented JSON.
    """
    if value is None:
        return Markup('<span class="none">—</span>')
    if isinstance(value, str):  # several lines keep their breaks
        return Markup("<pre>{}</pre>" if "\n" in value else "<span>{}</span>").format(value)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        steps = Markup("").join(Markup("<li><code>{}</code></li>").format(v) for v in value)
        return Markup('<ol class="steps">{}</ol>').format(steps)
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return Markup('<pre class="json">{}</pre>').format(escape(text))


_ENV.filters["evidence_value"] = evidence_value


def write_reports(report: Report, out_dir: Path, lang: str = "en") -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(report.to_json(), encoding="utf-8")
    (out_dir / "report.html").write_text(render_html(report, lang), encoding="utf-8")


def section_summary(sections: list[tuple[str, list[ClauseEntry]]]) -> list[tuple[str, Counter]]:
    """Per section, how many in-scope clauses have each status."""
    return [(name, Counter(c.status for c in clauses if c.in_scope)) for name, clauses in sections]


def check_durations(report: Report) -> list[tuple[str, list[str], float]]:
    """(check, its clauses, seconds) of every check that ran, slowest first; a check covering
    several clauses is counted once."""
    timed: dict[str, tuple[list[str], float]] = {}
    for clause in report.clauses:
        for check in clause.checks:
            if check.duration_s is not None:
                clauses, seconds = timed.get(check.name, ([], check.duration_s))
                timed[check.name] = ([*clauses, clause.id], seconds)
    rows = [(name, clauses, seconds) for name, (clauses, seconds) in timed.items()]
    return sorted(rows, key=lambda row: -row[2])


def render_html(report: Report, lang: str = "en") -> str:
    """The whole report in one file; the verdict's reasons, a table of contents and a summary by
    section come before the clauses, so a reader sees why before reading what."""
    t = Messages(lang)
    sections = [(name, list(items)) for name, items in groupby(report.clauses, lambda c: c.section)]
    counts = report.counts()
    section_counts = section_summary(sections)
    in_scope = sum((by_status for _, by_status in section_counts), Counter())
    timed = check_durations(report)
    return _ENV.get_template("report.html.j2").render(
        report=report,
        t=t,
        lang=lang,
        sections=sections,
        counts=counts,
        statuses=[s for s in STATUS_RANK if s in in_scope],
        section_counts=section_counts,
        in_scope_counts=in_scope,
        sentence=verdict_sentence(report, t),
        reasons=reason_lines(report, t),
        timed=timed,
        checks_time=sum(seconds for _, _, seconds in timed),
        run_time=(report.finished_at - report.started_at).total_seconds(),
    )
