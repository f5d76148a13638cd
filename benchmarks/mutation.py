"""Benchmark: the mutation score of sxcert's checks against the reference platform's rule code.

The named defects prove each check can fail at the one value it was written for; a vendor's bug
sits at another value of the same rule. This script writes such bugs (benchmarks/mutants.py:
boundaries, constants, dropped conditions, `and`/`or`, return values) into a throw-away copy of
`reference_platform/`, certifies each copy with `sxcert certify --only <the requirements whose
checks judge the mutated code>`, and prints the kill rate per requirement and every survivor.

How a mutant is run: benchmarks/mutant_runs.py (a package copy per run, imported by the child
servers). A clean copy is certified first with every selected requirement and must be ADMIT, or
nothing is measured. Which requirements judge which code: `requirement_map` below.

Outcomes: `killed` certify said REJECT (exit 1); `survived` ADMIT (exit 0): a false ADMIT;
`timeout` the run outlived `--timeout` (stopped with SIGTERM, then SIGKILL); `error` certify could
not judge (exit 2, e.g. the mutant broke the platform's start-up), with its one-line reason.
Score = killed / (killed + survived): timeouts and errors are listed apart, never counted as kills.
Mutants recorded in benchmarks/mutation_equivalents.toml (key, reason) are left out of the score.

Usage:
  python benchmarks/mutation.py --list                       # mutants and their requirements
  python benchmarks/mutation.py --modules eligibility --sample 10 --jobs 1 --json out.json
  python benchmarks/mutation.py                              # everything (the full measurement)
"""

from __future__ import annotations

import argparse
import ast
import functools
import json
import random
import signal
import sys
import time
import tomllib
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from defect_flags import defect_flag_values, defect_only_functions
from mutant_runs import PACKAGE, Outcome, Runner
from mutants import MODULE_LEVEL, Mutant, mutants_of
from mutation_ledger import (
    KEPT_STATUSES,
    Ledger,
    alternatives_judged_with,
    read_ledger,
    verdict_of,
)

REPO = Path(__file__).resolve().parents[1]
EQUIVALENTS = Path(__file__).resolve().parent / "mutation_equivalents.toml"
RULE_MODULES = (
    "eligibility.py",
    "identity.py",
    "registration.py",
    "liveness.py",
    "logins.py",
    "enrolment.py",
    "courses.py",
    "credit.py",
    "captures.py",
    "completion.py",
    "study.py",
    "scope.py",
    # the outcomes and oversight slices' rule modules
    "quizzes.py",
    "exams.py",
    "certificates.py",
    "completion_reports.py",
    "retention.py",
    "self_check.py",
    "archive.py",
    "subsidy_claims.py",
    "export.py",
    "supervision_lists.py",
    "masking.py",
    "security.py",
    "throttling.py",
    "employment.py",
    "client_address.py",
)

