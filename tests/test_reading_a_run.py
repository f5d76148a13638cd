"""Reading a run (issue 12): the verdict explained, report facts, junit.xml, languages, progress.

Unit tests build reports from hand-made results (as tests/test_report.py does); the end-to-end
tests at the bottom run the real `sxcert certify` on narrow selections of the embedded reference.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rich.console import Console

from harness.i18n import EN, ZH, Messages, default_lang
from harness.profile import Profile, Thresholds, file_sha256
from harness.report.build import CheckResult, build_report
from harness.report.explain import clauses_failed_first, reason_lines, reasons, verdict_sentence
from harness.report.junit import complete_junit, junit_counts
from harness.report.model import ClauseEntry
from harness.report.terminal import print_summary
from harness.report.write import render_html, write_reports
from harness.version import sxcert_version
from tests.plugin_conftest import session_conftest
from tests.test_report import PROFILE, context, typed_results

pytest_plugins = ["pytester"]

NOW = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)
ELIG_CHECKS = {
    "ELIG-01": "learner_under_minimum_age_is_refused",
    "ELIG-02": "learner_at_upper_age_bound_is_refused",
    "ELIG-03": "only_unemployed_or_flexible_workers_are_enrolled",
}


# Clauses whose checks these tests leave out of the registry a report is built from: every MUST
# clause has a check now, and the report's "no check in this version" gap (a clause a later
# catalogue adds before its check) still has to be read right.
NO_CHECK_STAND_INS = frozenset({"SUB-01", "SUB-02", "SUB-05"})


@pytest.fixture(autouse=True)
def _a_gap_in_the_registry(monkeypatch):
    import harness.report.build as build

    registered = build.all_checks()
    monkeypatch.setattr(
        build,
        "all_checks",
        lambda: {
            name: info
            for name, info in registered.items()
            if not set(info.requirements) & NO_CHECK_STAND_INS
        },
    )


def narrowed(tmp_path, statuses: dict[str, str], extra: frozenset[str] = frozenset()):
    """A report of a run narrowed to the given ELIG clauses (+ `extra` IDs), with these statuses."""
    results = [CheckResult(ELIG_CHECKS[i], "api", [i], s, f"{i} {s}") for i, s in statuses.items()]
    ctx = context(tmp_path, only=frozenset(statuses) | extra)
    return build_report(ctx, results, NOW, NOW)


# ---- messages ----------------------------------------------------------------------------------
def test_both_languages_have_the_same_messages():
    singular = {k for k in EN if k.endswith(".one")}
    assert set(EN) - singular == set(ZH)
    assert all(k.removesuffix(".one") in EN for k in singular)


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL wins
        ({"LC_ALL": "", "LC_MESSAGES": "zh_CN", "LANG": "en_US"}, "zh"),  # empty means unset
    ],
)
def test_default_language_follows_the_locale(environ, lang):
    assert default_lang(environ) == lang


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="zh or en"):
        Messages("fr")


# ---- the verdict explained ---------------------------------------------------------------------
def test_full_run_sentence_names_failures_first_and_counts_the_tools_gaps(tmp_path):
    report = build_report(context(tmp_path), typed_results(), NOW, NOW)
    sentence = verdict_sentence(report, Messages("en"))
    assert sentence.startswith(
        "REJECT: 3 MUST clauses fail (ELIG-01, ELIG-02, VOUCH-01); "
        "1 MUST clause could not be judged (ELIG-03); 1 ATTEST clause is not attested (POST-07); "
    )
    no_check = [
        c.id for c in report.clauses if c.level == "MUST" and c.status == "not_run" and not c.checks
    ]
    assert f"; {len(no_check)} MUST clauses have no check in this version" in sentence
    lines = dict(reason_lines(report, Messages("en")))
    assert lines["no check in this version"] == no_check
    assert list(lines)[:3] == ["fail", "could not be judged (error)", "not attested"]
    zh = verdict_sentence(report, Messages("zh"))
    assert zh.startswith("REJECT：3 项 MUST 条款不通过（ELIG-01、ELIG-02、VOUCH-01）；")
    assert f"{len(no_check)} 项 MUST 条款在本版本中尚无检查" in zh


def test_reasons_partition_exactly_the_clauses_that_do_not_pass(tmp_path):
    """Every status combination of three clauses: the reasons name each non-passing clause
    once, and some reason rejects exactly when the verdict is REJECT."""
    for combo in itertools.product(("pass", "fail", "error", "not_run"), repeat=3):
        report = narrowed(tmp_path, dict(zip(ELIG_CHECKS, combo, strict=True)))
        named = [i for r in reasons(report) for i in r.clauses]
        not_passing = [c.id for c in report.clauses if c.in_scope and c.status != "pass"]
        assert sorted(named) == sorted(not_passing), combo
        assert any(r.rejects for r in reasons(report)) == (report.verdict == "REJECT"), combo


def test_admit_sentence_says_what_passed(tmp_path):
    report = narrowed(tmp_path, {"ELIG-01": "pass", "ELIG-02": "pass"})
    assert verdict_sentence(report, Messages("en")) == "ADMIT: all 2 MUST clauses in scope pass"
    assert verdict_sentence(report, Messages("zh")) == "ADMIT：范围内全部 2 项 MUST 条款通过"


def test_clauses_are_listed_failed_first(tmp_path):
    report = narrowed(
        tmp_path,
        {"ELIG-01": "pass", "ELIG-02": "error", "ELIG-03": "fail"},
        frozenset({"VOUCH-03"}),
    )
    assert [c.id for c in clauses_failed_first(report)] == [
        "ELIG-03",
        "ELIG-02",
        "VOUCH-03",
        "ELIG-01",
    ]


# ---- report.json facts -------------------------------------------------------------------------
def test_report_names_version_profile_hash_and_thresholds(tmp_path):
    profile_file = tmp_path / "profile.toml"
    profile_file.write_text("# the profile as read\n", encoding="utf-8")
    ctx = context(tmp_path)
    ctx.profile = Profile.model_validate({**PROFILE, "thresholds": {"max_age_exclusive": 65}})
    ctx.profile.source = profile_file
    write_reports(build_report(ctx, [], NOW, NOW), tmp_path)
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["sxcert_version"] == sxcert_version() != ""
    assert data["profile_sha256"] == file_sha256(profile_file)
    assert set(data["thresholds"]) == set(Thresholds.model_fields)
    assert data["thresholds"]["max_age_exclusive"] == {
        "value": 65,
        "default": 60,
        "non_default": True,
    }
    assert data["thresholds"]["min_age"] == {"value": 16, "default": 16, "non_default": False}
    assert sum(t["non_default"] for t in data["thresholds"].values()) == 1


def test_embedded_reference_has_no_profile_hash(tmp_path):
    report = build_report(context(tmp_path), [], NOW, NOW)
    assert report.profile_sha256 is None
    assert not report.non_default_thresholds()


# ---- terminal summary --------------------------------------------------------------------------
def summary_text(report, lang: str) -> str:
    console = Console(record=True, width=200, file=io.StringIO())
    print_summary(report, Path("reports"), console, Messages(lang))
    return console.export_text()


def no_check_yet(report) -> str:
    return next(c.id for c in report.clauses if c.level == "MUST" and not c.checks)


def test_terminal_summary_explains_the_verdict_and_flags_changed_thresholds(tmp_path):
    ctx = context(tmp_path)
    ctx.profile = Profile.model_validate({**PROFILE, "thresholds": {"max_age_exclusive": 65}})
    report = build_report(ctx, typed_results(), NOW, NOW)
    text = summary_text(report, "en")
    table = text[: text.index("sxcert " + sxcert_version())]
    rows = [line.split("│")[1].strip() for line in table.splitlines() if line.startswith("│")]
    assert rows[:4] == ["ELIG-01", "ELIG-02", "VOUCH-01", "ELIG-03"]  # failed first, then errors
    assert rows.index("ELIG-03") < rows.index("POST-07") < rows.index(no_check_yet(report))
    assert "Non-default thresholds: max_age_exclusive = 65 (default 60)" in text
    assert "Verdict: REJECT\n" in text
    assert "REJECT: 3 MUST clauses fail (ELIG-01, ELIG-02, VOUCH-01);" in text
    assert "  - fail: ELIG-01, ELIG-02, VOUCH-01" in text
    zh = summary_text(report, "zh")
    assert "结论：REJECT（不予纳入）" in zh
    assert "非默认阈值：max_age_exclusive = 65（默认 60）" in zh
    assert "  - 不通过：ELIG-01、ELIG-02、VOUCH-01" in zh
    assert "条款" in zh and "首个发现" in zh


def test_terminal_summary_says_all_thresholds_are_defaults(tmp_path):
    text = summary_text(narrowed(tmp_path, {"ELIG-01": "pass"}), "en")
    assert "Thresholds: all defaults" in text
    assert "(partial run: not valid for certification)" in text
    assert "profile sha256 none (embedded reference)" in text


# ---- report.html -------------------------------------------------------------------------------
def test_html_has_reasons_contents_summary_facts_and_print_style(tmp_path):
    ctx = context(tmp_path)
    ctx.profile = Profile.model_validate({**PROFILE, "thresholds": {"max_age_exclusive": 65}})
    report = build_report(ctx, typed_results(), NOW, NOW)
    html = render_html(report, "en")
    why = html[html.index('<h2 id="why">') : html.index('<nav class="toc">')]
    assert verdict_sentence(report, Messages("en")) in why
    assert (
        why.index('href="#ELIG-01"') < why.index('href="#ELIG-03"') < why.index('href="#POST-07"')
    )
    toc = html[html.index('<nav class="toc">') : html.index("</nav>")]
    sections = sorted(
        {c.section for c in report.clauses}, key=[c.section for c in report.clauses].index
    )
    for n, name in enumerate(sections, start=1):
        assert f'<a href="#section-{n}">{name}</a>' in toc
        assert f'<h2 id="section-{n}">{name}</h2>' in html
    assert all(f'href="#{c.id}"' in toc for c in report.clauses)
    summary = html[html.index('<table class="summary">') : html.index('<h2 id="run">')]
    assert summary.count("<tr>") == len(sections) + 2  # header, one per section, totals
    assert f"sxcert {sxcert_version()}" in html
    assert "@media print" in html and "break-inside: avoid" in html
    thresholds = html[html.index('<table class="thresholds">') :]
    flagged = thresholds[: thresholds.index("</table>")].split("</tr>")
    assert [row for row in flagged if "non-default" in row] == [
        next(row for row in flagged if "max_age_exclusive" in row)
    ]
    assert '<html lang="en">' in html and "1.2 s" in html  # per-check duration
    durations = html[html.index('<table class="durations">') :]
    durations = durations[: durations.index("</table>")]
    slow, fast = "learner_at_upper_age_bound_is_refused", "learner_under_minimum_age_is_refused"
    assert durations.index(slow) < durations.index(fast)  # 12.0 s before 1.2 s
    assert '<a href="#ELIG-02">ELIG-02</a></td><td class="time">12.0 s</td>' in durations


def test_html_in_chinese_keeps_quotes_and_translates_the_rest(tmp_path):
    report = build_report(context(tmp_path), typed_results(), NOW, NOW)
    zh = render_html(report, "zh")
    en = render_html(report, "en")
    assert '<html lang="zh-CN">' in zh
    for label in ("结论依据", "目录", "分节汇总", "所用阈值", "所做操作", "实际结果"):
        assert label in zh and label not in en
    quote = "16周岁以上适龄未就业人员"
    assert quote in zh and quote in en
    assert "What was done" not in zh and "Why this verdict" not in zh


# ---- junit.xml ---------------------------------------------------------------------------------
PYTEST_JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">
<testsuite name="sxcert" errors="0" failures="0" skipped="0" tests="1">
<testcase classname="checks.eligibility" name="learner_under_minimum_age_is_refused" time="1.0">
<properties><property name="requirements" value="ELIG-01" /></properties></testcase>
</testsuite></testsuites>"""


