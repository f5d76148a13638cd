"""Writers of report.json and the self-contained report.html (junit.xml and allure-results are
written by pytest's junitxml and allure-pytest, which already do that well)."""

from __future__ import annotations

import json
from itertools import groupby
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from harness.report.model import Report

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


def write_reports(report: Report, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(report.to_json(), encoding="utf-8")
    (out_dir / "report.html").write_text(render_html(report), encoding="utf-8")


def render_html(report: Report) -> str:
    sections = [(name, list(items)) for name, items in groupby(report.clauses, lambda c: c.section)]
    return _ENV.get_template("report.html.j2").render(
        report=report, sections=sections, counts=report.counts()
    )
