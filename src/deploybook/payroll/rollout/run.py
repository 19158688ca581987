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
upgrade, and every row written under the new revision, is still there (:mod:`.rollback`).
Then engine 1.0 pays the period. When no phase fails, the same fallback is rehearsed on a
copy of production (SQLite or PostgreSQL) after engine 2.0 has paid.

Every parallel run goes through the product (:func:`parallel_run`), which records it; the
product refuses to approve a run paid partly by engine 2.0 without a clean one. Dev and
staging replay the last paid period on a sample that covers every feature production's
pay has (:mod:`.sampling`), and each phase says which features its sample lacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from deploybook.payroll.engine.domain import Employee, PayFrequency, PayPeriod, Timesheet
from deploybook.payroll.engine.reconcile import Reconciliation
from deploybook.payroll.engine.synthetic import synthetic_company, synthetic_timesheets
from deploybook.payroll.rollout.plan import Phase, RolloutPlan
from deploybook.payroll.rollout.rollback import (
    RollbackCheck,
    Snapshot,
    check_rollback,
    kept_by_downgrade,
    rehearse_fallback,
    snapshot,
)
from deploybook.payroll.rollout.sampling import covering_sample, features_of, missing_features
from deploybook.payroll.service.parallel import parallel_run
from deploybook.payroll.service.payruns import (
    EngineScope,
    InvalidState,
    PayrollService,
    PayRunError,
)
from deploybook.payroll.service.store import (
    ENGINE_1_REVISION,
    ENGINE_2_REVISION,
    PayrollStore,
    sqlite_url,
)

USERS = {"release": ["admin"], "clara": ["clerk"], "alex": ["approver"], "audrey": ["auditor"]}
CLERK, APPROVER, ADMIN = "clara", "alex", "release"


class Decision(StrEnum):
    """What a phase decided (compared as its value: ``"go"``, ``"no-go"``, ``"not run"``)."""

    GO = "go"
    NO_GO = "no-go"
    NOT_RUN = "not run"


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
    new_seconds: float = 0.0  # engine 2.0 computing the phase's payslips
    old_seconds: float = 0.0  # engine 1.0 computing the same payslips alongside
    missing_features: list[str] = field(default_factory=list)  # of production's pay
    decision: Decision = Decision.NOT_RUN
    refused: str = ""  # why the product refused to approve, if it did
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
    last_run_id: int  # of the last parallel run (in dev's or staging's copy if it stopped there)
    production_features: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    production_run_id: int = 0  # the last pay run production paid
    inject_defect: bool = False  # whether engine 2.0 carried the injected defect

    @property
    def caught_phase(self) -> PhaseOutcome | None:
        """The phase that stopped the rollout (``None`` if every phase went ahead)."""
        return next((p for p in self.phases if p.name == self.defect_caught_at), None)

    @property
    def replay_missing_features(self) -> list[str]:
        """Features of production's pay that a dev or staging sample that ran did not have."""
        return sorted({f for p in self.phases if p.environment != "production"
                       and p.decision != Decision.NOT_RUN for f in p.missing_features})  # fmt: skip

    def monitoring(self) -> pd.DataFrame:
        """One row per phase: who was paid, time taken, errors and discrepancies."""
        return pd.DataFrame([vars(p) for p in self.phases])


def _setup(
    store: PayrollStore, revision: str, employees: list[Employee], *, inject_defect: bool = False
) -> PayrollService:
    store.upgrade(revision)
    service = PayrollService(store, inject_defect=inject_defect)
    service.add_users(ADMIN, USERS)
    service.import_employees(CLERK, employees)
    return service


def _pay(service: PayrollService, period: PayPeriod, sheets: dict[str, Timesheet]) -> int:
    service.record_timesheets(CLERK, period, sheets.values())
    return service.create_pay_run(CLERK, period).id


def _fresh_sqlite(path: Path) -> PayrollStore:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return PayrollStore(sqlite_url(path))


