"""The architecture's black-box rule, enforced: the harness never imports the reference platform
(the CLI may, to list and serve it), and the platform imports only harness.spec."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

CLI_ALLOWED = {ROOT / "harness" / "cli.py"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_harness_never_imports_the_reference_platform():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "harness").rglob("*.py")
        if p not in CLI_ALLOWED and any(n.startswith("reference_platform") for n in _imports(p))
    ]
    assert offenders == []


def test_reference_platform_imports_only_the_wire_spec_from_the_harness():
    offenders = {
        str(p.relative_to(ROOT)): sorted(
            n for n in _imports(p) if n.startswith("harness") and not n.startswith("harness.spec")
        )
        for p in (ROOT / "reference_platform").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
