"""Mutants of one Python module, made with the standard library's `ast`: the faults a vendor's
programmer writes into a rule (a boundary off by one, a condition dropped, `and` for `or`).

Why not cosmic-ray or mutmut: mutmut 3 runs pytest in its own process and selects mutants by a
trampoline it calls in that process, while the code sxcert judges runs in a child server; cosmic-ray
takes any test command but mutates the configured tree in place (one session, one command, one
worker per clone), counts every non-zero exit as a kill (certify's exit 2, "could not judge", is
not a kill), and keys mutants by occurrence index, which shifts with every edit above them. Here a
mutant is a whole mutated module text, written into a throw-away copy of the package, and its key
depends only on the line it changes.

Each mutant replaces the source text of one expression or statement part with `ast.unparse` of
its mutated node, so the rest of the file (comments, layout, line numbers before it) is kept; the
mutated text is parsed back and must equal the intended mutated tree, or the mutant is dropped.

Operators (the `operator` field):
- comparison: `<`↔`<=`, `>`↔`>=`, `==`↔`!=`, `in`↔`not in`, `is`↔`is not`
- constant: an int `n` → `n+1`, `n-1`; a float → ±1 (±0.1 below 10); `True`↔`False`
- member: one string dropped from a literal set, tuple or list of strings (an enumeration)
- condition: an `if`/conditional-expression/comprehension test → `True` or `False`
- boolean: `and`↔`or`, one operand of `and`/`or` dropped, `not x` → `x`
- arithmetic: `+`↔`-`, `*`↔`/`, `//`→`/`, and the augmented forms
- aggregate: `all`↔`any`, `min`↔`max`
- return: `return x` → `return not (x)` in a `-> bool` function, `return None` in one that may
  answer None

Not mutated: docstrings and other strings, annotations, decorators, and whatever the deliberate
defects decide (benchmarks/defect_flags.py): a flag's reading, a test the flags settle, the
branch only a switched-on defect takes, a function only such a branch calls. With the defects off
those mutants behave as the original (equivalent by construction), or they are the named defect
itself, which the detection matrix already proves.
"""

from __future__ import annotations

import ast
import copy
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace

from defect_flags import (
    contains_defect_read,
    defect_flag_values,
    defect_only_branch,
    value_with_defects_off,
)

COMPARISON_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
ARITHMETIC_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
}
AGGREGATE_SWAPS = {"all": "any", "any": "all", "min": "max", "max": "min"}
SYMBOLS: dict[type[ast.AST], str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.And: "and",
    ast.Or: "or",
}
MODULE_LEVEL = "<module>"


@dataclass(frozen=True)
class Mutant:
    """One mutated version of a module. `key` is stable across edits elsewhere in the file: it
    hashes only the original line, the operator and the mutated line."""

    module: str  # file name within the package, e.g. "eligibility.py"
    function: str  # qualified name of the enclosing function, or "<module>"
    line: int
    operator: str
    description: str  # e.g. ">= → >"
    original_line: str
    mutated_line: str
    source: str  # the whole mutated module
    key: str
    # a compliant alternative whose branch holds the mutated code (`if alternatives.chosen(x)`):
    # the mutant is certified with that alternative chosen, or its code would never run
    alternative: str | None = None

    @property
    def where(self) -> str:
        return f"{self.module}:{self.line}"


@dataclass(frozen=True)
class _Context:
    """What the operators know of the place: the function's return annotation, and the names
    that hold a defect flag's value (see `defect_flag_values`)."""

    returns: ast.expr | None
    flags: Mapping[str, bool]

    def off(self, node: ast.AST) -> bool | None:
        return value_with_defects_off(node, self.flags)


@dataclass(frozen=True)
class _Candidate:
    """A node of the original tree, the field of its parent that holds it, and its replacement."""

    parent: ast.AST
    field: str
    index: int | None
    node: ast.AST
    replacement: ast.AST
    operator: str
    description: str
    alternative: str | None = None


def mutant_key(module: str, function: str, original: str, operator: str, mutated: str) -> str:
    digest = hashlib.sha256(f"{original.strip()}|{operator}|{mutated.strip()}".encode()).hexdigest()
    return f"{module.removesuffix('.py')}:{function}:{digest[:12]}"


