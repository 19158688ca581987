"""The approver's exception report: what is different about a pay run before it is approved.

Compared with the previous run of the same frequency (the latest approved or paid one
before it): the employees paid for the first time (starters) and those no longer paid
(leavers), the employees whose pay goes to another bank account than last time, every
change to employee records since the previous run was calculated (who, when, which fields,
before and after), and how many different bank files were made for the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from deploybook.payroll.service.audit import latest_entry
from deploybook.payroll.service.bankfile import generations
from deploybook.payroll.service.master_data import changes_since, start_of
from deploybook.payroll.service.schema import pay_runs, payslips
from deploybook.payroll.service.store import table_columns


@dataclass(frozen=True)
class ExceptionReport:
    """What an approver should look at before approving ``run_id``."""

    run_id: int
    previous_run_id: int | None
    starters: list[str] = field(default_factory=list)
    leavers: list[str] = field(default_factory=list)
    new_bank_details: list[dict[str, Any]] = field(default_factory=list)  # employee, before, after
    changes: list[dict[str, Any]] = field(default_factory=list)  # employee, actor, at, changes
    bank_file_generations: int = 0

    @property
    def count(self) -> int:
        """How many exceptions there are (a second bank file counts as one)."""
        return (len(self.starters) + len(self.leavers) + len(self.new_bank_details)
                + len(self.changes) + (self.bank_file_generations > 1))  # fmt: skip


def _accounts(conn: Connection, run_id: int) -> dict[str, tuple[str, str]]:
    recorded = "bsb" in table_columns(conn, "payslips")
    columns = (payslips.c.bsb, payslips.c.account_number) if recorded else ()
    rows = conn.execute(
        select(payslips.c.employee_id, *columns).where(payslips.c.pay_run_id == run_id)
    ).all()
    return {row[0]: (row[1], row[2]) if recorded else ("", "") for row in rows}


def _calculated_at(conn: Connection, run_id: int) -> datetime | None:
    entry = latest_entry(conn, "pay_run.calculate", "pay_run", run_id)
    return None if entry is None else entry["at"]


def exception_report(conn: Connection, run_id: int) -> ExceptionReport:
    """The exceptions of pay run ``run_id`` (``LookupError`` if there is no such run)."""
    run = conn.execute(select(pay_runs).where(pay_runs.c.id == run_id)).first()
    if run is None:
        raise LookupError(f"pay run {run_id} does not exist")
    previous = conn.execute(
        select(pay_runs.c.id)
        .where(pay_runs.c.frequency == run.frequency, pay_runs.c.period_start < run.period_start,
               pay_runs.c.status.in_(("approved", "paid")))
        .order_by(pay_runs.c.period_start.desc())
        .limit(1)
    ).scalar()  # fmt: skip
    now_paid = _accounts(conn, run_id)
    before = _accounts(conn, previous) if previous is not None else {}
    since = (_calculated_at(conn, previous) if previous is not None else None) or start_of(
        run.period_start
    )
    changes = [
        {"employee_id": e["entity_id"], "actor": e["actor"], "at": e["at"],
         "action": e["action"], "changes": e["detail"].get("changes", {})}
        for e in changes_since(conn, since)
        if e["entity_id"] in now_paid or e["entity_id"] in before
    ]  # fmt: skip
    return ExceptionReport(
        run_id=run_id,
        previous_run_id=previous,
        starters=sorted(set(now_paid) - set(before)) if previous is not None else [],
        leavers=sorted(set(before) - set(now_paid)),
        new_bank_details=[
            {"employee_id": e, "before": " ".join(before[e]), "after": " ".join(now_paid[e])}
            for e in sorted(set(now_paid) & set(before))
            if before[e] != now_paid[e]
        ],
        changes=changes,
        bank_file_generations=generations(conn, run_id),
    )
