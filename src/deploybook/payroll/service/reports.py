"""What a stored pay run produces: payslips (HTML), the pay run summary, the journal, payments.

Everything here reads the database (never recomputes), so it shows what was approved.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from jinja2 import Environment, select_autoescape
from sqlalchemy import select

from deploybook.payroll.engine.aba import Payment
from deploybook.payroll.engine.money import ZERO
from deploybook.payroll.service.schema import employees, pay_runs, payslip_lines, payslips
from deploybook.payroll.service.store import PayrollStore, table_columns

MONEY_COLUMNS = ("gross", "withholding", "super_guarantee", "salary_sacrifice", "deductions", "net")

EARNING_KINDS = ("salary", "ordinary", "overtime_1.5", "overtime_2.0", "allowance")
DEDUCTION_KINDS = ("salary_sacrifice", "tax", "deduction")  # in the order they come off
EMPLOYER_KINDS = ("super_guarantee", "super_sacrifice")  # paid to super, not to the employee


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _rate(rate: Decimal | None) -> str:
    """An hourly rate with its cents, and more places only where it has them (50.385)."""
    if rate is None:
        return ""
    places = max(2, -Decimal(rate).normalize().as_tuple().exponent)  # type: ignore[operator]
    return f"{rate:,.{places}f}"


_ENV = Environment(autoescape=select_autoescape(default=True))
_ENV.filters |= {"money": _money, "rate": _rate}
_PAYSLIP = _ENV.from_string(
    """<div class="payslip" style="font-family:sans-serif;max-width:44em;border:1px solid #ccc;padding:1em">
<h3 style="margin-top:0">{{ employer }}: payslip</h3>{% if abn %}<p style="margin:-.6em 0 .6em">ABN {{ abn }}</p>{% endif %}
<table style="width:100%"><tr><td><b>{{ e.name }}</b> ({{ e.id }})<br>{{ e.department }}, {{ e.location }}</td>
<td style="text-align:right">Period {{ run.period_start }} to {{ run.period_end }}<br>Paid {{ run.paid_on }}
 (pay run {{ run.id }}, {{ run.status }})</td></tr></table>
<table style="width:100%;border-collapse:collapse;margin-top:.8em">
<tr style="border-bottom:1px solid #999"><th style="text-align:left">Earnings</th><th style="text-align:right">Hours</th>
<th style="text-align:right">Rate</th><th style="text-align:right">Amount</th></tr>
{% for l in earnings %}<tr><td>{{ l.description }}</td><td style="text-align:right">{{ l.quantity if l.quantity is not none else "" }}</td>
<td style="text-align:right">{{ l.rate | rate }}</td><td style="text-align:right">{{ l.amount | money }}</td></tr>
{% endfor %}<tr style="border-top:1px solid #999"><td colspan="3"><b>Gross pay</b></td><td style="text-align:right"><b>{{ p.gross | money }}</b></td></tr>
<tr style="border-bottom:1px solid #999"><th style="text-align:left;padding-top:.6em" colspan="4">Deductions</th></tr>
{% for l in deductions %}<tr><td colspan="3">{{ l.description }}{% if l.kind == "tax" %} (tax withheld){% endif %}</td>
<td style="text-align:right">&minus;{{ l.amount | money }}</td></tr>
{% endfor %}<tr style="border-top:1px solid #999"><td colspan="3"><b>Net pay</b> to {{ e.bsb }} {{ e.account_number }}</td>
<td style="text-align:right"><b>{{ p.net | money }}</b></td></tr>
<tr style="border-bottom:1px solid #999"><th style="text-align:left;padding-top:.6em" colspan="4">Paid by the employer to super (not part of net pay)</th></tr>
{% for l in employer_lines %}<tr><td colspan="3">{{ l.description }}{% if l.kind == "super_guarantee" %} on ordinary time earnings of {{ p.ote | money }}{% endif %}</td>
<td style="text-align:right">{{ l.amount | money }}</td></tr>
{% endfor %}</table>
<p style="font-size:90%;color:#555">Tax withheld under {{ run.rule_set }}, scale {{ e.scale }}, weekly earnings x = {{ p.weekly_earnings }}<br>
Year to date: gross {{ p.ytd_gross | money }} · tax {{ p.ytd_withholding | money }} ·
 super guarantee {{ p.ytd_super | money }} · net {{ p.ytd_net | money }}</p>
