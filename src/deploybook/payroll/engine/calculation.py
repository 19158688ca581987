"""Payslip calculation engines: gross pay, withholding, deductions, super guarantee, net.

Two engines compute the same payslip:

- ``1.0`` (:class:`ReferenceEngine`), in ``Decimal`` through :mod:`.withholding`;
- ``2.0`` (:class:`CentsEngine`), a rewrite in integer cents with the rule tables compiled
  once per rule set: faster, and the version the rollout report deploys. It must agree with
  1.0 to the cent; the parallel runs and ``test_calculation.py`` check that it does.

``CentsEngine(inject_defect=True)`` pays double-time hours at time and a half: the defect
the rollout report injects to show a parallel run catching it.

Rules of the calculation (where the ATO schedule is silent these are this engine's choices):
gross = salary (annual / periods, to the cent) or hours x rate (ordinary, 1.5x, 2x, each to
the cent) plus allowances; salary sacrifice comes off before tax, capped at the non-allowance
earnings; post-tax deductions are taken only as far as pay allows (the rest is reported as a
shortfall, so net pay is never negative); the super guarantee is the rate in force on the
payment date times ordinary time earnings (salary or ordinary hours, before salary
sacrifice; overtime and allowances excluded), capped at what is left of the maximum
contribution base (a quarter's to 30 June 2026; from 1 July 2026, under Payday Super, the
financial year's, on qualifying earnings, which this engine takes to be the same ordinary
time earnings), rounded up to the cent so it never falls below the legal minimum.

A limit: a timesheet's allowances are one taxable amount, and the engine treats it as an
expense allowance, which is not ordinary time earnings. The ATO's ruling SGR 2009/2 counts
most allowances paid for ordinary hours (shift, tool, qualification allowances) as OTE, so
an employer paying those would owe super on them that this engine does not compute.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar, Protocol

from deploybook.payroll.engine.domain import (
    Employee,
    Line,
    LineKind,
    PayBasis,
    PayPeriod,
    Payslip,
    Timesheet,
)
from deploybook.payroll.engine.money import ZERO, cents_up, nearest_cent
from deploybook.payroll.engine.rules import (
    Bracket,
    ContributionBase,
    RuleSet,
    SuperRules,
    default_super_rules,
    rule_set_for,
)
from deploybook.payroll.engine.withholding import calculate

ONE_AND_HALF = Decimal("1.5")
TWO = Decimal(2)


@dataclass(frozen=True)
class PayContext:
    """What every payslip of one pay run shares: the period and the rules in force."""

    period: PayPeriod
    rules: RuleSet
    super_rate: Decimal
    base: ContributionBase  # the maximum contribution base and its period

    @classmethod
    def for_period(
        cls,
        period: PayPeriod,
        rules: RuleSet | None = None,
        super_rules: SuperRules | None = None,
    ) -> PayContext:
        """The context of ``period``: the schedule in force on its payment date unless given."""
        super_rules = super_rules or default_super_rules()
        return cls(
            period,
            rules or rule_set_for(period.paid_on),
            super_rules.rate_on(period.paid_on),
            super_rules.base_on(period.paid_on),
        )


class Engine(Protocol):
    """Computes one employee's payslip."""

    version: ClassVar[str]

    def compute(
        self, employee: Employee, timesheet: Timesheet | None, ctx: PayContext, base_used: Decimal
    ) -> Payslip:
        """The payslip of ``employee`` for ``ctx.period``; ``base_used`` is the earnings
        already counted against the maximum contribution base in its quarter or year.
        """
        ...


def _check_timesheet(employee: Employee, timesheet: Timesheet) -> None:
    if timesheet.employee_id != employee.id:
        raise ValueError(f"timesheet of {timesheet.employee_id} given for employee {employee.id}")
    if employee.basis is PayBasis.SALARIED and (
        timesheet.overtime_15_hours or timesheet.overtime_20_hours
    ):
        raise ValueError(f"overtime hours: salaried employee {employee.id} has no hourly rate")


def _lines(
    earnings: list[Line],
    sacrifice: Decimal,
    tax: Decimal,
    deductions: Decimal,
    super_guarantee: Decimal,
) -> tuple[Line, ...]:
    lines = [line for line in earnings if line.amount or line.kind is LineKind.SALARY]
    if sacrifice:
        lines.append(Line(LineKind.SALARY_SACRIFICE, "Salary sacrifice to super", sacrifice))
    lines.append(Line(LineKind.TAX, "PAYG withholding", tax))
    if deductions:
        lines.append(Line(LineKind.DEDUCTION, "Post-tax deductions", deductions))
    lines.append(Line(LineKind.SUPER_GUARANTEE, "Super guarantee", super_guarantee))
    if sacrifice:
        lines.append(Line(LineKind.SUPER_SACRIFICE, "Super: salary sacrifice", sacrifice))
    return tuple(lines)


