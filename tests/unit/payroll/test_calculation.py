"""Payslip engines: worked payslips, invariants (hypothesis), and 2.0 agreeing with 1.0."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deploybook.payroll.engine.calculation import (
    CentsEngine,
    PayContext,
    ReferenceEngine,
    compute_payslips,
    get_engine,
)
from deploybook.payroll.engine.domain import LineKind, PayFrequency, PayPeriod, Timesheet
from deploybook.payroll.engine.rules import rule_set_named

from .conftest import PAID_ON, STUDY_LOANS_FROM, employee, employees, examples, timesheets

D = Decimal
JULY_2024 = PayPeriod.starting("fortnightly", date(2024, 7, 1))  # paid 17 July 2024
CTX = PayContext.for_period(JULY_2024)


def test_salaried_fortnight_worked_by_hand() -> None:
    slip = ReferenceEngine().compute(employee(), None, CTX, D(0))
    # 78,000 / 26 = 3,000.00; weekly x = 1,500.99; 0.32 * 1500.99 - 176.5769 = 303.74 -> 304
    assert slip.gross == D("3000.00")
    assert slip.withholding == 2 * 304
    assert slip.super_guarantee == D("345.00")  # 11.5% of 3,000 (SG rate from 1 July 2024)
    assert slip.net == D("2392.00")
    assert [line.kind for line in slip.lines] == [
        LineKind.SALARY,
        LineKind.TAX,
        LineKind.SUPER_GUARANTEE,
    ]


def test_hourly_with_overtime_and_allowance() -> None:
    worker = employee(basis="hourly", rate=D("40.00"), department="Warehouse")
    sheet = Timesheet(worker.id, ordinary_hours=D(76), overtime_15_hours=D(4),
                      overtime_20_hours=D("2.5"), allowances=D("35.50"))  # fmt: skip
    slip = ReferenceEngine().compute(worker, sheet, CTX, D(0))
    amounts = {line.kind: line.amount for line in slip.lines}
    assert amounts[LineKind.ORDINARY] == D("3040.00")
    assert amounts[LineKind.OVERTIME_15] == D("240.00")
    assert amounts[LineKind.OVERTIME_20] == D("200.00")
    assert slip.gross == D("3515.50")
    assert slip.ote == D("3040.00")  # overtime and allowances are not ordinary time earnings
    assert slip.super_guarantee == D("349.60")


@pytest.mark.parametrize("engine", [ReferenceEngine(), CentsEngine()])
def test_a_sacrifice_larger_than_the_pay_takes_the_pay_not_the_allowances(engine) -> None:
    """Salary sacrifice comes out of earnings, never out of expense allowances."""
    worker = employee(basis="hourly", rate=D("40.00"), salary_sacrifice=D(5000))
    sheet = Timesheet(worker.id, ordinary_hours=D(10), allowances=D("100.00"))
    slip = engine.compute(worker, sheet, CTX, D(0))
    assert slip.gross == D("500.00")  # 400 ordinary and 100 of allowances
    assert slip.salary_sacrifice == D("400.00")
    assert slip.ote == D("400.00")
    assert slip.net == D("100.00")  # the allowances, untaxed here, are paid


def test_salary_sacrifice_is_before_tax_and_goes_to_super() -> None:
    plain = ReferenceEngine().compute(employee(), None, CTX, D(0))
    sacrificing = ReferenceEngine().compute(employee(salary_sacrifice=D(500)), None, CTX, D(0))
    assert sacrificing.taxable == D("2500.00")
    assert sacrificing.withholding < plain.withholding
    assert sacrificing.super_guarantee == plain.super_guarantee  # SG is on OTE before sacrifice
    kinds = [line.kind for line in sacrificing.lines]
    assert LineKind.SALARY_SACRIFICE in kinds
    assert LineKind.SUPER_SACRIFICE in kinds


def test_deductions_never_make_pay_negative() -> None:
    slip = ReferenceEngine().compute(employee(post_tax_deductions=D(5000)), None, CTX, D(0))
    assert slip.net == 0
    assert slip.deductions + slip.deduction_shortfall == 5000


def test_super_capped_at_the_quarterly_maximum_base() -> None:
    # 65,070 per quarter in 2024-25; 64,000 already paid this quarter leaves 1,070
    slip = ReferenceEngine().compute(employee(), None, CTX, D(64000))
    assert slip.super_guarantee == D("123.05")  # 11.5% of 1,070
    assert ReferenceEngine().compute(employee(), None, CTX, D(70000)).super_guarantee == 0


@pytest.mark.parametrize("engine", [ReferenceEngine(), CentsEngine()])
def test_from_july_2026_super_is_12_percent_capped_by_a_yearly_base(engine: object) -> None:
    """Payday Super: the maximum contributions base is $270,830 a year (computed: the $32,500
    cap x 100 / 12, rounded down to $10); 270,000 already counted this year leaves 830."""
    december = PayContext.for_period(PayPeriod.starting("fortnightly", date(2026, 11, 30)))
    assert (december.super_rate, december.base.period) == (D("0.12"), "year")
    assert december.base.start(date(2026, 12, 16)) == date(2026, 7, 1)
    assert engine.compute(employee(), None, december, D(0)).super_guarantee == D("360.00")
    assert engine.compute(employee(), None, december, D(270000)).super_guarantee == D("99.60")
    assert engine.compute(employee(), None, december, D(270830)).super_guarantee == 0


def test_super_rounds_up_to_the_cent() -> None:
    # 11.5% of 3,000.01 = 345.00115: rounded up so the legal minimum is never undershot
    worker = employee(basis="hourly", rate=D("3000.01"))
    slip = ReferenceEngine().compute(worker, Timesheet(worker.id, ordinary_hours=D(1)), CTX, D(0))
    assert slip.super_guarantee == D("345.01")


def test_rule_set_override_uses_the_named_schedule() -> None:
    old = PayContext.for_period(JULY_2024, rule_set_named("ato-schedule1-2020-10-13"))
    assert ReferenceEngine().compute(employee(), None, old, D(0)).withholding > (
        ReferenceEngine().compute(employee(), None, CTX, D(0)).withholding
    )  # the Stage 3 cuts lowered withholding


def test_bad_timesheets_are_refused() -> None:
    with pytest.raises(ValueError, match="overtime hours: salaried employee"):
        ReferenceEngine().compute(
            employee(), Timesheet("E000001", overtime_15_hours=D(1)), CTX, D(0)
        )
    with pytest.raises(ValueError, match="timesheet of E000002 given for employee E000001"):
        CentsEngine().compute(employee(), Timesheet("E000002"), CTX, D(0))


def test_compute_payslips_collects_errors_and_skips_others() -> None:
    monthly = employee(id="E000003", frequency="monthly")
    inactive = employee(id="E000004", active=False)
    bad = employee(id="E000005")
    sheets = {"E000005": Timesheet("E000005", overtime_20_hours=D(1))}
    slips, errors = compute_payslips(
        ReferenceEngine(), [employee(), monthly, inactive, bad], sheets, CTX
    )
    assert [s.employee_id for s in slips] == ["E000001"]
    assert list(errors) == ["E000005"]


def test_engine_registry() -> None:
    assert get_engine("1.0").version == "1.0"
    assert get_engine("2.0", inject_defect=True).inject_defect
    with pytest.raises(ValueError, match="engine version"):
        get_engine("3.0")
    with pytest.raises(ValueError, match="inject_defect"):
        get_engine("1.0", inject_defect=True)


def test_injected_defect_pays_double_time_as_time_and_a_half() -> None:
    worker = employee(basis="hourly", rate=D("40.00"))
    sheet = Timesheet(worker.id, ordinary_hours=D(76), overtime_20_hours=D(4))
    good = CentsEngine().compute(worker, sheet, CTX, D(0))
    bad = CentsEngine(inject_defect=True).compute(worker, sheet, CTX, D(0))
    assert good.gross - bad.gross == D("80.00")  # 4 h x 40 x (2 - 1.5)
    no_double = Timesheet(worker.id, ordinary_hours=D(76))
    assert CentsEngine(inject_defect=True).compute(
        worker, no_double, CTX, D(0)
    ) == CentsEngine().compute(worker, no_double, CTX, D(0))


@settings(max_examples=examples(300), deadline=None)
@given(
    data=st.data(),
    paid_on=st.sampled_from(PAID_ON),
    frequency=st.sampled_from(list(PayFrequency)),
    quarter=st.integers(0, 70_000),
)
def test_engine_2_agrees_with_engine_1_to_the_cent(data, paid_on, frequency, quarter) -> None:
    worker = data.draw(employees(frequency, study_loans=paid_on >= STUDY_LOANS_FROM))
    sheet = data.draw(timesheets(worker))
    period = PayPeriod.starting(frequency, date(paid_on.year, paid_on.month, 1), paid_on)
    ctx = PayContext.for_period(period)
    old = ReferenceEngine().compute(worker, sheet, ctx, D(quarter))
    new = CentsEngine().compute(worker, sheet, ctx, D(quarter))
    assert new.money_lines() == old.money_lines()
    assert new.lines == old.lines
    assert (new.weekly_earnings, new.bracket) == (old.weekly_earnings, old.bracket)


@settings(max_examples=examples(200), deadline=None)
@given(data=st.data(), paid_on=st.sampled_from(PAID_ON))
def test_payslip_invariants(data, paid_on) -> None:
    worker = data.draw(employees(study_loans=paid_on >= STUDY_LOANS_FROM))
    sheet = data.draw(timesheets(worker))
    period = PayPeriod.starting(worker.frequency, date(paid_on.year, paid_on.month, 1), paid_on)
    slip = ReferenceEngine().compute(worker, sheet, PayContext.for_period(period), D(0))
    # net = gross - withholding - deductions (salary sacrifice is a deduction before tax)
    assert slip.net == slip.gross - slip.withholding - slip.salary_sacrifice - slip.deductions
    assert slip.net >= 0
    assert slip.withholding >= 0
    assert slip.super_guarantee >= 0
    assert slip.withholding == slip.withholding.to_integral_value()  # whole dollars
    for value in slip.money_lines().values():
        assert value == value.quantize(D("0.01"))  # whole cents
    kinds = (LineKind.SALARY, LineKind.ORDINARY, LineKind.OVERTIME_15, LineKind.OVERTIME_20)
    earnings = sum(line.amount for line in slip.lines if line.kind in (*kinds, LineKind.ALLOWANCE))
    assert earnings == slip.gross
