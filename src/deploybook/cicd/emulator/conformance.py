"""GitHub's own expression test data, read as GitHub's harness reads it.

``data/cicd/github-expressions-testdata/`` holds the x-language test cases of GitHub's
expression evaluator (``actions/languageservices``, ``expressions/testdata``; see
``data/cicd/SOURCES.md``). As in GitHub's harness (``xlang.test.ts``), a case's
``contexts`` keys are its only named values, only the built-in functions exist, an error
case passes when lexing, parsing or evaluation fails with a message containing GitHub's
text, and a value case when the kind matches and the value prints the same with
``JSON.stringify`` (NaN and Infinity as ``null``, object keys in order).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from deploybook.cicd.emulator.expressions import (
    BUILTIN_FUNCTIONS,
    ExpressionError,
    Scope,
    evaluate_tree,
    kind_name,
    parse,
)
from deploybook.paths import data_dir


@dataclass(frozen=True)
class Case:
    """One case: where it is, the expression, its contexts, and what GitHub expects."""

    name: str  # file/group/number
    expr: str
    contexts: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] | None = None  # {"kind": ..., "value": ...}
    err: dict[str, str] | None = None  # {"kind": ..., "value": ...}


def cases() -> list[Case]:
    """Every case of the vendored test data, in file order."""
    found = []
    for path in sorted((data_dir() / "cicd" / "github-expressions-testdata").glob("*.json")):
        for group, items in json.loads(path.read_text()).items():
            for number, item in enumerate(items):
                found.append(
                    Case(
                        f"{path.stem}/{group}/{number}",
                        item["expr"],
                        item.get("contexts") or {},
                        item.get("result"),
                        item.get("err"),
                    )
                )
    return found


def stringified(value: Any) -> Any:
    """What ``JSON.stringify`` keeps of a value: non-finite numbers become null, -0 is 0,
    objects keep their key order."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return None if not math.isfinite(value) else float(value) + 0.0
    if isinstance(value, list):
        return [stringified(item) for item in value]
    return [(str(key), stringified(item)) for key, item in value.items()]


def failure(case: Case) -> str | None:
    """Why our evaluator disagrees with GitHub on ``case`` (None if it agrees)."""
    try:
        tree = parse(case.expr, named_values=case.contexts, functions=BUILTIN_FUNCTIONS)
        value = evaluate_tree(tree, case.expr, Scope(case.contexts))
    except ExpressionError as exc:
        if case.err is None:
            return f"unexpected {exc.kind} error: {exc}"
        if exc.kind != case.err["kind"] or case.err["value"] not in str(exc):
            return f"expected the {case.err['kind']} error {case.err['value']!r}, got {exc}"
        return None
    if case.err is not None:
        return f"expected the {case.err['kind']} error {case.err['value']!r}, got {value!r}"
    expected = case.result or {}
    if kind_name(value) != expected.get("kind"):
        return f"expected a {expected.get('kind')}, got a {kind_name(value)} ({value!r})"
    if stringified(value) != stringified(expected.get("value")):
        return f"expected {expected.get('value')!r}, got {value!r}"
    return None


def passed() -> tuple[int, int]:
    """(cases our evaluator agrees with GitHub on, cases)."""
    all_cases = cases()
    return sum(failure(case) is None for case in all_cases), len(all_cases)