class ReferenceEngine:
    """Engine 1.0: every step in ``Decimal``, withholding by the reference implementation."""

    version: ClassVar[str] = "1.0"

    def compute(
        self, employee: Employee, timesheet: Timesheet | None, ctx: PayContext, base_used: Decimal
    ) -> Payslip:
        """The payslip of ``employee`` for ``ctx.period``."""
        sheet = timesheet or Timesheet(employee.id)
        _check_timesheet(employee, sheet)
        rate = employee.rate
        if employee.basis is PayBasis.SALARIED:
            ordinary = nearest_cent(rate / employee.frequency.per_year)
            earnings = [Line(LineKind.SALARY, "Salary", ordinary)]
        else:
            ordinary = nearest_cent(rate * sheet.ordinary_hours)
            earnings = [
                Line(LineKind.ORDINARY, "Ordinary hours", ordinary, sheet.ordinary_hours, rate),
                Line(
                    LineKind.OVERTIME_15,
                    "Overtime at time and a half",
                    nearest_cent(rate * sheet.overtime_15_hours * ONE_AND_HALF),
                    sheet.overtime_15_hours,
                    rate * ONE_AND_HALF,
                ),
                Line(
                    LineKind.OVERTIME_20,
                    "Overtime at double time",
                    nearest_cent(rate * sheet.overtime_20_hours * TWO),
                    sheet.overtime_20_hours,
                    rate * TWO,
                ),
            ]
        earnings.append(Line(LineKind.ALLOWANCE, "Allowances", sheet.allowances))
        gross = sum((line.amount for line in earnings), ZERO)
        sacrifice = min(employee.salary_sacrifice, gross - sheet.allowances)
        result = calculate(
            gross - sheet.allowances - sacrifice,
            allowances=sheet.allowances,
            period=employee.frequency.value,
            scale=employee.scale,
            rules=ctx.rules,
            tax_offsets=employee.tax_offsets,
            medicare_spouse=employee.medicare_spouse,
            medicare_children=employee.medicare_children,
            stsl=employee.stsl,
            paid_on=ctx.period.paid_on,
        )
        taxable = gross - sacrifice
        deductions = min(employee.post_tax_deductions, taxable - result.amount)
        remaining_base = max(ZERO, ctx.base.amount - base_used)
        super_guarantee = cents_up(min(ordinary, remaining_base) * ctx.super_rate)
        return Payslip(
            employee_id=employee.id,
            engine=self.version,
            gross=gross,
            taxable=taxable,
            withholding=result.amount,
            salary_sacrifice=sacrifice,
            deductions=deductions,
            deduction_shortfall=employee.post_tax_deductions - deductions,
            super_guarantee=super_guarantee,
            ote=ordinary,
            net=taxable - result.amount - deductions,
            lines=_lines(earnings, sacrifice, result.amount, deductions, super_guarantee),
            weekly_earnings=result.weekly_earnings,
            bracket=result.bracket,
        )


# --- engine 2.0: integer cents ------------------------------------------------------------

_E4 = 10_000  # coefficients and rates have at most four decimals
_E6 = 1_000_000  # a (1e-4) times x (cents) is in millionths of a dollar


def _scaled(value: Decimal, factor: int, what: str) -> int:
    scaled = value * factor
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{what} {value} has more decimals than engine 2.0 supports")
    return int(scaled)


