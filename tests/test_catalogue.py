"""The catalogue carries every requirement ID of REQUIREMENTS.md, valid and well-formed."""

from __future__ import annotations

import importlib
import json
import re

import pytest

from harness.catalogue import Catalogue, load_catalogue
from harness.registry import all_checks
from harness.report.build import check_title
from tests.conftest import ROOT, SHARED, run_sxcert

EXPECTED_IDS = (
    "ELIG-01 ELIG-02 ELIG-03 COURSE-01 COURSE-02 COURSE-03 COURSE-04 COURSE-05 VOUCH-01 VOUCH-02 "
    "VOUCH-03 ID-01 ID-02 ID-03 STUDY-01 STUDY-02 STUDY-03 STUDY-04 STUDY-05 STUDY-06 STUDY-07 "
    "STUDY-08 STUDY-09 POST-01 POST-02 POST-03 POST-04 POST-05 POST-06 POST-07 ARCH-01 ARCH-02 "
    "EXAM-01 EXAM-02 ENT-01 SUB-01 SUB-02 SUB-03 SUB-04 SUB-05 GEN-01 LOAD-01 LOAD-02"
).split()


def test_catalogue_carries_every_requirement_id():
    assert load_catalogue().ids() == EXPECTED_IDS


def test_catalogue_matches_the_requirements_file():
    """Against ../shared/REQUIREMENTS.md where it lies beside the checkout (CI), else against
    the snapshot in docs/requirements.md that the catalogue was built from."""
    source = SHARED / "REQUIREMENTS.md"
    if not source.is_file():
        source = ROOT / "docs" / "requirements.md"
    text = source.read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([A-Z]+-\d{2}) \| (\w+) \|", text, flags=re.M)
    catalogue = load_catalogue()
    assert [(c.id, c.level) for c in catalogue.clauses] == rows


def test_every_clause_has_a_quote_and_english_text():
    for clause in load_catalogue().clauses:
        assert clause.quote_zh and clause.text_en, clause.id


def test_a_bad_catalogue_is_refused_at_load():
    good = load_catalogue().model_dump()
    bad_level = json.loads(json.dumps(good))
    bad_level["clause"][0]["level"] = "MAYBE"
    with pytest.raises(ValueError, match="level"):
        Catalogue.model_validate(bad_level)
    duplicated = json.loads(json.dumps(good))
    duplicated["clause"].append(duplicated["clause"][0])
    with pytest.raises(ValueError, match="duplicate clause id ELIG-01"):
        Catalogue.model_validate(duplicated)


def test_every_check_names_catalogue_requirements_and_every_check_is_documented():
    checks = all_checks()
    assert len(checks) >= 17
    ids = set(EXPECTED_IDS)
    for info in checks.values():
        assert set(info.requirements) <= ids
        assert info.summary, f"{info.name} has no docstring"


def test_every_check_title_states_its_property():
    """A check's report title is its docstring's first paragraph: the property it judges. The
    space it probes comes below it ("Space: …"), never in its place."""
    for name, info in all_checks().items():
        title = check_title(getattr(importlib.import_module(info.module), name).__doc__)
        assert title and not title.lower().startswith("space"), f"{name}: {title!r}"


def test_clauses_json_lists_every_id_with_its_checks():
    done = run_sxcert("clauses", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["id"] for r in rows] == EXPECTED_IDS
    by_id = {r["id"]: r for r in rows}
    assert "learner_under_minimum_age_is_refused" in by_id["ELIG-01"]["checks"]
    assert by_id["ELIG-01"]["quote_zh"].startswith("16周岁")
