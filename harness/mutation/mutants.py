"""Mutants of one function: the module's source with that function broken in one way.

A mutation is named by a short spec, as the table (targets.py) writes it:

- `raise`: the function raises RuntimeError as its first statement (after its docstring);
- `return <expression>`: the function returns that expression at once, whatever it is
  given (`return []`, `return None`, `return Retry.NO`; names resolve in the module);
- `negate`: every `return X` of the function returns `not X` (the opposite answer);
- `off_by_one`: one mutant per order comparison in the function, `<` and `<=` swapped (or
  `>` and `>=`), so each limit is moved by one on its own.

Only the function's own lines change; the rest of the module is kept byte for byte, so a
traceback through any other function still points at its real line.
"""

from __future__ import annotations

import ast
import copy
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_SWAPPED: dict[type[ast.cmpop], type[ast.cmpop]] = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}


class MutationError(ValueError):
    """The table names a function, or a mutation of it, that cannot be made."""


@dataclass(frozen=True)
class Mutant:
    module: str  # slb_master_slave's module as its path in the package, e.g. "domain/validation"
    function: str  # qualified within the module, e.g. "Backoff.delay"
    mutation: str  # the spec, with the site for off_by_one: "off_by_one#2"
    change: str  # what changed, in source form, where the spec does not say it all
    source: str  # the whole module, mutated

    @property
    def name(self) -> str:
        return f"{self.module}.{self.function}: {self.mutation}" + (f" ({self.change})" if self.change else "")


def mutants_of(module: str, source: str, function: str, spec: str) -> list[Mutant]:
    """Every mutant `spec` makes of `function` in `source` (one, or one per site)."""
    tree = ast.parse(source)
    node = _find(tree, function)
    make = _operator(spec)
    made = []
    for label, change, mutated in make(node):
        ast.fix_missing_locations(mutated)
        made.append(Mutant(module, function, label or spec, change, _splice(source, node, mutated)))
    if not made:
        raise MutationError(f"{module}.{function}: {spec!r} finds nothing to change")
    return made


Variant = tuple[str, str, FunctionNode]  # (label, change, mutated function)


def _operator(spec: str) -> Callable[[FunctionNode], Iterator[Variant]]:
    if spec == "raise":
        return _raising
    if spec == "negate":
        return _negated
    if spec == "off_by_one":
        return _off_by_one
    if spec.startswith("return "):
        expression = spec.removeprefix("return ").strip()
        try:
            value = ast.parse(expression, mode="eval").body
        except SyntaxError as error:
            raise MutationError(f"{spec!r}: not an expression ({error.msg})") from None
        return lambda node: _returning(node, value)
    raise MutationError(f"unknown mutation {spec!r}: use raise, negate, off_by_one or 'return <expression>'")


def _find(tree: ast.Module, qualified: str) -> FunctionNode:
    scope: list[ast.stmt] = tree.body
    *classes, name = qualified.split(".")
    for class_name in classes:
        found = [n for n in scope if isinstance(n, ast.ClassDef) and n.name == class_name]
        if not found:
            raise MutationError(f"no class {class_name!r} for {qualified!r}")
        scope = found[0].body
    functions = [n for n in scope if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]
    if not functions:
        raise MutationError(f"no function {qualified!r}")
    return functions[0]


def _body_start(node: FunctionNode) -> int:
    """Where new first statements go: after the docstring, if any."""
    first = node.body[0]
    is_docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    return 1 if is_docstring else 0


def _with_first_statement(node: FunctionNode, statement: ast.stmt) -> FunctionNode:
    mutated = copy.deepcopy(node)
    mutated.body.insert(_body_start(mutated), statement)
    return mutated


def _raising(node: FunctionNode) -> Iterator[Variant]:
    message = ast.Constant(f"mutant: {node.name} raises")
    statement = ast.Raise(exc=ast.Call(func=ast.Name("RuntimeError", ast.Load()), args=[message], keywords=[]))
    yield "", "", _with_first_statement(node, statement)


def _returning(node: FunctionNode, value: ast.expr) -> Iterator[Variant]:
    if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in _own_nodes(node)):
        raise MutationError(f"{node.name} is a generator: 'return <expression>' would not change what it yields")
    yield "", "", _with_first_statement(node, ast.Return(copy.deepcopy(value)))


def _negated(node: FunctionNode) -> Iterator[Variant]:
    mutated = copy.deepcopy(node)
    returns = [n for n in _own_nodes(mutated) if isinstance(n, ast.Return) and n.value is not None]
    for statement in returns:
        assert statement.value is not None
        statement.value = ast.UnaryOp(op=ast.Not(), operand=statement.value)
    if returns:
        yield "", "", mutated


def _off_by_one(node: FunctionNode) -> Iterator[Variant]:
    sites = [(i, j) for i, n in enumerate(_own_nodes(node)) if isinstance(n, ast.Compare)
             for j, op in enumerate(n.ops) if type(op) in _SWAPPED]
    for number, (index, op_index) in enumerate(sites, start=1):
        mutated = copy.deepcopy(node)
        compare = _own_nodes(mutated)[index]
        assert isinstance(compare, ast.Compare)
        before = ast.unparse(compare)
        compare.ops[op_index] = _SWAPPED[type(compare.ops[op_index])]()
        yield f"off_by_one#{number}", f"{before} -> {ast.unparse(compare)}", mutated


def _own_nodes(node: FunctionNode) -> list[ast.AST]:
    """The function's nodes in a stable order, without those of functions or classes defined
    inside it (their returns are not the function's)."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(reversed(node.body))
    while stack:
        current = stack.pop()
        found.append(current)
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(current))))
    return found


def _splice(source: str, original: FunctionNode, mutated: FunctionNode) -> str:
    """The module with the function's lines (decorators included) replaced by the mutant's."""
    lines = source.splitlines(keepends=True)
    first = min([original.lineno, *(d.lineno for d in original.decorator_list)]) - 1
    last = original.end_lineno or original.lineno
    text = textwrap.indent(ast.unparse(mutated), " " * original.col_offset) + "\n"
    return "".join(lines[:first]) + text + "".join(lines[last:])
