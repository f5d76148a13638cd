"""The mutation benchmark's own tests: the mutants it makes, their stable keys, the requirements
it runs them with, a real mutant that certify kills, and how survivors are listed."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import mutation  # noqa: E402
from defect_flags import defect_flag_values, defect_only_functions  # noqa: E402
from mutants import Mutant, mutants_of  # noqa: E402
from mutation_ledger import KEPT_STATUSES  # noqa: E402

TINY = '''"""A tiny rule module."""
LEVELS = frozenset({"junior", "senior"})  # an enumeration


def admits(age: int, status: str, defects) -> bool:
    """Docstring: never mutated."""
    if age >= 16 and not defects.active("accepts_young"):
        return status in LEVELS
    if defects.active("accepts_everyone"):
        return age + 100 > 0
    return all(c.isdigit() for c in status) or False


def reason(code: int) -> str | None:
    return "unknown" if code == 404 else None
'''


def mutant_texts(mutants: list[Mutant]) -> set[tuple[int, str, str]]:
    return {(m.line, m.operator, m.description) for m in mutants}


def test_every_operator_makes_parseable_single_changes():
    mutants = mutants_of("tiny.py", TINY)
    made = mutant_texts(mutants)
    for expected in [
        (2, "member", "drop 'junior'"),
        (7, "comparison", ">= → >"),
        (7, "constant", "16 → 17"),
        (7, "constant", "16 → 15"),
        (7, "condition", "test → False"),
        (11, "boolean", "or → and"),
        (8, "comparison", "in → not in"),
        (8, "return", "x → not (x)"),
        (11, "aggregate", "all → any"),
        (11, "constant", "False → True"),
        (15, "comparison", "== → !="),
        (15, "return", "x → None"),
    ]:
        assert expected in made, expected
    for mutant in mutants:
        tree = ast.parse(mutant.source)
        assert ast.dump(tree) != ast.dump(ast.parse(TINY))
        # Only the mutated line differs (every node above is one line here).
        changed = [
            n
            for n, (a, b) in enumerate(
                zip(TINY.splitlines(), mutant.source.splitlines(), strict=True), 1
            )
            if a != b
        ]
        assert changed == [mutant.line], mutant
        assert mutant.source.splitlines()[mutant.line - 1] == mutant.mutated_line
        assert "# an enumeration" in mutant.source  # comments and layout kept


def test_defect_reads_and_defect_only_branches_are_not_mutated():
    mutants = mutants_of("tiny.py", TINY)
    # line 9-10: the branch only `accepts_everyone` takes; no `defects.active` is dropped/negated
    assert not [m for m in mutants if m.line in (9, 10)]
    assert not [m for m in mutants if "defects.active" in m.description]
    # Dropping `age >= 16` would leave the flag alone, i.e. `if True:`: that is the condition
    # mutant, not made twice.
    assert not [m for m in mutants if m.description == "drop operand `age >= 16`"]
    assert (7, "condition", "test → True") in mutant_texts(mutants)
    # A test the defect flags decide (`defects.active(x) and …` is False with the defects off):
    # neither it nor its branch is mutated; one the rest decides is.
    guarded = (
        "def f(n, defects):\n"
        "    if defects.active('a') and len(n) == 18:\n"
        "        return n[:17]\n"
        "    if not defects.active('b') or n == '':\n"
        "        return n\n"
        "    else:\n"
        "        return n + 'x'\n"
        "    return n if n > 'a' and not defects.active('c') else None\n"
    )
    lines = {m.line for m in mutants_of("guarded.py", guarded)}
    assert lines == {8}
    # Inside a value the flags decide nothing is mutated; only the whole value is flipped.
    decided = "def f(a, defects) -> bool:\n    return a > 1 and defects.active('x')\n"
    assert [m.description for m in mutants_of("decided.py", decided)] == ["x → not (x)"]
    # Docstrings are never touched.
    assert all('"""Docstring: never mutated."""' in m.source for m in mutants)


def test_functions_only_a_defect_calls_are_not_mutated():
    helper = """
