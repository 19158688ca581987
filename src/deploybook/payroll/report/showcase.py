"""What the payroll report shows besides its figures: the payslip it picks, the bank file,
the browser test's screenshots, the acceptance feature, and each section's displays, or the
sentence saying why a section has nothing to show in this run.

Each ``*_section`` function returns the objects a notebook cell displays
(``display(*section)``), so the notebook holds no branches of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML, Image, Markdown

from deploybook.paths import project_root
from deploybook.payroll.engine.aba import parse_aba, to_aba_text
from deploybook.payroll.report import tables
from deploybook.payroll.report.mutation import MutationRun, surviving_changes
from deploybook.payroll.report.params import PayrollParams
from deploybook.payroll.report.pyramid import LevelResult
from deploybook.payroll.report.service_results import authz_matrix, fuzz_summary
from deploybook.payroll.rollout.plan import load_plan
from deploybook.payroll.rollout.run import RolloutResult, run_rollout
from deploybook.payroll.service.bankfile import build
from deploybook.payroll.service.payruns import PayrollService
from deploybook.payroll.service.reports import lines_frame, payments, payslip_html
from deploybook.payroll.service.settings import Employer

SCREENSHOTS = {
    "pay-run": "The approver's view of the run just approved: totals, who did what, the "
    "actions left, the exception report and the lines the parallel run found different.",
    "reconciliation": "The reconciliation: every payslip line on which engine 1.0 (official) "
    "and engine 2.0 (shadow, with the defect) differ.",
}
FEATURE = Path("tests") / "acceptance" / "features" / "payroll.feature"


def note(text: str) -> Markdown:
    """A sentence shown in place of a table a run did not produce."""
    return Markdown(f"*{text}*")


# --- checked outputs (the committed notebook keeps them; a default run must match) --------


def examples_line(examples: pd.DataFrame) -> str:
    """How many published example figures the engine reproduces."""
    published = examples[examples["checked"]]
    return (f"{int(published['reproduced'].sum())} of {len(published)} published figures "
            f"reproduced across {examples['example'].nunique()} examples")  # fmt: skip


def decisions_line(result: RolloutResult) -> str:
    """Each phase's decision, and where the rollout stopped."""
    decisions = ", ".join(f"{p.name}: {p.decision}" for p in result.phases)
    return f"decisions: {decisions}\ndefect caught at: {result.defect_caught_at or 'none'}"


# --- the rollouts ------------------------------------------------------------------------


def rollout_for(params: PayrollParams, plan: str, workdir: Path) -> RolloutResult | None:
    """The report's rollout of engine 2.0 under ``plan`` (``None`` for an empty name: the
    comparison plan is optional), on the report's company, period and defect.
    """
    if not plan:
        return None
    return run_rollout(
        load_plan(plan), employees=params.employees, frequency=params.pay_frequency,
        period_start=params.period_start, workdir=workdir, rule_set=params.rule_set or None,
        inject_defect=params.inject_defect, seed=params.seed,
    )  # fmt: skip


# --- what a pay run produces -------------------------------------------------------------


def showcase_employee(result: RolloutResult) -> str:
    """The employee whose payslip the report shows: one with double-time hours in the last
    pay run production paid, if there is one, else the first.
    """
    lines = lines_frame(result.production, result.production_run_id)
    double = lines.loc[lines["kind"] == "overtime_2.0", "employee_id"]
    return str(double.iloc[0] if len(double) else lines["employee_id"].iloc[0])


def payslip_section(result: RolloutResult) -> list[Any]:
    """The showcased payslip as the employee reads it, and the pay run summary."""
    store, run_id = result.production, result.production_run_id
    employer = Employer()
    return [HTML(payslip_html(store, run_id, showcase_employee(result), employer.name))]


@dataclass(frozen=True)
class BankFile:
    """The ABA file of production's last pay run, read back."""

    text: str
    details: list[dict[str, str | int]]
    count: int
    credits: int
    credit_cents: int
    debit_cents: int
    net_cents: int
    transliterated: int  # payees whose name is not in the ABA character set as written


