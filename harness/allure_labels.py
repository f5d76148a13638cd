"""Allure labels and links of a check, as the pytest marks allure-pytest reads.

allure-pytest reads `allure_label` / `allure_link` marks from each item when it writes the item's
result. Its decorators (`allure.label`, `allure.link`) only produce those marks when its plugin is
already configured at the moment the decorated module is imported; sxcert imports the check
modules earlier (to validate `--only` and to build the catalogue), so the decorators silently
returned the function unchanged and only parentSuite/suite/package reached allure-results. The
plugin therefore adds these marks to every collected check itself.
"""

from __future__ import annotations

import pytest

from harness.catalogue import load_catalogue

POLICY = "晋人社厅发〔2021〕31号"
# Allure's severities: a MUST or ATTEST clause rejects admission; a SHOULD one is reported only.
SEVERITY = {"MUST": "critical", "ATTEST": "critical", "SHOULD": "normal", "PROVINCE": "minor"}


def requirement_link(requirement: str) -> str:
    """Where the clause is explained: its section of report.html, beside allure-results."""
    return f"../report.html#{requirement}"


def allure_marks(requirements: list[str], kind: str) -> list[pytest.MarkDecorator]:
    """The labels (requirement, epic = the policy, feature = section, story = clause, tag = kind,
    severity = the strongest level) and one `requirement` link per clause of one check."""
    catalogue = load_catalogue()
    clauses = [catalogue.get(r) for r in sorted(requirements)]
    levels = {c.level for c in clauses}
    severity = next(SEVERITY[lv] for lv in ("MUST", "ATTEST", "SHOULD", "PROVINCE") if lv in levels)
    label = pytest.mark.allure_label
    marks = [
        label(*(c.id for c in clauses), label_type="requirement"),
        label(POLICY, label_type="epic"),
        label(*sorted({c.section for c in clauses}), label_type="feature"),
        label(*(c.id for c in clauses), label_type="story"),
        label(kind, label_type="tag"),
        label(*sorted(levels), label_type="level"),
        label(severity, label_type="severity"),
    ]
    marks += [
        pytest.mark.allure_link(requirement_link(c.id), name=c.id, link_type="requirement")
        for c in clauses
    ]
    return marks