def mutants_of(
    module: str,
    source: str,
    skip_functions: frozenset[str] = frozenset(),
    flags: Mapping[str, bool] | None = None,
) -> list[Mutant]:
    """Every mutant of `source` (the text of `module`), in source order, one per distinct key;
    none in the top-level functions and constants `skip_functions` (see `defect_only_functions`).
    `flags`: names holding a defect flag's value (`defect_flag_values`; default: from `source`)."""
    if flags is None:
        flags = defect_flag_values([source])
    tree = ast.parse(source)
    original = ast.dump(tree)
    lines = source.encode().splitlines(keepends=True)
    found: dict[str, Mutant] = {}
    for function, candidate in _candidates(tree, skip_functions, flags):
        mutated = _apply(tree, original, lines, candidate)
        if mutated is None:
            continue
        line = candidate.node.lineno
        mutated_lines = mutated.splitlines()
        original_line = lines[line - 1].decode().rstrip("\n")
        mutated_line = mutated_lines[line - 1] if line <= len(mutated_lines) else ""
        key = mutant_key(module, function, original_line, candidate.operator, mutated_line)
        if key in found:
            continue  # the same text made twice (e.g. `x + 1 - 1`): one mutant
        found[key] = Mutant(
            module,
            function,
            line,
            candidate.operator,
            candidate.description,
            original_line,
            mutated_line,
            mutated,
            key,
            candidate.alternative,
        )
    return sorted(found.values(), key=lambda mutant: mutant.line)


def _apply(
    tree: ast.Module, original: str, lines: list[bytes], candidate: _Candidate
) -> str | None:
    """The module text with the candidate's node replaced; None when the text does not parse
    back to exactly the intended tree (then the mutant is not made)."""
    expected = _dump_with(tree, candidate)
    if expected == original:
        return None  # no change at all
    text = ast.unparse(candidate.replacement)
    for replacement in (text, f"({text})"):
        mutated = _splice(lines, candidate.node, replacement)
        try:
            if ast.dump(ast.parse(mutated)) == expected:
                return mutated
        except SyntaxError:
            continue
    return None


def _dump_with(tree: ast.Module, candidate: _Candidate) -> str:
    """`ast.dump` of the tree with the candidate's replacement in place (restored afterwards)."""
    holder = getattr(candidate.parent, candidate.field)
    if candidate.index is None:
        setattr(candidate.parent, candidate.field, candidate.replacement)
    else:
        holder[candidate.index] = candidate.replacement
    try:
        return ast.dump(tree)
    finally:
        if candidate.index is None:
            setattr(candidate.parent, candidate.field, candidate.node)
        else:
            holder[candidate.index] = candidate.node


def _splice(lines: list[bytes], node: ast.AST, text: str) -> str:
    """Replace the node's source span (ast offsets are UTF-8 byte columns) with `text`."""
    start, end = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined]
    head = lines[start][: node.col_offset]
    tail = lines[end][node.end_col_offset :]  # type: ignore[attr-defined]
    spliced = [*lines[:start], head + text.encode() + tail, *lines[end + 1 :]]
    return b"".join(spliced).decode()


# --- where mutants are made ---------------------------------------------------------------------


def _is_upper_constant(statement: ast.stmt) -> bool:
    targets = (
        statement.targets
        if isinstance(statement, ast.Assign)
        else [statement.target]
        if isinstance(statement, ast.AnnAssign)
        else []
    )
    return bool(targets) and all(isinstance(t, ast.Name) and t.id.isupper() for t in targets)


def _bound_names(statement: ast.stmt) -> set[str]:
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]  # type: ignore[attr-defined]
    return {t.id for t in targets if isinstance(t, ast.Name)}


def _candidates(
    tree: ast.Module, skip_functions: frozenset[str], flags: Mapping[str, bool]
) -> Iterator[tuple[str, _Candidate]]:
    """(enclosing function, candidate) for every mutable place: function bodies and default
    values, and module- or class-level UPPER_CASE constants."""
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef) and statement.name in skip_functions:
            continue
        if _is_upper_constant(statement) and _bound_names(statement) <= skip_functions:
            continue  # a constant only a switched-on defect reads
        yield from _statement_candidates(statement, MODULE_LEVEL, "", flags)


def _statement_candidates(
    statement: ast.stmt, function: str, prefix: str, flags: Mapping[str, bool]
) -> Iterator[tuple[str, _Candidate]]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
        name = f"{prefix}{statement.name}"
        yield from ((name, c) for c in _walk(statement, _Context(statement.returns, flags)))
    elif isinstance(statement, ast.ClassDef):
        for inner in statement.body:
            yield from _statement_candidates(inner, function, f"{prefix}{statement.name}.", flags)
    elif _is_upper_constant(statement) and getattr(statement, "value", None) is not None:
        yield from ((function, c) for c in _walk(statement, _Context(None, flags)))


