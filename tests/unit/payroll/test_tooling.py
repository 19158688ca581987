"""The report's tooling: mutation-testing sandbox and score, and reading pytest's JUnit XML."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploybook.payroll.report.mutation import (
    MAX_EXAMPLES,
    TARGET,
    TESTS,
    MutationResult,
    _sandbox,
    surviving_changes,
)
from deploybook.payroll.report.pyramid import _cases, run_level


def test_mutation_score_counts_survivors_and_untested() -> None:
    result = MutationResult(killed=90, survived=6, no_tests=3, timeout=1, suspicious=0,
                            skipped=5, total=105, seconds=1.0)  # fmt: skip
    assert result.score == 91.0
    assert MutationResult(0, 0, 0, 0, 0, 0, 0, 0.0).score == 0.0


def test_mutation_sandbox_holds_the_package_and_the_tests(tmp_path: Path) -> None:
    (tmp_path / "sandbox").mkdir()
    (tmp_path / "sandbox" / "stale").write_text("x")
    _sandbox(tmp_path / "sandbox")
    assert not (tmp_path / "sandbox" / "stale").exists()
    assert (
        tmp_path / "sandbox" / "src" / "deploybook" / "payroll" / "engine" / "withholding.py"
    ).is_file()
    assert sorted(
        p.name for p in (tmp_path / "sandbox" / "tests" / "unit" / "payroll").iterdir()
    ) == sorted(TESTS)
    assert (
        'only_mutate = ["src/deploybook/payroll/engine/withholding.py"]'
        in (tmp_path / "sandbox" / "pyproject.toml").read_text()
    )
    profile = (tmp_path / "sandbox" / "tests" / "conftest.py").read_text()
    assert f"max_examples={MAX_EXAMPLES}, derandomize=True" in profile  # same examples each run


def test_surviving_changes_are_read_from_the_mutated_module(tmp_path: Path) -> None:
    module = tmp_path / "mutants" / TARGET
    module.parent.mkdir(parents=True)
    module.write_text(
        "def x_bracket_index__mutmut_orig(x, uppers):\n"
        "    for index, upper in enumerate(uppers):\n"
        "        if x < upper:  # the first upper above x\n"
        "            return index\n"
        "def x_bracket_index__mutmut_5(x, uppers):\n"
        "    for index, upper in enumerate(uppers):\n"
        "        if x <= upper:  # the first upper above x\n"
        "            return index\n"
        "def x_bracket_index__mutmut_7(x, uppers):\n"
        "    for index, upper in enumerate(uppers):\n"
        "        if x < upper:  # the first upper above x\n"
        "            return index + 1\n"
    )
    names = [f"deploybook.payroll.engine.withholding.x_bracket_index__mutmut_{n}" for n in (5, 7)]
    found = surviving_changes(tmp_path, names)
    assert [(m.name, m.original, m.mutated, m.x_comparison) for m in found] == [
        ("bracket_index 5", "if x < upper:", "if x <= upper:", True),
        ("bracket_index 7", "return index", "return index + 1", False),
    ]


def test_junit_outcomes(tmp_path: Path) -> None:
    (tmp_path / "j.xml").write_text(
        '<testsuites><testsuite><testcase name="a"/><testcase name="b"><failure/></testcase>'
        '<testcase name="c"><skipped/></testcase><testcase name="d"><error/></testcase>'
        "</testsuite></testsuites>"
    )
    assert _cases(tmp_path / "j.xml") == [
        ("a", "passed"),
        ("b", "failed"),
        ("c", "skipped"),
        ("d", "failed"),
    ]


def test_unknown_level(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="level must be one of unit, integration"):
        run_level("smoke", tmp_path)
