"""The controls an auditor signs off, each tried against the service as an insider would.

:func:`try_controls` seeds a small company on a fresh SQLite database at the newest schema
revision, prepares and calculates a pay run, and then attempts what each control forbids
(approving one's own run, redirecting pay after approval, granting oneself a role, paying a
run engine 2.0 computed without a parallel run, rewriting the audit log, making the bank
file twice). Each row says what was attempted and what the service did; ``held`` is true
when the service refused or detected it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pandas as pd
from pandas.io.formats.style import Styler
from sqlalchemy import update

from deploybook.payroll.engine.domain import Timesheet
from deploybook.payroll.report.demo import APPROVER, CLERK, seed_company
from deploybook.payroll.report.tables import styled
from deploybook.payroll.service.audit import verify_audit
from deploybook.payroll.service.parallel import parallel_run
from deploybook.payroll.service.payruns import InvalidState, PayrollService, PermissionDenied
from deploybook.payroll.service.schema import audit_log
from deploybook.payroll.service.settings import Employer
from deploybook.payroll.service.store import PayrollStore, load_employees, sqlite_url

ADMIN, SECOND_ADMIN = "admin", "adele"
BOTH = "casey"  # a clerk and an approver


@dataclass(frozen=True)
class Attempt:
    """One control tried: what was attempted, what the service did, whether it held."""

    control: str
    attempt: str
    result: str
    held: bool


def _refused(call: object, *args: object, **kwargs: object) -> str | None:
    """The refusal's message if ``call(*args)`` is refused, else ``None``."""
    try:
        call(*args, **kwargs)  # type: ignore[operator]
    except (PermissionDenied, InvalidState) as exc:
        return str(exc)
    return None


def _first_sentence(text: str | None) -> str:
    """``refused: <the reason>`` (the reason after any leading label such as ``go/no-go:``)."""
    if text is None:
        return "not refused"
    reason = text.split(": ", 1)[-1] if text.startswith(("go/no-go", "segregation")) else text
    return f"refused: {reason}"


def try_controls(workdir: Path, *, seed: int = 11) -> list[Attempt]:
    """Try every control once on a fresh company in ``workdir`` (replaced if present)."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "controls.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    company = seed_company(sqlite_url(path), employees=12, password=secrets.token_urlsafe(16),
                           seed=seed, paid_periods=1, employee_logins=0)  # fmt: skip
    store = PayrollStore(sqlite_url(path))
    service = PayrollService(store, inject_defect=True)
    tried: list[Attempt] = []
    try:
        run_id = service.create_pay_run(BOTH, company.period).id
        service.calculate(BOTH, run_id)
        refusal = _refused(service.approve, BOTH, run_id)
        tried.append(Attempt("segregation of duties",
                             "a clerk who is also an approver approves the run he calculated",
                             _first_sentence(refusal), refusal is not None))  # fmt: skip
        (request,) = service.add_users(ADMIN, {ADMIN: ["admin", "approver"]})
        refusal = _refused(service.decide_role_request, ADMIN, request.id, approve=True)
        tried.append(Attempt("two administrators for a role grant",
                             "the admin grants herself the approver role",
                             _first_sentence(refusal), refusal is not None))  # fmt: skip
        service.decide_role_request(SECOND_ADMIN, request.id, approve=False)
        hourly = next(e for e in company.staff if e.basis.value == "hourly")
        service.set_engine_scope(ADMIN, [{"location": [hourly.location]}])  # a pilot
        service.record_timesheets(CLERK, company.period, [Timesheet(
            hourly.id, ordinary_hours=Decimal(76), overtime_20_hours=Decimal(4))])  # fmt: skip
        service.calculate(CLERK, run_id)
        refusal = _refused(service.approve, APPROVER, run_id)
        tried.append(Attempt("go/no-go in the product",
                             "approve a run engine 2.0 paid in part, with no parallel run",
                             _first_sentence(refusal), refusal is not None))  # fmt: skip
        parallel_run(service, CLERK, run_id)
        refusal = _refused(service.approve, APPROVER, run_id)
        tried.append(Attempt("go/no-go in the product",
                             "approve it after a parallel run that found differences",
                             _first_sentence(refusal), refusal is not None))  # fmt: skip
        service.set_engine_scope(ADMIN, [])
        service.calculate(CLERK, run_id)
        service.approve(APPROVER, run_id)
        before = service.bank_file(APPROVER, run_id, Employer())
        with store.transaction() as conn:
            (first,) = load_employees(conn, [company.staff[0].id])
        refusal = _refused(service.import_employees, CLERK,
                           [replace(first, bsb="999-999", account_number="66666")])  # fmt: skip
        tried.append(Attempt("bank details frozen at approval",
                             "the clerk changes an employee's account after approval",
                             _first_sentence(refusal), refusal is not None))  # fmt: skip
        again = service.bank_file(APPROVER, run_id, Employer())
        tried.append(Attempt("bank file from the calculated details",
                             "download the bank file again after that attempt",
                             "the same file, the same SHA-256, generation 1" if again == before
                             else "a different file", again == before))  # fmt: skip
        with store.transaction() as conn:  # round the service, straight into the table
            conn.execute(update(audit_log).where(audit_log.c.action == "pay_run.approved")
                         .values(actor=CLERK))  # fmt: skip
        with store.transaction() as conn:
            found = verify_audit(conn)
        tried.append(Attempt("tamper-evident audit log",
                             "rewrite who approved the run, straight in the database",
                             f"detected: {found.problem}" if not found.intact
                             else "not detected", not found.intact))  # fmt: skip
    finally:
        store.close()
    return tried


def controls_table(tried: list[Attempt]) -> Styler:
    """The attempts, one a row."""
    frame = pd.DataFrame(
        [{"control": a.control, "attempt": a.attempt, "result": a.result,
          "held": "yes" if a.held else "NO"} for a in tried],
        columns=["control", "attempt", "result", "held"],
    )  # fmt: skip
    return styled(frame, wrap=["control", "attempt", "result"])