def first_pass(db):
    return db.scalar(1 + 1)


def verdict(db, defects):
    if defects.active("only_first"):
        return first_pass(db) is not None
    return db.ask() > 0
"""
    skipped = defect_only_functions([helper])
    assert skipped == {"first_pass"}
    functions = {m.function for m in mutants_of("helper.py", helper, skipped)}
    assert functions == {"verdict"}
    # Called once outside a defect branch too: mutated.
    also_called = helper + "\n\ndef other(db):\n    return first_pass(db)\n"
    assert defect_only_functions([also_called]) == frozenset()
    # In the reference platform: liveness's `earlier_pass` (only `liveness_only_on_first_login`).
    assert "earlier_pass" in mutation.package_facts(ROOT).defect_only


def test_functions_called_only_after_a_deciding_defect_flag_are_not_mutated():
    """`defects.active(x) and helper()` calls the helper only under the defect (an `and` stops
    at a False flag, an `or` at a True one); an operand before the flag runs always."""
    source = """
def helper(db):
    return db.scalar(1) is not None


def before(db):
    return db.ask() > 0


def verdict(db, defects):
    if before(db) and defects.active("cached") and helper(db):
        return 1
    return 2 if not defects.active("other") or helper(db) else 3
"""
    assert defect_only_functions([source]) == {"helper"}
    also_called = (
        source + "\n\ndef other(db, defects):\n    return defects.active('x') or helper(db)\n"
    )
    assert defect_only_functions([also_called]) == frozenset()
    # In the reference: captures' `_passed_before` (only `capture_verdicts_cached_by_image`).
    assert "_passed_before" in mutation.package_facts(ROOT).defect_only


def test_constants_only_a_defect_reads_are_not_mutated():
    rules = """
FIXED_AT = 600.0
SPAN = 3600.0


def point(rng, defects):
    if defects.active("fixed_point"):
        return FIXED_AT
    return rng.uniform(0.05, 0.9) * SPAN
"""
    skipped = defect_only_functions([rules])
    assert skipped == {"FIXED_AT"}  # its own binding is not a read; SPAN is read by the rule
    assert {m.mutated_line for m in mutants_of("rules.py", rules, skipped)} >= {"SPAN = 3601.0"}
    assert not [m for m in mutants_of("rules.py", rules, skipped) if "FIXED_AT =" in m.mutated_line]
    # Read once outside a defect branch too: mutated.
    also_read = rules + "\n\ndef default():\n    return FIXED_AT\n"
    assert defect_only_functions([also_read]) == frozenset()
    # In the reference platform: study's FIXED_CAPTURE_OFFSET_S (only `capture_at_fixed_offset`).
    assert "FIXED_CAPTURE_OFFSET_S" in mutation.package_facts(ROOT).defect_only


def test_names_holding_a_defect_flag_count_as_the_flag():
    rules = """
from dataclasses import dataclass


@dataclass
class Rules:
    ignore_rate: bool = False

    @classmethod
    def of(cls, defects):
        return cls(ignore_rate=defects.active("fast"))


def judge(rate, rules):
    if rate > 1 and not rules.ignore_rate:
        return "speed"
    if rules.ignore_rate:
        return rate * 2
    return "ok"