def _round_div(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, for a non-negative numerator."""
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True)
class _Levy:
    entry: int  # cents
    base: int  # cents
    shade_rate: int  # 1e-4
    full_from: int  # cents
    rate: int
    taper: int


_Table = Mapping[str, tuple[tuple[int | None, int | None, int | None], ...]]


@dataclass(frozen=True)
class _Compiled:
    brackets: _Table
    stsl: Mapping[date, _Table]  # Schedule 8 tables by the day they apply from
    scale4: Mapping[str, int]
    offsets: Mapping[str, int]
    offset_scales: frozenset[str]
    family_base: int  # cents
    per_child: int  # cents
    sop_multiplier: int
    sop_divisor: int
    levy: Mapping[str, _Levy]


def _table(brackets: Mapping[str, tuple[Bracket, ...]]) -> _Table:
    return {
        scale: tuple(
            (
                None if b.upper is None else _scaled(b.upper, 100, "x_upper"),
                None if b.a is None else _scaled(b.a, _E4, "a"),
                None if b.b is None else _scaled(b.b, _E4, "b"),
            )
            for b in rows
        )
        for scale, rows in brackets.items()
    }


def _compile(rules: RuleSet) -> _Compiled:
    medicare = rules.medicare
    levy = {
        scale: _Levy(
            _scaled(p.entry, 100, "entry"),
            _scaled(p.shade_in_base, 100, "shade_in_base"),
            _scaled(p.shade_in_rate, _E4, "shade_in_rate"),
            _scaled(p.full_from, 100, "full_from"),
            _scaled(p.rate, _E4, "rate"),
            _scaled(p.taper, _E4, "taper"),
        )
        for scale, p in medicare.scales.items()
    }
    return _Compiled(
        brackets=_table(rules.brackets),
        stsl={s.applies_from: _table(s.brackets) for s in rules.stsl},
        scale4={k: _scaled(v, _E4, "scale 4 rate") for k, v in rules.scale4_rates.items()},
        offsets={k: _scaled(v, _E4, "offset rate") for k, v in rules.offset_rates.items()},
        offset_scales=rules.offset_scales,
        family_base=_scaled(medicare.family_base, 100, "family_base"),
        per_child=_scaled(medicare.per_child, 100, "per_child"),
        sop_multiplier=_scaled(medicare.sop_multiplier, _E4, "sop_multiplier"),
        sop_divisor=_scaled(medicare.sop_divisor, _E4, "sop_divisor"),
        levy=levy,
    )


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


class CentsEngine:
    """Engine 2.0: the same payslip in integer cents, rule tables compiled once per rule set."""

    version: ClassVar[str] = "2.0"

    def __init__(self, *, inject_defect: bool = False) -> None:
        self.inject_defect = inject_defect
        self._compiled: dict[int, tuple[RuleSet, _Compiled]] = {}

    def _tables(self, rules: RuleSet) -> _Compiled:
        entry = self._compiled.get(id(rules))
        if entry is None or entry[0] is not rules:
            entry = (rules, _compile(rules))
            self._compiled[id(rules)] = entry
        return entry[1]

    def _weekly_x(self, total: int, period: str) -> int:
        if period == "weekly":
            dollars = total // 100
        elif period == "fortnightly":
            dollars = total // 200
        elif period == "monthly":
            dollars = (total + (1 if total % 100 == 33 else 0)) * 3 // 1300
        else:
            dollars = total // 1300
        return dollars * 100 + 99

    @staticmethod
    def _to_period(weekly: int, period: str) -> int:
        factor = {"weekly": 1, "fortnightly": 2, "quarterly": 13}.get(period)
        return weekly * factor if factor else _round_div(weekly * 13, 3)

    def _withholding(
        self, t: _Compiled, employee: Employee, earnings: int, allowances: int, ctx: PayContext
    ) -> tuple[int, int, int]:
        """(amount in dollars, x in cents, bracket) for one payment."""
        period = employee.frequency.value
        scale = employee.scale
        total = earnings + allowances
        if scale in t.scale4:
            return (total // 100) * t.scale4[scale] // _E4, 0, -1
        x = self._weekly_x(total, period)
        table = t.brackets
        if employee.stsl:  # the schedule in force names itself (or says why there is none)
            table = t.stsl[ctx.rules.stsl_for(ctx.period.paid_on).applies_from]
        for index, (upper, a, b) in enumerate(table[scale]):  # noqa: B007
            if upper is None or x < upper:
                break
        weekly = 0 if a is None or b is None else max(0, (a * x - b * 100 + _E6 // 2) // _E6)
        amount = self._to_period(weekly, period)
        if scale in t.offset_scales:
            amount -= (_cents(employee.tax_offsets) * t.offsets[period] + _E6 // 2) // _E6
        levy = t.levy.get(scale)
        children = employee.medicare_children
        if levy and (employee.medicare_spouse or children) and x >= levy.entry:
            amount -= self._to_period(self._wla(t, levy, x, children), period)
        return max(0, amount), x, index

    @staticmethod
    def _wla(t: _Compiled, levy: _Levy, x: int, children: int) -> int:
        wft = _round_div((t.family_base + t.per_child * children), 52)  # cents
        sop = wft * t.sop_multiplier // (t.sop_divisor * 100) * 100  # whole dollars, in cents
        if x < levy.full_from:
            value = (x - levy.base) * levy.shade_rate
        elif x < wft:
            value = x * levy.rate
        elif x < sop:
            value = wft * levy.rate - (x - wft) * levy.taper
        else:
            return 0
        return max(0, (value + _E6 // 2) // _E6)

    def compute(
        self, employee: Employee, timesheet: Timesheet | None, ctx: PayContext, base_used: Decimal
    ) -> Payslip:
        """The payslip of ``employee`` for ``ctx.period``, computed in integer cents."""
        t = self._tables(ctx.rules)
        sheet = timesheet or Timesheet(employee.id)
        _check_timesheet(employee, sheet)
        rate = _cents(employee.rate)
        allowances = _cents(sheet.allowances)
        if employee.basis is PayBasis.SALARIED:
            ordinary = _round_div(rate, employee.frequency.per_year)
            earnings = [Line(LineKind.SALARY, "Salary", _money(ordinary))]
            gross = ordinary
        else:
            hours = [_cents(h) for h in (sheet.ordinary_hours, sheet.overtime_15_hours,
                                         sheet.overtime_20_hours)]  # fmt: skip
            double = 3 if self.inject_defect else 4  # the injected defect: 2x paid as 1.5x
            ordinary = _round_div(rate * hours[0], 100)
            ot15 = _round_div(rate * hours[1] * 3, 200)
            ot20 = _round_div(rate * hours[2] * double, 200)
            earnings = [
                Line(
                    LineKind.ORDINARY,
                    "Ordinary hours",
                    _money(ordinary),
                    sheet.ordinary_hours,
                    employee.rate,
                ),
                Line(
                    LineKind.OVERTIME_15,
                    "Overtime at time and a half",
                    _money(ot15),
                    sheet.overtime_15_hours,
                    employee.rate * ONE_AND_HALF,
                ),
                Line(
                    LineKind.OVERTIME_20,
                    "Overtime at double time",
                    _money(ot20),
                    sheet.overtime_20_hours,
                    employee.rate * TWO,
                ),
            ]
            gross = ordinary + ot15 + ot20
        earnings.append(Line(LineKind.ALLOWANCE, "Allowances", sheet.allowances))
        sacrifice = min(_cents(employee.salary_sacrifice), gross)
        taxable = gross + allowances - sacrifice
        tax_dollars, x, bracket = self._withholding(t, employee, gross - sacrifice, allowances, ctx)
        tax = tax_dollars * 100
        wanted = _cents(employee.post_tax_deductions)
        deductions = min(wanted, taxable - tax)
        remaining = max(0, _cents(ctx.base.amount) - _cents(base_used))
        super_rate = _scaled(ctx.super_rate, _E4 * 100, "super rate")  # 1e-6
        super_guarantee = -(-min(ordinary, remaining) * super_rate // _E6)
        return Payslip(
            employee_id=employee.id,
            engine=self.version,
            gross=_money(gross + allowances),
            taxable=_money(taxable),
            withholding=Decimal(tax_dollars),
            salary_sacrifice=_money(sacrifice),
            deductions=_money(deductions),
            deduction_shortfall=_money(wanted - deductions),
            super_guarantee=_money(super_guarantee),
            ote=_money(ordinary),
            net=_money(taxable - tax - deductions),
            lines=_lines(
                earnings,
                _money(sacrifice),
                Decimal(tax_dollars),
                _money(deductions),
                _money(super_guarantee),
            ),
            weekly_earnings=_money(x),
            bracket=bracket,
        )


ENGINE_VERSIONS = ("1.0", "2.0")


def get_engine(version: str, *, inject_defect: bool = False) -> Engine:
    """The engine of ``version`` ("1.0" or "2.0"); only 2.0 can carry the injected defect."""
    if version == "1.0":
        if inject_defect:
            raise ValueError("inject_defect: the defect is injected into engine 2.0 only")
        return ReferenceEngine()
    if version == "2.0":
        return CentsEngine(inject_defect=inject_defect)
    raise ValueError(f"engine version must be one of {ENGINE_VERSIONS}; got {version!r}")


def compute_payslips(
    engine: Engine,
    employees: Iterable[Employee],
    timesheets: Mapping[str, Timesheet],
    ctx: PayContext,
    base_used: Mapping[str, Decimal] | None = None,
) -> tuple[list[Payslip], dict[str, str]]:
    """Payslips of every employee paid at ``ctx.period``'s frequency, and errors by employee."""
    base_used = base_used or {}
    payslips: list[Payslip] = []
    errors: dict[str, str] = {}
    for employee in employees:
        if not employee.active or employee.frequency is not ctx.period.frequency:
            continue
        try:
            payslips.append(
                engine.compute(
                    employee, timesheets.get(employee.id), ctx, base_used.get(employee.id, ZERO)
                )
            )
        except (ValueError, ArithmeticError) as exc:
            errors[employee.id] = str(exc)
    return payslips, errors
