"""Phased rollout of a new engine version with parallel runs, go/no-go and a data-safe rollback.

A rollout plan (:mod:`.plan`) lists phases: ``dev`` and ``staging`` replay the last paid
period on copies of production's master data; ``production`` phases each pay the next
period, with engine 2.0 paying the phase's employees (and every earlier phase's) and engine
1.0 paying everyone else. In every phase both engines compute the same payslips
(a parallel run) and :func:`reconcile` compares every employee and every line. A phase
goes ahead only if the plan's go/no-go criteria hold; otherwise the rollout stops and rolls
back: the feature flag returns everyone to engine 1.0, ``alembic downgrade`` takes the
schema back to revision 0001 (keeping in the audit log who engine 2.0 paid and every
reconciliation item), and :func:`check_rollback` proves that every row written before the
upgrade is still there, unchanged (:mod:`.rollback`). Then engine 1.0 pays the period.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from deploybook.payroll.engine.calculation import compute_payslips, get_engine
from deploybook.payroll.engine.domain import Employee, PayFrequency, PayPeriod
from deploybook.payroll.engine.reconcile import Reconciliation, reconcile
from deploybook.payroll.engine.synthetic import synthetic_company, synthetic_timesheets
from deploybook.payroll.rollout.plan import RolloutPlan
from deploybook.payroll.rollout.rollback import (
    RollbackCheck,
    check_rollback,
    kept_by_downgrade,
    rehearse_fallback,
    snapshot,
)
from deploybook.payroll.service.payruns import EngineScope, PayrollService, PayRunError
from deploybook.payroll.service.store import (
    ENGINE_1_REVISION,
    ENGINE_2_REVISION,
    PayrollStore,
    save_reconciliation,
    sqlite_url,
)

USERS = {"release": ["admin"], "clara": ["clerk"], "alex": ["approver"], "audrey": ["auditor"]}
CLERK, APPROVER, ADMIN = "clara", "alex", "release"


# --- the rollout --------------------------------------------------------------------------


@dataclass
class PhaseOutcome:
    """What one phase did and measured."""

    name: str
    environment: str
    period_start: date
    paid_on: date
    employees_paid: int = 0
    new_engine_employees: int = 0
    compared_lines: int = 0
    mismatched_employees: int = 0
    mismatched_lines: int = 0
    errors: int = 0
    new_seconds: float = 0.0  # the new engine computing the payslips it is trusted with
    old_seconds: float = 0.0  # the old engine computing the same payslips alongside
    decision: str = "not run"
    rolled_back: bool = False


@dataclass
class RolloutResult:
    """The whole rollout: phase outcomes, where it stopped, and the rollback check."""

    plan: RolloutPlan
    phases: list[PhaseOutcome]
    defect_caught_at: str | None
    rollback: RollbackCheck | None
    rollback_was_drill: bool
    reconciliation: Reconciliation
    reconciliation_phase: str
    production: PayrollStore
    last_run_id: int
    events: list[dict[str, Any]] = field(default_factory=list)

    def monitoring(self) -> pd.DataFrame:
        """One row per phase: who was paid, time taken, errors and discrepancies."""
        return pd.DataFrame([vars(p) for p in self.phases])


def _setup(store: PayrollStore, revision: str, employees: list[Employee]) -> PayrollService:
    store.upgrade(revision)
    service = PayrollService(store)
    service.add_users(ADMIN, USERS)
    service.import_employees(CLERK, employees)
    return service


def _pay(service: PayrollService, period: PayPeriod, employees: list[Employee], seed: int) -> int:
    service.record_timesheets(CLERK, period, synthetic_timesheets(employees, period, seed).values())
    return service.create_pay_run(CLERK, period).id


def _fresh_sqlite(path: Path) -> PayrollStore:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return PayrollStore(sqlite_url(path))


def run_rollout(
    plan: RolloutPlan,
    *,
    employees: int,
    frequency: PayFrequency | str,
    period_start: date,
    workdir: Path,
    rule_set: str | None = None,
    inject_defect: bool = False,
    history_periods: int = 2,
    seed: int = 0,
    production_url: str | None = None,
) -> RolloutResult:
    """Carry out ``plan`` on a synthetic company of ``employees`` and return what happened.

    Production is a SQLite file in ``workdir`` unless ``production_url`` names an empty
    database. ``history_periods`` periods before ``period_start`` are paid by engine 1.0
    first, so production has a payment history to protect.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    company = synthetic_company(employees, frequency, seed)
    production = (
        PayrollStore(production_url) if production_url else _fresh_sqlite(workdir / "production.db")
    )
    if production.revision() is not None:
        raise ValueError("production_url: the rollout needs an empty database")
    service = _setup(production, ENGINE_1_REVISION, company)
    periods = [PayPeriod.starting(frequency, period_start)]
    for _ in range(history_periods):
        periods.insert(0, periods[0].previous())
    events: list[dict[str, Any]] = []
    for period in periods[:history_periods]:
        run_id = _pay(service, period, company, seed)
        service.calculate(CLERK, run_id, rule_set=rule_set)
        service.approve(APPROVER, run_id)
        service.mark_paid(APPROVER, run_id)
        events.append({"phase": "history", "period": period.start, "event": "paid by engine 1.0"})
    replay = periods[history_periods - 1] if history_periods else periods[0]
    next_period = periods[-1]
    outcomes: list[PhaseOutcome] = []
    scope: list[dict[str, Any]] = []
    before: dict[str, dict[str, Any]] | None = None
    caught: str | None = None
    rollback: RollbackCheck | None = None
    last = Reconciliation(0, 0, pd.DataFrame())
    last_phase = ""
    last_run_id = 0
    rng = np.random.default_rng(seed)
    new_engine = get_engine(plan.to_version, inject_defect=inject_defect)
    old_engine = get_engine(plan.from_version)
    for phase in plan.phases:
        tolerance = plan.tolerance_cents if phase.tolerance_cents is None else phase.tolerance_cents
        flt = phase.population.scope_filter()
        if caught:
            period = next_period if phase.environment == "production" else replay
            outcomes.append(
                PhaseOutcome(phase.name, phase.environment, period.start, period.paid_on)
            )
            if phase.environment == "production":
                next_period = next_period.next()
            continue
        if phase.environment != "production":
            period = replay
            chosen = [e for e in company if _in(flt, e)]
            if phase.population.sample and len(chosen) > phase.population.sample:
                picks = rng.choice(len(chosen), phase.population.sample, replace=False)
                chosen = [chosen[i] for i in sorted(picks)]
            env = _setup(_fresh_sqlite(workdir / f"{phase.environment}.db"), "head", chosen)
            run_id = _pay(env, period, chosen, seed)
            inputs = env.inputs(run_id)
            outcome = PhaseOutcome(phase.name, phase.environment, period.start, period.paid_on)
            started = time.perf_counter()
            official, errors = compute_payslips(
                new_engine, inputs.employees, inputs.timesheets, inputs.context, inputs.quarter_ote
            )
            outcome.new_seconds = time.perf_counter() - started
            started = time.perf_counter()
            shadow, _ = compute_payslips(
                old_engine, inputs.employees, inputs.timesheets, inputs.context, inputs.quarter_ote
            )
            outcome.old_seconds = time.perf_counter() - started
            env.store.close()
            outcome.employees_paid = outcome.new_engine_employees = len(inputs.employees)
        else:
            period = next_period
            next_period = next_period.next()
            outcome = PhaseOutcome(phase.name, phase.environment, period.start, period.paid_on)
            if before is None:
                before = snapshot(production)
                production.upgrade(ENGINE_2_REVISION)
                events.append(
                    {
                        "phase": phase.name,
                        "period": period.start,
                        "event": "alembic upgrade 0001 -> 0002",
                    }
                )
                service = PayrollService(production, inject_defect=inject_defect)
            scope.append(flt)
            service.set_engine_scope(ADMIN, scope)
            events.append(
                {
                    "phase": phase.name,
                    "period": period.start,
                    "event": f"flag: engine 2.0 for {len(scope)} group(s)",
                }
            )
            run_id = _pay(service, period, company, seed)
            try:
                calc = service.calculate(CLERK, run_id, rule_set=rule_set)
            except PayRunError as exc:
                outcome.errors = len(exc.errors)
                official, shadow = [], []
            else:
                outcome.new_seconds = calc.engine_seconds.get(plan.to_version, 0.0)
                official = [p for p in calc.payslips if p.engine == plan.to_version]
                in_scope = [e for e in calc.inputs.employees if service.engine_scope().matches(e)]
                started = time.perf_counter()
                shadow, errors = compute_payslips(
                    old_engine,
                    in_scope,
                    calc.inputs.timesheets,
                    calc.inputs.context,
                    calc.inputs.quarter_ote,
                )
                outcome.old_seconds = time.perf_counter() - started
                outcome.errors = len(errors)
                outcome.employees_paid = len(calc.payslips)
                outcome.new_engine_employees = len(official)
        result = reconcile(official, shadow, tolerance)
        outcome.compared_lines = result.lines
        outcome.mismatched_employees = result.mismatched_employees
        outcome.mismatched_lines = len(result.items)
        last, last_phase, last_run_id = result, phase.name, run_id
        go = (
            outcome.mismatched_employees <= plan.go_no_go.max_mismatched_employees
            and outcome.errors <= plan.go_no_go.max_errors
        )
        outcome.decision = "go" if go else "no-go"
        if phase.environment == "production":
            with production.transaction() as conn:
                save_reconciliation(conn, run_id, [
                    {k: r[k] for k in ("employee_id", "line", "official", "shadow", "official_engine", "shadow_engine")}  # noqa: E501
                    for r in result.items.to_dict("records")
                ])  # fmt: skip
            if go:
                service.approve(APPROVER, run_id)
                service.mark_paid(APPROVER, run_id)
                events.append(
                    {"phase": phase.name, "period": period.start, "event": "go: approved and paid"}
                )
            else:
                caught = phase.name
                rollback = _roll_back(
                    service, production, before or {}, run_id, rule_set, events, phase.name, period
                )
                outcome.rolled_back = True
        elif not go:
            caught = phase.name
            events.append(
                {
                    "phase": phase.name,
                    "period": period.start,
                    "event": "no-go: rollout stopped before production",
                }
            )
        outcomes.append(outcome)
    drill = False
    if rollback is None and before is not None and production.is_sqlite:
        rollback = rehearse_fallback(production, before, workdir)
        drill = True
    return RolloutResult(
        plan, outcomes, caught, rollback, drill, last, last_phase, production, last_run_id, events
    )


def _in(flt: Mapping[str, Any], employee: Employee) -> bool:
    return EngineScope((flt,)).matches(employee)


def _roll_back(
    service: PayrollService,
    store: PayrollStore,
    before: dict[str, dict[str, Any]],
    run_id: int,
    rule_set: str | None,
    events: list[dict[str, Any]],
    phase: str,
    period: PayPeriod,
) -> RollbackCheck:
    """Flag back to engine 1.0, downgrade to 0001, check the data, pay the period with 1.0."""
    service.set_engine_scope(ADMIN, [])
    events.append(
        {"phase": phase, "period": period.start, "event": "no-go: flag back to engine 1.0"}
    )
    store.downgrade(ENGINE_1_REVISION)
    events.append(
        {"phase": phase, "period": period.start, "event": "alembic downgrade 0002 -> 0001"}
    )
    check = replace(check_rollback(before, snapshot(store), store.revision()),
                    **kept_by_downgrade(store))  # fmt: skip
    old = PayrollService(store)
    old.calculate(CLERK, run_id, rule_set=rule_set)
    old.approve(APPROVER, run_id)
    old.mark_paid(APPROVER, run_id)
    events.append({"phase": phase, "period": period.start, "event": "period paid by engine 1.0"})
    return check
