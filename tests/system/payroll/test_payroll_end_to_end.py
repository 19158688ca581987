"""System test: a pay run end to end, from an employee file to the bank file and reports."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from pathlib import Path

from deploybook.payroll.engine.aba import aba_file, parse_aba
from deploybook.payroll.engine.domain import PayPeriod
from deploybook.payroll.engine.importing import read_employees, write_employees
from deploybook.payroll.engine.synthetic import synthetic_company, synthetic_timesheets
from deploybook.payroll.report.demo import running_service
from deploybook.payroll.service.payruns import PayrollService, Status
from deploybook.payroll.service.reports import journal, payments, payslip_html, summary
from deploybook.payroll.service.store import PayrollStore, sqlite_url
from payroll_aba_reader import read_aba  # tests/payroll_aba_reader.py: the tests' own reader


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


def test_a_december_2026_pay_run_through_the_api(tmp_path: Path) -> None:
    """Today's rules, through the real server: the fortnight from 30 November 2026 (paid
    16 December) is prepared, calculated under the 2026-27 rule set, approved, its bank file
    made (read back with the tests' own reader) and marked paid. The company has study
    loans and names outside ASCII."""
    password = secrets.token_urlsafe(12)
    url = sqlite_url(tmp_path / "payroll.db")
    with running_service(url, password, employees=40, paid_periods=1, seed=5, study_loans=True,
                         period_start=date(2026, 11, 30)) as svc:  # fmt: skip
        period = svc.company.period
        with svc.client("clara") as c:
            run = c.post("/api/v1/pay-runs", json={"frequency": "fortnightly",
                                                   "period_start": str(period.start)})  # fmt: skip
            assert run.status_code == 201, run.text
            run_id = run.json()["id"]
            calc = c.post(f"/api/v1/pay-runs/{run_id}/calculate", json={})
            assert calc.status_code == 200, calc.text
        assert calc.json()["run"]["rule_set"] == "ato-schedule1-2026-07-01"
        assert calc.json()["run"]["paid_on"] == "2026-12-16"
        with svc.client("alex") as c:
            exceptions = c.get(f"/api/v1/pay-runs/{run_id}/exceptions").json()
            approved = c.post(f"/api/v1/pay-runs/{run_id}/approve",
                              headers={"Idempotency-Key": "dec-2026-approve"})  # fmt: skip
            assert approved.status_code == 200, approved.text
            bank = c.get(f"/api/v1/pay-runs/{run_id}/aba")
            paid = c.post(f"/api/v1/pay-runs/{run_id}/mark-paid",
                          headers={"Idempotency-Key": "dec-2026-paid"})  # fmt: skip
        assert paid.json()["status"] == "paid"
    assert exceptions["previous_pay_run_id"] == svc.company.paid_runs[-1]
    read = read_aba(bank.content)
    assert bank.headers["x-bank-file-generation"] == "1"
    assert read.credit_cents == round(Decimal(paid.json()["net"]) * 100) == read.debit_cents
    assert read.date == "161226"
    titles = {d.title for d in read.details}
    assert any("O'Brien" in t or "Nunez" in t or "Dang" in t for t in titles)  # transliterated
    assert any(e.stsl for e in svc.company.staff)  # Schedule 8 was in play


def test_bad_input_is_named_and_nothing_is_saved(tmp_path: Path) -> None:
    """An unknown scale, a negative amount, a BSB that fails the check, a payday outside
    every rule set: each a 422 naming the field, and nothing written."""
    password = secrets.token_urlsafe(12)
    url = sqlite_url(tmp_path / "payroll.db")
    with running_service(url, password, employees=5, paid_periods=0, seed=1,
                         period_start=date(2026, 11, 30)) as svc:  # fmt: skip
        good = {"id": "E000100", "name": "New Person", "department": "Finance",
                "location": "Perth", "frequency": "fortnightly", "basis": "salaried",
                "rate": "80000", "scale": "2", "tax_free_threshold": True, "bsb": "062-000",
                "account_number": "12345678"}  # fmt: skip
        with svc.client("clara") as c:
            for change, field in (({"scale": "7"}, "employees[1].scale"),
                                  ({"rate": "-1"}, "employees[1].rate"),
                                  ({"bsb": "062000"}, "employees[1].bsb"),
                                  ({"bsb": "000-000"}, "employees[1].bsb"),
                                  ({"account_number": "000000"},
                                   "employees[1].account_number")):  # fmt: skip
                bad = good | {"id": "E000101"} | change
                reply = c.post("/api/v1/employees", json={"employees": [good, bad]})
                assert reply.status_code == 422, reply.text
                assert reply.json()["field"] == field, reply.json()
            assert c.get("/api/v1/employees").json()["total"] == 5  # not even the good one
            later = c.post("/api/v1/pay-runs", json={"frequency": "fortnightly",
                                                     "period_start": "2027-07-05"})  # fmt: skip
            run_id = later.json()["id"]
            sheet = {"frequency": "fortnightly", "period_start": "2027-07-05",
                     "timesheets": [{"employee_id": "E000001"}]}  # fmt: skip
            c.post("/api/v1/timesheets", json=sheet)
            reply = c.post(f"/api/v1/pay-runs/{run_id}/calculate", json={})
            payslips = c.get(f"/api/v1/pay-runs/{run_id}/payslips").json()
            run = c.get(f"/api/v1/pay-runs/{run_id}").json()
    assert reply.status_code == 422, reply.text
    assert reply.json()["field"] == "paid_on"
    assert reply.json()["detail"] == (
        "paid_on: no rule set covers 2027-07-21; the nearest are before it: "
        "ato-schedule1-2026-07-01 (2026-07-01 to 2027-06-30)"
    )
    assert payslips["total"] == 0
    assert (run["status"], run["employees"], run["calculated_by"]) == ("draft", 0, None)
