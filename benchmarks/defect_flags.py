"""What the deliberate defects decide in the reference platform's code, read statically: which
tests and branches a defect flag settles, which names only ever hold a flag's value, which
functions only a switched-on defect calls.

With every defect off (how the benchmark certifies), code only a defect makes run never runs,
and a mutant of it is equivalent by construction; a mutant of a flag reading is the compliant
code again or the named defect itself, which the detection matrix proves. benchmarks/mutants.py
asks this module so that it does not make those mutants.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping


def reads_defect(node: ast.AST) -> bool:
    """Is this expression only a deliberate defect's flag: `defects.active("x")`, its negation, or
    `and`/`or` of those?"""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return reads_defect(node.operand)
    if isinstance(node, ast.BoolOp):
        return all(reads_defect(value) for value in node.values)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "active"
    )


def contains_defect_read(node: ast.AST) -> bool:
    return any(reads_defect(child) for child in ast.walk(node))


NO_FLAGS: Mapping[str, bool] = {}


def value_with_defects_off(node: ast.AST, flags: Mapping[str, bool] = NO_FLAGS) -> bool | None:
    """The value of a test when every defect is off, if the defect flags in it decide it:
    `defects.active(x)` is False, so `defects.active(x) and …` is False and `not
    defects.active(x) or …` is True; a name in `flags` (`rules.ignore_rate`) has its value
    there. None when the rest of the test decides."""
    if isinstance(node, ast.Call) and reads_defect(node):
        return False
    if isinstance(node, ast.Name | ast.Attribute):
        return flags.get(node.id if isinstance(node, ast.Name) else node.attr)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = value_with_defects_off(node.operand, flags)
        return None if inner is None else not inner
    if isinstance(node, ast.BoolOp):
        values = [value_with_defects_off(value, flags) for value in node.values]
        deciding = isinstance(node.op, ast.Or)  # True decides an `or`, False an `and`
        if deciding in values:
            return deciding
        if all(value is not None for value in values):
            return not deciding
    return None


def defect_only_branch(test: ast.AST, flags: Mapping[str, bool]) -> str | None:
    """Which branch of an `if` on this test only a switched-on defect takes: "body", "orelse"."""
    value = value_with_defects_off(test, flags)
    if value is None:
        return None
    return "orelse" if value else "body"


def defect_only_functions(
    sources: Iterable[str], flags: Mapping[str, bool] = NO_FLAGS
) -> frozenset[str]:
    """Names of the top-level functions and UPPER_CASE constants of `sources` (the whole
    package: routers too) that are read only inside branches a switched-on defect takes (such as
    `FIXED_CAPTURE_OFFSET_S`, read only under `capture_at_fixed_offset`): with the defects off
    they never run or are never read, so every mutant of them is equivalent."""
    defined: set[str] = set()
    inside: set[str] = set()
    outside: set[str] = set()
    for source in sources:
        tree = ast.parse(source)
        defined |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        defined |= {
            target.id
            for n in tree.body
            if isinstance(n, ast.Assign | ast.AnnAssign)
            for target in (n.targets if isinstance(n, ast.Assign) else [n.target])
            if isinstance(target, ast.Name) and target.id.isupper()
        }
        _references(tree, False, inside, outside, flags)
    return frozenset((defined & inside) - outside)


def _references(
    node: ast.AST,
    in_defect_branch: bool,
    inside: set[str],
    outside: set[str],
    flags: Mapping[str, bool],
) -> None:
    if isinstance(node, ast.BoolOp):
        _operand_references(node, in_defect_branch, inside, outside, flags)
        return
    skipped = defect_only_branch(node.test, flags) if isinstance(node, ast.If | ast.IfExp) else None
    for field, value in ast.iter_fields(node):
        for child in value if isinstance(value, list) else [value]:
            if not isinstance(child, ast.AST):
                continue
            flag = in_defect_branch or field == skipped
            if isinstance(child, ast.Name | ast.Attribute) and not isinstance(child.ctx, ast.Store):
                name = child.id if isinstance(child, ast.Name) else child.attr
                (inside if flag else outside).add(name)  # a read, not the name's own binding
            _references(child, flag, inside, outside, flags)


def _operand_references(
    node: ast.BoolOp,
    in_defect_branch: bool,
    inside: set[str],
    outside: set[str],
    flags: Mapping[str, bool],
) -> None:
    """An `and`/`or` stops at its first deciding operand: after a flag that is False with the
    defects off (`defects.active(x) and helper(db)`), the operands to its right run only under
    the defect."""
    deciding = isinstance(node.op, ast.Or)  # True decides an `or`, False an `and`
    flag = in_defect_branch
    for operand in node.values:
        _references(operand, flag, inside, outside, flags)
        flag = flag or value_with_defects_off(operand, flags) is deciding


def defect_flag_values(sources: Iterable[str]) -> dict[str, bool]:
    """Names that hold a defect flag's value, with that value when every defect is off.

    A name (variable, parameter, keyword argument, attribute) counts when one of its bindings
    is a defect flag (`defects.active(x)`: False, `not defects.active(x)`: True, or another such
    name) and every other binding in `sources` (the whole package) gives the same value: a
    default, a literal, the same flag. Bindings read: assignments, keyword arguments, defaults,
    and positional arguments of calls to functions defined in `sources`; a loop or `with`
    target, an augmented assignment or an unpacking it cannot pair is an unknown value, and
    one unknown value disqualifies the name. Example: `CreditRules.ignore_rate` (a field
    defaulting to False, set from `defects.active("credits_fast_playback")`)."""
    trees = [ast.parse(source) for source in sources]
    bindings = _bindings(trees)
    flags: dict[str, bool] = {}
    for _ in range(4):  # names bound to names: a few rounds reach the fixed point
        for name, values in bindings.items():
            value = _consistent_value(name, values, flags)
            if value is not None:
                flags[name] = value
    return flags


def _consistent_value(
    name: str, values: list[ast.AST | None], flags: Mapping[str, bool]
) -> bool | None:
    seen: set[bool] = set()
    from_flag = False
    for value in values:
        if value is None:
            return None
        if isinstance(value, ast.Name | ast.Attribute) and _name_of(value) == name:
            continue  # passed on under its own name
        if isinstance(value, ast.Constant) and isinstance(value.value, bool):
            seen.add(value.value)
            continue
        known = value_with_defects_off(value, flags)
        if known is None:
            return None
        seen.add(known)
        from_flag = True
    return seen.pop() if from_flag and len(seen) == 1 else None


def _name_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _bindings(trees: list[ast.Module]) -> dict[str, list[ast.AST | None]]:
    """name → the expressions bound to it (None: a value that cannot be read)."""
    parameters: dict[str, list[list[str]]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
                parameters.setdefault(node.name, []).append(names)
    found: dict[str, list[ast.AST | None]] = {}

    def bind(target: ast.AST, value: ast.AST | None) -> None:
        if isinstance(target, ast.Tuple | ast.List):
            pairs = isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts)
            for n, element in enumerate(target.elts):
                bind(element, value.elts[n] if pairs else None)  # type: ignore[union-attr]
            return
        name = _name_of(target) if not isinstance(target, ast.Starred) else None
        if name is not None:
            found.setdefault(name, []).append(value)

    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    bind(target, node.value)
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                bind(node.target, node.value)
            elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor | ast.comprehension):
                bind(node.target, None)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                bind(node.optional_vars, None)
            elif isinstance(node, ast.NamedExpr):
                bind(node.target, node.value)
            elif isinstance(node, ast.keyword) and node.arg is not None:
                found.setdefault(node.arg, []).append(node.value)
            elif isinstance(node, ast.arguments):
                positional = [*node.posonlyargs, *node.args]
                for arg, default in zip(positional[::-1], node.defaults[::-1], strict=False):
                    found.setdefault(arg.arg, []).append(default)
                for arg, default in zip(node.kwonlyargs, node.kw_defaults, strict=True):
                    if default is not None:
                        found.setdefault(arg.arg, []).append(default)
            elif isinstance(node, ast.Call):
                _bind_positional(node, parameters, found)
    return found


def _bind_positional(
    call: ast.Call, parameters: dict[str, list[list[str]]], found: dict[str, list[ast.AST | None]]
) -> None:
    called = _name_of(call.func)
    for names in parameters.get(called or "", []):
        offset = (
            1 if isinstance(call.func, ast.Attribute) and names[:1] in (["self"], ["cls"]) else 0
        )
        for n, argument in enumerate(call.args):
            if isinstance(argument, ast.Starred):
                break
            if n + offset < len(names):
                found.setdefault(names[n + offset], []).append(argument)