"""
    flags = defect_flag_values([rules])
    assert flags == {"ignore_rate": False}
    made = {(m.line, m.description) for m in mutants_of("rules.py", rules)}
    assert (15, "> → >=") in made and (15, "test → True") in made
    assert not [line for line, _ in made if line in (17, 18)]  # the flag's branch
    assert (15, "drop operand `not rules.ignore_rate`") not in made  # equivalent
    # Bound once to something unknown: not a flag.
    assert defect_flag_values([rules + "\nRules(ignore_rate=input())\n"]) == {}
    # In the reference platform: the credit rules and the voucher policy.
    facts = mutation.package_facts(ROOT).flags
    assert facts["ignore_rate"] is False and facts["honour_refusal"] is True


def test_keys_are_stable_when_other_lines_move():
    before = {m.key: m for m in mutants_of("tiny.py", TINY)}
    shifted = TINY.replace('"""A tiny rule module."""', '"""A tiny rule module."""\n\n# moved')
    after = {m.key: m for m in mutants_of("tiny.py", shifted)}
    assert before.keys() == after.keys()
    assert all(after[k].line == before[k].line + 2 for k in before)
    assert len(before) == len(mutants_of("tiny.py", TINY))  # one mutant per key
    assert all(k.startswith(("tiny:admits:", "tiny:reason:", "tiny:<module>:")) for k in before)


def test_requirements_come_from_the_defects_read_in_each_function():
    source = (ROOT / "reference_platform" / "eligibility.py").read_text(encoding="utf-8")
    covered = mutation.covered_requirements()
    mapping = mutation.requirement_map("eligibility.py", source, covered)
    assert mapping["check_age"] == ("ELIG-01", "ELIG-02")
    assert {"ELIG-03", "VOUCH-01", "VOUCH-02"} <= set(mapping["check_voucher"])
    assert set(mapping["<module>"]) >= {"ELIG-01", "ELIG-02", "ELIG-03"}


def test_equivalents_file_names_only_current_mutants_with_reasons():
    equivalents = mutation.load_equivalents(mutation.EQUIVALENTS)
    keys = {
        m.key for module in mutation.RULE_MODULES for m in mutation.module_mutants(ROOT, module)
    }
    stale = sorted(set(equivalents) - keys)
    assert not stale, f"equivalents no longer made (rule code changed): {stale}"
    assert all(reason.strip() for reason in equivalents.values())


def test_age_boundary_mutants_run_in_parallel_killed_and_survived(capsys):
    """Two real mutants of the age rule, certified two at a time with `--only ELIG-01`: the
    lower bound's (`age < min_age` → `<=`) is killed, which also shows that the child servers
    serve the mutated copy (unmutated, ELIG-01 passes); the upper bound's (`age >= max_age` →
    `>`) survives, as it must: ELIG-01's check does not judge the upper bound (ELIG-02's does,
    and the benchmark maps that code to both)."""
    mutants = {
        m.description: m
        for m in mutation.module_mutants(ROOT, "eligibility.py")
        if m.function == "check_age" and m.operator == "comparison"
    }
    planned = [
        mutation.Planned(mutants["< → <="], ("ELIG-01",)),
        mutation.Planned(mutants[">= → >"], ("ELIG-01",)),
    ]
    runner = mutation.Runner(ROOT, timeout=120)
    assert mutation.run_all(runner, planned, jobs=2, confirm=False)
    lower, upper = (item.outcome for item in planned)
    assert lower is not None and upper is not None
    assert (lower.status, lower.exit_code, lower.failed) == ("killed", 1, ["ELIG-01"])
    assert (upper.status, upper.exit_code, upper.failed) == ("survived", 0, [])
    progress = capsys.readouterr().out
    assert "killed" in progress and "survived" in progress


class _RecordingRunner:
    """Answers `survived` on the mutant's own clauses and `killed` on every clause."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, ...] | None] = []

    def certify(self, requirements, mutant, *, budgeted=True):
        self.runs.append(None if requirements is None else tuple(requirements))
        if requirements is None:
            return mutation.Outcome("killed", 2.0, 1, ["ELIG-02"])
        return mutation.Outcome("survived", 1.0, 0)