def _walk(root: ast.AST, ctx: _Context) -> Iterator[_Candidate]:
    """Candidates below `root` (a function: its body and default values; a constant: its
    value), skipping annotations, decorators and every branch only a switched-on defect takes."""
    stack: list[tuple[ast.AST, str | None]] = [(root, None)]
    while stack:
        node, alternative = stack.pop()
        skip_fields = {"annotation", "returns", "decorator_list", "type_comment"}
        chosen_in_body = None
        if isinstance(node, ast.If | ast.IfExp):
            branch = defect_only_branch(node.test, ctx.flags)
            if branch:
                skip_fields |= {branch, "test"}
            chosen_in_body = alternative_chosen(node.test)
        for field, value in ast.iter_fields(node):
            if field in skip_fields:
                continue
            inner = (chosen_in_body if field == "body" else None) or alternative
            children = value if isinstance(value, list) else [value]
            for index, child in enumerate(children):
                if not isinstance(child, ast.AST):
                    continue
                where = index if isinstance(value, list) else None
                for make in _OPERATORS:
                    for candidate in make(node, field, where, child, ctx):
                        yield replace(candidate, alternative=inner)
                if not (isinstance(child, ast.expr) and ctx.off(child) is not None):
                    stack.append((child, inner))  # inside a value the flags decide, nothing matters


def alternative_chosen(test: ast.expr) -> str | None:
    """The compliant alternative an `if` on `test` needs for its body: `x.chosen("name")`,
    alone or as an operand of `and` (how the reference reads its alternatives)."""
    is_and = isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And)
    for operand in test.values if is_and else [test]:
        if (
            isinstance(operand, ast.Call)
            and isinstance(operand.func, ast.Attribute)
            and operand.func.attr == "chosen"
            and len(operand.args) == 1
            and isinstance(operand.args[0], ast.Constant)
            and isinstance(operand.args[0].value, str)
        ):
            return operand.args[0].value
    return None


MakeCandidates = Callable[[ast.AST, str, int | None, ast.AST, _Context], Iterator[_Candidate]]


def _candidate(
    parent: ast.AST,
    field: str,
    index: int | None,
    node: ast.AST,
    replacement: ast.AST,
    operator: str,
    description: str,
) -> _Candidate:
    return _Candidate(parent, field, index, node, replacement, operator, description)


def _comparison(
    parent: ast.AST, field: str, index: int | None, node: ast.AST, ctx: _Context
) -> Iterator[_Candidate]:
    if not isinstance(node, ast.Compare) or contains_defect_read(node):
        return
    for position, op in enumerate(node.ops):
        swap = COMPARISON_SWAPS.get(type(op))
        if swap is None:
            continue
        mutated = copy.deepcopy(node)
        mutated.ops[position] = swap()
        yield _candidate(
            parent,
            field,
            index,
            node,
            mutated,
            "comparison",
            f"{SYMBOLS[type(op)]} → {SYMBOLS[swap]}",
        )


def _constant(
    parent: ast.AST, field: str, index: int | None, node: ast.AST, ctx: _Context
) -> Iterator[_Candidate]:
    if not isinstance(node, ast.Constant) or isinstance(parent, ast.JoinedStr | ast.FormattedValue):
        return
    value = node.value
    if isinstance(value, bool):
        news: list[object] = [not value]
    elif isinstance(value, int):
        news = [value + 1, value - 1]
    elif isinstance(value, float):
        step = 1.0 if abs(value) >= 10 else 0.1
        news = [round(value + step, 6), round(value - step, 6)]
    else:
        return
    for new in news:
        yield _candidate(
            parent, field, index, node, ast.Constant(new), "constant", f"{value!r} → {new!r}"
        )


def _member(
    parent: ast.AST, field: str, index: int | None, node: ast.AST, ctx: _Context
) -> Iterator[_Candidate]:
    if not isinstance(node, ast.Set | ast.Tuple | ast.List) or len(node.elts) < 2:
        return
    if isinstance(node, ast.Tuple | ast.List) and not isinstance(node.ctx, ast.Load):
        return
    if not all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
        return
    for position, element in enumerate(node.elts):
        mutated = copy.deepcopy(node)
        del mutated.elts[position]
        yield _candidate(parent, field, index, node, mutated, "member", f"drop {element.value!r}")


