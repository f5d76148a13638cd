"""The defect catalogue is true to the code: every defect is read somewhere, names real checks,
and `sxcert defects` leads from a defect to its code in one hop.

These are static checks (source scan, registry, CLI output); that the named checks really fail
when their defect is on is the detection matrix's job (tests/test_detection_matrix.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from harness.cli import app
from harness.registry import all_checks
from reference_platform.defects import DEFECTS, SOURCE_ROOT, read_sites

# Checks no defect of today reliably makes fail: none can be proven able to fail until a defect
# breaks what it probes. The list may only shrink (add the defect, drop the name here); with a
# reason for each name (to be mended, not to grow).
CHECKS_WITHOUT_DEFECT: frozenset[str] = frozenset(
    {
        # the optional fuzzing check fails a hostile target instead (tests/test_fuzz_interface.py:
        # the reference behind a middleware that answers bad input with 500)
        "interface_survives_fuzzing",
    }
)


def _line_at(site: str) -> str:
    path, line = site.rsplit(":", 1)
    return (SOURCE_ROOT / path).read_text(encoding="utf-8").splitlines()[int(line) - 1]


def test_every_defect_is_read_somewhere() -> None:
    unread = sorted(name for name in DEFECTS if not DEFECTS[name].sites)
    assert unread == []


def test_every_flag_read_names_a_known_defect() -> None:
    misspelt = sorted(set(read_sites()) - DEFECTS.keys())
    assert misspelt == []


def test_every_read_site_is_a_line_naming_its_defect() -> None:
    for name, sites in read_sites().items():
        for site in sites:
            assert f'"{name}"' in _line_at(site), site
            assert not Path(site.rsplit(":", 1)[0]).is_absolute()


def test_defect_checks_exist_and_cover_what_the_defect_breaks() -> None:
    checks = all_checks()
    for defect in DEFECTS.values():
        assert defect.checks, f"{defect.name} names no check"
        assert len(set(defect.checks)) == len(defect.checks), defect.name
        for name in defect.checks:
            assert name in checks, f"{defect.name}: no check named {name}"
            covered = set(checks[name].requirements) & set(defect.breaks)
            assert covered, f"{defect.name}: {name} covers none of {defect.breaks}"


def test_every_check_can_fail() -> None:
    named = {name for defect in DEFECTS.values() for name in defect.checks}
    assert set(all_checks()) - named == CHECKS_WITHOUT_DEFECT
    assert set(all_checks()) >= CHECKS_WITHOUT_DEFECT  # the exception list names real checks


def test_defects_json_leads_to_the_code() -> None:
    result = CliRunner().invoke(app, ["defects", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["name"] for row in rows] == list(DEFECTS)
    for row in rows:
        assert set(row) == {"name", "breaks", "checks", "where", "also", "description"}
        defect = DEFECTS[row["name"]]
        assert row["breaks"] == list(defect.breaks)
        assert row["checks"] == list(defect.checks)
        assert row["description"] == defect.description
        assert isinstance(row["where"], str)
        assert [row["where"], *row["also"]] == list(defect.sites)
        assert row["name"] in _line_at(row["where"])


def test_defects_table_shows_where() -> None:
    result = CliRunner().invoke(app, ["defects"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    for defect in DEFECTS.values():
        assert defect.name in result.output
        assert defect.where in result.output