def test_a_survivor_of_its_own_clauses_is_certified_again_on_every_clause(capsys):
    """The requirement map is a guess: a mutant that passes its own clauses' checks gets the full
    certify, and its verdict is that run's (here killed by ELIG-02's check)."""
    source = (ROOT / "reference_platform" / "completion.py").read_text(encoding="utf-8")
    mutant = next(m for m in mutants_of("completion.py", source) if m.operator == "constant")
    item = mutation.Planned(mutant, ("COURSE-05",))
    runner = _RecordingRunner()
    assert mutation.run_all(runner, [item], jobs=1)  # type: ignore[arg-type]
    assert runner.runs == [("COURSE-05",), None]
    assert item.verdict is not None and item.verdict.status == "killed"
    assert "(full certify) [ELIG-02]" in capsys.readouterr().out
    assert mutation.per_requirement([item])["COURSE-05"]["killed"] == 1
    unconfirmed = mutation.Planned(mutant, ("COURSE-05",))
    runner = _RecordingRunner()
    assert mutation.run_all(runner, [unconfirmed], jobs=1, confirm=False)  # type: ignore[arg-type]
    assert runner.runs == [("COURSE-05",)] and unconfirmed.verdict.status == "survived"
    interrupted = mutation.Planned(mutant, ("COURSE-05",))
    runner = _RecordingRunner()
    original = runner.certify
    runner.certify = lambda requirements, m, *, budgeted=True: (  # type: ignore[method-assign]
        None if requirements is None else original(requirements, m, budgeted=budgeted)
    )
    mutation.judge(runner, interrupted, confirm=True)  # type: ignore[arg-type]
    assert interrupted.verdict is None  # not judged: neither killed nor survived


def test_an_api_only_confirmation_skips_the_browser_and_load_checks_and_says_so(
    monkeypatch, capsys
):
    """`--api-confirm`: a survivor's run on every clause is `--skip-browser --skip-load`, its own
    clauses' run is not, and the verdict (in the ledger too) records which checks confirmed it."""
    import mutant_runs

    commands: list[list[str]] = []

    class _Finished:
        def __init__(self, command, **_kwargs) -> None:
            commands.append(command)

        def wait(self, timeout=None) -> int:
            return 0  # ADMIT: a survivor of both runs

    monkeypatch.setattr(mutant_runs.subprocess, "Popen", _Finished)
    source = (ROOT / "reference_platform" / "completion.py").read_text(encoding="utf-8")
    mutant = next(m for m in mutants_of("completion.py", source) if m.operator == "constant")
    runner = mutant_runs.Runner(ROOT, timeout=10, api_only_confirm=True)
    item = mutation.judge(runner, mutation.Planned(mutant, ("COURSE-05",)), confirm=True)
    own, every = commands
    assert "--only" in own and "--skip-browser" not in own and "--skip-load" not in own
    assert "--only" not in every and {"--skip-browser", "--skip-load"} <= set(every)
    assert item.outcome is not None and item.outcome.checks == "all"
    assert item.full_run is not None and item.full_run.checks == "api"
    assert item.verdict is item.full_run and item.verdict.status == "survived"
    mutation.print_results([item], 1.0)
    assert "every API check" in capsys.readouterr().out


def test_code_in_an_alternatives_branch_is_certified_with_that_alternative(monkeypatch):
    """A mutant inside `if alternatives.chosen(x):` (also `x and …`) names x, and both of its
    certify runs choose it: without it the mutated code never runs and always survives."""
    import mutant_runs

    source = (
        "def f(n, alternatives):\n"
        "    if alternatives.chosen('late') and n > 1:\n"
        "        return n - 1\n"
        "    return n + 1\n"
    )
    by_line = {m.line: m.alternative for m in mutants_of("alt.py", source)}
    assert by_line[3] == "late" and by_line[4] is None
    assert by_line[2] is None  # the test itself runs in every configuration
    commands: list[list[str]] = []

    class _Finished:
        def __init__(self, command, **_kwargs) -> None:
            commands.append(command)

        def wait(self, timeout=None) -> int:
            return 0

    monkeypatch.setattr(mutant_runs.subprocess, "Popen", _Finished)
    study_source = (ROOT / "reference_platform" / "study.py").read_text(encoding="utf-8")
    mutant = next(
        m
        for m in mutants_of("study.py", study_source)
        if m.alternative == "refuses_second_playback"
    )
    runner = mutant_runs.Runner(ROOT, timeout=10, api_only_confirm=True)
    mutation.judge(runner, mutation.Planned(mutant, ("STUDY-03",)), confirm=True)
    assert len(commands) == 2
    for command in commands:
        at = command.index("--reference-alternative")
        assert command[at + 1] == "refuses_second_playback"
    # A survival the ledger holds from a run without the alternative is run again; a kill is kept.
    survived = {mutant.key: (mutation.Outcome("survived", 1.0, 0), None)}
    item = mutation.Planned(mutant, ("STUDY-03",))
    mutation.take_from_ledger([item], survived, False, {mutant.key: None})
    assert not item.from_ledger
    mutation.take_from_ledger([item], survived, False, {mutant.key: "refuses_second_playback"})
    assert item.from_ledger
    killed = {mutant.key: (mutation.Outcome("killed", 1.0, 1), None)}
    again = mutation.Planned(mutant, ("STUDY-03",))
    mutation.take_from_ledger([again], killed, False, {mutant.key: None})
    assert again.from_ledger


