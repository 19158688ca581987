"""What a stored pay run produces: the payslip as an employee reads it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from deploybook.payroll.engine.domain import PayPeriod, Timesheet
from deploybook.payroll.service.payruns import PayrollService
from deploybook.payroll.service.reports import payslip_html
from deploybook.payroll.service.store import PayrollStore, sqlite_url

from .conftest import employee

PERIOD = PayPeriod.starting("fortnightly", date(2024, 7, 1))


def _cells(html: str) -> list[str]:
    """The cells of the payslip's tables as text, in reading order."""
    text = re.sub(r"<(td|th)[^>]*>", "|", html[: html.rindex("</table>")])
    text = re.sub(r"<[^>]+>", "", text).replace("&minus;", "-")
    return [" ".join(c.split()) for c in text.split("|") if c.strip()]


def test_payslip_reads_earnings_then_deductions_then_net_then_super(tmp_path: Path) -> None:
    store = PayrollStore(sqlite_url(tmp_path / "payroll.db"))
    store.upgrade()
    service = PayrollService(store)
    service.add_users("root", {"root": ["admin"], "clara": ["clerk"]})
    worker = employee(basis="hourly", rate=Decimal("40"), salary_sacrifice=Decimal("100"),
                      post_tax_deductions=Decimal("25"))  # fmt: skip
    service.import_employees("clara", [worker])
    sheet = Timesheet(worker.id, ordinary_hours=Decimal(76), overtime_15_hours=Decimal("2.5"),
                      overtime_20_hours=Decimal(4), allowances=Decimal("30"))  # fmt: skip
    service.record_timesheets("clara", PERIOD, [sheet])
    run_id = service.create_pay_run("clara", PERIOD).id
    service.calculate("clara", run_id)
    html = payslip_html(store, run_id, worker.id, "Acme Pty Ltd", abn="12 345 678 901")
    store.close()
    # 76 h x 40 = 3,040; 2.5 h x 60 = 150; 4 h x 80 = 320; + 30 allowance = 3,540 gross.
    # Taxable 3,440 (after 100 sacrificed): x = 1,720.99, 0.32 x 1,720.99 - 176.5769 = 374.14
    # -> 374 a week, 748 a fortnight. Net 3,540 - 100 - 748 - 25 = 2,667. Super 11.5% of the
    # ordinary 3,040 = 349.60 (overtime and the allowance are not ordinary time earnings).
    assert "ABN 12 345 678 901" in html
    assert "Year to date: gross 3,540.00 · tax 748.00 · super guarantee 349.60" in " ".join(
        html.split()
    )
    cells = _cells(html)
    assert cells[cells.index("Earnings") :] == [
        "Earnings", "Hours", "Rate", "Amount",
        "Ordinary hours", "76.00", "40.00", "3,040.00",
        "Overtime at time and a half", "2.50", "60.00", "150.00",
        "Overtime at double time", "4.00", "80.00", "320.00",
        "Allowances", "30.00",
        "Gross pay", "3,540.00",
        "Deductions",
        "Salary sacrifice to super", "-100.00",
        "PAYG withholding (tax withheld)", "-748.00",
        "Post-tax deductions", "-25.00",
        "Net pay to 032-000 12345678", "2,667.00",
        "Paid by the employer to super (not part of net pay)",
        "Super guarantee on ordinary time earnings of 3,040.00", "349.60",
        "Super: salary sacrifice", "100.00",
    ]  # fmt: skip
