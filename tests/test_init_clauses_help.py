"""`sxcert init` writes a template that validates as a profile once its variables exist;
`sxcert clauses --format` exports the traceability table; every SXCERT_REF_* and
SXCERT_PROVINCE_* variable the settings read is documented in `--help`."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from conftest import run_sxcert

from harness.catalogue import load_catalogue
from harness.envvars import PROVINCE_VARIABLES, REFERENCE_VARIABLES
from harness.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]


def test_init_writes_a_template_that_validates_once_the_variables_exist(tmp_path, monkeypatch):
    profile = tmp_path / "profile.toml"
    done = run_sxcert("init", "--out", str(profile))
    assert done.returncode == 0, done.stderr
    text = profile.read_text(encoding="utf-8")
    assert text.startswith("#") and "[product]" in text
    live = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    names = set(re.findall(r'_env = "([A-Z_]+)"', live))
    assert names == {"SXCERT_TEST_TOKEN", "SXCERT_AUTHORITY_PASSWORD", "SXCERT_PLATFORM_KEY"}
    loaded = load_profile(profile)
    for name in names:
        monkeypatch.setenv(name, f"value-of-{name}")
    # what a run resolves before it starts the province (which then brings its admin token)
    assert loaded.accounts()[0].password == "value-of-SXCERT_AUTHORITY_PASSWORD"
    assert loaded.test_token() == "value-of-SXCERT_TEST_TOKEN"
    assert loaded.province_platform_key() == "value-of-SXCERT_PLATFORM_KEY"
    assert loaded.product is not None and loaded.product.vendor.startswith("CHANGE")
    again = run_sxcert("init", "--out", str(profile))
    assert again.returncode == 2 and "exists already" in again.stderr


def test_init_without_variables_names_the_missing_one(tmp_path, monkeypatch) -> None:
    profile = tmp_path / "profile.toml"
    assert run_sxcert("init", "--out", str(profile)).returncode == 0
    for name in ("SXCERT_AUTHORITY_PASSWORD", "SXCERT_PLATFORM_KEY", "SXCERT_TEST_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    done = run_sxcert("certify", "--profile", str(profile))
    assert done.returncode == 2, done.stdout + done.stderr
    assert re.search(r"environment variable SXCERT_[A-Z_]+ is not set", done.stderr), done.stderr
    assert "Traceback" not in done.stderr


def _defects() -> dict[str, list[str]]:
    rows = json.loads(run_sxcert("defects", "--json").stdout)
    return {row["name"]: row["checks"] for row in rows}


def test_clauses_json_has_every_clause_and_the_defects_of_each_check() -> None:
    done = run_sxcert("clauses", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    catalogue = load_catalogue()
    assert [r["clause"] for r in rows] == catalogue.ids()
    defects = _defects()
    for row in rows:
        clause = catalogue.get(row["clause"])
        assert (row["level"], row["quote_zh"]) == (clause.level, clause.quote_zh)
        for check in row["checks"]:
            assert check["defects"] == sorted(n for n, c in defects.items() if check["name"] in c)
    elig = next(r for r in rows if r["clause"] == "ELIG-01")
    assert elig["checks"] == [
        {
            "name": "learner_under_minimum_age_is_refused",
            "defects": [
                "accepts_under_16",
                "ages_at_registration_date",
                "ages_fail_on_leap_day_births",
                "counts_age_by_utc_date",
            ],
        }
    ]


def test_clauses_csv_and_markdown() -> None:
    rows = list(csv.reader(io.StringIO(run_sxcert("clauses", "--format", "csv").stdout)))
    assert rows[0] == ["clause", "level", "quote_zh", "checks", "defects"]
    assert len(rows) == len(load_catalogue().ids()) + 1
    elig = next(r for r in rows if r[0] == "ELIG-01")
    assert elig[3] == "learner_under_minimum_age_is_refused"
    assert elig[4] == (
        "learner_under_minimum_age_is_refused: accepts_under_16, ages_at_registration_date, "
        "ages_fail_on_leap_day_births, counts_age_by_utc_date"
    )
    md = run_sxcert("clauses", "--format", "md").stdout.splitlines()
    assert md[0] == "| clause | level | quote | checks | defects |"
    assert len(md) == len(load_catalogue().ids()) + 2
    assert all(line.count(" | ") == 4 for line in md[2:])
    bad = run_sxcert("clauses", "--format", "xml")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def _read_variables() -> set[str]:
    """The variables the reference platform's and the province's settings actually read."""
    reference = (ROOT / "reference_platform" / "settings.py").read_text(encoding="utf-8")
    province = (ROOT / "harness" / "province" / "settings.py").read_text(encoding="utf-8")
    names = {"SXCERT_REF_" + n for n in re.findall(r'get\("([A-Z_]+)"\)', reference)}
    names |= {"SXCERT_REF_" + n for n in re.findall(r'\("[a-z_]+", "([A-Z_]+)"\)', reference)}
    names |= set(re.findall(r"SXCERT_PROVINCE_[A-Z_]+", province))
    return names


def test_every_variable_read_is_documented() -> None:
    read = _read_variables()
    assert "SXCERT_REF_AUTHORITY_PASSWORD" in read and "SXCERT_PROVINCE_STATE_DIR" in read
    assert read == set(REFERENCE_VARIABLES) | set(PROVINCE_VARIABLES)


@pytest.mark.parametrize(
    ("command", "tables"),
    [
        (("certify",), (REFERENCE_VARIABLES, PROVINCE_VARIABLES)),
        (("reference", "serve"), (REFERENCE_VARIABLES,)),
        (("province", "serve"), (PROVINCE_VARIABLES,)),
    ],
)
def test_help_documents_the_variables(command: tuple[str, ...], tables: tuple[dict, ...]) -> None:
    done = run_sxcert(*command, "--help")
    assert done.returncode == 0
    for table in tables:
        for name in table:
            assert name in done.stdout, name


def test_every_built_subcommand_is_advertised() -> None:
    listed = run_sxcert("--help").stdout
    for name in ("certify", "load", "keygen", "verify-dossier", "baseline", "init", "clauses"):
        assert re.search(rf"│ {name} ", listed), name