# Requirements whose checks judge code that reads no deliberate defect (the defects' `breaks`
# give the rest, by the function that reads the flag; see `requirement_map`). A function's
# entry adds to what its own defects give; a module's entry is the fallback for functions with
# neither. Read from the rule modules' docstrings and docs/interface.md.
FUNCTION_REQUIREMENTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("eligibility.py", "check_voucher"): ("VOUCH-01",),  # an expired voucher is not valid
    ("enrolment.py", "enrol"): ("ELIG-01", "ELIG-02", "ELIG-03", "VOUCH-01", "VOUCH-02"),
    ("completion.py", "required_hours"): ("COURSE-05",),
    ("completion.py", MODULE_LEVEL): ("COURSE-05",),
    ("completion.py", "lesson_credited"): ("COURSE-05",),  # a credited hour feeds completion
    ("completion.py", "credited_hours"): ("COURSE-05", "STUDY-02"),
    ("credit.py", "capture_points"): ("STUDY-01", "STUDY-02"),
    # the module's, EXAM-01 (the quiz gate's ceiling is `judge`'s `end`) and STUDY-01 (the open
    # challenge repeated in every answer)
    ("credit.py", "judge"): (
        "EXAM-01",
        "STUDY-01",
        "STUDY-02",
        "STUDY-04",
        "STUDY-05",
        "STUDY-06",
        "STUDY-07",
    ),
    ("credit.py", "hour_needing_capture"): ("STUDY-01", "STUDY-02"),
    ("captures.py", "credit_hour"): ("STUDY-02", "COURSE-05"),
    ("study.py", "lesson_progress"): ("STUDY-02",),
    ("study.py", "enrolment_in"): ("VOUCH-01",),
    ("study.py", "claim_playback"): ("STUDY-04",),
    ("study.py", "issue_challenge"): ("STUDY-01", "STUDY-02"),
    ("study.py", "close_playback"): ("STUDY-04", "STUDY-07"),
    ("logins.py", "start_login"): ("ID-02",),
}
MODULE_REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "identity.py": ("ID-01",),
    "registration.py": ("ID-01",),
    "liveness.py": ("ID-02", "ID-03"),
    "logins.py": ("STUDY-03", "ID-02"),
    "courses.py": ("COURSE-01", "COURSE-03", "COURSE-04"),
    "credit.py": ("STUDY-02", "STUDY-04", "STUDY-05", "STUDY-06", "STUDY-07"),
    "captures.py": ("STUDY-01", "STUDY-02"),
    "study.py": tuple(f"STUDY-0{n}" for n in range(1, 8)),
    "scope.py": ("STUDY-08", "ENT-01", "POST-01", "STUDY-09", "POST-03"),
    "quizzes.py": ("EXAM-01", "EXAM-02"),
    "exams.py": ("EXAM-01", "EXAM-02"),
    "certificates.py": ("POST-02", "EXAM-02"),
    "completion_reports.py": ("VOUCH-03",),
    "retention.py": ("POST-05",),
    "self_check.py": ("POST-06",),
    "archive.py": ("ARCH-01", "ARCH-02"),
    "subsidy_claims.py": ("SUB-01", "SUB-02", "SUB-05"),
    "export.py": ("POST-01",),
    "supervision_lists.py": ("POST-01", "STUDY-08"),
    "masking.py": ("POST-03",),
    "security.py": ("POST-03",),
    "throttling.py": ("POST-03",),
    "employment.py": ("ENT-01",),
    "client_address.py": ("POST-06",),
}
# A mutant that passes these clauses' checks is certified again on every clause (`judge`): the
# map chooses the fast first run, never the verdict.


@dataclass
class Planned:
    mutant: Mutant
    requirements: tuple[str, ...]
    equivalent: str | None = None  # the recorded reason, when it is an equivalent mutant
    outcome: Outcome | None = None
    # The outcome of the full certify a survivor of its own requirements' checks gets: a check of
    # another clause may reject it (the mapping is a guess, the full run is the verdict).
    full_run: Outcome | None = None
    from_ledger: bool = False  # judged by an earlier run (--ledger), not run again

    @property
    def verdict(self) -> Outcome | None:
        return self.full_run or self.outcome


class BenchmarkError(RuntimeError):
    """The benchmark cannot measure: one line, exit 2."""


# --- which requirements judge which code --------------------------------------------------------


def function_spans(tree: ast.Module) -> list[tuple[str, int, int]]:
    """(qualified name, first line, last line) of every function and method of a module."""
    spans: list[tuple[str, int, int]] = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                spans.append((f"{prefix}{node.name}", node.lineno, node.end_lineno or node.lineno))
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return spans


def requirement_map(module: str, source: str, covered: set[str]) -> dict[str, tuple[str, ...]]:
    """Function → the covered requirements whose checks judge it: the `breaks` of the defects
    whose flag it reads, plus FUNCTION_REQUIREMENTS; else (neither) the module's: the defects
    read anywhere in it plus MODULE_REQUIREMENTS. Key MODULE_LEVEL holds the module's own."""
    from reference_platform.defects import DEFECTS, flag_reads

    tree = ast.parse(source)
    spans = function_spans(tree)
    by_function: dict[str, set[str]] = {}
    for name, line in flag_reads(tree):
        owner = next((f for f, first, last in spans if first <= line <= last), MODULE_LEVEL)
        by_function.setdefault(owner, set()).update(DEFECTS[name].breaks)
    module_wide = set().union(*by_function.values(), MODULE_REQUIREMENTS.get(module, ()))
    mapping: dict[str, tuple[str, ...]] = {}
    for function in [MODULE_LEVEL, *(name for name, _, _ in spans)]:
        own = by_function.get(function, set()) | set(
            FUNCTION_REQUIREMENTS.get((module, function), ())
        )
        chosen = own or module_wide
        mapping[function] = tuple(sorted(chosen & covered))
    return mapping


