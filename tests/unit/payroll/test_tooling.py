"""The report's tooling: mutation-testing sandbox and score, and reading pytest's JUnit XML."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploybook.payroll.report.mutation import (
    MAX_EXAMPLES,
    MODULES,
    TARGETS,
    MutationResult,
    MutationRun,
    _sandbox,
    module_of,
    parse_results,
    sample_mutants,
    surviving_changes,
    tally,
)
from deploybook.payroll.report.pyramid import _cases, run_level


def test_a_sample_of_mutants_is_seeded_and_its_score_has_a_margin() -> None:
    names = [f"m{i:03d}" for i in range(300)]
    first = sample_mutants(names, 40, seed=7)
    assert first == sample_mutants(reversed(names), 40, seed=7) == sorted(first)
    assert len(set(first)) == 40
    assert first != sample_mutants(names, 40, seed=8)
    assert sample_mutants(names, 0, seed=7) == sample_mutants(names, 500, seed=7) == names
    sampled = MutationResult(90, 10, 0, 0, 0, 0, 100, generated=1000)
    assert round(sampled.margin, 2) == 5.58  # 1.96 x sqrt(0.9 x 0.1 / 100) x sqrt(900 / 999)
    assert MutationResult(90, 10, 0, 0, 0, 0, 100, generated=100).margin == 0  # every one


def test_mutation_score_counts_survivors_and_untested() -> None:
    result = MutationResult(killed=90, survived=6, no_tests=3, timeout=1, suspicious=0,
                            skipped=5, total=105)  # fmt: skip
    assert result.score == 91.0
    assert MutationResult(0, 0, 0, 0, 0, 0, 0).score == 0.0


def test_mutants_are_scored_per_module() -> None:
    """mutmut's results are read per module; the total adds them up."""
    text = (
        "    deploybook.payroll.engine.withholding.x_bracket_index__mutmut_1: killed\n"
        "    deploybook.payroll.engine.withholding.x_bracket_index__mutmut_2: survived\n"
        "    deploybook.payroll.engine.money.x_to_cents__mutmut_1: no tests\n"
        "    deploybook.payroll.service.payruns.x\u01c1PayrollService\u01c1approve__mutmut_3: "
        "timeout\n"
        "    deploybook.payroll.engine.aba.x__alpha__mutmut_4: not checked\n"
        "some other line\n"
    )
    outcomes = parse_results(text)
    assert len(outcomes) == 5
    found = tally(outcomes)
    assert list(found) == list(MODULES)
    assert found["withholding"] == MutationResult(1, 1, 0, 0, 0, 0, 2, 2)
    assert found["withholding"].score == 50.0
    assert found["money"].no_tests == 1
    assert (found["payruns"].timeout, found["payruns"].score) == (1, 100.0)
    assert found["aba"] == MutationResult(0, 0, 0, 0, 0, 0, 0, 1)  # made, not tested
    assert found["calculation"].total == 0
    run = MutationRun(found, ("x",), 3.0)
    assert run.overall == MutationResult(1, 1, 1, 1, 0, 0, 4, 5)
    with pytest.raises(ValueError, match=r"mutant 'deploybook\.payroll\.engine\.rules\.x_f"):
        module_of("deploybook.payroll.engine.rules.x_f__mutmut_1")


def test_mutation_sandbox_holds_the_package_and_the_tests(tmp_path: Path) -> None:
    (tmp_path / "sandbox").mkdir()
    (tmp_path / "sandbox" / "stale").write_text("x")
    _sandbox(tmp_path / "sandbox", TARGETS[-1])
    assert not (tmp_path / "sandbox" / "stale").exists()
    assert (
        tmp_path / "sandbox" / "src" / "deploybook" / "payroll" / "engine" / "withholding.py"
    ).is_file()
    copied = {str(p.relative_to(tmp_path / "sandbox")) for p in
              (tmp_path / "sandbox" / "tests").rglob("*.py")}  # fmt: skip
    assert copied == {
        *TARGETS[-1].tests,
        "tests/conftest.py",
        "tests/payroll_aba_reader.py",
        "tests/unit/payroll/__init__.py",
        "tests/unit/payroll/conftest.py",
    }
    config = (tmp_path / "sandbox" / "pyproject.toml").read_text()
    assert 'only_mutate = ["src/deploybook/payroll/service/payruns.py"]' in config
    assert 'test_selection = ["tests/unit/payroll/test_payruns.py"]' in config
    profile = (tmp_path / "sandbox" / "tests" / "conftest.py").read_text()
    assert f"max_examples={MAX_EXAMPLES}, derandomize=True" in profile  # same examples each run


def test_surviving_changes_are_read_from_the_mutated_module(tmp_path: Path) -> None:
    module = tmp_path / "withholding" / "mutants" / TARGETS[0].source
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
    assert [(m.module, m.name, m.original, m.mutated, m.x_comparison) for m in found] == [
        ("withholding", "bracket_index 5", "if x < upper:", "if x <= upper:", True),
        ("withholding", "bracket_index 7", "return index", "return index + 1", False),
    ]
    service = tmp_path / "payruns" / "mutants" / TARGETS[-1].source
    service.parent.mkdir(parents=True)
    service.write_text(
        "class PayrollService:\n"
        "    def x\u01c1PayrollService\u01c1approve__mutmut_orig(self, actor):\n"
        "        return actor == 'alex'\n"
        "    def x\u01c1PayrollService\u01c1approve__mutmut_2(self, actor):\n"
        "        return actor != 'alex'\n"
    )
    (method,) = surviving_changes(
        tmp_path,
        ["deploybook.payroll.service.payruns.x\u01c1PayrollService\u01c1approve__mutmut_2"],
    )
    assert (method.module, method.name) == ("payruns", "PayrollService.approve 2")
    assert (method.original, method.mutated) == ("return actor == 'alex'", "return actor != 'alex'")


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