def _condition(
    parent: ast.AST, field: str, index: int | None, node: ast.AST, ctx: _Context
) -> Iterator[_Candidate]:
    is_test = (isinstance(parent, ast.If | ast.IfExp | ast.While) and field == "test") or (
        isinstance(parent, ast.comprehension) and field == "ifs"
    )
    if not is_test or ctx.off(node) is not None or isinstance(node, ast.Constant):
        return
    outcomes = (True,) if isinstance(parent, ast.comprehension | ast.While) else (True, False)
    for outcome in outcomes:
        yield _candidate(
            parent,
            field,
            index,
            node,
            ast.Constant(outcome),
            "condition",
            f"test → {outcome}",
        )


def _boolean(
    parent: ast.AST, field: str, index: int | None, node: ast.AST, ctx: _Context
) -> Iterator[_Candidate]:
    if isinstance(node, ast.BoolOp):
        if ctx.off(node) is not None:
            return  # decided by a flag: dropping it is the named defect, the rest is equivalent
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        if all(ctx.off(value) is None for value in node.values):
            # With a defect's flag as operand the swap is a constant (its `condition` mutant).
            yield _candidate(
                parent,
                field,
                index,
                node,
                ast.BoolOp(other(), copy.deepcopy(node.values)),
                "boolean",
                f"{SYMBOLS[type(node.op)]} → {SYMBOLS[other]}",
            )
        for position, value in enumerate(node.values):
            rest = [copy.deepcopy(v) for i, v in enumerate(node.values) if i != position]
            if ctx.off(value) is not None or all(ctx.off(v) is not None for v in rest):
                continue  # the compliant code again, or a constant (the `condition` mutant)
            replacement = rest[0] if len(rest) == 1 else ast.BoolOp(type(node.op)(), rest)
            yield _candidate(
                parent,
                field,
                index,
                node,
                replacement,
                "boolean",
                f"drop operand `{ast.unparse(value)}`",
            )
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and ctx.off(node) is None:
        yield _candidate(
            parent, field, index, node, copy.deepcopy(node.operand), "boolean", "not x → x"
        )


def _arithmetic(
    parent: ast.AST, field: str, index: int | None, node: ast.AST, ctx: _Context
) -> Iterator[_Candidate]:
    if not isinstance(node, ast.BinOp | ast.AugAssign):
        return
    swap = ARITHMETIC_SWAPS.get(type(node.op))
    if swap is None or _has_string_operand(node):
        return
    mutated = copy.deepcopy(node)
    mutated.op = swap()
    yield _candidate(
        parent,
        field,
        index,
        node,
        mutated,
        "arithmetic",
        f"{SYMBOLS[type(node.op)]} → {SYMBOLS[swap]}",
    )


def _has_string_operand(node: ast.BinOp | ast.AugAssign) -> bool:
    operands = [node.left, node.right] if isinstance(node, ast.BinOp) else [node.value]
    return any(
        isinstance(o, ast.JoinedStr) or (isinstance(o, ast.Constant) and isinstance(o.value, str))
        for o in operands
    )


def _aggregate(
    parent: ast.AST, field: str, index: int | None, node: ast.AST, ctx: _Context
) -> Iterator[_Candidate]:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return
    swap = AGGREGATE_SWAPS.get(node.func.id)
    if swap is None:
        return
    mutated = copy.deepcopy(node)
    mutated.func = ast.Name(swap, ast.Load())
    yield _candidate(parent, field, index, node, mutated, "aggregate", f"{node.func.id} → {swap}")


def _return(
    parent: ast.AST, field: str, index: int | None, node: ast.AST, ctx: _Context
) -> Iterator[_Candidate]:
    returns = ctx.returns
    if not isinstance(node, ast.Return) or node.value is None or returns is None:
        return
    value = node.value
    annotation = ast.unparse(returns)
    if annotation == "bool" and not isinstance(value, ast.Constant):
        replacement = ast.Return(ast.UnaryOp(ast.Not(), copy.deepcopy(value)))
        yield _candidate(parent, field, index, node, replacement, "return", "x → not (x)")
    optional = "None" in annotation.replace(" ", "").split("|") or "Optional" in annotation
    if optional and not (isinstance(value, ast.Constant) and value.value is None):
        yield _candidate(
            parent, field, index, node, ast.Return(ast.Constant(None)), "return", "x → None"
        )


_OPERATORS: tuple[MakeCandidates, ...] = (
    _comparison,
    _constant,
    _member,
    _condition,
    _boolean,
    _arithmetic,
    _aggregate,
    _return,
)