def test_a_survivor_of_every_clause_is_certified_again_with_every_alternative(monkeypatch):
    """Code only a compliant alternative runs (reached through a rule's value, not an `if` on
    the alternative) survives the default configuration: the last run chooses every
    alternative, and a failure there is a kill; a ledger survivor without that run is re-run."""
    import mutant_runs

    from reference_platform.alternatives import ALTERNATIVES, INCOMPATIBLE

    commands: list[list[str]] = []

    class _AdmitsUnlessAlternatives:
        def __init__(self, command, **_kwargs) -> None:
            commands.append(command)
            self.code = 1 if "--reference-alternative" in command else 0

        def wait(self, timeout=None) -> int:
            return self.code

    monkeypatch.setattr(mutant_runs.subprocess, "Popen", _AdmitsUnlessAlternatives)
    sets = mutation.alternative_sets(ALTERNATIVES, INCOMPATIBLE)
    assert sets == (tuple(sorted(ALTERNATIVES)),)  # no incompatible pair today: one run
    assert mutation.alternative_sets(["a", "b", "c"], frozenset({frozenset({"a", "b"})})) == (
        ("a", "c"),
        ("b",),
    )
    source = (ROOT / "reference_platform" / "completion.py").read_text(encoding="utf-8")
    mutant = next(m for m in mutants_of("completion.py", source) if m.operator == "constant")
    runner = mutant_runs.Runner(ROOT, timeout=10, api_only_confirm=True)
    item = mutation.judge(
        runner, mutation.Planned(mutant, ("COURSE-05",)), confirm=True, alternatives=sets
    )
    own, every, chosen = commands
    assert "--reference-alternative" not in own + every
    assert {chosen[i + 1] for i, a in enumerate(chosen) if a == "--reference-alternative"} == set(
        ALTERNATIVES
    )
    assert item.verdict is item.full_run and item.verdict.status == "killed"
    assert item.full_run.checks == "api+alternatives"
    survived = {mutant.key: (mutation.Outcome("survived", 1.0, 0), item.outcome)}
    again = mutation.Planned(mutant, ("COURSE-05",))
    mutation.take_from_ledger([again], survived, False, {}, with_alternatives=True)
    assert not again.from_ledger  # confirmed without the alternatives: judged again
    mutation.take_from_ledger([again], survived, False, {}, with_alternatives=False)
    assert again.from_ledger


