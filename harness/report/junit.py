"""junit.xml that agrees with the exit code.

pytest's junitxml writes one testcase per check that ran; that alone says "36 tests, 0 failures"
for a run that ends REJECT (exit 1) because 19 MUST clauses have no check. So after pytest has
written it, a second testsuite, `sxcert.clauses`, is added: one testcase per clause the run judged
(in scope), failing exactly when the clause rejects the platform. The rule CI can rely on: the
file has a failure or an error exactly when the verdict is REJECT.

- MUST `fail` / ATTEST `not_attested` / MUST `not_run` → `<failure>` (a not_run clause says "no
  check covers this clause" or "no check of this clause ran"); MUST `error` → `<error>`.
- A SHOULD clause that does not pass is reported and never rejects: `<skipped>` with its finding,
  and so is the failure of a check whose clauses are all SHOULD.
- Every testcase, checks' and clauses', carries `requirement` (one per ID) and `level` properties.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from harness.report.explain import reason_of
from harness.report.model import ClauseEntry, Report

CLAUSE_SUITE = "sxcert.clauses"
LEVEL_RANK = ("MUST", "ATTEST", "SHOULD")
RESULT_TAGS = ("failure", "error", "skipped")


def complete_junit(path: Path, report: Report, completed: list[ET.Element] | None = None) -> None:
    """Add the clause suite and the requirement properties to pytest's junit.xml at `path`;
    `completed`: test cases of a second instance's checks, already carrying theirs, joined to
    the first suite."""
    if not path.is_file():
        return
    tree = ET.parse(path)
    root = tree.getroot()
    if root.tag != "testsuites":  # one bare suite (old pytest): put it under a testsuites root
        wrapper = ET.Element("testsuites")
        wrapper.append(root)
        tree, root = ET.ElementTree(wrapper), wrapper
    levels = {c.id: c.level for c in report.clauses}
    requirements_of = _requirements_of_checks(report)
    for suite in root.iter("testsuite"):
        for case in suite.iter("testcase"):
            ids = requirements_of.get(case.get("name", ""), [])
            if ids:
                _mark_check(case, ids, [levels[i] for i in ids])
        _recount(suite)
    first = root.find("testsuite")
    if completed and first is not None:
        first.extend(completed)
        _recount(first)
    clauses = ET.SubElement(root, "testsuite", name=CLAUSE_SUITE)
    ET.SubElement(ET.SubElement(clauses, "properties"), "property", name="verdict").set(
        "value", report.verdict
    )
    for clause in report.clauses:
        if clause.in_scope:
            clauses.append(clause_case(clause))
    _recount(clauses)
    _total(root)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def clause_case(clause: ClauseEntry) -> ET.Element:
    """One clause as a testcase: passing, failing, errored or skipped as the verdict counts it."""
    case = ET.Element("testcase", classname=f"clauses.{clause.id.split('-')[0]}", name=clause.id)
    case.set("time", f"{sum(k.duration_s or 0 for k in clause.checks):.3f}")
    properties = ET.SubElement(case, "properties")
    for name, value in (("requirement", clause.id), ("level", clause.level)):
        ET.SubElement(properties, "property", name=name, value=value)
    ET.SubElement(properties, "property", name="status", value=clause.status)
    reason = reason_of(clause)
    if reason is None:
        return case
    message, text = _why(clause, reason)
    tag = {"error": "error", "should": "skipped"}.get(reason, "failure")
    element = ET.SubElement(case, tag, message=message)
    element.text = text
    return case


def _why(clause: ClauseEntry, reason: str) -> tuple[str, str]:
    findings = "\n".join(
        f"{k.name}: {k.status}: {k.detail}" for k in clause.checks if k.status not in ("pass",)
    )
    if reason == "no_check":
        return "no check covers this clause in this version", clause.text_en
    if reason == "not_run":
        return "no check of this clause ran", findings
    if reason == "not_attested":
        problem = (clause.attestation or {}).get("problem", "no attestation in the profile")
        return f"not attested: {problem}", clause.text_en
    if reason == "should":
        return f"SHOULD clause {clause.status} (reported, does not reject)", findings
    failing = [k.name for k in clause.checks if k.status in ("fail", "flaky", "error")]
    return f"{clause.status}: {', '.join(failing)}", findings


def _requirements_of_checks(report: Report) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for clause in report.clauses:
        for check in clause.checks:
            found.setdefault(check.name, []).append(clause.id)
    return found


def _mark_check(case: ET.Element, ids: list[str], levels: list[str]) -> None:
    properties = case.find("properties")
    if properties is None:
        properties = ET.Element("properties")
        case.insert(0, properties)
    level = next(lv for lv in LEVEL_RANK if lv in levels) if set(levels) & set(LEVEL_RANK) else ""
    for requirement in ids:
        ET.SubElement(properties, "property", name="requirement", value=requirement)
    ET.SubElement(properties, "property", name="level", value=level)
    if level == "SHOULD":  # reported, never rejecting: a failure here would contradict exit 0
        for tag in ("failure", "error"):
            for element in case.findall(tag):
                element.tag = "skipped"
                element.set("message", "SHOULD (does not reject): " + element.get("message", ""))


def _recount(suite: ET.Element) -> None:
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    for tag, attribute in zip(RESULT_TAGS, ("failures", "errors", "skipped"), strict=True):
        suite.set(attribute, str(sum(c.find(tag) is not None for c in cases)))


def _total(root: ET.Element) -> None:
    if root.tag != "testsuites":
        return
    for attribute in ("tests", "failures", "errors", "skipped"):
        root.set(attribute, str(sum(int(s.get(attribute, "0")) for s in root.iter("testsuite"))))


def junit_counts(path: Path) -> dict[str, int]:
    """failures/errors/tests over every suite: what CI dashboards read."""
    root = ET.parse(path).getroot()
    return {
        a: sum(int(s.get(a, "0")) for s in root.iter("testsuite"))
        for a in ("tests", "failures", "errors", "skipped")
    }
