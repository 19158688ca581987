"""Every case of GitHub's own expression test data, run against our evaluator.

Independent reference: ``data/cicd/github-expressions-testdata/`` is GitHub's x-language test
data for the Actions expression language (``actions/languageservices``, see
``data/cicd/SOURCES.md``), read the way GitHub's harness ``xlang.test.ts`` reads it
(:mod:`deploybook.cicd.emulator.conformance`).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from deploybook.cicd.emulator.conformance import Case, cases, failure
from deploybook.paths import data_dir

CASES = cases()


def test_the_test_data_is_all_there() -> None:
    """The vendored files hold GitHub's 1,020 cases in 28 files (as SOURCES.md says)."""
    folder = data_dir() / "cicd" / "github-expressions-testdata"
    assert len(list(folder.glob("*.json"))) == 28
    assert len(CASES) == 1020
    assert sum(case.err is not None for case in CASES) == 80
    notes = (data_dir() / "cicd" / "SOURCES.md").read_text()
    assert "4043eda158e16579cc5fb1b0b07a4bce2a76f0b5" in notes
    assert (folder / "LICENSE").read_text().startswith("MIT License")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_github_expression_case(case: Case) -> None:
    assert failure(case) is None


@pytest.mark.parametrize(
    "wrong",
    [
        Case("x", "1 == 1", result={"kind": "Boolean", "value": False}),
        Case("x", "1 == 1", result={"kind": "Number", "value": True}),
        Case("x", "1 ==", err={"kind": "evaluation", "value": "Unexpected end"}),
        Case("x", "1 == 1", err={"kind": "parsing", "value": "anything"}),
    ],
)
def test_the_harness_fails_a_wrong_expectation(wrong: Case) -> None:
    """The comparison is not vacuous: a changed value, kind or error fails."""
    assert failure(wrong) is not None


def test_named_values_come_from_the_case() -> None:
    case = next(c for c in CASES if c.contexts)
    assert failure(replace(case, contexts={})) is not None