def covered_requirements() -> set[str]:
    from harness.registry import checks_by_requirement

    return set(checks_by_requirement())


# --- equivalents --------------------------------------------------------------------------------


def load_equivalents(path: Path) -> dict[str, str]:
    """key → reason, from the checked-in file of mutants judged equivalent."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise BenchmarkError(f"{path}: {exc}") from None
    found: dict[str, str] = {}
    for entry in data.get("equivalent", []):
        if not entry.get("key") or not entry.get("reason"):
            raise BenchmarkError(f"{path}: every [[equivalent]] needs a key and a reason")
        found[entry["key"]] = entry["reason"]
    return found


# --- planning -----------------------------------------------------------------------------------


def plan(
    source_root: Path,
    modules: Iterable[str],
    requirements: set[str] | None,
    covered: set[str],
    equivalents: dict[str, str],
) -> tuple[list[Planned], list[Mutant]]:
    """The mutants to run with their requirements, and the mutants no covered requirement
    judges (listed, not run)."""
    planned: list[Planned] = []
    unjudged: list[Mutant] = []
    for module in modules:
        source = (source_root / PACKAGE / module).read_text(encoding="utf-8")
        mapping = requirement_map(module, source, covered)
        for mutant in module_mutants(source_root, module):
            wanted = set(mapping.get(mutant.function, mapping[MODULE_LEVEL]))
            if requirements is not None:
                wanted &= requirements
                if not wanted:
                    continue
            if not wanted:
                unjudged.append(mutant)
                continue
            planned.append(Planned(mutant, tuple(sorted(wanted)), equivalents.get(mutant.key)))
    return planned, unjudged


@dataclass(frozen=True)
class PackageFacts:
    """What the whole package tells about one module's mutants: the names that hold a defect
    flag (`CreditRules.ignore_rate`, `keep`), and the functions only a switched-on defect calls
    (liveness's `earlier_pass`, used only by `liveness_only_on_first_login`). Neither is
    mutated, nor code only they make run: with the defects off those mutants are equivalent."""

    flags: dict[str, bool]
    defect_only: frozenset[str]


@functools.cache
def package_facts(source_root: Path) -> PackageFacts:
    sources = [
        path.read_text(encoding="utf-8") for path in sorted((source_root / PACKAGE).rglob("*.py"))
    ]
    flags = defect_flag_values(sources)
    return PackageFacts(flags, defect_only_functions(sources, flags))


def module_mutants(source_root: Path, module: str) -> list[Mutant]:
    """The mutants of one rule module, as the benchmark makes them."""
    facts = package_facts(source_root)
    source = (source_root / PACKAGE / module).read_text(encoding="utf-8")
    return mutants_of(module, source, facts.defect_only, facts.flags)


# --- running ------------------------------------------------------------------------------------


def judge(
    runner: Runner,
    item: Planned,
    confirm: bool,
    ledger: Ledger | None = None,
    alternatives: tuple[tuple[str, ...], ...] = (),
) -> Planned:
    """Certify the mutant on its requirements; a survivor, when `confirm`, also on every clause
    (the full certify, unbudgeted: a started mutant gets its verdict), and if it survives that
    too, on every clause again with each set of `alternatives` chosen (`alternative_sets`): code
    that only a compliant alternative runs is judged there. A verdict goes into the ledger at
    once, so a stop later loses none."""
    item.outcome = runner.certify(item.requirements, item.mutant)
    if confirm and item.outcome is not None and item.outcome.status == "survived":
        item.full_run = runner.certify(None, item.mutant, budgeted=False)
        for chosen in alternatives:
            if item.full_run is None or item.full_run.status != "survived":
                break
            item.full_run = runner.certify(None, item.mutant, budgeted=False, alternatives=chosen)
        if item.full_run is None:  # interrupted before its verdict: not judged, not a survivor
            item.outcome = None
    if ledger is not None and item.outcome is not None:
        ledger.record(item.mutant, item.requirements, item.outcome, item.full_run)
    return item


def _confirmed_by(full_run: Outcome) -> str:
    """How a survivor of its own clauses was certified again, for the progress and list lines."""
    base = "full certify" if full_run.checks.startswith("all") else "every API check"
    return base + (", also with every alternative" if "+alternatives" in full_run.checks else "")


def alternative_sets(
    names: Iterable[str], incompatible: frozenset[frozenset[str]]
) -> tuple[tuple[str, ...], ...]:
    """The reference's compliant alternatives in as few sets as the incompatible pairs allow
    (greedy, in name order; today one set of all): what a survivor is certified with again."""
    sets: list[list[str]] = []
    for name in sorted(names):
        fitting = [s for s in sets if all(frozenset({name, o}) not in incompatible for o in s)]
        if fitting:
            fitting[0].append(name)
        else:
            sets.append([name])
    return tuple(tuple(s) for s in sets)


def to_run(planned: list[Planned]) -> list[Planned]:
    return [p for p in planned if p.equivalent is None and not p.from_ledger]


def run_all(
    runner: Runner,
    planned: list[Planned],
    jobs: int,
    progress: bool = True,
    confirm: bool = True,
    ledger: Ledger | None = None,
    order_seed: int | None = None,
    alternatives: tuple[tuple[str, ...], ...] = (),
) -> bool:
    """Run every non-equivalent mutant the ledger does not hold, `jobs` at a time (in a seeded
    random order when `order_seed` is given, so a run cut short by its budget is a fair sample of
    every module); fills each `outcome` (None: not run). Answers False when interrupted
    (Ctrl-C, SIGTERM): every certify run is stopped first."""
    todo = to_run(planned)
    if order_seed is not None:
        random.Random(order_seed).shuffle(todo)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(judge, runner, p, confirm, ledger, alternatives): p for p in todo}
        try:
            for done, future in enumerate(as_completed(futures), 1):
                item = future.result()
                verdict = item.verdict
                if progress and verdict is not None:
                    by_full = f" ({_confirmed_by(item.full_run)})" if item.full_run else ""
                    failed = f" [{','.join(verdict.failed)}]" if verdict.failed else ""
                    print(
                        f"[{done}/{len(todo)}] {verdict.status:8} "
                        f"{verdict.seconds:5.1f} s  {item.mutant.where} "
                        f"{item.mutant.operator}: {item.mutant.description}{by_full}{failed}",
                        flush=True,
                    )
        except KeyboardInterrupt:
            runner.stop_all()
            for future in futures:
                future.cancel()
            return False
    return True


# --- reporting ----------------------------------------------------------------------------------


def per_requirement(planned: list[Planned]) -> dict[str, dict[str, int]]:
    """Requirement → counts of outcomes (and `equivalent`) of the mutants it judges."""
    table: dict[str, dict[str, int]] = {}
    for item in planned:
        status = "equivalent" if item.equivalent else (item.verdict.status if item.verdict else "")
        if not status:
            continue
        for requirement in item.requirements:
            row = table.setdefault(
                requirement,
                dict.fromkeys(
                    ("killed", "survived", "timeout", "error", "incompetent", "equivalent"), 0
                ),
            )
            row[status] += 1
    return dict(sorted(table.items()))


def score(row: dict[str, int]) -> float | None:
    judged = row["killed"] + row["survived"]
    return row["killed"] / judged if judged else None


def _with_alternative(mutant: Mutant) -> str:
    return f" --reference-alternative {mutant.alternative}" if mutant.alternative else ""


def print_listing(planned: list[Planned], unjudged: list[Mutant]) -> None:
    for item in planned:
        mark = " (equivalent)" if item.equivalent else ""
        print(
            f"{item.mutant.key}  {item.mutant.where}  {item.mutant.operator}: "
            f"{item.mutant.description}{mark}\n    + {item.mutant.mutated_line.strip()}\n"
            f"    certify --only {','.join(item.requirements)}{_with_alternative(item.mutant)}"
        )
    counts: dict[str, int] = {}
    for item in planned:
        for requirement in item.requirements:
            counts[requirement] = counts.get(requirement, 0) + 1
    print(f"\n{len(planned)} mutants to run ({sum(1 for p in planned if p.equivalent)} equivalent)")
    for requirement, count in sorted(counts.items()):
        print(f"  {requirement:10} {count}")
    if unjudged:
        print(f"{len(unjudged)} mutants in code no covered requirement judges (not run):")
        for mutant in unjudged:
            print(f"  {mutant.key}  {mutant.where}  {mutant.operator}: {mutant.description}")


def print_results(planned: list[Planned], wall: float) -> None:
    table = per_requirement(planned)
    print(
        f"\n{'requirement':12}{'killed':>8}{'survived':>10}{'timeout':>9}{'error':>7}"
        f"{'incomp.':>9}{'equiv.':>8}{'score':>8}"
    )
    for requirement, row in table.items():
        value = score(row)
        shown = f"{value:.0%}" if value is not None else "—"
        print(
            f"{requirement:12}{row['killed']:>8}{row['survived']:>10}{row['timeout']:>9}"
            f"{row['error']:>7}{row['incompetent']:>9}{row['equivalent']:>8}{shown:>8}"
        )
    ran = [p for p in planned if p.verdict]
    held = sum(1 for p in ran if p.from_ledger)
    killed = sum(1 for p in ran if p.verdict and p.verdict.status == "killed")
    survived = [p for p in ran if p.verdict and p.verdict.status == "survived"]
    by_full = sum(1 for p in ran if p.full_run and p.full_run.status == "killed")
    incompetent = sum(1 for p in ran if p.verdict and p.verdict.status == "incompetent")
    overall = killed / (killed + len(survived)) if killed + len(survived) else None
    print(
        f"\n{len(ran)} mutants judged ({held} of them read from the ledger), "
        f"{len(ran) - held} run in {wall:.0f} s "
        f"(mean {sum(_seconds(p) for p in ran) / max(len(ran), 1):.1f} s each);"
        f" overall score {'—' if overall is None else f'{overall:.1%}'}"
        f" ({by_full} of the kills by the full certify, after surviving their own clauses' checks;"
        f" {incompetent} incompetent, left out of the score: the platform does not start or"
        " refuses the profile's accounts, so certify cannot judge it)"
    )
    print_unkilled(ran)


def _seconds(item: Planned) -> float:
    return sum(run.seconds for run in (item.outcome, item.full_run) if run is not None)


def print_unkilled(ran: list[Planned]) -> None:
    for status in ("survived", "timeout", "error", "incompetent"):
        items = [p for p in ran if p.verdict and p.verdict.status == status]
        if not items:
            continue
        print(f"\n{status.capitalize()} ({len(items)}):")
        for item in items:
            mutant = item.mutant
            verdict = item.verdict
            reason = f"  [{verdict.reason}]" if verdict and verdict.reason else ""
            full = f" + {_confirmed_by(item.full_run)}" if item.full_run else ""
            print(
                f"  {mutant.where}  {mutant.operator}: {mutant.description}  "
                f"(--only {','.join(item.requirements)}{full}{_with_alternative(mutant)};"
                f" key {mutant.key}){reason}\n"
                f"    - {mutant.original_line.strip()}\n    + {mutant.mutated_line.strip()}"
            )


def as_json(planned: list[Planned], unjudged: list[Mutant], wall: float) -> dict[str, object]:
    def mutant_fields(mutant: Mutant) -> dict[str, object]:
        return {k: v for k, v in asdict(mutant).items() if k != "source"}

    return {
        "schema": "sxcert.mutation/1",
        "wall_seconds": round(wall, 1),
        "requirements": {
            requirement: {**row, "score": score(row)}
            for requirement, row in per_requirement(planned).items()
        },
        "mutants": [
            {
                **mutant_fields(p.mutant),
                "requirements": list(p.requirements),
                "equivalent": p.equivalent,
                "outcome": asdict(p.outcome) if p.outcome else None,
                "full_run": asdict(p.full_run) if p.full_run else None,
                "from_ledger": p.from_ledger,
            }
            for p in planned
        ],
        "unjudged": [mutant_fields(m) for m in unjudged],
    }


# --- command line -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Mutation score of sxcert's checks against the reference platform's rules."
    )
    parser.add_argument(
        "--modules", help="comma-separated rule modules (default: all rule modules)"
    )
    parser.add_argument("--requirements", help="comma-separated requirement IDs to measure")
    parser.add_argument("--keys", help="comma-separated mutant keys: run only these")
    parser.add_argument("--sample", type=int, help="run a random sample of this many mutants")
    parser.add_argument("--seed", type=int, default=8, help="seed of the sample (default 8)")
    parser.add_argument("--jobs", type=int, default=2, help="certify runs at once (default 2)")
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds one mutant's certify may take"
    )
    parser.add_argument(
        "--budget",
        type=float,
        help="seconds after which no new mutant is started (what ran is reported)",
    )
    parser.add_argument(
        "--all-checks",
        action="store_true",
        help="run every selected check of a mutant (default: stop at its first failure)",
    )
    parser.add_argument(
        "--no-confirm",
        action="store_true",
        help="do not certify a survivor of its own clauses' checks again on every clause",
    )
    parser.add_argument(
        "--api-confirm",
        action="store_true",
        help="confirm a survivor with every API check only (--skip-browser --skip-load): under "
        "half the time; can only count more survivors, never fewer",
    )
    parser.add_argument(
        "--no-alternatives",
        action="store_true",
        help="do not certify a survivor of every clause again with the reference's compliant "
        "alternatives chosen (code only an alternative runs then always survives)",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--json", type=Path, help="write the results to this file")
    parser.add_argument(
        "--ledger",
        type=Path,
        help="JSON-lines file of verdicts: read to skip mutants already judged, appended to as "
        "each verdict is known (the full measurement, resumed over several runs)",
    )
    parser.add_argument(
        "--rerun-survivors",
        action="store_true",
        help="with --ledger: certify the ledger's survivors again (after a check was strengthened)",
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="with --ledger: print the score of what the ledger holds, run nothing",
    )
    parser.add_argument("--equivalents", type=Path, default=EQUIVALENTS)
    parser.add_argument("--source", type=Path, default=REPO, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def take_from_ledger(
    planned: list[Planned],
    held: dict[str, tuple[Outcome, Outcome | None]],
    rerun_survivors: bool,
    judged_with: Mapping[str, str | None] | None = None,
    with_alternatives: bool = False,
) -> None:
    """Marks the mutants the ledger already judged (a kill, or a survival unless
    `rerun_survivors`), with the ledger's outcomes; timeouts and errors are run again, and so is
    a survival certified without the alternative whose branch holds the mutant (`judged_with`:
    key → the alternative of its run), which never ran the mutated code, and, when
    `with_alternatives`, one not certified again with every alternative chosen."""
    for item in planned:
        entry = held.get(item.mutant.key)
        if item.equivalent is not None or entry is None:
            continue
        status = verdict_of(*entry)
        if status not in KEPT_STATUSES or (rerun_survivors and status == "survived"):
            continue
        ran_without = (judged_with or {}).get(item.mutant.key) != item.mutant.alternative
        _outcome, full_run = entry
        unconfirmed = full_run is None or "+alternatives" not in full_run.checks
        if status == "survived" and (ran_without or (with_alternatives and unconfirmed)):
            continue
        item.outcome, item.full_run = entry
        item.from_ledger = True


def select_modules(names: str | None) -> list[str]:
    if not names:
        return list(RULE_MODULES)
    chosen = [n.strip().removesuffix(".py") + ".py" for n in names.split(",") if n.strip()]
    unknown = sorted(set(chosen) - set(RULE_MODULES))
    if unknown or not chosen:
        raise BenchmarkError(
            f"--modules: unknown {', '.join(unknown) or '(none given)'}; "
            f"rule modules: {', '.join(m.removesuffix('.py') for m in RULE_MODULES)}"
        )
    return chosen


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # `timeout`, a CI cancel: stop runs, then report
    signal.signal(signal.SIGHUP, _interrupt)
    try:
        return _main(args)
    except BenchmarkError as exc:
        print(f"mutation: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mutation: interrupted; every certify run stopped", file=sys.stderr)
        return 2


def _require_admitted(
    runner: Runner, requirements: list[str] | None, alternatives: tuple[str, ...], what: str
) -> None:
    """The unmutated reference must be ADMIT where the mutants will be judged, or nothing
    measured would mean anything."""
    baseline = runner.certify(requirements, None, budgeted=False, alternatives=alternatives)
    if baseline is None:
        raise KeyboardInterrupt
    if baseline.status != "survived":
        raise BenchmarkError(
            f"the unmutated reference is not ADMIT {what} "
            f"({baseline.status}: {baseline.reason or baseline.failed}); nothing measured"
        )
    print(f"baseline ADMIT {what} in {baseline.seconds:.1f} s", flush=True)


def _main(args: argparse.Namespace) -> int:
    numbers = (args.jobs, args.timeout, args.sample or 1, args.budget or 1)
    if min(numbers) <= 0:
        raise BenchmarkError("--jobs, --timeout, --sample and --budget must be positive")
    modules = select_modules(args.modules)
    covered = covered_requirements()
    requirements = None
    if args.requirements:
        requirements = {r.strip().upper() for r in args.requirements.split(",") if r.strip()}
        unknown = sorted(requirements - covered)
        if unknown or not requirements:
            raise BenchmarkError(
                f"--requirements: no check covers {', '.join(unknown) or '(none given)'}"
            )
    planned, unjudged = plan(
        args.source, modules, requirements, covered, load_equivalents(args.equivalents)
    )
    if args.keys:
        keys = {k.strip() for k in args.keys.split(",") if k.strip()}
        unknown = sorted(keys - {p.mutant.key for p in planned})
        if unknown:
            raise BenchmarkError(f"--keys: no such mutant in this selection: {', '.join(unknown)}")
        planned = [p for p in planned if p.mutant.key in keys]
    if args.report and not args.ledger:
        raise BenchmarkError("--report reads a ledger: give --ledger FILE")
    from reference_platform.alternatives import ALTERNATIVES, INCOMPATIBLE

    confirm_sets = (
        ()
        if args.no_confirm or args.no_alternatives
        else alternative_sets(ALTERNATIVES, INCOMPATIBLE)
    )
    if args.ledger:
        try:
            held = read_ledger(args.ledger)
            if not args.report:  # appendable, before any run
                args.ledger.open("a", encoding="utf-8").close()
        except OSError as exc:
            raise BenchmarkError(f"--ledger {args.ledger}: {exc.strerror or exc}") from None
        take_from_ledger(
            planned,
            held,
            args.rerun_survivors,
            alternatives_judged_with(args.ledger),
            with_alternatives=confirm_sets != (),
        )
    if args.report:
        judged = sum(1 for p in planned if p.from_ledger)
        print_results(planned, 0.0)
        left = len(to_run(planned))
        print(f"\nthe ledger judges {judged} of this selection's mutants; {left} not judged yet")
        return 0
    held = [p for p in planned if p.from_ledger]
    candidates = [p for p in planned if not p.from_ledger]
    if args.sample is not None and args.sample < len(candidates):
        planned = sorted(
            held + random.Random(args.seed).sample(candidates, args.sample),
            key=lambda p: (p.mutant.module, p.mutant.line),
        )
    if args.list:
        print_listing(planned, unjudged)
        return 0
    if not to_run(planned):
        if held:
            print_results(planned, 0.0)
            print("\nevery mutant of this selection is judged in the ledger; nothing run")
            return 0
        raise BenchmarkError("no mutant to run in this selection")
    started = time.monotonic()
    budget_until = started + args.budget if args.budget else None
    runner = Runner(
        args.source,
        args.timeout,
        budget_until,
        fail_fast=not args.all_checks,
        api_only_confirm=args.api_confirm,
    )
    everything = sorted({r for p in to_run(planned) for r in p.requirements})
    _require_admitted(runner, everything, (), f"for {','.join(everything)}")
    for chosen in confirm_sets:  # a survivor's last runs choose these: they must ADMIT unmutated
        _require_admitted(runner, None, chosen, f"with {','.join(chosen)} chosen")
    ledger = Ledger(args.ledger, args.source) if args.ledger else None
    finished = run_all(
        runner,
        planned,
        args.jobs,
        confirm=not args.no_confirm,
        ledger=ledger,
        order_seed=args.seed if ledger else None,
        alternatives=confirm_sets,
    )
    wall = time.monotonic() - started
    print_results(planned, wall)
    not_run = sum(1 for p in to_run(planned) if p.verdict is None)
    if not_run:
        why = "interrupted" if not finished else f"time budget of {args.budget:g} s spent"
        print(f"\n{not_run} mutants not run ({why}): the figures above cover only those run.")
    if not finished:
        print("mutation: interrupted; every certify run stopped", file=sys.stderr)
    if args.json:
        result = as_json(planned, unjudged, wall)
        result["interrupted"] = not finished
        result["not_run"] = not_run
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if finished else 2


if __name__ == "__main__":
    sys.exit(main())
