"""A company for the service to serve: users of every role, employees, hours, paid history.

Used by the service's tests, the load test, the fuzzing and the report. Every user gets the
same password (hashed once: argon2 is slow on purpose), which the caller chooses.
:func:`running_service` serves such a company on loopback.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import insert

from deploybook.payroll.engine.domain import Employee, PayPeriod
from deploybook.payroll.engine.synthetic import synthetic_company, synthetic_timesheets
from deploybook.payroll.service.api.accounts import hash_password
from deploybook.payroll.service.app import create_app
from deploybook.payroll.service.audit import write_audit
from deploybook.payroll.service.payruns import PayrollService
from deploybook.payroll.service.schema import service_accounts
from deploybook.payroll.service.server import serve_in_thread
from deploybook.payroll.service.settings import ServiceSettings
from deploybook.payroll.service.store import PayrollStore, now

STAFF = {
    "admin": ["admin"],
    "adele": ["admin"],  # the second admin, who approves the role grants "admin" files
    "clara": ["clerk"],
    "alex": ["approver"],
    "audrey": ["auditor"],
    "casey": ["clerk", "approver"],
}
CLERK, APPROVER = "clara", "alex"


def employee_user(employee_id: str) -> str:
    """The login name of an employee (``E000001`` logs in as ``e000001``)."""
    return employee_id.lower()


@dataclass
class DemoCompany:
    """What :func:`seed_company` made."""

    url: str
    staff: list[Employee]
    period: PayPeriod  # the next period to pay: hours recorded, no pay run yet
    paid_runs: list[int] = field(default_factory=list)
    users: dict[str, list[str]] = field(default_factory=dict)

    def employee_users(self) -> list[str]:
        """The login names of the employees that have one."""
        return [u for u, roles in self.users.items() if roles == ["employee"]]


def seed_company(
    url: str,
    *,
    employees: int,
    password: str,
    seed: int = 0,
    frequency: str = "fortnightly",
    period_start: date = date(2024, 7, 1),
    paid_periods: int = 1,
    employee_logins: int = 3,
    study_loans: bool = False,
) -> DemoCompany:
    """Migrate an empty database at ``url`` and fill it.

    ``paid_periods`` periods before ``period_start`` are prepared, calculated, approved and
    paid; ``period_start``'s period has its hours recorded and nothing else. The first
    ``employee_logins`` employees can log in (role ``employee``). With ``study_loans`` some
    employees declare a study and training support loan (every payday must then fall under
    a rule set with a Schedule 8).
    """
    store = PayrollStore(url)
    store.upgrade()
    service = PayrollService(store)
    company = synthetic_company(employees, frequency, seed, study_loans=study_loans)
    logins = {employee_user(e.id): (["employee"], e.id) for e in company[:employee_logins]}
    users = {name: roles for name, roles in STAFF.items()} | {n: r for n, (r, _) in logins.items()}
    service.add_users("admin", users)
    service.import_employees(CLERK, company)
    hashed = hash_password(password)
    with store.transaction() as conn:
        conn.execute(
            insert(service_accounts),
            [
                {
                    "user_name": name,
                    "password_hash": hashed,
                    "updated_at": now(),
                    "employee_id": logins[name][1] if name in logins else None,
                }
                for name in users
            ],
        )
        write_audit(conn, "admin", "account.set", "user", ",".join(users)[:40], seeded=len(users))
    period = PayPeriod.starting(frequency, period_start)
    history = [period]
    for _ in range(paid_periods):
        history.insert(0, history[0].previous())
    paid = []
    for past in history[:-1]:
        service.record_timesheets(CLERK, past, synthetic_timesheets(company, past, seed).values())
        run = service.create_pay_run(CLERK, past)
        service.calculate(CLERK, run.id)
        service.approve(APPROVER, run.id)
        service.mark_paid(APPROVER, run.id)
        paid.append(run.id)
    service.record_timesheets(CLERK, period, synthetic_timesheets(company, period, seed).values())
    store.close()
    return DemoCompany(url, company, period, paid, users)


@dataclass
class RunningService:
    """A served demo company: its address, and a logged-in client per user on demand."""

    base_url: str
    company: DemoCompany
    app: FastAPI
    password: str
    tokens: dict[str, str] = field(default_factory=dict)
    # one TLS context for every client: building one per client costs more than a request
    _tls: ssl.SSLContext = field(default_factory=ssl.create_default_context)

    def headers(self, user: str) -> dict[str, str]:
        """The ``Authorization`` header of ``user`` (logged in once, then reused; drop the
        user from :attr:`tokens` to log in again).
        """
        if user not in self.tokens:
            with self.client() as anonymous:
                reply = anonymous.post(
                    "/api/v1/auth/token", data={"username": user, "password": self.password}
                )
            reply.raise_for_status()
            self.tokens[user] = reply.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def client(self, user: str | None = None) -> httpx.Client:
        """An HTTP client of the service, logged in as ``user`` (anonymous if ``None``)."""
        headers = self.headers(user) if user else None
        return httpx.Client(base_url=self.base_url, timeout=60, headers=headers, verify=self._tls)


@contextmanager
def running_service(
    url: str, password: str, *, inject_defect: bool = False, **company: Any
) -> Iterator[RunningService]:
    """Seed a company at ``url`` (:func:`seed_company` arguments), serve it on loopback in a
    thread, and yield it.
    """
    demo = seed_company(url, password=password, **company)
    app = create_app(ServiceSettings(database_url=url, inject_defect=inject_defect))
    try:
        with serve_in_thread(app) as base:
            yield RunningService(base, demo, app, password)
    finally:
        app.state.store.close()