def test_the_ledger_keeps_verdicts_across_runs_and_runs_only_what_it_lacks(tmp_path):
    """The full measurement outlasts a session: each verdict is appended as it is known, and the
    next run skips kills and survivors (survivors again only when asked) but re-runs timeouts
    and errors, which are not verdicts; a line torn by a stop is ignored."""
    from mutation_ledger import Ledger, read_ledger

    source = (ROOT / "reference_platform" / "completion.py").read_text(encoding="utf-8")
    first, second, third, fourth = mutants_of("completion.py", source)[:4]
    path = tmp_path / "ledger.jsonl"
    ledger = Ledger(path, ROOT)
    killed = mutation.Planned(first, ("COURSE-05",))
    assert mutation.run_all(_RecordingRunner(), [killed], jobs=1, ledger=ledger)  # type: ignore[arg-type]
    ledger.record(second, ("COURSE-05",), mutation.Outcome("survived", 1.0, 0), None)
    ledger.record(third, ("COURSE-05",), mutation.Outcome("timeout", 300.0), None)
    with path.open("a", encoding="utf-8") as file:
        file.write('{"schema": "sxcert.mutation-ledger/1", "key": "torn')
    held = read_ledger(path)
    assert set(held) == {first.key, second.key, third.key}
    outcome, full_run = held[first.key]
    assert (outcome.status, full_run.status, full_run.failed) == ("survived", "killed", ["ELIG-02"])
    lines = [json.loads(line) for line in path.read_text().splitlines()[:3]]
    assert lines[0]["where"] == first.where and lines[0]["commit"]  # what and when
    planned = [mutation.Planned(m, ("COURSE-05",)) for m in (first, second, third, fourth)]
    mutation.take_from_ledger(planned, held, rerun_survivors=False)
    assert [p.from_ledger for p in planned] == [True, True, False, False]
    assert mutation.to_run(planned) == planned[2:]
    assert planned[0].verdict.status == "killed" and planned[1].verdict.status == "survived"
    again = [mutation.Planned(m, ("COURSE-05",)) for m in (first, second)]
    mutation.take_from_ledger(again, held, rerun_survivors=True)
    assert [p.from_ledger for p in again] == [True, False]
    runner = _RecordingRunner()
    assert mutation.run_all(runner, planned, jobs=1, confirm=False)  # type: ignore[arg-type]
    assert len(runner.runs) == 2  # the timeout and the new mutant only
    row = mutation.per_requirement(planned)["COURSE-05"]
    assert (row["killed"], row["survived"]) == (1, 3)


def test_a_mutant_that_breaks_start_up_is_incompetent_not_a_kill():
    """certify's exit 2 because the platform does not start: a verdict of its own, with its
    reason, counted neither killed nor survived (a real certify child, a module that raises)."""
    broken = Mutant(
        "scope.py", "<module>", 1, "test", "raises on import", "", "", "raise ImportError\n", "k"
    )
    outcome = mutation.Runner(ROOT, timeout=120).certify(["ELIG-01"], broken)
    assert outcome is not None
    assert (outcome.status, outcome.exit_code) == ("incompetent", 2)
    assert "could not be started" in outcome.reason
    item = mutation.Planned(broken, ("ELIG-01",), outcome=outcome)
    row = mutation.per_requirement([item])["ELIG-01"]
    assert (row["incompetent"], row["killed"], row["survived"]) == (1, 0, 0)
    assert mutation.score(row) is None


def test_survivors_are_listed_with_place_mutation_and_diff(capsys):
    source = (ROOT / "reference_platform" / "completion.py").read_text(encoding="utf-8")
    mutant = next(m for m in mutants_of("completion.py", source) if m.operator == "constant")
    item = mutation.Planned(mutant, ("COURSE-05",), outcome=mutation.Outcome("survived", 3.0, 0))
    mutation.print_unkilled([item])
    printed = capsys.readouterr().out
    assert "Survived (1):" in printed
    assert f"completion.py:{mutant.line}  constant: {mutant.description}" in printed
    assert f"- {mutant.original_line.strip()}" in printed
    assert f"+ {mutant.mutated_line.strip()}" in printed
    assert mutant.key in printed
    row = mutation.per_requirement([item])["COURSE-05"]
    assert (row["survived"], mutation.score(row)) == (1, 0.0)
    written = json.loads(json.dumps(mutation.as_json([item], [], 3.0)))
    assert written["requirements"]["COURSE-05"]["score"] == 0.0
    (entry,) = written["mutants"]
    assert entry["key"] == mutant.key and entry["outcome"]["status"] == "survived"
    assert "source" not in entry  # the whole mutated module is not repeated in the file


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--modules", "nosuch"], "--modules: unknown nosuch.py"),
        (["--requirements", "COURSE-02"], "--requirements: no check covers COURSE-02"),
        (
            ["--modules", "eligibility", "--keys", "eligibility:check_age:000000000000"],
            "--keys: no such mutant",
        ),
        (["--modules", "eligibility", "--ledger", "/"], "--ledger /: Is a directory"),
        (["--modules", "eligibility", "--report"], "--report reads a ledger"),
    ],
)
def test_bad_selection_is_exit_2_with_one_line(args, message):
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "mutation.py"), *args, "--list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert message in done.stderr and "Traceback" not in done.stderr


