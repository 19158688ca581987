"""Acceptance scenarios for the payroll officer (``features/payroll.feature``), run on SQLite."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from deploybook.payroll import withholding
from deploybook.payroll.engine.aba import aba_file, parse_aba
from deploybook.payroll.engine.domain import Employee, PayPeriod, Timesheet
from deploybook.payroll.engine.examples import load_examples
from deploybook.payroll.service.payruns import PayrollService, PermissionDenied
from deploybook.payroll.service.reports import lines_frame, payments, payslip_frame
from deploybook.payroll.service.store import PayrollStore, sqlite_url

scenarios("features/payroll.feature")


@dataclass
class Office:
    """The payroll office of one scenario."""

    service: PayrollService
    ids: dict[str, str] = field(default_factory=dict)
    sheets: list[Timesheet] = field(default_factory=list)
    run_id: int = 0
    amount: dict[str, object] = field(default_factory=dict)


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


@given(
    parsers.parse('the payroll system with clerk "{clerk}" and approver "{approver}"'),
    target_fixture="office",
)
def _system(tmp_path: Path, clerk: str, approver: str) -> Office:
    store = PayrollStore(sqlite_url(tmp_path / "payroll.db"))
    store.upgrade()
    service = PayrollService(store)
    service.add_users("admin", {"admin": ["admin"], "adele": ["admin"], clerk: ["clerk"],
                                approver: ["approver"]})  # fmt: skip
    return Office(service)


def _hire(office: Office, name: str, **pay: object) -> None:
    employee_id = f"E{len(office.ids) + 1:06d}"
    office.ids[name] = employee_id
    employee = Employee(id=employee_id, name=name, department="Warehouse", location="Perth",
                        frequency="fortnightly", scale="2", tax_free_threshold=True, bsb="032-000",
                        account_number=f"1234{len(office.ids):04d}", **pay)  # fmt: skip
    office.service.import_employees("Clara", [employee])


@given(
    parsers.parse('"{name}" earns a salary of ${salary} a year, paid fortnightly, on tax scale 2')
)
def _salaried(office: Office, name: str, salary: str) -> None:
    _hire(office, name, basis="salaried", rate=_money(salary))


@given(parsers.parse('"{name}" is paid ${rate} an hour, fortnightly, on tax scale 2'))
def _hourly(office: Office, name: str, rate: str) -> None:
    _hire(office, name, basis="hourly", rate=_money(rate))


@given(
    parsers.parse('"{name}" worked {ordinary:d} ordinary hours and {double:d} hours at double time')
)
def _hours(office: Office, name: str, ordinary: int, double: int) -> None:
    office.sheets.append(
        Timesheet(office.ids[name], ordinary_hours=ordinary, overtime_20_hours=double)
    )


@given(parsers.parse('"{name}" also holds the approver role'))
def _both(office: Office, name: str) -> None:
    (request,) = office.service.add_users("admin", {name: ["clerk", "approver"]})
    office.service.decide_role_request("adele", request.id, approve=True)  # a second admin


def _period(start: str) -> PayPeriod:
    return PayPeriod.starting("fortnightly", date.fromisoformat(start))


@when(parsers.parse('"{clerk}" calculates the pay run for the fortnight starting {start}'))
def _calculate(office: Office, clerk: str, start: str) -> None:
    office.service.record_timesheets(clerk, _period(start), office.sheets)
    office.run_id = office.service.create_pay_run(clerk, _period(start)).id
    office.service.calculate(clerk, office.run_id)


@when(parsers.parse("the pay run for the fortnight starting {start} is calculated and approved"))
def _calculate_and_approve(office: Office, start: str) -> None:
    _calculate(office, "Clara", start)
    office.service.approve("Alex", office.run_id)


@when(parsers.parse("the pay run for the fortnight starting {start} is created again"))
def _create_again(office: Office, start: str) -> None:
    office.amount["again"] = office.service.create_pay_run("Clara", _period(start)).id


def _payslip(office: Office, name: str) -> dict[str, object]:
    frame = payslip_frame(office.service.store, office.run_id)
    return frame[frame["employee_id"] == office.ids[name]].iloc[0].to_dict()


@then(parsers.parse('the payslip of "{name}" shows {what} of ${amount}'))
def _shows(office: Office, name: str, what: str, amount: str) -> None:
    column = {"gross pay": "gross", "tax withheld": "withholding",
              "super guarantee": "super_guarantee", "net pay": "net"}[what]  # fmt: skip
    assert _payslip(office, name)[column] == _money(amount)


@then(parsers.parse('the payslip of "{name}" has a line "{description}" of ${amount}'))
def _line(office: Office, name: str, description: str, amount: str) -> None:
    lines = lines_frame(office.service.store, office.run_id, office.ids[name])
    assert lines.loc[lines["description"] == description, "amount"].tolist() == [_money(amount)]


@given(
    parsers.parse(
        "weekly earnings of ${earnings} on tax scale {scale:d} with {children:d} children on the Medicare levy variation"  # noqa: E501
    ),
    target_fixture="claim",
)
def _claim(earnings: str, scale: int, children: int) -> dict[str, object]:
    return {"earnings": earnings, "scale": scale, "medicare_children": children}


@when(parsers.parse("the payment is made on {paid_on}"))
def _paid_on(claim: dict[str, object], paid_on: str) -> None:
    claim["paid_on"] = date.fromisoformat(paid_on)


@then(parsers.parse("${withheld:d} is withheld"))
def _withheld(claim: dict[str, object], withheld: int) -> None:
    earnings = claim.pop("earnings")
    assert withholding(earnings, period="weekly", **claim) == withheld


def _published(example: str, quantity: str) -> int:
    """A figure the ATO published in ``example`` (from ``data/payroll/ato_examples.csv``)."""
    rows = load_examples()
    (value,) = rows.loc[(rows["example"] == example) & (rows["quantity"] == quantity), "published"]
    assert value, f"{example} {quantity}: not published"
    return int(value)


@then(parsers.parse("${withheld:d} is published in {example} as {quantity}"))
def _is_published(withheld: int, example: str, quantity: str) -> None:
    assert _published(example, quantity) == withheld


@then(parsers.parse("${withheld:d} is computed from {example}'s {first} - {second}"))
def _is_computed(withheld: int, example: str, first: str, second: str) -> None:
    assert _published(example, first) - _published(example, second) == withheld


@then(parsers.parse('"{name}" is refused when approving it, for segregation of duties'))
def _refused(office: Office, name: str) -> None:
    with pytest.raises(PermissionDenied, match="segregation of duties"):
        office.service.approve(name, office.run_id)


@then(parsers.parse('"{name}" can approve it'))
def _approves(office: Office, name: str) -> None:
    assert office.service.approve(name, office.run_id).approved_by == name


@then(parsers.parse("it is the same pay run, still holding {count:d} payslip"))
def _same(office: Office, count: int) -> None:
    assert office.amount["again"] == office.run_id
    assert office.service.payslip_count(office.run_id) == count


@then(
    parsers.parse(
        "the bank file credits the total net pay to {accounts:d} accounts and balances with one debit"  # noqa: E501
    )
)
def _bank_file(office: Office, accounts: int) -> None:
    run = office.service.pay_run(office.run_id)
    text = aba_file(payments(office.service.store, run.id, "PAY"), bank="WBC", user_name="ACME",
                    apca_id=1, description="PAYROLL", process_on=run.paid_on, trace_bsb="032-000",
                    trace_account="999999", remitter="ACME")  # fmt: skip
    details, totals = parse_aba(text)
    assert [d["code"] for d in details] == ["53"] * accounts + ["13"]
    assert totals.credit_cents == totals.debit_cents == int(run.net * 100)
