"""Writers of report.json and the self-contained report.html (junit.xml and allure-results are
written by pytest's junitxml and allure-pytest, which already do that well)."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from harness.report.model import Report

_ENV = Environment(
    loader=PackageLoader("harness.report", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def write_reports(report: Report, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(report.to_json(), encoding="utf-8")
    (out_dir / "report.html").write_text(render_html(report), encoding="utf-8")


def render_html(report: Report) -> str:
    sections = [(name, list(items)) for name, items in groupby(report.clauses, lambda c: c.section)]
    return _ENV.get_template("report.html.j2").render(
        report=report, sections=sections, counts=report.counts()
    )
