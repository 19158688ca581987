"""Employee master data under control: every change with its before and after values, edits
refused while a run that pays the employee awaits payment, and who changed what.

An import writes one audit entry per employee it creates (``employee.create``) or changes
(``employee.change``), with ``changes``: each field that differs, as ``[before, after]``.
Segregation of duties reads these entries back: whoever changed an employee's pay or bank
details since a run's period began may not approve or pay that run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import Connection, select

from deploybook.payroll.engine.domain import Employee
from deploybook.payroll.service.audit import audit_entries_since, audit_entry
from deploybook.payroll.service.schema import pay_runs, payslips

BANK_FIELDS = frozenset({"bsb", "account_number"})
PAY_FIELDS = frozenset(
    {"frequency", "basis", "rate", "scale", "tax_free_threshold", "tax_offsets",
     "medicare_spouse", "medicare_children", "stsl", "salary_sacrifice", "post_tax_deductions",
     "active"}
)  # fmt: skip
CHANGE_ACTIONS = ("employee.create", "employee.change")


def _shown(value: Any) -> Any:
    """A field's value as the audit log keeps it (JSON: enums and amounts as text)."""
    return value if isinstance(value, bool | int | str) or value is None else str(value)


def field_changes(before: Employee | None, after: Employee) -> dict[str, list[Any]]:
    """Each field whose value differs, as ``[before, after]`` (every field for a new one)."""
    changed = {}
    for field in fields(Employee):
        old = None if before is None else getattr(before, field.name)
        new = getattr(after, field.name)
        if before is None or old != new:
            changed[field.name] = [_shown(old), _shown(new)]
    return changed


def change_entries(
    actor: str, existing: Mapping[str, Employee], records: Iterable[Employee]
) -> list[dict[str, Any]]:
    """The audit entries of an import: one per employee it creates or changes."""
    entries = []
    for record in records:
        before = existing.get(record.id)
        changes = field_changes(before, record)
        if changes:
            action = "employee.create" if before is None else "employee.change"
            entries.append(audit_entry(actor, action, "employee", record.id, changes=changes))
    return entries


def awaiting_payment(conn: Connection, employee_ids: Iterable[str]) -> dict[str, int]:
    """The employees among ``employee_ids`` paid by an approved run not yet paid, and that run."""
    ids = list(employee_ids)
    found: dict[str, int] = {}
    for start in range(0, len(ids), 900):  # stay under SQLite's bound-parameter limit
        query = (
            select(payslips.c.employee_id, pay_runs.c.id)
            .select_from(payslips.join(pay_runs, payslips.c.pay_run_id == pay_runs.c.id))
            .where(pay_runs.c.status == "approved",
                   payslips.c.employee_id.in_(ids[start : start + 900]))
        )  # fmt: skip
        found |= {employee: run for employee, run in conn.execute(query)}
    return found


def changes_since(conn: Connection, since: datetime) -> list[dict[str, Any]]:
    """Every employee creation or change recorded at or after ``since``, oldest first."""
    return audit_entries_since(conn, since, CHANGE_ACTIONS)


def pay_or_bank_changed_by(
    conn: Connection, actor: str, employee_ids: Iterable[str], since: datetime
) -> list[str]:
    """The employees among ``employee_ids`` whose pay or bank details ``actor`` changed (or
    created) at or after ``since``.
    """
    wanted = set(employee_ids)
    touched = {
        entry["entity_id"]
        for entry in changes_since(conn, since)
        if entry["actor"] == actor
        and entry["entity_id"] in wanted
        and set(entry["detail"].get("changes", {})) & (PAY_FIELDS | BANK_FIELDS)
    }
    return sorted(touched)


def start_of(day: Any) -> datetime:
    """Midnight (UTC) at the start of ``day`` (a ``date``)."""
    return datetime.combine(day, time(), tzinfo=UTC)
