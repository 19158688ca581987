"""The payroll report, run end to end on small parameter sets (each well under a minute)."""

from __future__ import annotations

import pytest
from papermill.exceptions import PapermillExecutionError

pytestmark = pytest.mark.notebook

SMALL = {"test_levels": ["acceptance"], "mutation_testing": False, "throughput_sizes": [100, 300],
         "load_test_employees": 300, "load_test_calculations": 1, "load_test_seconds": 2,
         "load_test_users": 2}  # fmt: skip


def test_defect_is_caught_at_the_pilot_and_rolled_back(run) -> None:
    figures = run("payroll_rollout", employees=300, inject_defect=True, **SMALL)
    assert figures["employees"] == 300
    assert figures["defect_caught_at_phase"] == "pilot"
    assert figures["reconciliation_mismatches"] > 0
    assert figures["rollback_data_intact"] is True
    assert figures["rollback_was_drill"] is False
    # the no-go's reconciliation outlives the downgrade, in the audit log
    assert figures["rollback_items_kept"] == figures["reconciliation_mismatches"]
    assert figures["go_no_go_max_mismatched_employees"] == figures["tolerance_cents"] == 0
    assert figures["ato_figures_reproduced"] == figures["ato_figures_published"] == 31
    assert figures["tests_failed"] == 0
    assert 0 < figures["coverage_percent"] < 100
    assert figures["mutation_score"] is figures["mutants_x_comparison"] is None
    assert figures["payslips_per_second"] > 0
    assert figures["largest_run_employees"] == 300
    assert figures["bandit_findings"] == figures["formatted_sql"] == 0
    assert figures["load_test_employees"] == 300
    assert figures["api_failed_requests"] == 0
    assert 0 < figures["api_p50_ms_payslip"] <= figures["api_p95_ms_payslip"]
    assert figures["api_p95_ms_payslip"] <= figures["api_p99_ms_payslip"]
    assert figures["api_requests_per_second"] > 0
    assert figures["api_calculations"] == 1
    assert figures["api_calc_payslips_per_second"] > 0
    assert figures["api_operations"] >= 30
    assert figures["authz_cases"] is figures["fuzz_cases"] is None  # system tests not run
    assert figures["ui_screenshots"] == 0


def test_clean_monthly_rollout_goes_all_the_way(run) -> None:
    figures = run("payroll_rollout", employees=250, inject_defect=False, pay_frequency="monthly",
                  period_start="2024-09-01", **SMALL)  # fmt: skip
    assert figures["defect_caught_at_phase"] == "none"
    assert figures["reconciliation_mismatches"] == 0
    assert figures["rollback_data_intact"] is True  # the fallback drill on a copy
    assert figures["rollback_was_drill"] is True


def test_the_services_security_results_come_from_the_system_tests(run, monkeypatch) -> None:
    monkeypatch.setenv("PAYROLL_FUZZ_EXAMPLES", "2")  # fewer fuzz cases: this set is for speed
    figures = run("payroll_rollout", employees=200, **SMALL | {"test_levels": ["system"]})
    assert figures["tests_failed"] == 0
    assert figures["authz_cases"] >= 200
    assert figures["authz_failed"] == 0
    assert figures["fuzz_operations"] == figures["api_operations"]
    assert figures["fuzz_cases"] >= 2 * figures["api_operations"]
    assert figures["fuzz_failures"] == 0
    assert figures["ui_screenshots"] == 2


def test_bad_parameter_names_it(run) -> None:
    with pytest.raises(PapermillExecutionError, match="test_levels"):
        run("payroll_rollout", test_levels=["smoke"])
    with pytest.raises(PapermillExecutionError, match="load_test_users"):
        run("payroll_rollout", load_test_users=0)