def junit_for(report, tmp_path) -> tuple[dict[str, int], ET.Element]:
    path = tmp_path / "junit.xml"
    path.write_text(PYTEST_JUNIT, encoding="utf-8")
    complete_junit(path, report)
    return junit_counts(path), ET.parse(path).getroot()


def test_junit_fails_exactly_when_the_verdict_rejects(tmp_path):
    for combo in itertools.product(("pass", "fail", "error", "not_run"), repeat=3):
        report = narrowed(tmp_path, dict(zip(ELIG_CHECKS, combo, strict=True)))
        counts, _ = junit_for(report, tmp_path)
        assert (counts["failures"] + counts["errors"] > 0) == (report.verdict == "REJECT"), combo


def test_junit_has_one_testcase_per_judged_clause_with_properties(tmp_path):
    report = build_report(context(tmp_path), typed_results(), NOW, NOW)
    counts, root = junit_for(report, tmp_path)
    suite = next(s for s in root.iter("testsuite") if s.get("name") == "sxcert.clauses")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {c.id for c in report.clauses}
    for clause in report.clauses:
        props = {(p.get("name"), p.get("value")) for p in cases[clause.id].iter("property")}
        assert {("requirement", clause.id), ("level", clause.level)} <= props
    assert cases["ELIG-01"].find("failure").get("message").startswith("fail: learner_under")
    assert cases["ELIG-03"].find("error") is not None
    no_check = next(c for c in report.clauses if c.level == "MUST" and not c.checks)
    assert cases[no_check.id].find("failure").get("message") == (
        "no check covers this clause in this version"
    )
    assert cases["POST-07"].find("failure").get("message").startswith("not attested")
    check = next(c for c in root.iter("testcase") if c.get("name") == ELIG_CHECKS["ELIG-01"])
    props = {(p.get("name"), p.get("value")) for p in check.iter("property")}
    assert {("requirement", "ELIG-01"), ("level", "MUST")} <= props
    assert int(root.get("failures")) == counts["failures"] > 0


