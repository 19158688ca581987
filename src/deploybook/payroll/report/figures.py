"""Every glued figure of the payroll report, computed from its results.

One function per section of ``notebooks/payroll_rollout.ipynb``, each returning the figures
the notebook glues with :func:`deploybook.figures.record_all`: numbers as plain Python
numbers, outcomes as booleans (the prose's ``when`` blocks read them), and the sentences
that state an outcome chosen here by the results, never typed in the notebook. A figure
that restates a setting reads the value the code used.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from deploybook.figures import Figure
from deploybook.payroll.engine.rules import RuleSet, Status
from deploybook.payroll.report.controls import Attempt
from deploybook.payroll.report.mutation import MAX_EXAMPLES, MODULES, Mutant, MutationRun
from deploybook.payroll.report.params import PayrollParams
from deploybook.payroll.report.pyramid import LevelResult, cases_of, level_result
from deploybook.payroll.report.security import bandit_findings, formatted_sql
from deploybook.payroll.report.service_results import AUTHZ_TEST, fuzz_summary
from deploybook.payroll.report.showcase import BankFile, screenshots
from deploybook.payroll.rollout.plan import RolloutPlan
from deploybook.payroll.rollout.run import Decision, RolloutResult
from deploybook.payroll.service.commands import WARN_DAYS, expiry_problem

Figures = dict[str, Figure]
COVERAGE_TARGET = 80.0  # the essay's "code coverage target of 80%"
PUBLISHED = (Status.V, Status.E, Status.O)  # read on an ATO page
ENGINE_AUTHZ_TEST = "test_access_control_matrix"


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _listed(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def setup_figures(params: PayrollParams) -> Figures:
    """The size of the synthetic company every section pays."""
    return {"employees": params.employees}


# --- rules and references ----------------------------------------------------------------


def rules_figures(rule_sets: Sequence[RuleSet], today: date) -> Figures:
    """The rule sets, which one is in force today, and how the newest one's values are
    sourced (published, secondary, derived, carried over).
    """
    newest = max(rule_sets, key=lambda r: r.applies_to)
    in_force = next((r for r in rule_sets if r.covers(today)), None)
    statuses = Counter(p.status for p in newest.provenance)
    problem = expiry_problem(tuple(rule_sets), today, WARN_DAYS)
    return {
        "rule_sets": len(rule_sets),
        "rule_set_newest": newest.name,
        "rule_set_newest_ends": newest.applies_to.isoformat(),
        "rules_today": today.isoformat(),
        "rules_cover_today": in_force is not None,
        "rule_set_in_force": in_force.name if in_force else None,
        "rules_check_passes": problem is None,
        "rules_check_days": WARN_DAYS,
        "rules_days_left": (newest.applies_to - today).days,
        "newest_values_published": sum(statuses[s] for s in PUBLISHED),
        "newest_values_secondary": statuses[Status.S],
        "newest_values_derived": statuses[Status.D],
        "newest_values_carried": statuses[Status.NC],
    }


def references_figures(rows: pd.DataFrame, generator: pd.DataFrame) -> Figures:
    """The reference tax-table rows (``references.check_tax_table_rows``) and the
    generator's tables against the ones it did not make (``references.generator_check``).
    """
    published = generator[generator["reference"] == "ATO, published"]
    independent = generator[generator["reference"] != "ATO, published"]
    return {
        "reference_rows": len(rows),
        "reference_rows_agree": int(rows["agrees"].sum()),
        "reference_rows_all_agree": bool(rows["agrees"].all()),
        "reference_rows_ato": int((rows["publisher"] == "G1").sum()),
        "reference_rows_independent": int((rows["publisher"] == "F1").sum()),
        "reference_rule_sets": int(rows["rule_set"].nunique()),
        "reference_study_loan_rows": int((rows["stsl"] == "true").sum()),
        "generator_published_brackets": int(published["brackets"].sum()),
        "generator_published_equal": int(published["equal"].sum()),
        "generator_reproduces_published": bool((published["equal"] == published["brackets"]).all()),
        "generator_independent_brackets": int(independent["brackets"].sum()),
        "generator_independent_equal": int(independent["equal"].sum()),
    }


def examples_figures(examples: pd.DataFrame) -> Figures:
    """The ATO's worked examples: figures published, and how many the engine reproduces."""
    published = examples[examples["checked"]]
    return {
        "ato_examples": int(examples["example"].nunique()),
        "ato_figures_published": len(published),
        "ato_figures_reproduced": int(published["reproduced"].sum()),
        "ato_amounts_published": int((published["quantity"] == "amount").sum()),
    }


# --- tests -------------------------------------------------------------------------------


def pyramid_figures(levels: Sequence[LevelResult], coverage_percent: float) -> Figures:
    """The live test pyramid: tests run and failed, and coverage against the essay's target."""
    ran = [r.level for r in levels]
    return {
        "test_levels_run": _listed(ran),
        "tests_total": sum(r.tests for r in levels),
        "tests_failed": sum(r.failed for r in levels),
        "tests_all_passed": all(r.failed == 0 for r in levels),
        "coverage_percent": round(coverage_percent, 1),
        "coverage_target": COVERAGE_TARGET,
        "coverage_meets_target": coverage_percent >= COVERAGE_TARGET,
        "system_tests_ran": level_result(levels, "system") is not None,
        "acceptance_tests_ran": level_result(levels, "acceptance") is not None,
    }


