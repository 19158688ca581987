"""Strategies and helpers shared by the payroll unit tests."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from deploybook.payroll.engine.domain import Employee, PayBasis, PayFrequency, Timesheet

SCALES = ["1", "2", "3", "5", "6", "4-resident", "4-foreign-resident"]
PAID_ON = [date(2023, 8, 2), date(2024, 7, 17), date(2025, 9, 3), date(2025, 10, 8),
           date(2026, 12, 10)]  # fmt: skip
STUDY_LOANS_FROM = date(2025, 9, 24)  # the marginal Schedule 8
MAX_EXAMPLES_ENV = "DEPLOYBOOK_MAX_EXAMPLES"


def examples(default: int) -> int:
    """Hypothesis examples for a property test: ``default``, or at most
    ``$DEPLOYBOOK_MAX_EXAMPLES`` (mutation testing runs every mutant on few, fixed examples;
    an explicit ``max_examples`` would override its profile)."""
    cap = os.environ.get(MAX_EXAMPLES_ENV)
    return min(default, int(cap)) if cap else default


def money(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Amounts in whole cents between ``low`` and ``high`` dollars."""
    return st.integers(low * 100, high * 100).map(lambda c: Decimal(c).scaleb(-2))


def hours(high: int) -> st.SearchStrategy[Decimal]:
    """Hours in quarters of an hour up to ``high``."""
    return st.integers(0, high * 4).map(lambda q: Decimal(q) / 4)


@st.composite
def employees(
    draw: st.DrawFn, frequency: PayFrequency | None = None, study_loans: bool = False
) -> Employee:
    """Any valid employee (with a study loan only if ``study_loans``)."""
    scale = draw(st.sampled_from(SCALES))
    basis = draw(st.sampled_from(list(PayBasis)))
    levy = scale in ("2", "6") and draw(st.booleans())
    loan = study_loans and not levy and not scale.startswith("4") and draw(st.booleans())
    return Employee(
        id=f"E{draw(st.integers(1, 999_999)):06d}",
        name="Test Person",
        department=draw(st.sampled_from(["Finance", "Warehouse"])),
        location=draw(st.sampled_from(["Perth", "Sydney"])),
        frequency=frequency or draw(st.sampled_from(list(PayFrequency))),
        basis=basis,
        rate=draw(money(20_000, 400_000) if basis is PayBasis.SALARIED else money(20, 150)),
        scale=scale,
        tax_free_threshold=scale in ("2", "5", "6"),
        bsb="032-000",
        account_number="12345678",
        tax_offsets=draw(money(0, 3000)) if scale in ("2", "5", "6") else Decimal(0),
        medicare_spouse=levy and draw(st.booleans()),
        medicare_children=draw(st.integers(0, 6)) if levy else 0,
        stsl=loan,
        salary_sacrifice=draw(st.one_of(st.just(Decimal(0)), money(0, 3000))),
        post_tax_deductions=draw(st.one_of(st.just(Decimal(0)), money(0, 6000))),
    )


@st.composite
def timesheets(draw: st.DrawFn, employee: Employee) -> Timesheet:
    """A timesheet an employee could hand in."""
    hourly = employee.basis is PayBasis.HOURLY
    return Timesheet(
        employee_id=employee.id,
        ordinary_hours=draw(hours(180)) if hourly else Decimal(0),
        overtime_15_hours=draw(hours(40)) if hourly else Decimal(0),
        overtime_20_hours=draw(hours(30)) if hourly else Decimal(0),
        allowances=draw(st.one_of(st.just(Decimal(0)), money(0, 800))),
    )


def employee(**changes: object) -> Employee:
    """A salaried fortnightly scale-2 employee, with ``changes``."""
    values: dict[str, object] = {
        "id": "E000001",
        "name": "Pat Doe",
        "department": "Finance",
        "location": "Perth",
        "frequency": "fortnightly",
        "basis": "salaried",
        "rate": Decimal("78000"),
        "scale": "2",
        "tax_free_threshold": True,
        "bsb": "032-000",
        "account_number": "12345678",
    }
    return Employee(**(values | changes))