def bank_file(result: RolloutResult) -> BankFile:
    """The bank file of production's last pay run, made as the service makes it (from the bank
    details its payslips were calculated with) and parsed back.
    """
    store, run_id = result.production, result.production_run_id
    run = PayrollService(store).pay_run(run_id)
    text = build(store, run_id, run.paid_on, Employer())
    details, totals = parse_aba(text)
    names = [p.account_name for p in payments(store, run_id, "")]
    return BankFile(
        text, details, totals.count, sum(d["code"] != "13" for d in details),
        totals.credit_cents, totals.debit_cents, totals.net_cents,
        sum(to_aba_text(name) != name for name in names),
    )  # fmt: skip


def bank_file_sentence(found: BankFile) -> str:
    """What the bank file holds, in one line."""
    return (
        f"{found.count:,} detail records: {found.credits:,} credits of net pay (code 53), "
        f"{found.credit_cents / 100:,.2f} in all, and {found.count - found.credits} balancing "
        f"debit (code 13) of {found.debit_cents / 100:,.2f}; net total "
        f"{found.net_cents / 100:,.2f}"
    )


# --- sections that a run may leave empty -------------------------------------------------


def mutation_section(run: MutationRun | None, folder: Path) -> list[Any]:
    """The mutation scores per module and the survivors, or why there are none."""
    if run is None:
        return [note("Mutation testing is off in this run (parameter mutation_testing).")]
    return [tables.mutation_table(run),
            tables.survivors_table(surviving_changes(folder, run.survivors))]  # fmt: skip


def mismatch_section(result: RolloutResult) -> list[Any]:
    """The lines the last parallel run found out of tolerance, or that every line agreed."""
    items = result.reconciliation.items
    if len(items):
        return [tables.mismatch_summary(items), tables.mismatch_table(items)]
    return [note(f"Every line of the last parallel run ({result.reconciliation_phase}) "
                 f"reconciled: {result.reconciliation.lines:,} lines of "
                 f"{result.reconciliation.employees:,} payslips.")]  # fmt: skip


def monitoring_section(result: RolloutResult | None) -> list[Any]:
    """The monitoring table of ``result``, if there is one."""
    return [tables.monitoring_table(result)] if result is not None else []


def fallback_result(*results: RolloutResult | None) -> RolloutResult | None:
    """The first of ``results`` whose fallback was checked (rolled back or drilled)."""
    return next((r for r in results if r is not None and r.rollback is not None), None)


def fallback_section(result: RolloutResult | None) -> list[Any]:
    """The rollback check and the events of the rollout that fell back, or why none did."""
    if result is None or result.rollback is None:
        return [note("No rollout in this run reached production, so there was nothing to "
                     "fall back from.")]  # fmt: skip
    return [tables.rollback_table(result.rollback, result.rollback_was_drill),
            tables.events_table(result.events)]  # fmt: skip


def service_security_section(system: LevelResult | None) -> list[Any]:
    """The authorization matrix and the fuzzing's responses, or why there are none."""
    if system is None:
        return [note("The system tests did not run in this report (parameter test_levels): "
                     "no results.")]  # fmt: skip
    artifacts = system.data_dir / "artifacts"
    fuzz = fuzz_summary(artifacts) or {"statuses": {}}
    return [authz_matrix(artifacts),
            pd.DataFrame([fuzz["statuses"]], index=["fuzzing: responses by status"])]  # fmt: skip


def screenshots(system: LevelResult | None) -> list[tuple[str, Path]]:
    """The browser test's screenshots of this run, with their captions."""
    if system is None:
        return []
    artifacts = system.data_dir / "artifacts"
    shots = [(caption, artifacts / f"ui-{name}.png") for name, caption in SCREENSHOTS.items()]
    return [(caption, path) for caption, path in shots if path.is_file()]


def screenshots_section(system: LevelResult | None) -> list[Any]:
    """Each screenshot under its caption (none if the browser test did not run)."""
    shots = screenshots(system)
    return [item for caption, path in shots
            for item in (note(caption), Image(filename=str(path), width=900))]  # fmt: skip


def acceptance_feature() -> str:
    """The acceptance tests' feature file."""
    return (project_root() / FEATURE).read_text(encoding="utf-8")


def acceptance_section(accepted: LevelResult | None) -> list[Any]:
    """The feature file, and how its scenarios fared (or that they did not run)."""
    feature = acceptance_feature()
    shown: list[Any] = [Markdown(f"```gherkin\n{feature}\n```")]
    if accepted is None:
        return [*shown, note("The acceptance tests did not run in this report (parameter "
                             "test_levels).")]  # fmt: skip
    return [*shown, tables.scenarios_table(accepted.cases, feature)]
