"""The payroll report's figures: every outcome sentence and boolean chosen by the results.

The notebook tests flip what a parameter can flip; these flip the rest on made-up results
(a day no rule set covers, a defect injected that nobody caught, a control that failed).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from deploybook.payroll.engine.reconcile import Reconciliation
from deploybook.payroll.engine.references import check_tax_table_rows, generator_check
from deploybook.payroll.engine.rules import default_rule_sets
from deploybook.payroll.report import figures
from deploybook.payroll.report.controls import Attempt, try_controls
from deploybook.payroll.report.mutation import MODULES, Mutant, MutationResult, MutationRun
from deploybook.payroll.report.pyramid import LevelResult
from deploybook.payroll.rollout.plan import load_plan
from deploybook.payroll.rollout.run import Decision, PhaseOutcome, RolloutResult

JULY = date(2026, 7, 6)


def _phase(name: str, environment: str, decision: Decision, **values: object) -> PhaseOutcome:
    phase = PhaseOutcome(name, environment, JULY, JULY)
    phase.decision = decision
    for key, value in values.items():
        setattr(phase, key, value)
    return phase


def _result(phases: list[PhaseOutcome], caught: str | None, inject: bool) -> RolloutResult:
    return RolloutResult(
        load_plan(), phases, caught, None, False, Reconciliation(0, 0, pd.DataFrame()), "",
        None, 0, ["double time", "salary"], [], 0, inject,  # type: ignore[arg-type]
    )  # fmt: skip


GO, NO_GO, NOT_RUN = Decision.GO, Decision.NO_GO, Decision.NOT_RUN


def test_the_rules_figures_follow_the_day() -> None:
    rule_sets = default_rule_sets()
    today = figures.rules_figures(rule_sets, date(2026, 12, 6))
    assert (today["rules_cover_today"], today["rules_check_passes"]) == (True, True)
    assert today["rule_set_in_force"] == today["rule_set_newest"] == "ato-schedule1-2026-07-01"
    assert today["rules_days_left"] == 206
    late = figures.rules_figures(rule_sets, date(2027, 5, 15))
    assert (late["rules_cover_today"], late["rules_check_passes"]) == (True, False)
    gone = figures.rules_figures(rule_sets, date(2027, 7, 1))
    assert (gone["rules_cover_today"], gone["rule_set_in_force"]) == (False, None)
    assert today["newest_values_derived"] >= 1  # the coefficient tables
    assert sum(today[k] for k in ("newest_values_published", "newest_values_secondary",
                                  "newest_values_derived", "newest_values_carried")) == len(
        rule_sets[-1].provenance)  # fmt: skip


def test_the_reference_figures_say_whether_every_row_agrees() -> None:
    rows, generator = check_tax_table_rows(), generator_check()
    found = figures.references_figures(rows, generator)
    assert found["reference_rows_all_agree"] is True
    assert found["reference_rows"] == found["reference_rows_agree"] == len(rows)
    assert found["reference_rows_ato"] + found["reference_rows_independent"] == len(rows)
    assert found["generator_reproduces_published"] is True
    assert (found["generator_independent_brackets"], found["generator_independent_equal"]) == (
        35, 31)  # fmt: skip
    rows.loc[rows.index[0], "agrees"] = False
    generator.loc[generator.index[0], "equal"] = 0
    broken = figures.references_figures(rows, generator)
    assert broken["reference_rows_all_agree"] is False
    assert broken["generator_reproduces_published"] is False


def test_a_defect_caught_before_production() -> None:
    result = _result([_phase("dev", "dev", NO_GO, mismatched_lines=6, mismatched_employees=1),
                      _phase("pilot", "production", NOT_RUN)], "dev", True)  # fmt: skip
    found = figures.rollout_figures(result)
    assert (found["defect_caught"], found["defect_caught_before_production"],
            found["defect_caught_in_production"]) == (True, True, False)  # fmt: skip
    assert found["rollout_sentence"] == (
        "With the defect injected (double time paid at time and a half), dev replayed the "
        "last paid period on a sample that covers every feature of production's pay (double "
        "time included) and found 6 payslip lines of 1 employee out of tolerance, so the "
        "rollout stopped before production: engine 2.0 paid nobody and production was never "
        "upgraded."
    )
    assert found["samples_cover_production"] is True
    assert found["samples_missing"] is None


def test_a_defect_that_reached_production() -> None:
    result = _result([
        _phase("dev", "dev", GO, missing_features=["double time", "scale 5"]),
        _phase("staging", "staging", GO, missing_features=["double time"]),
        _phase("pilot", "production", NO_GO, mismatched_lines=84, mismatched_employees=14,
               rolled_back=True),
    ], "pilot", True)  # fmt: skip
    found = figures.rollout_figures(result)
    assert found["defect_caught_in_production"] is True
    assert found["samples_missing"] == "double time and scale 5"
    assert found["rollout_sentence"] == (
        "With the defect injected (double time paid at time and a half), the dev and staging "
        "samples missed double time and scale 5, so their parallel runs reconciled; pilot, in "
        "production, found 84 payslip lines of 14 employees out of tolerance: no-go, and the "
        "phase was rolled back before anyone was paid by engine 2.0."
    )
    comparison = figures.comparison_figures(result, "rollout_plan_office_first.yaml")
    assert comparison["comparison_caught_in_production"] is True
    assert comparison["comparison_sentence"] == found["rollout_sentence"]
    assert figures.comparison_figures(None, "") == {
        "comparison_ran": False, "comparison_plan": None, "comparison_caught_at_phase": None,
        "comparison_caught_in_production": False, "comparison_sentence": None}  # fmt: skip


def test_no_defect_and_a_defect_nobody_caught() -> None:
    phases = [_phase("dev", "dev", GO), _phase("all", "production", GO)]
    clean = figures.rollout_figures(_result(phases, None, False))
    assert (clean["defect_caught"], clean["rollout_completed"]) == (False, True)
    assert clean["rollout_sentence"] == (
        "No defect was injected. Every phase reconciled to within tolerance and went ahead: "
        "engine 2.0 now pays everyone."
    )
    missed = figures.rollout_figures(_result(phases, None, True))
    assert str(missed["rollout_sentence"]).startswith("The defect was injected, yet no phase "
                                                      "noticed it")  # fmt: skip
    stopped = _result([_phase("dev", "dev", NO_GO, mismatched_lines=1, mismatched_employees=1)],
                      "dev", False)  # fmt: skip
    assert str(figures.rollout_figures(stopped)["rollout_sentence"]).startswith(
        "No defect was injected, yet dev replayed"
    )


def test_no_fallback_when_nothing_reached_production() -> None:
    found = figures.fallback_figures(None)
    assert (found["rollback_checked"], found["rollback_data_intact"]) == (False, False)
    assert found["rollback_rows_checked"] is None


def test_mutation_figures_per_module(tmp_path: Path) -> None:
    off = figures.mutation_figures(None, [])
    assert off["mutation_ran"] is False
    assert off["mutation_score"] is off["mutation_score_payruns"] is None
    assert off["mutation_x_survivors"] is False
    results = {m: MutationResult(90 + i, 10 - i, 0, 0, 0, 0, 100, 400)
               for i, m in enumerate(MODULES)}  # fmt: skip
    survivor = Mutant("withholding", "bracket_index 4", "if x < b.upper:", "if x <= b.upper:")
    ran = figures.mutation_figures(MutationRun(results, ("a",), 61.4), [survivor])
    assert ran["mutation_ran"] is True
    assert ran["mutation_x_survivors"] is True
    assert ran["mutation_score_withholding"] == 90.0
    assert ran["mutation_score_payruns"] == 94.0
    assert ran["mutation_lowest_module"] == "withholding"
    assert (ran["mutants_total"], ran["mutants_x_comparison"], ran["mutation_seconds"]) == (
        500, 1, 61)  # fmt: skip
    assert (ran["mutants_generated"], ran["mutation_sampled"]) == (2000, True)
    assert ran["mutation_sampling"] == "a seeded random sample of each module's"
    assert 0 < ran["mutation_margin_max"] < 6


def test_pyramid_figures_and_the_coverage_target(tmp_path: Path) -> None:
    unit = LevelResult("unit", 10, 10, 0, 0, 1.0, 70.0, tmp_path, ())
    system = LevelResult("system", 5, 4, 1, 0, 1.0, 20.0, tmp_path, ())
    found = figures.pyramid_figures([unit, system], 85.04)
    assert (found["tests_total"], found["tests_failed"], found["tests_all_passed"]) == (
        15, 1, False)  # fmt: skip
    assert (found["coverage_percent"], found["coverage_meets_target"]) == (85.0, True)
    assert (found["system_tests_ran"], found["acceptance_tests_ran"]) == (True, False)
    assert found["test_levels_run"] == "unit and system"
    assert figures.pyramid_figures([unit], 79.9)["coverage_meets_target"] is False


def test_every_control_holds_and_a_failed_one_is_counted(tmp_path: Path) -> None:
    tried = try_controls(tmp_path)
    assert [a.held for a in tried] == [True] * 7
    assert figures.controls_figures(tried)["controls_all_held"] is True
    failed = [*tried, Attempt("x", "y", "not refused", held=False)]
    found = figures.controls_figures(failed)
    assert (found["controls_tried"], found["controls_held"], found["controls_all_held"]) == (
        8, 7, False)  # fmt: skip


@pytest.mark.parametrize("module", ["figures", "showcase", "controls"])
def test_glue_names_are_literal_keys(module: str) -> None:
    """No glue name is built with an f-string: every key a figures function returns is
    written out in the source."""
    source = (Path(figures.__file__).parent / f"{module}.py").read_text()
    assert 'f"mutation_score_' not in source
    assert "record(" not in source
