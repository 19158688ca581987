"""Employees, timesheets and pay periods refuse bad values, naming the field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from deploybook.payroll.engine.domain import Employee, PayFrequency, PayPeriod, Timesheet

from .conftest import employee


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": "bad id!"}, "id"),
        ({"name": " "}, "name"),
        ({"department": 3}, "department"),
        ({"frequency": "daily"}, "frequency"),
        ({"basis": "piecework"}, "basis"),
        ({"rate": "-1"}, "rate"),
        ({"scale": 4}, "scale"),
        ({"tax_free_threshold": "yes"}, "tax_free_threshold"),
        ({"scale": "1"}, "tax_free_threshold"),
        ({"bsb": "032000"}, "bsb"),
        ({"account_number": "12ab"}, "account_number"),
        ({"scale": "1", "tax_free_threshold": False, "tax_offsets": 100}, "tax_offsets"),
        ({"medicare_children": -1}, "medicare_children"),
        ({"scale": "5", "medicare_spouse": True}, "Medicare levy variation"),
        ({"salary_sacrifice": "1.001"}, "salary_sacrifice"),
        ({"post_tax_deductions": "x"}, "post_tax_deductions"),
        ({"active": 1}, "active"),
    ],
)
def test_bad_employee_names_the_field(changes, field) -> None:
    with pytest.raises(ValueError, match=field):
        employee(**changes)


def test_from_mapping_checks_fields() -> None:
    values = {f: getattr(employee(), f) for f in ("id", "name", "department", "location",
              "frequency", "basis", "rate", "scale", "tax_free_threshold", "bsb", "account_number")}  # fmt: skip  # noqa: E501
    assert Employee.from_mapping(values) == employee()
    with pytest.raises(ValueError, match="unknown employee fields: salary"):
        Employee.from_mapping(values | {"salary": 1})
    values.pop("bsb")
    with pytest.raises(ValueError, match="missing employee fields: bsb"):
        Employee.from_mapping(values)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ordinary_hours": "-1"}, "ordinary_hours"),
        ({"overtime_15_hours": "0.001"}, "overtime_15_hours"),
        ({"overtime_20_hours": "lots"}, "overtime_20_hours"),
        ({"ordinary_hours": 10_000}, "ordinary_hours"),
        ({"ordinary_hours": True}, "ordinary_hours"),
        ({"allowances": "-3"}, "allowances"),
    ],
)
def test_bad_timesheet_names_the_field(changes, field) -> None:
    with pytest.raises(ValueError, match=field):
        Timesheet("E000001", **changes)


def test_timesheet_accepts_floats_as_written() -> None:
    assert Timesheet("E1", ordinary_hours=7.25).ordinary_hours == Decimal("7.25")


def test_pay_periods() -> None:
    fortnight = PayPeriod.starting("fortnightly", date(2024, 7, 1))
    assert (fortnight.end, fortnight.paid_on) == (date(2024, 7, 14), date(2024, 7, 17))
    assert fortnight.next().start == date(2024, 7, 15)
    assert fortnight.previous().start == date(2024, 6, 17)
    assert fortnight.next().previous() == fortnight
    month = PayPeriod.starting(PayFrequency.MONTHLY, date(2024, 2, 1))
    assert month.end == date(2024, 2, 29)
    assert month.next().start == date(2024, 3, 1)
    assert month.previous().start == date(2024, 1, 1)
    week = PayPeriod.starting("weekly", date(2024, 7, 1), paid_on=date(2024, 7, 8))
    assert week.end == date(2024, 7, 7)
    assert week.next().paid_on == date(2024, 7, 15)
    with pytest.raises(ValueError, match="period_start: a monthly period starts on the 1st"):
        PayPeriod.starting("monthly", date(2024, 2, 3))
    assert PayFrequency.FORTNIGHTLY.per_year == 26