def mutation_figures(run: MutationRun | None, survivors: Sequence[Mutant]) -> Figures:
    """Mutmut's scores per module (``None`` for every figure when it did not run)."""
    figures: Figures = {
        "mutation_ran": run is not None,
        "mutation_examples": MAX_EXAMPLES,
        "mutation_modules": _listed(list(MODULES)),
    }
    overall = run.overall if run else None
    scores = {m: round(r.score, 1) for m, r in run.modules.items()} if run else {}
    sampled = bool(run and any(r.total < r.generated for r in run.modules.values()))
    return figures | {
        "mutants_generated": overall.generated if overall else None,
        "mutation_sampled": sampled,
        "mutation_sampling": ("a seeded random sample of each module's" if sampled else "every one")
        if run
        else None,
        "mutation_margin_max": round(max(r.margin for r in run.modules.values()), 1)
        if run
        else None,
        "mutation_score": round(overall.score, 1) if overall else None,
        "mutants_total": overall.total if overall else None,
        "mutants_survived": overall.survived + overall.no_tests if overall else None,
        "mutants_x_comparison": sum(m.x_comparison for m in survivors) if run else None,
        "mutation_x_survivors": any(m.x_comparison for m in survivors),
        "mutation_seconds": round(run.seconds) if run else None,
        "mutation_score_withholding": scores.get("withholding"),
        "mutation_score_calculation": scores.get("calculation"),
        "mutation_score_money": scores.get("money"),
        "mutation_score_aba": scores.get("aba"),
        "mutation_score_payruns": scores.get("payruns"),
        "mutation_lowest_module": min(scores, key=lambda m: scores[m]) if scores else None,
    }


def throughput_figures(load: pd.DataFrame) -> Figures:
    """The largest pay run timed, and its rate."""
    largest = load.iloc[-1]
    return {
        "largest_run_employees": int(largest["employees"]),
        "payslips_per_second": round(float(largest["payslips_per_second"])),
    }


def security_figures(package: Path, levels: Sequence[LevelResult]) -> Figures:
    """Bandit, SQL built by formatting, and the service's access-control matrix."""
    cases, failed = cases_of(level_result(levels, "system"), ENGINE_AUTHZ_TEST)
    return {
        "bandit_findings": len(bandit_findings(package)),
        "formatted_sql": len(formatted_sql(package)),
        "engine_authz_cases": cases,
        "engine_authz_failed": failed,
    }


# --- the rollout -------------------------------------------------------------------------


def plan_figures(plan: RolloutPlan) -> Figures:
    """The plan's go/no-go criteria and tolerance, as the rollout used them."""
    replay = [p for p in plan.phases if p.environment != "production"]
    return {
        "go_no_go_max_mismatched_employees": plan.go_no_go.max_mismatched_employees,
        "go_no_go_max_errors": plan.go_no_go.max_errors,
        "tolerance_cents": plan.tolerance_cents,
        "replay_phases": _listed([p.name for p in replay]),
        "production_phases": sum(p.environment == "production" for p in plan.phases),
    }


def _stopped(result: RolloutResult) -> tuple[bool, bool]:
    phase = result.caught_phase
    before = phase is not None and phase.environment != "production"
    return before, phase is not None and not before


def rollout_sentence(result: RolloutResult) -> str:
    """What the rollout found, as its results say: where a defect stopped it, or that it
    went all the way.
    """
    phase = result.caught_phase
    missing = result.replay_missing_features
    if phase is None:
        done = (
            "Every phase reconciled to within tolerance and went ahead: engine 2.0 now pays "
            "everyone."
        )
        if result.inject_defect:
            return (f"The defect was injected, yet no phase noticed it: {done} The samples "
                    f"missed {_listed(missing) or 'nothing'}, and no production phase had a "
                    f"payslip with double-time hours.")  # fmt: skip
        return f"No defect was injected. {done}"
    found = (f"{_count(phase.mismatched_lines, 'payslip line', 'payslip lines')} of "
             f"{_count(phase.mismatched_employees, 'employee', 'employees')} out of "
             f"tolerance")  # fmt: skip
    if phase.environment != "production":
        where = (f"{phase.name} replayed the last paid period on a sample that covers every "
                 f"feature of production's pay (double time included) and found {found}, so "
                 f"the rollout stopped before production: engine 2.0 paid nobody and "
                 f"production was never upgraded.")  # fmt: skip
    else:
        covered = (f"the dev and staging samples missed {_listed(missing)}, so their parallel "
                   f"runs reconciled; " if missing else "")  # fmt: skip
        where = (f"{covered}{phase.name}, in production, found {found}: no-go, and the "
                 f"phase was rolled back before anyone was paid by engine 2.0.")  # fmt: skip
    if not result.inject_defect:
        return f"No defect was injected, yet {where}"
    return f"With the defect injected (double time paid at time and a half), {where}"


