"""Paged reads for the API and the web pages (SQLAlchemy Core, bound parameters only).

Each function returns one page of rows as dictionaries and the total number of rows, so
that a page of a 100,000-employee pay run costs one page of work, not the whole run.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, func, select

from deploybook.payroll.service.schema import (
    employees,
    pay_runs,
    payslip_lines,
    payslips,
    reconciliation_items,
    service_accounts,
    timesheets,
    users,
)

Rows = tuple[list[dict[str, Any]], int]
PAYSLIP_SUMMARY = (
    payslips.c.pay_run_id,
    payslips.c.employee_id,
    employees.c.name,
    employees.c.department,
    employees.c.location,
    payslips.c.gross,
    payslips.c.withholding,
    payslips.c.deductions,
    payslips.c.super_guarantee,
    payslips.c.net,
)


def _page(conn: Connection, query: Select[Any], limit: int, offset: int) -> Rows:
    total = conn.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = conn.execute(query.limit(limit).offset(offset)).mappings().all()
    return [dict(r) for r in rows], int(total or 0)


def employee_page(
    conn: Connection,
    limit: int,
    offset: int,
    *,
    department: str | None = None,
    location: str | None = None,
) -> Rows:
    """Employees by id, optionally of one department and/or location."""
    query = select(employees).order_by(employees.c.id)
    if department is not None:
        query = query.where(employees.c.department == department)
    if location is not None:
        query = query.where(employees.c.location == location)
    return _page(conn, query, limit, offset)


def employee(conn: Connection, employee_id: str) -> dict[str, Any] | None:
    """One employee, or ``None``."""
    row = conn.execute(select(employees).where(employees.c.id == employee_id)).mappings().first()
    return dict(row) if row else None


def existing_employees(conn: Connection, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` are employees (queried 900 at a time: SQLite's parameter limit)."""
    wanted, found = sorted(set(ids)), set()
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        found |= set(conn.scalars(select(employees.c.id).where(employees.c.id.in_(chunk))))
    return found


def timesheet_page(
    conn: Connection, frequency: str, period_start: date, limit: int, offset: int
) -> Rows:
    """The timesheets of one period of ``frequency`` employees, by employee id."""
    query = (
        select(
            timesheets.c.employee_id,
            timesheets.c.ordinary_hours,
            timesheets.c.overtime_15_hours,
            timesheets.c.overtime_20_hours,
            timesheets.c.allowances,
        )
        .select_from(timesheets.join(employees, employees.c.id == timesheets.c.employee_id))
        .where(timesheets.c.period_start == period_start, employees.c.frequency == frequency)
        .order_by(timesheets.c.employee_id)
    )
    return _page(conn, query, limit, offset)


def pay_run_page(conn: Connection, limit: int, offset: int, status: str | None = None) -> Rows:
    """Pay runs, newest period first, optionally of one status."""
    query = select(pay_runs).order_by(pay_runs.c.period_start.desc(), pay_runs.c.id.desc())
    if status is not None:
        query = query.where(pay_runs.c.status == status)
    return _page(conn, query, limit, offset)


def payslip_page(conn: Connection, run_id: int, limit: int, offset: int) -> Rows:
    """A pay run's payslips (totals only), by employee id."""
    query = (
        select(*PAYSLIP_SUMMARY)
        .select_from(payslips.join(employees, employees.c.id == payslips.c.employee_id))
        .where(payslips.c.pay_run_id == run_id)
        .order_by(payslips.c.employee_id)
    )
    return _page(conn, query, limit, offset)


def employee_payslip_page(
    conn: Connection, employee_id: str, statuses: Iterable[str], limit: int, offset: int
) -> Rows:
    """One employee's payslips in runs of the given statuses, newest first."""
    query = (
        select(*PAYSLIP_SUMMARY)
        .select_from(
            payslips.join(employees, employees.c.id == payslips.c.employee_id).join(
                pay_runs, pay_runs.c.id == payslips.c.pay_run_id
            )
        )
        .where(payslips.c.employee_id == employee_id, pay_runs.c.status.in_(list(statuses)))
        .order_by(pay_runs.c.paid_on.desc())
    )
    return _page(conn, query, limit, offset)


def payslip(conn: Connection, run_id: int, employee_id: str) -> dict[str, Any] | None:
    """One payslip with its pay run's dates and status and its lines, or ``None``."""
    query = (
        select(
            *PAYSLIP_SUMMARY,
            *(
                c
                for c in payslips.c
                if c.name
                not in {
                    "id",
                    "pay_run_id",
                    "employee_id",
                    "gross",
                    "withholding",
                    "deductions",
                    "super_guarantee",
                    "net",
                    "engine",
                }
            ),
            payslips.c.id.label("payslip_id"),
            pay_runs.c.period_start,
            pay_runs.c.period_end,
            pay_runs.c.paid_on,
            pay_runs.c.status,
        )
        .select_from(
            payslips.join(employees, employees.c.id == payslips.c.employee_id).join(
                pay_runs, pay_runs.c.id == payslips.c.pay_run_id
            )
        )
        .where(payslips.c.pay_run_id == run_id, payslips.c.employee_id == employee_id)
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    found = dict(row)
    lines = conn.execute(
        select(
            payslip_lines.c.position,
            payslip_lines.c.kind,
            payslip_lines.c.description,
            payslip_lines.c.quantity,
            payslip_lines.c.rate,
            payslip_lines.c.amount,
        )
        .where(payslip_lines.c.payslip_id == found.pop("payslip_id"))
        .order_by(payslip_lines.c.position)
    ).mappings()
    found["lines"] = [dict(line) for line in lines]
    return found


def reconciliation_page(conn: Connection, run_id: int, limit: int, offset: int) -> Rows:
    """The stored lines of a run's parallel run that did not reconcile."""
    query = (
        select(
            reconciliation_items.c.employee_id,
            reconciliation_items.c.line,
            reconciliation_items.c.official,
            reconciliation_items.c.shadow,
            reconciliation_items.c.official_engine,
            reconciliation_items.c.shadow_engine,
        )
        .where(reconciliation_items.c.pay_run_id == run_id)
        .order_by(reconciliation_items.c.employee_id, reconciliation_items.c.line)
    )
    return _page(conn, query, limit, offset)


def reconciliation_by_line(conn: Connection, run_id: int) -> list[dict[str, Any]]:
    """How many employees differ on each payslip line of a run's parallel run."""
    query = (
        select(
            reconciliation_items.c.line,
            func.count(func.distinct(reconciliation_items.c.employee_id)).label("employees"),
        )
        .where(reconciliation_items.c.pay_run_id == run_id)
        .group_by(reconciliation_items.c.line)
        .order_by(reconciliation_items.c.line)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def user_page(conn: Connection, limit: int, offset: int, name: str | None = None) -> Rows:
    """Users by name (all, or the one called ``name``), with their roles, linked employee and
    whether they have a login.
    """
    query = (
        select(
            users.c.name,
            users.c.roles,
            service_accounts.c.employee_id,
            service_accounts.c.user_name.is_not(None).label("can_log_in"),
        )
        .select_from(
            users.outerjoin(service_accounts, service_accounts.c.user_name == users.c.name)
        )
        .order_by(users.c.name)
    )
    if name is not None:
        query = query.where(users.c.name == name)
    rows, total = _page(conn, query, limit, offset)
    for row in rows:
        row["roles"] = sorted(r for r in row["roles"].split(",") if r)
        row["can_log_in"] = bool(row["can_log_in"])
    return rows, total
