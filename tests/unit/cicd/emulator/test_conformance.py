"""Every case of GitHub's own expression test data, run against our evaluator.

Independent reference: ``data/cicd/github-expressions-testdata/`` is GitHub's x-language test
data for the Actions expression language (``actions/languageservices``, see
``data/cicd/SOURCES.md``), read the way GitHub's harness ``xlang.test.ts`` reads it: the
case's ``contexts`` keys are its only named values, only the built-in functions exist, and an
error case passes when lexing, parsing or evaluation fails with a message that contains
GitHub's text. Values are compared as ``JSON.stringify`` would print them (NaN and Infinity as
``null``, keys in order), kinds by GitHub's names.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from deploybook.cicd.emulator.expressions import (
    BUILTIN_FUNCTIONS,
    ExpressionError,
    Scope,
    evaluate_tree,
    kind_name,
    parse,
)
from deploybook.paths import data_dir

TESTDATA = data_dir() / "cicd" / "github-expressions-testdata"


def _cases() -> list[Any]:
    cases = []
    for path in sorted(TESTDATA.glob("*.json")):
        for group, items in json.loads(path.read_text()).items():
            for number, case in enumerate(items):
                case_id = f"{path.stem}/{group}/{number}"
                cases.append(pytest.param(case, id=case_id))
    return cases


CASES = _cases()


def _stringified(value: Any) -> Any:
    """What ``JSON.stringify`` keeps of a value: non-finite numbers become null, -0 is 0,
    objects keep their key order."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return None if not math.isfinite(value) else float(value) + 0.0
    if isinstance(value, list):
        return [_stringified(item) for item in value]
    return [(str(key), _stringified(item)) for key, item in value.items()]


def test_the_test_data_is_all_there() -> None:
    """The vendored files hold GitHub's 1,020 cases in 28 files (as SOURCES.md says)."""
    assert len(list(TESTDATA.glob("*.json"))) == 28
    assert len(CASES) == 1020


def _run(case: dict[str, Any]) -> Any:
    expr, contexts = case["expr"], case.get("contexts") or {}
    tree = parse(expr, named_values=contexts, functions=BUILTIN_FUNCTIONS)
    return evaluate_tree(tree, expr, Scope(contexts))


@pytest.mark.parametrize("case", CASES)
def test_github_expression_case(case: dict[str, Any]) -> None:
    expected_error = case.get("err")
    if expected_error is not None:
        with pytest.raises(ExpressionError) as caught:
            _run(case)
        assert caught.value.kind == expected_error["kind"], str(caught.value)
        assert expected_error["value"] in str(caught.value)
        return
    result = _run(case)
    assert kind_name(result) == case["result"]["kind"]
    assert _stringified(result) == _stringified(case["result"]["value"])


def test_the_harness_fails_a_wrong_answer() -> None:
    """The comparison above is not vacuous: a case with a changed expected value fails."""
    case = {"expr": "1 == 1", "result": {"kind": "Boolean", "value": False}}
    with pytest.raises(AssertionError):
        test_github_expression_case(case)


def test_vendored_files_match_their_note() -> None:
    notes = (Path(TESTDATA).parent / "SOURCES.md").read_text()
    assert "4043eda158e16579cc5fb1b0b07a4bce2a76f0b5" in notes
    assert (TESTDATA / "LICENSE").read_text().startswith("MIT License")
