"""examples/ci: both files are valid YAML, every sxcert command in them parses with the real
command line (no option that does not exist), and they publish junit.xml and report.html."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from harness.cli import app

CI = Path(__file__).resolve().parents[1] / "examples" / "ci"


def _commands(node: object) -> list[str]:
    """Every shell line of the file that runs sxcert (YAML folded scalars already joined)."""
    if isinstance(node, dict):
        return [line for value in node.values() for line in _commands(value)]
    if isinstance(node, list):
        return [line for value in node for line in _commands(value)]
    if isinstance(node, str):
        return [line.strip() for line in node.splitlines() if line.strip().startswith("sxcert ")]
    return []


def _parse_problem(line: str, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run `line` with the real command line in an empty folder (its profile and baseline do not
    exist there, so nothing runs) and answer what it says; a usage error names the option."""
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(app, shlex.split(line)[1:])
    assert result.exit_code == 2, result.output
    return result.output


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_ci_example_is_valid_and_uses_real_options(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (CI / name).read_text(encoding="utf-8")
    commands = _commands(yaml.safe_load(text))
    assert [c.split()[:2] for c in commands] == [["sxcert", "certify"]], commands
    words = shlex.split(commands[0])
    assert words[words.index("--profile") + 1] == "sxcert/profile.toml"
    assert words[words.index("--baseline") + 1] == "sxcert/expected.toml"
    said = _parse_problem(commands[0], tmp_path, monkeypatch)
    assert "No such option" not in said and "baseline file not found" in said
    out = words[words.index("--out") + 1]
    assert f"{out}/junit.xml" in text and f"{out}/report.html" in text


def test_the_parse_finds_an_option_that_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above can fail: an invented option is a usage error that names it."""
    said = _parse_problem(
        "sxcert certify --profile p.toml --expected-failures e.toml", tmp_path, monkeypatch
    )
    assert "No such option" in said


def test_github_workflow_publishes_reports_even_when_certify_fails() -> None:
    workflow = yaml.safe_load((CI / "github-actions.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["certify"]["steps"]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["if"] == "always()"


def test_gitlab_job_publishes_reports_even_when_certify_fails() -> None:
    job = yaml.safe_load((CI / "gitlab-ci.yml").read_text(encoding="utf-8"))["sxcert"]
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == "reports/junit.xml"