def _compare(
    service: PayrollService, run_id: int, tolerance: int, outcome: PhaseOutcome
) -> Reconciliation:
    """Run both engines on ``run_id`` through the product and note what they found."""
    try:
        found = parallel_run(service, CLERK, run_id, tolerance)
    except PayRunError as exc:
        outcome.errors = len(exc.errors)
        return Reconciliation(0, 0, pd.DataFrame())
    outcome.new_seconds, outcome.old_seconds = found.seconds["2.0"], found.seconds["1.0"]
    outcome.new_engine_employees = found.official_engines.get("2.0", 0)
    return found.reconciliation


def _replay(
    phase: Phase, chosen: list[Employee], sheets: dict[str, Timesheet], period: PayPeriod,
    workdir: Path, rule_set: str | None, inject_defect: bool, tolerance: int,
    outcome: PhaseOutcome,
) -> tuple[Reconciliation, int]:  # fmt: skip
    """Dev or staging: the replayed period paid by engine 2.0 on a copy of the sample."""
    store = _fresh_sqlite(workdir / f"{phase.environment}.db")
    try:
        env = _setup(store, "head", chosen, inject_defect=inject_defect)
        run_id = _pay(env, period, {e.id: sheets[e.id] for e in chosen if e.id in sheets})
        env.set_engine_scope(ADMIN, [{"all": True}])
        outcome.employees_paid = len(chosen)
        try:
            env.calculate(CLERK, run_id, rule_set=rule_set)
        except PayRunError as exc:
            outcome.errors = len(exc.errors)
            return Reconciliation(0, 0, pd.DataFrame()), run_id
        return _compare(env, run_id, tolerance, outcome), run_id
    finally:
        store.close()


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
    periods = [PayPeriod.starting(frequency, period_start)]
    for _ in range(history_periods):
        periods.insert(0, periods[0].previous())
    production_phases = sum(p.environment == "production" for p in plan.phases)
    ahead = [periods[-1]]
    for _ in range(production_phases):
        ahead.append(ahead[-1].next())
    # no study loans: production starts at engine 1.0's revision (0001), which has no column
    # to record a declaration (0004 adds it), so the rehearsed company declares none
    company = synthetic_company(employees, frequency, seed)
    production = (
        PayrollStore(production_url) if production_url else _fresh_sqlite(workdir / "production.db")
    )
    if production.revision() is not None:
        raise ValueError("production_url: the rollout needs an empty database")
    service = _setup(production, ENGINE_1_REVISION, company)
    events: list[dict[str, Any]] = []
    production_run = 0
    for period in periods[:history_periods]:
        run_id = production_run = _pay(service, period, synthetic_timesheets(company, period, seed))
        service.calculate(CLERK, run_id, rule_set=rule_set)
        service.approve(APPROVER, run_id)
        service.mark_paid(APPROVER, run_id)
        events.append({"phase": "history", "period": period.start, "event": "paid by engine 1.0"})
    replay = periods[history_periods - 1] if history_periods else periods[0]
    replay_sheets = synthetic_timesheets(company, replay, seed)
    everything = features_of(company, replay_sheets)
    next_period = periods[-1]
    outcomes: list[PhaseOutcome] = []
    scope: list[dict[str, Any]] = []
    before: Snapshot | None = None
    caught: str | None = None
    rollback: RollbackCheck | None = None
    last = Reconciliation(0, 0, pd.DataFrame())
    last_phase = ""
    last_run_id = 0
    rng = np.random.default_rng(seed)
    for phase in plan.phases:
        tolerance = plan.tolerance_cents if phase.tolerance_cents is None else phase.tolerance_cents
        flt = phase.population.scope_filter()
        production_phase = phase.environment == "production"
        period = next_period if production_phase else replay
        if production_phase:
            next_period = next_period.next()
        outcome = PhaseOutcome(phase.name, phase.environment, period.start, period.paid_on)
        outcomes.append(outcome)
        if caught:
            continue
        if not production_phase:
            population = [e for e in company if EngineScope((flt,)).matches(e)]
            chosen = covering_sample(population, replay_sheets, phase.population.sample, rng)
            outcome.missing_features = missing_features(chosen, everything, replay_sheets)
            result, run_id = _replay(phase, chosen, replay_sheets, period, workdir, rule_set,
                                     inject_defect, tolerance, outcome)  # fmt: skip
        else:
            if before is None:
                before = snapshot(production)
                production.upgrade(ENGINE_2_REVISION)
                events.append({"phase": phase.name, "period": period.start,
                               "event": "alembic upgrade 0001 -> 0002"})  # fmt: skip
                service = PayrollService(production, inject_defect=inject_defect)
            scope.append(flt)
            service.set_engine_scope(ADMIN, scope)
            events.append({"phase": phase.name, "period": period.start,
                           "event": f"flag: engine 2.0 for {len(scope)} group(s)"})  # fmt: skip
            run_id = production_run = _pay(service, period,
                                           synthetic_timesheets(company, period, seed))  # fmt: skip
            try:
                calc = service.calculate(CLERK, run_id, rule_set=rule_set)
            except PayRunError as exc:
                outcome.errors = len(exc.errors)
                result = Reconciliation(0, 0, pd.DataFrame())
            else:
                outcome.employees_paid = len(calc.payslips)
                result = _compare(service, run_id, tolerance, outcome)
        outcome.compared_lines = result.lines
        outcome.mismatched_employees = result.mismatched_employees
        outcome.mismatched_lines = len(result.items)
        last, last_phase, last_run_id = result, phase.name, run_id
        go = (
            outcome.mismatched_employees <= plan.go_no_go.max_mismatched_employees
            and outcome.errors <= plan.go_no_go.max_errors
        )
        if production_phase and go:
            try:
                service.approve(APPROVER, run_id)
            except InvalidState as exc:  # the product's own go/no-go
                outcome.refused, go = str(exc), False
            else:
                service.mark_paid(APPROVER, run_id)
                events.append({"phase": phase.name, "period": period.start,
                               "event": "go: approved and paid"})  # fmt: skip
        outcome.decision = Decision.GO if go else Decision.NO_GO
        if go:
            continue
        caught = phase.name
        if production_phase:
            rollback = _roll_back(service, production, before or {}, run_id, rule_set, events,
                                  phase.name, period)  # fmt: skip
            outcome.rolled_back = True
        else:
            events.append({"phase": phase.name, "period": period.start,
                           "event": "no-go: rollout stopped before production"})  # fmt: skip
    drill = False
    if rollback is None and before is not None:
        rollback = rehearse_fallback(production, before, workdir)
        drill = True
        kind = production.url.get_backend_name()
        events.append({"phase": "drill", "period": next_period.start,
                       "event": f"fallback rehearsed on a copy ({kind})"})  # fmt: skip
    return RolloutResult(
        plan, outcomes, caught, rollback, drill, last, last_phase, production, last_run_id,
        sorted(everything), events, production_run, inject_defect,
    )  # fmt: skip


def _roll_back(
    service: PayrollService,
    store: PayrollStore,
    before: Snapshot,
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
    during = snapshot(store)
    store.downgrade(ENGINE_1_REVISION)
    events.append(
        {"phase": phase, "period": period.start, "event": "alembic downgrade 0002 -> 0001"}
    )
    check = replace(check_rollback(before, snapshot(store), store.revision(), during),
                    **kept_by_downgrade(store))  # fmt: skip
    old = PayrollService(store)
    old.calculate(CLERK, run_id, rule_set=rule_set)
    old.approve(APPROVER, run_id)
    old.mark_paid(APPROVER, run_id)
    events.append({"phase": phase, "period": period.start, "event": "period paid by engine 1.0"})
    return check