def test_list_is_a_dry_run_of_one_module():
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "mutation.py"),
            "--modules",
            "completion",
            "--list",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "completion.py:" in done.stdout and "certify --only COURSE-05" in done.stdout
    assert "baseline" not in done.stdout  # nothing was run


def _processes_in(folder: Path) -> list[int]:
    """Ids of the processes whose working directory is inside `folder` (certify runs there,
    and its servers inherit it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = (entry / "cwd").resolve()
        except OSError:
            continue
        if cwd.is_relative_to(folder):
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("phase", ["baseline", "mutant"])
def test_sigterm_stops_every_certify_run_and_leaves_no_process(tmp_path, phase):
    """SIGTERM (`timeout`, a CI cancel) during the baseline run or a mutant's run."""
    source = (ROOT / "reference_platform" / "eligibility.py").read_text(encoding="utf-8")
    key = next(m.key for m in mutants_of("eligibility.py", source) if m.function == "check_age")
    benchmark = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "mutation.py"), "--keys", key, "--jobs", "1"],
        env={**os.environ, "TMPDIR": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if phase == "mutant":
        assert benchmark.stdout is not None
        assert benchmark.stdout.readline().startswith("baseline ADMIT")
    deadline = time.monotonic() + 60
    while len(_processes_in(tmp_path)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)  # until certify and a server of it run
    assert len(_processes_in(tmp_path)) >= 2, "certify never started"
    benchmark.terminate()
    out, err = benchmark.communicate(timeout=60)
    assert benchmark.returncode == 2, (out, err)
    assert "interrupted" in err and "Traceback" not in err
    deadline = time.monotonic() + 10
    while _processes_in(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes_in(tmp_path)
    assert not list(tmp_path.iterdir())  # the package copies are removed too


def test_only_a_platform_certify_cannot_judge_at_all_is_incompetent(monkeypatch):
    """Exit 2 because the reference does not start, or refuses the profile's own accounts:
    `incompetent`, kept in the ledger. Exit 2 for any other reason is `error`, run again."""
    import mutant_runs

    reasons = iter(
        [
            "sxcert: A server could not be started: reference exited with code 3:",
            "sxcert: A credential of the profile is refused: target.accounts (authority …)",
            "sxcert: the run was interrupted",
        ]
    )

    class _NoVerdict:
        def __init__(self, command, stderr, **_kwargs) -> None:
            stderr.write(next(reasons).encode())

        def wait(self, timeout=None) -> int:
            return 2

    monkeypatch.setattr(mutant_runs.subprocess, "Popen", _NoVerdict)
    source = (ROOT / "reference_platform" / "completion.py").read_text(encoding="utf-8")
    mutant = next(m for m in mutants_of("completion.py", source) if m.operator == "constant")
    runner = mutant_runs.Runner(ROOT, timeout=10)
    outcomes = [runner.certify(("COURSE-05",), mutant) for _ in range(3)]
    assert [o.status for o in outcomes if o is not None] == ["incompetent", "incompetent", "error"]
    assert "incompetent" in KEPT_STATUSES and "error" not in KEPT_STATUSES