def test_junit_reports_a_failing_should_clause_without_failing(tmp_path):
    report = narrowed(tmp_path, {"ELIG-01": "pass"})
    report.clauses.append(
        ClauseEntry(id="ENT-01", level="SHOULD", status="fail", quote_zh="企业", text_en="x")
    )
    counts, root = junit_for(report, tmp_path)
    assert report.verdict == "ADMIT"
    assert counts["failures"] == counts["errors"] == 0 and counts["skipped"] == 1
    ent = next(c for c in root.iter("testcase") if c.get("name") == "ENT-01")
    assert "does not reject" in ent.find("skipped").get("message")


# ---- end to end: the real command line ---------------------------------------------------------
def _allure_results(out: Path) -> dict[str, dict]:
    results = {}
    for path in (out / "allure-results").glob("*-result.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        results[data["name"]] = data
    return results


def test_a_chinese_run_writes_junit_html_and_allure_labels(sxcert, tmp_path):
    """The real command line in Chinese: progress and verdict in Chinese, junit.xml without a
    failure, a Chinese report, allure-results with the requirement labels/links. (How a clause
    no check covers is reported - REJECT, its junit failure, the Chinese reason - is read from
    synthetic reports above: every MUST clause has a check now, so a real run has no such gap.)"""
    out = tmp_path / "out"
    done = sxcert("certify", "--only", "ELIG-01", "--lang", "zh", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "结论：ADMIT" in done.stdout
    assert "] ELIG-01 MUST 通过" in done.stdout  # progress: one line per finished clause
    counts = junit_counts(out / "junit.xml")
    assert counts["failures"] == 0 and counts["errors"] == 0
    assert '<html lang="zh-CN">' in (out / "report.html").read_text(encoding="utf-8")
    result = _allure_results(out)["learner_under_minimum_age_is_refused"]
    labels = {(label["name"], label["value"]) for label in result["labels"]}
    assert {
        ("requirement", "ELIG-01"),
        ("story", "ELIG-01"),
        ("feature", "ELIG — who may train (二(一))"),
        ("tag", "api"),
        ("severity", "critical"),
        ("epic", "晋人社厅发〔2021〕31号"),
    } <= labels
    assert result["links"] == [
        {"type": "requirement", "url": "../report.html#ELIG-01", "name": "ELIG-01"}
    ]


def test_clean_admit_has_no_junit_failure(sxcert, tmp_path):
    out = tmp_path / "out"
    done = sxcert("certify", "--only", "ELIG-01", "--lang", "en", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ADMIT: the one MUST clause in scope passes" in done.stdout
    counts = junit_counts(out / "junit.xml")
    assert counts["failures"] == counts["errors"] == 0 and counts["tests"] == 2
    assert "[1/1 checks, " in done.stdout and "] ELIG-01 MUST pass" in done.stdout
    assert "[100%]" not in done.stdout and "\n.\n" not in done.stdout  # pytest's dots are gone


def test_defect_run_exit_code_and_junit_agree_in_the_locales_language(sxcert, tmp_path):
    """No --lang: a Chinese locale gives a Chinese summary and report.html."""
    out = tmp_path / "out"
    done = sxcert(
        "certify",
        "--only",
        "ELIG-02",
        "--reference-defect",
        "no_upper_age_limit",
        "--out",
        str(out),
        env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "REJECT：1 项 MUST 条款不通过（ELIG-02）" in done.stdout
    assert '<html lang="zh-CN">' in (out / "report.html").read_text(encoding="utf-8")
    counts = junit_counts(out / "junit.xml")
    assert counts["failures"] == 2  # the check and its clause
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["sxcert_version"] == sxcert_version()
    assert report["profile_sha256"] is None and len(report["thresholds"]) == len(
        Thresholds.model_fields
    )


def test_version_and_bad_language(sxcert):
    done = sxcert("--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"sxcert {sxcert_version()}")
    bad = sxcert("certify", "--lang", "fr")
    assert bad.returncode == 2 and "--lang" in bad.stderr and "Traceback" not in bad.stderr


def test_terminal_reason_lines_stay_whole_on_a_narrow_terminal(tmp_path):
    """A Chinese list has no spaces: rich would move it whole to the next line, leaving "  - "
    alone; the lines are printed whole and the terminal wraps them."""
    report = build_report(context(tmp_path), typed_results(), NOW, NOW)
    console = Console(record=True, width=60, file=io.StringIO())
    print_summary(report, Path("reports"), console, Messages("zh"))
    lines = console.export_text().splitlines()
    item = next(line for line in lines if line.startswith("  - 本版本尚无检查："))
    assert item.endswith("SUB-05") and all(line.rstrip() != "  -" for line in lines)
    row = next(line for line in lines if "SUB-01" in line and "│" in line)
    assert "本版本" in row  # the finding column says why a clause with no failed check is red


# ---- progress ----------------------------------------------------------------------------------
PROGRESS_IMPORTS = """
from harness.i18n import Messages
from harness.progress import RunProgress
"""

PROGRESS_CONFIGURE = """    stream = open({log!r}, "w", encoding="utf-8")
    config.pluginmanager.register(
        RunProgress(Messages({lang!r}), session.status_of, stream, live={live!r}), "progress"
    )
"""

PROGRESS_CHECKS = '''
import pytest

from harness.failures import CheckFailure


def checks(func):
    func.__sxcert_check__ = True
    return func


@checks
@pytest.mark.requirement("ID-01")
def first_id_check():
    """Passes."""


@checks
@pytest.mark.requirement("ELIG-01")
def age_check():
    """Fails."""
    raise CheckFailure("enrolled a 15-year-old")


@checks
@pytest.mark.requirement("ID-01", "ELIG-02")
def second_id_check():
    """Passes and covers two clauses."""
'''


def run_with_progress(pytester, tmp_path, lang: str, live: bool):
    log = tmp_path / f"progress-{lang}-{live}.txt"
    pytester.makeconftest(
        session_conftest(
            PROFILE,
            tmp_path / "out",
            {"ELIG-01", "ELIG-02", "ID-01"},
            imports=PROGRESS_IMPORTS,
            configure=PROGRESS_CONFIGURE.format(log=str(log), lang=lang, live=live),
        )
    )
    pytester.makepyfile(test_checks=PROGRESS_CHECKS)
    run = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-o", "console_output_style=classic"
    )
    return run, log.read_text(encoding="utf-8")


def test_progress_off_a_terminal_is_one_line_per_finished_clause(pytester, tmp_path):
    run, text = run_with_progress(pytester, tmp_path, "en", live=False)
    run.assert_outcomes(passed=2, failed=1)
    lines = [line.split("] ", 1)[1] for line in text.splitlines()]
    prefixes = [line.split("]")[0] for line in text.splitlines()]
    # ID-01 waits for its second check; ELIG-02 and ID-01 finish with the last one
    assert lines == ["ELIG-01 MUST fail", "ELIG-02 MUST pass", "ID-01 MUST pass"]
    assert [p.split(",")[0] for p in prefixes] == ["[2/3 checks", "[3/3 checks", "[3/3 checks"]
    assert "\\x1b" not in text  # no control characters in a log
    assert ".F." not in run.stdout.str() and "1 failed, 2 passed" in run.stdout.str()


def test_progress_on_a_terminal_shows_count_current_check_and_requirement(pytester, tmp_path):
    run, text = run_with_progress(pytester, tmp_path, "zh", live=True)
    run.assert_outcomes(passed=2, failed=1)
    assert "second_id_check (ELIG-02, ID-01)" in text
    assert "3/3" in text and "项检查" in text and "0:00:0" in text  # count, label, elapsed
    assert "ELIG-01 MUST" not in text  # no per-clause lines on a terminal: the bar says it
