"""The mutation check's own parts: the mutants it makes, and a table that names only what exists.

The check itself runs after the suite (scripts/test.sh: `python -m harness.mutation`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from harness.mutation.mutants import MutationError, mutants_of
from harness.mutation.runner import PACKAGE_DIR, REPO, plan
from harness.mutation.targets import TARGETS

SOURCE = '''"""A module."""

LIMIT = 3


def first(x):
    return x


@staticmethod
def within(value, *, low=1):
    """Inside the limits?"""
    return low <= value <= LIMIT


class Counter:
    def over(self, n):
        def helper():
            return n > 0
        return n >= LIMIT or helper()


def gen(items):
    yield from items
'''


def _function(source: str, name: str) -> str:
    [node] = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef) and n.name == name]
    return ast.unparse(node)


def _namespace(source: str) -> dict[str, object]:
    scope: dict[str, object] = {}
    exec(compile(source, "<mutant>", "exec"), scope)
    return scope


def test_raise_comes_after_the_docstring_and_the_rest_of_the_module_is_unchanged() -> None:
    [mutant] = mutants_of("m", SOURCE, "within", "raise")
    assert mutant.name == "m.within: raise"
    body = ast.parse(_function(mutant.source, "within")).body[0]
    assert isinstance(body, ast.FunctionDef) and ast.get_docstring(body) == "Inside the limits?"
    assert isinstance(body.body[1], ast.Raise)
    untouched = SOURCE.split("@staticmethod")[0], SOURCE.split("class Counter:")[1]
    assert mutant.source.startswith(untouched[0]) and mutant.source.endswith(untouched[1])
    assert "@staticmethod" in mutant.source, "decorators are kept"


def test_return_answers_at_once_with_the_modules_names() -> None:
    [mutant] = mutants_of("m", SOURCE, "first", "return LIMIT + 1")
    first = _namespace(mutant.source)["first"]
    assert callable(first) and first("anything") == 4


def test_negate_turns_every_return_of_the_function_and_none_of_a_nested_one() -> None:
    [mutant] = mutants_of("m", SOURCE, "Counter.over", "negate")
    text = _function(mutant.source, "over")
    assert "return not (n >= LIMIT or helper())" in text
    assert "return n > 0" in text, "the nested function's return is its own"


def test_off_by_one_moves_each_limit_on_its_own() -> None:
    mutants = mutants_of("m", SOURCE, "within", "off_by_one")
    assert [(m.mutation, m.change) for m in mutants] == [
        ("off_by_one#1", "low <= value <= LIMIT -> low < value <= LIMIT"),
        ("off_by_one#2", "low <= value <= LIMIT -> low <= value < LIMIT"),
    ]
    lower, upper = (_namespace(m.source)["within"] for m in mutants)
    assert callable(lower) and callable(upper)
    assert (lower.__func__(1), lower.__func__(3)) == (False, True)  # type: ignore[attr-defined]
    assert (upper.__func__(1), upper.__func__(3)) == (True, False)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("function", "spec", "problem"), [
    ("missing", "raise", "no function 'missing'"),
    ("Nope.over", "raise", "no class 'Nope'"),
    ("first", "off_by_one", "finds nothing to change"),
    ("first", "flip", "unknown mutation 'flip'"),
    ("first", "return )", "not an expression"),
    ("gen", "return []", "is a generator"),
])
def test_a_mutation_that_cannot_be_made_is_refused_naming_why(function: str, spec: str, problem: str) -> None:
    with pytest.raises(MutationError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        mutants_of("m", SOURCE, function, spec)


def test_the_table_names_functions_that_exist_and_tests_that_exist() -> None:
    baseline, jobs = plan(TARGETS)  # every row makes its mutants, or this raises naming the row
    assert len(jobs) >= len(TARGETS)
    for target in TARGETS:
        assert (PACKAGE_DIR / f"{target.module}.py").exists(), target
        for test in (*target.tests, *filter(None, [target.reach])):
            path, _, name = test.partition("::")
            source = (REPO / path).read_text()
            assert not name or f"def {name.split('[')[0]}(" in source, f"{test} is not a test in {path}"
    assert all(not job.expect_failure for job in baseline)


def test_the_table_covers_each_part_of_the_promise() -> None:
    covered = {(t.module, t.function) for t in TARGETS}
    for part in [("domain/validation", "validate"), ("domain/normalize", "normalize_inputs"),
                 ("provider/__init__", "MasterSlaveServerGroupProvider.diff"), ("client/retry", "retry_decision"),
                 ("client/gone", "confirmed_gone")]:
        assert part in covered, part
    assert any(t.module in ("provider/lifecycle", "ownership/create") for t in TARGETS), "the ownership decision"
    assert any(t.reach and "real_engine" in t.reach for t in TARGETS), "one mutant must be shown to reach the real CLI's provider"
    assert Path(REPO, "scripts", "test.sh").read_text().count("harness.mutation") == 1, "CI runs the check"
