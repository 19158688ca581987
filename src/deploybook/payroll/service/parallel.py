"""A parallel run on demand: both engine versions pay a draft run's inputs, line by line.

The official version of each employee is the one the engine flag gives them (the version
``calculate`` uses); the shadow is the other. The lines that differ beyond the tolerance
are stored as the run's reconciliation (replacing an earlier one) and the run is audited,
with :func:`deploybook.payroll.engine.reconcile.reconcile`. A clean parallel run recorded
after a run's last calculation is what lets a run paid partly by an engine under rollout be
approved (:meth:`PayrollService.approve`); the phased rollout goes through here too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from deploybook.payroll.engine.calculation import compute_payslips
from deploybook.payroll.engine.domain import Employee, Payslip
from deploybook.payroll.engine.reconcile import Reconciliation, reconcile
from deploybook.payroll.service.audit import write_audit
from deploybook.payroll.service.payruns import (
    InvalidState,
    PayrollService,
    PayRunError,
    PermissionDenied,
    Role,
    Status,
)
from deploybook.payroll.service.store import load_roles, save_reconciliation

ITEM_COLUMNS = ("employee_id", "line", "official", "shadow", "official_engine", "shadow_engine")
OTHER = {"1.0": "2.0", "2.0": "1.0"}


@dataclass(frozen=True)
class ParallelRun:
    """Both engines on one run's inputs: the reconciliation, how many employees each version
    paid officially, and the seconds each engine spent (on every employee).
    """

    reconciliation: Reconciliation
    official_engines: dict[str, int]
    seconds: dict[str, float]


def parallel_run(
    service: PayrollService, actor: str, run_id: int, tolerance_cents: int = 0
) -> ParallelRun:
    """Compare both engines on draft run ``run_id`` (clerk); store and audit what differs.

    If either engine cannot pay an employee, :class:`PayRunError` lists them and nothing
    is recorded.
    """
    with service.store.transaction() as conn:
        if Role.CLERK.value not in load_roles(conn, actor):
            raise PermissionDenied(f"{actor!r} needs the clerk role for a parallel run")
    run = service.pay_run(run_id)
    if run.status is not Status.DRAFT:
        raise InvalidState(f"pay run {run_id} is {run.status.value}; parallel runs check drafts")
    inputs = service.inputs(run_id)
    scope = service.engine_scope()
    groups: dict[str, list[Employee]] = {}
    for employee in inputs.employees:
        groups.setdefault("2.0" if scope.matches(employee) else "1.0", []).append(employee)
    official: list[Payslip] = []
    shadow: list[Payslip] = []
    errors: dict[str, str] = {}
    seconds = {"1.0": 0.0, "2.0": 0.0}
    for version, group in groups.items():
        for engine, found in ((version, official), (OTHER[version], shadow)):
            started = time.perf_counter()
            slips, failed = compute_payslips(
                service.engines[engine], group, inputs.timesheets, inputs.context,
                inputs.base_used,
            )  # fmt: skip
            seconds[engine] += time.perf_counter() - started
            found += slips
            errors |= failed
    if errors:
        raise PayRunError(errors)
    result = reconcile(official, shadow, tolerance_cents)
    counts = {version: len(group) for version, group in sorted(groups.items())}
    with service.store.transaction() as conn:
        save_reconciliation(
            conn,
            run_id,
            [{k: item[k] for k in ITEM_COLUMNS} for item in result.items.to_dict("records")],
        )
        write_audit(conn, actor, "pay_run.parallel_run", "pay_run", run_id,
                    employees=result.employees, lines=result.lines,
                    mismatched_employees=result.mismatched_employees,
                    mismatched_lines=len(result.items), tolerance_cents=tolerance_cents,
                    official_engines=counts)  # fmt: skip
    return ParallelRun(result, counts, seconds)
