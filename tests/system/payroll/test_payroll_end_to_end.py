"""System test: a pay run end to end, from an employee file to the bank file and reports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from deploybook.payroll.engine.aba import aba_file, parse_aba
from deploybook.payroll.engine.domain import PayPeriod
from deploybook.payroll.engine.importing import read_employees, write_employees
from deploybook.payroll.engine.synthetic import synthetic_company, synthetic_timesheets
from deploybook.payroll.service.payruns import PayrollService, Status
from deploybook.payroll.service.reports import journal, payments, payslip_html, summary
from deploybook.payroll.service.store import PayrollStore, sqlite_url


def test_from_employee_file_to_payment_file(tmp_path: Path) -> None:
    write_employees(tmp_path / "employees.csv", synthetic_company(500, "monthly", seed=11))
    staff = read_employees(tmp_path / "employees.csv")
    store = PayrollStore(sqlite_url(tmp_path / "payroll.db"))
    store.upgrade()
    service = PayrollService(store)
    service.add_users("it", {"it": ["admin"], "clara": ["clerk"], "alex": ["approver"]})
    assert service.import_employees("clara", staff) == 500
    period = PayPeriod.starting("monthly", date(2024, 7, 1))
    service.record_timesheets("clara", period, synthetic_timesheets(staff, period, 11).values())
    run = service.create_pay_run("clara", period)
    calc = service.calculate("clara", run.id)
    assert calc.run.rule_set == "ato-schedule1-2024-07-01"  # paid 3 August 2024
    service.approve("alex", run.id)
    text = aba_file(
        payments(store, run.id, "SALARY JUL24"),
        bank="NAB",
        user_name="ACME PTY LTD",
        apca_id=301500,
        description="PAYROLL",
        process_on=calc.run.paid_on,
        trace_bsb="083-001",
        trace_account="123456789",
        remitter="ACME PTY LTD",
    )
    (tmp_path / "payroll.aba").write_bytes(text.encode("ascii"))
    details, totals = parse_aba((tmp_path / "payroll.aba").read_bytes().decode("ascii"))
    paid = service.mark_paid("alex", run.id)
    assert paid.status is Status.PAID
    # the bank file pays exactly the net pay of every payslip with something to pay
    assert totals.credit_cents == int(paid.net * 100) == totals.debit_cents
    assert totals.count == sum(1 for d in details if d["code"] == "53") + 1
    table = summary(store, run.id)
    assert table.loc[("Total", ""), "gross"] == paid.gross
    ledger = journal(store, run.id)
    assert ledger.iloc[-1]["debit"] == ledger.iloc[-1]["credit"]
    html = payslip_html(store, run.id, staff[0].id, "Acme Pty Ltd")
    assert staff[0].name in html
    assert "Year to date" in html
    store.close()