</div>"""  # noqa: E501
)


BANK_COLUMNS = ("bsb", "account_number", "account_name")


def payslip_frame(store: PayrollStore, run_id: int, employee_id: str | None = None) -> pd.DataFrame:
    """The run's payslips (one employee's, if given) with each employee's name, department,
    location and scale, and the bank account the payslip pays into: the one recorded when
    it was calculated (database revision 0004), else the employee's current one.
    """
    with store.transaction() as conn:
        recorded = "bsb" in table_columns(conn, "payslips")
        kept = [c for c in payslips.columns if c.name != "engine" and c.name not in BANK_COLUMNS]
        source = payslips if recorded else employees
        bank = [
            source.c.bsb,
            source.c.account_number,
            (payslips.c.account_name if recorded else employees.c.name).label("account_name"),
        ]
        query = (
            select(*kept, employees.c.name, employees.c.department, employees.c.location,
                   employees.c.scale, *bank)
            .select_from(payslips.join(employees, payslips.c.employee_id == employees.c.id))
            .where(payslips.c.pay_run_id == run_id)
            .order_by(payslips.c.employee_id)
        )  # fmt: skip
        if employee_id is not None:
            query = query.where(payslips.c.employee_id == employee_id)
        rows = conn.execute(query).all()
    return pd.DataFrame([dict(r._mapping) for r in rows])


def lines_frame(store: PayrollStore, run_id: int, employee_id: str | None = None) -> pd.DataFrame:
    """The run's payslip lines (one employee's, if given), in payslip order."""
    query = (
        select(payslips.c.employee_id, payslip_lines)
        .select_from(payslip_lines.join(payslips, payslip_lines.c.payslip_id == payslips.c.id))
        .where(payslips.c.pay_run_id == run_id)
        .order_by(payslips.c.employee_id, payslip_lines.c.position)
    )
    if employee_id is not None:
        query = query.where(payslips.c.employee_id == employee_id)
    with store.transaction() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame([dict(r._mapping) for r in rows])


def summary(store: PayrollStore, run_id: int) -> pd.DataFrame:
    """Pay run summary: employees and money by department and location, with a total row."""
    frame = payslip_frame(store, run_id)
    if frame.empty:
        raise ValueError(f"pay run {run_id} has no payslips")
    grouped = frame.groupby(["department", "location"]).agg(
        employees=("employee_id", "count"), **{c: (c, "sum") for c in MONEY_COLUMNS}
    )
    total = pd.DataFrame(
        [[len(frame), *(sum(frame[c], ZERO) for c in MONEY_COLUMNS)]],
        columns=["employees", *MONEY_COLUMNS],
        index=pd.MultiIndex.from_tuples([("Total", "")], names=["department", "location"]),
    )
    return pd.concat([grouped, total])


def journal(store: PayrollStore, run_id: int) -> pd.DataFrame:
    """The general-ledger journal of the run; debits equal credits to the cent."""
    frame = payslip_frame(store, run_id)
    total = {c: sum(frame[c], ZERO) for c in MONEY_COLUMNS}
    rows = [
        ("Wages and salaries expense", total["gross"], ZERO),
        ("Superannuation guarantee expense", total["super_guarantee"], ZERO),
        ("PAYG withholding payable (ATO)", ZERO, total["withholding"]),
        ("Superannuation payable (SG and salary sacrifice)", ZERO,
         total["super_guarantee"] + total["salary_sacrifice"]),
        ("Post-tax deductions payable", ZERO, total["deductions"]),
        ("Net wages payable (bank)", ZERO, total["net"]),
    ]  # fmt: skip
    table = pd.DataFrame(rows, columns=["account", "debit", "credit"])
    debit, credit = sum(table["debit"], ZERO), sum(table["credit"], ZERO)
    if debit != credit:  # gross = sacrifice + tax + deductions + net on every payslip
        raise ValueError(f"journal of pay run {run_id} does not balance: {debit} != {credit}")
    return pd.concat([table, pd.DataFrame([["Total", debit, credit]], columns=table.columns)])


def payslip_html(
    store: PayrollStore, run_id: int, employee_id: str, employer: str, abn: str | None = None
) -> str:
    """One stored payslip as an HTML fragment (every value escaped): earnings and gross pay,
    the deductions (salary sacrifice, tax, post-tax) down to net pay, then what the employer
    pays to super, and the year to date.
    """
    match = payslip_frame(store, run_id, employee_id)
    if match.empty:
        raise LookupError(f"pay run {run_id} has no payslip for {employee_id}")
    row = match.iloc[0]
    with store.transaction() as conn:
        run = conn.execute(select(pay_runs).where(pay_runs.c.id == run_id)).one()
    employee = {
        "id": employee_id,
        **{k: row[k] for k in ("name", "department", "location", "bsb", "account_number", "scale")},
    }
    lines = lines_frame(store, run_id, employee_id).to_dict("records")
    by_kind = {kinds: [line for line in lines if line["kind"] in kinds]
               for kinds in (EARNING_KINDS, DEDUCTION_KINDS, EMPLOYER_KINDS)}  # fmt: skip
    deductions = sorted(
        by_kind[DEDUCTION_KINDS], key=lambda line: DEDUCTION_KINDS.index(line["kind"])
    )
    return _PAYSLIP.render(employer=employer, abn=abn, e=employee, run=run, p=row,
                           earnings=by_kind[EARNING_KINDS], deductions=deductions,
                           employer_lines=by_kind[EMPLOYER_KINDS])  # fmt: skip


def payments(store: PayrollStore, run_id: int, reference: str) -> list[Payment]:
    """One payment of net pay per payslip, to the account it was calculated with."""
    frame = payslip_frame(store, run_id)
    return [
        Payment(r.bsb, r.account_number, r.account_name, Decimal(r.net), reference)
        for r in frame.itertuples()
    ]
