"""The payroll report, run end to end on a matrix of parameter sets.

Each set is executed and rendered once a session (``report_run``); together they flip every
outcome the prose states that a parameter can change: the defect caught at dev before
production (default), caught in production and rolled back (the office-first plan), or
not injected at all with the rollout going all the way and its fallback drilled on a copy;
a comparison rollout or none; mutation testing, the system tests and the browser test run
(default) or not; coverage above the essay's target (default) or below it (one level). The
small sets take about a minute each here: make test runs the default and office-first; the
clean monthly set and the set that runs the system tests (several minutes) are marked
``matrix`` (``make test-matrix``, CI's matrix job). Outcomes that depend on the day the page is
built (a rule set covering today) or on fixed data (every reference row agreeing, the
generator reproducing the ATO's tables, every control holding) are flipped in the unit
tests of ``deploybook.payroll.report.figures`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from papermill.exceptions import PapermillExecutionError

from deploybook.prose import prose_problems

pytestmark = pytest.mark.notebook

SMALL = {"employees": 200, "test_levels": ["acceptance"], "mutation_testing": False,
         "throughput_sizes": [100, 300], "load_test_employees": 300,
         "load_test_calculations": 1, "load_test_seconds": 3, "load_test_users": 2,
         "comparison_plan": ""}  # fmt: skip
MATRIX: dict[str, dict[str, Any]] = {
    "default": {},
    # dev and staging sample only the office: the defect reaches the pilot, in production,
    # which is rolled back and its data checked
    "office-first": SMALL | {"rollout_plan": "rollout_plan_office_first.yaml"},
    # no defect: every phase goes ahead and the fallback is drilled on a copy; a monthly
    # company paid under the 2024 rules
    "clean-monthly": SMALL | {"inject_defect": False, "pay_frequency": "monthly",
                              "period_start": "2024-09-01"},  # fmt: skip
    # the system tests (authorization matrix, fuzzing, browser), with few fuzz examples
    "system": SMALL | {"test_levels": ["system"]},
}
RunFor = Callable[[str], Any]


@pytest.fixture
def run_of(report_run: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> RunFor:
    monkeypatch.setenv("PAYROLL_FUZZ_EXAMPLES", "2")  # the system set is for the results' path
    return lambda name: report_run("payroll_rollout", MATRIX[name])


IN_MAKE_TEST = ("default", "office-first")
SETS = [
    pytest.param(name, marks=[] if name in IN_MAKE_TEST else [pytest.mark.matrix], id=name)
    for name in MATRIX
]


@pytest.mark.parametrize("name", SETS)
def test_every_set_renders_prose_that_is_true(run_of: RunFor, name: str) -> None:
    run = run_of(name)
    assert prose_problems(run.html, run.figures) == []
    f = run.figures
    assert f["tests_failed"] == 0
    assert f["ato_figures_reproduced"] == f["ato_figures_published"] == 31
    assert f["reference_rows_agree"] == f["reference_rows"] >= 4367
    assert f["generator_published_equal"] == f["generator_published_brackets"] == 70
    assert f["controls_all_held"] is True
    assert f["controls_held"] == f["controls_tried"] == 7
    assert f["bandit_findings"] == f["formatted_sql"] == 0
    assert f["api_failed_requests"] == 0
    assert f["aba_balanced"] is True
    assert f["rollback_data_intact"] is f["rollback_checked"]
    assert "None" not in str(f["rollout_sentence"])


def test_the_default_catches_the_defect_at_dev_and_compares_the_office_first_plan(
    run_of: RunFor,
) -> None:
    run = run_of("default")
    f = run.figures
    assert (f["defect_injected"], f["defect_caught"], f["defect_caught_at_phase"]) == (
        True, True, "dev")  # fmt: skip
    assert f["defect_caught_before_production"] is True
    assert f["samples_cover_production"] is True
    assert "the rollout stopped before production" in run.prose
    assert f["comparison_ran"] is True
    assert f["comparison_caught_at_phase"] == "pilot"
    assert f["comparison_caught_in_production"] is True
    assert f["rollback_checked"] is True and f["rollback_was_drill"] is False
    assert f["rollback_rows_since_upgrade"] > 0  # rows written under the new revision checked
    assert f["rollback_items_kept"] > 0
    assert f["mutation_ran"] is True
    for module in ("withholding", "calculation", "money", "aba", "payruns"):
        assert 0 < f[f"mutation_score_{module}"] <= 100, module
    assert f["coverage_meets_target"] is True
    assert f["system_tests_ran"] is True
    assert f["authz_failed"] == f["fuzz_failures"] == 0
    assert f["ui_screenshots"] == 2
    assert f["rules_cover_today"] is True
    assert f["rule_set_newest"] == "ato-schedule1-2026-07-01"


def test_office_first_lets_the_defect_reach_the_pilot_and_rolls_it_back(run_of: RunFor) -> None:
    run = run_of("office-first")
    f = run.figures
    assert f["defect_caught_at_phase"] == "pilot"
    assert f["defect_caught_in_production"] is True
    assert f["samples_cover_production"] is False
    assert "double time" in str(f["samples_missing"])
    assert f["rollback_checked"] is True and f["rollback_was_drill"] is False
    assert f["rollback_items_kept"] == f["reconciliation_mismatches"]  # kept in the audit log
    assert "was rolled back before anyone was paid by engine 2.0" in run.prose
    assert f["comparison_ran"] is False
    assert "No comparison plan was given" in run.prose
    assert f["mutation_ran"] is False
    assert f["mutation_score"] is None
    assert "Mutation testing is off in this run" in run.prose
    assert f["coverage_meets_target"] is False
    assert "below the essay's target" in run.prose.replace("\u2019", "'")
    assert f["system_tests_ran"] is False
    assert f["authz_cases"] is f["fuzz_cases"] is None
    assert f["ui_screenshots_taken"] is False


@pytest.mark.matrix
def test_a_clean_monthly_rollout_goes_all_the_way_and_drills_the_fallback(
    run_of: RunFor,
) -> None:
    run = run_of("clean-monthly")
    f = run.figures
    assert (f["defect_injected"], f["defect_caught"], f["defect_caught_at_phase"]) == (
        False, False, "none")  # fmt: skip
    assert f["rollout_completed"] is True
    assert f["reconciliation_mismatches"] == 0
    assert f["rollback_checked"] is True and f["rollback_was_drill"] is True
    assert f["rollback_data_intact"] is True
    assert "No defect was injected" in run.prose
    assert "with the defect injected" not in run.prose.lower()
    assert "caught" not in str(f["rollout_sentence"])


@pytest.mark.matrix
def test_the_services_security_results_come_from_the_system_tests(run_of: RunFor) -> None:
    f = run_of("system").figures
    assert f["system_tests_ran"] is True
    assert f["authz_cases"] >= 200
    assert f["authz_failed"] == 0
    assert f["fuzz_operations"] == f["api_operations"]
    assert f["fuzz_cases"] >= 2 * f["api_operations"]
    assert f["fuzz_failures"] == 0
    assert f["ui_screenshots"] == 2



def test_bad_parameter_names_it(run: Callable[..., Any]) -> None:
    with pytest.raises(PapermillExecutionError, match="test_levels"):
        run("payroll_rollout", test_levels=["smoke"])
    with pytest.raises(PapermillExecutionError, match="load_test_users"):
        run("payroll_rollout", load_test_users=0)
    with pytest.raises(PapermillExecutionError, match="period_start"):
        run("payroll_rollout", period_start="2027-03-01")  # past every rule set's rollout
