"""The architecture's black-box rule, enforced: the harness never imports the reference platform
(the CLI may, to list and serve it), and the platform imports only harness.spec."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

# Command-line modules may name the reference's defects (--reference-defect); checks never may.
CLI_ALLOWED = {ROOT / "harness" / "cli.py", ROOT / "harness" / "load" / "command.py"}


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


def test_province_emulator_imports_only_itself_and_the_wire_spec():
    """The emulator is the province's side of the wire: it shares the spec, never harness code
    (so it can run standalone, and the harness cannot lean on its internals)."""
    offenders = {
        str(p.relative_to(ROOT)): sorted(
            n
            for n in _imports(p)
            if n.startswith("harness") and not n.startswith(("harness.spec", "harness.province"))
        )
        for p in (ROOT / "harness" / "province").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


LAUNCHER = ROOT / "harness" / "embedded.py"  # starts the emulator: checks its state folder first
CLI = ROOT / "harness" / "cli.py"  # registers the province's own tool, `sxcert province timeline`


def test_nothing_outside_the_emulator_imports_its_internals():
    """The harness talks to the province over HTTP (harness/province_sandbox.py); only the
    launcher names the emulator's app factory (as a string) and reads its start-up settings,
    and the command line registers the province's own timeline tool."""
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "harness").rglob("*.py")
        if "province" not in p.relative_to(ROOT / "harness").parts[:1]
        and any(n.startswith("harness.province.") for n in _imports(p))
        and not (
            p == LAUNCHER
            and all(
                n in ("harness.province.settings", "harness.province.state")
                for n in _imports(p)
                if n.startswith("harness.province.")
            )
        )
        and not (
            p == CLI
            and all(
                n == "harness.province.timeline_cli"
                for n in _imports(p)
                if n.startswith("harness.province.")
            )
        )
    ]
    assert offenders == []
