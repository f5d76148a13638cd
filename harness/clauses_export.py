"""`sxcert clauses --format csv|json|md`: the traceability table a certifier files — each clause,
its level and Chinese quote, the checks that judge it, and the defects of the reference platform
that prove each of those checks can fail (`sxcert defects` has the defects' details)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from harness.catalogue import load_catalogue
from harness.registry import checks_by_requirement


class Format(StrEnum):
    csv = "csv"
    json = "json"
    md = "md"


def traceability(defect_checks: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
    """One row per clause; `defect_checks` maps a defect's name to the checks that catch it."""
    covered = checks_by_requirement()
    rows = []
    for clause in load_catalogue().clauses:
        checks = covered.get(clause.id, [])
        rows.append(
            {
                "clause": clause.id,
                "level": clause.level,
                "section": clause.section,
                "quote_zh": clause.quote_zh,
                "text_en": clause.text_en,
                "checks": [
                    {
                        "name": name,
                        "defects": sorted(
                            d for d, caught in defect_checks.items() if name in caught
                        ),
                    }
                    for name in checks
                ],
            }
        )
    return rows


def render(rows: list[dict[str, Any]], fmt: Format) -> str:
    if fmt is Format.json:
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt is Format.csv:
        return _csv(rows)
    return _markdown(rows)


def _flat(row: dict[str, Any]) -> tuple[str, str]:
    checks = "; ".join(c["name"] for c in row["checks"])
    defects = "; ".join(f"{c['name']}: {', '.join(c['defects']) or 'none'}" for c in row["checks"])
    return checks, defects


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["clause", "level", "quote_zh", "checks", "defects"])
    for row in rows:
        writer.writerow([row["clause"], row["level"], row["quote_zh"], *_flat(row)])
    return buffer.getvalue()


def _markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| clause | level | quote | checks | defects |", "|---|---|---|---|---|"]
    for row in rows:
        cells = [row["clause"], row["level"], row["quote_zh"], *_flat(row)]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|") or "—"