def rollout_figures(result: RolloutResult) -> Figures:
    """Where the rollout stopped and what the parallel runs found."""
    monitoring = result.monitoring()
    phase = result.caught_phase
    before, during = _stopped(result)
    missing = result.replay_missing_features
    return {
        "defect_injected": result.inject_defect,
        "defect_caught": phase is not None,
        "defect_caught_at_phase": phase.name if phase else "none",
        "defect_caught_before_production": before,
        "defect_caught_in_production": during,
        "rollout_completed": all(p.decision == Decision.GO for p in result.phases),
        "rollout_sentence": rollout_sentence(result),
        "reconciliation_mismatches": int(monitoring["mismatched_lines"].sum()),
        "reconciliation_mismatched_employees": int(monitoring["mismatched_employees"].sum()),
        "samples_cover_production": not missing,
        "samples_missing": _listed(missing) or None,
        "production_features": _listed(result.production_features),
        "go_refused_by_product": any(p.refused for p in result.phases),
    }


def comparison_figures(result: RolloutResult | None, plan: str) -> Figures:
    """The same rollout under the comparison plan (``None`` figures when there was none)."""
    phase = result.caught_phase if result else None
    return {
        "comparison_ran": result is not None,
        "comparison_plan": plan or None,
        "comparison_caught_at_phase": phase.name if phase else ("none" if result else None),
        "comparison_caught_in_production": bool(result and _stopped(result)[1]),
        "comparison_sentence": rollout_sentence(result) if result else None,
    }


def fallback_figures(result: RolloutResult | None) -> Figures:
    """The rollback check of the rollout that fell back (really or as a drill)."""
    check = result.rollback if result else None
    return {
        "rollback_checked": check is not None,
        "rollback_was_drill": bool(result and result.rollback_was_drill),
        "rollback_data_intact": bool(check and check.intact),
        "rollback_rows_checked": check.rows_before if check else None,
        "rollback_rows_since_upgrade": check.rows_since_upgrade if check else None,
        "rollback_items_kept": check.reconciliation_items_kept if check else None,
        "rollback_backend": result.production.url.get_backend_name() if result else None,
    }


def bank_file_figures(found: BankFile) -> Figures:
    """The bank file of production's last pay run, as read back."""
    return {
        "aba_records": found.count,
        "aba_credits": found.credits,
        "aba_balanced": found.credit_cents == found.debit_cents,
        "aba_transliterated_names": found.transliterated,
    }


def controls_figures(tried: Sequence[Attempt]) -> Figures:
    """The controls tried by an insider, and how many held."""
    return {
        "controls_tried": len(tried),
        "controls_held": sum(a.held for a in tried),
        "controls_all_held": all(a.held for a in tried),
    }


# --- the service -------------------------------------------------------------------------


def api_figures(endpoints: pd.DataFrame) -> Figures:
    """The operations of the OpenAPI document."""
    return {"api_operations": len(endpoints)}


def load_figures(load: Any) -> Figures:
    """The load test (:class:`~deploybook.payroll.report.loadtest.LoadReport`)."""
    reads, calc = load.payslips, load.calculation
    return {
        "load_test_employees": load.employees,
        "load_test_users": reads.users,
        "api_payslip_requests": reads.requests,
        "api_p50_ms_payslip": round(reads.percentile(50), 1),
        "api_p95_ms_payslip": round(reads.percentile(95), 1),
        "api_p99_ms_payslip": round(reads.percentile(99), 1),
        "api_requests_per_second": round(reads.requests_per_second, 1),
        "api_calculations": calc.requests,
        "api_calculations_text": _count(calc.requests, "time", "times"),
        "api_calc_p50_s": round(calc.percentile(50) / 1000, 2),
        "api_calc_p95_s": round(calc.percentile(95) / 1000, 2),
        "api_calc_p99_s": round(calc.percentile(99) / 1000, 2),
        "api_calc_requests_per_second": round(calc.requests_per_second, 2),
        "api_calc_payslips_per_second": round(load.employees / (calc.percentile(50) / 1000)),
        "api_failed_requests": reads.failures + calc.failures,
    }


def service_security_figures(levels: Iterable[LevelResult]) -> Figures:
    """What the system tests' authorization matrix, fuzzing and browser test found (``None``
    when the system tests did not run).
    """
    system = level_result(levels, "system")
    cases, failed = cases_of(system, AUTHZ_TEST)
    fuzz = fuzz_summary(system.data_dir / "artifacts") if system else None
    return {
        "authz_cases": cases if system else None,
        "authz_failed": failed if system else None,
        "fuzz_operations": fuzz["operations"] if fuzz else None,
        "fuzz_cases": fuzz["cases"] if fuzz else None,
        "fuzz_failures": fuzz["failures"] if fuzz else None,
        "ui_screenshots": len(screenshots(system)),
        "ui_screenshots_taken": bool(screenshots(system)),
    }
