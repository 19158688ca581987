"""The payroll domain: employees, timesheets, pay periods and calculated payslips.

Plain frozen dataclasses with validation on construction, so a bad record is refused
with a ``ValueError`` naming the field before it reaches a calculation or the database.
Money is ``Decimal`` in whole cents; hours are ``Decimal`` in hundredths.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from deploybook.payroll.engine.money import ZERO, to_money
from deploybook.payroll.engine.withholding import check_scale

PAYMENT_LAG = timedelta(days=3)  # a period is paid three days after it ends


class PayFrequency(StrEnum):
    """How often an employee is paid."""

    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"

    @property
    def per_year(self) -> int:
        """Pay periods in a year (52, 26, 12)."""
        return {"weekly": 52, "fortnightly": 26, "monthly": 12}[self.value]


class PayBasis(StrEnum):
    """Salaried (``rate`` is an annual salary) or hourly (``rate`` is per hour)."""

    SALARIED = "salaried"
    HOURLY = "hourly"


class LineKind(StrEnum):
    """The kinds of payslip line, in payslip order."""

    SALARY = "salary"
    ORDINARY = "ordinary"
    OVERTIME_15 = "overtime_1.5"
    OVERTIME_20 = "overtime_2.0"
    ALLOWANCE = "allowance"
    SALARY_SACRIFICE = "salary_sacrifice"
    TAX = "tax"
    DEDUCTION = "deduction"
    SUPER_GUARANTEE = "super_guarantee"
    SUPER_SACRIFICE = "super_sacrifice"


_BSB = re.compile(r"^\d{3}-\d{3}$")
_ACCOUNT = re.compile(r"^\d{5,9}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
TAX_FREE_THRESHOLD_SCALES = {"2", "5", "6"}


def _hours(value: object, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str | float):
        raise ValueError(f"{name} must be a number of hours, got {value!r}")
    try:
        hours = Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        raise ValueError(f"{name} must be a number of hours, got {value!r}") from None
    if not hours.is_finite() or hours < 0 or hours > 24 * 31:
        raise ValueError(f"{name} must be between 0 and {24 * 31} hours, got {value!r}")
    if hours != hours.quantize(Decimal("0.01")):
        raise ValueError(f"{name} is given to more than hundredths of an hour: {value!r}")
    return hours.quantize(Decimal("0.01"))


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _text(
    value: object, name: str, pattern: re.Pattern[str] | None = None, limit: int = 120
) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty text, got {value!r}")
    if pattern is not None and not pattern.match(value):
        raise ValueError(f"{name} has the wrong form: {value!r}")
    if _CONTROL.search(value):
        raise ValueError(f"{name} must not hold control characters, got {value!r}")
    if len(value.strip()) > limit:
        raise ValueError(f"{name} must have at most {limit} characters, got {len(value.strip())}")
    return value.strip()


@dataclass(frozen=True)
class Employee:
    """An employee with their pay, tax declaration and bank details."""

    id: str
    name: str
    department: str
    location: str
    frequency: PayFrequency
    basis: PayBasis
    rate: Decimal  # annual salary (salaried) or hourly rate (hourly)
    scale: str  # "1", "2", "3", "5", "6", "4-resident", "4-foreign-resident"
    tax_free_threshold: bool
    bsb: str
    account_number: str
    tax_offsets: Decimal = ZERO  # annual amount claimed on the withholding declaration
    medicare_spouse: bool = False
    medicare_children: int = 0
    stsl: bool = False  # a study and training support loan (HELP, VSL, SSL, AASL...) declared
    salary_sacrifice: Decimal = ZERO  # per pay period, to super, before tax
    post_tax_deductions: Decimal = ZERO  # per pay period
    active: bool = True

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "id", _text(self.id, "id", _ID))
        set_(self, "name", _text(self.name, "name"))
        set_(self, "department", _text(self.department, "department", limit=60))
        set_(self, "location", _text(self.location, "location", limit=60))
        try:
            set_(self, "frequency", PayFrequency(self.frequency))
        except ValueError:
            raise ValueError(
                f"frequency must be weekly, fortnightly or monthly: {self.frequency!r}"
            ) from None
        try:
            set_(self, "basis", PayBasis(self.basis))
        except ValueError:
            raise ValueError(f"basis must be salaried or hourly: {self.basis!r}") from None
        set_(self, "rate", to_money(self.rate, "rate"))
        set_(self, "scale", check_scale(self.scale))
        for name in ("tax_free_threshold", "medicare_spouse", "stsl", "active"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if self.tax_free_threshold != (self.scale in TAX_FREE_THRESHOLD_SCALES):
            raise ValueError(
                f"tax_free_threshold={self.tax_free_threshold} contradicts scale {self.scale} "
                "(scales 2, 5 and 6 claim the threshold; 1, 3 and 4 do not)"
            )
        set_(self, "bsb", _text(self.bsb, "bsb", _BSB))
        if not self.bsb.replace("-", "").strip("0"):
            raise ValueError("bsb 000-000 is no branch: the bank would return the payment")
        set_(self, "account_number", _text(self.account_number, "account_number", _ACCOUNT))
        if not self.account_number.strip("0"):
            raise ValueError(f"account_number {self.account_number} is all zeros: no account")
        set_(self, "tax_offsets", to_money(self.tax_offsets, "tax_offsets"))
        if self.tax_offsets and self.scale not in TAX_FREE_THRESHOLD_SCALES:
            raise ValueError(f"tax_offsets can be claimed only on scales 2, 5, 6, not {self.scale}")
        children = self.medicare_children
        if isinstance(children, bool) or not isinstance(children, int) or children < 0:
            raise ValueError(f"medicare_children must be a whole number >= 0, got {children!r}")
        if (self.medicare_spouse or children) and self.scale not in ("2", "6"):
            raise ValueError(
                f"a Medicare levy variation applies only on scales 2 and 6, not {self.scale}"
            )
        if self.stsl and self.scale in ("4-resident", "4-foreign-resident"):
            raise ValueError("stsl: no study loan component is withheld on scale 4 (no TFN)")
        if self.stsl and (self.medicare_spouse or children):
            raise ValueError(
                "stsl with a Medicare levy variation (medicare_spouse/medicare_children) is "
                "not covered by Schedule 8's formulas"
            )
        set_(self, "salary_sacrifice", to_money(self.salary_sacrifice, "salary_sacrifice"))
        set_(self, "post_tax_deductions", to_money(self.post_tax_deductions, "post_tax_deductions"))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Employee:
        """Build from a mapping of field names (e.g. a CSV row); unknown fields are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown employee fields: {', '.join(unknown)}")
        missing = sorted(
            f.name for f in fields(cls) if f.name not in values and f.default is MISSING
        )
        if missing:
            raise ValueError(f"missing employee fields: {', '.join(missing)}")
        return cls(**values)


@dataclass(frozen=True)
class Timesheet:
    """One employee's hours and allowances for one pay period."""

    employee_id: str
    ordinary_hours: Decimal = ZERO
    overtime_15_hours: Decimal = ZERO  # paid at 1.5 times the hourly rate
    overtime_20_hours: Decimal = ZERO  # paid at 2 times the hourly rate
    allowances: Decimal = ZERO  # taxable allowances, dollars

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "employee_id", _text(self.employee_id, "employee_id", _ID))
        for name in ("ordinary_hours", "overtime_15_hours", "overtime_20_hours"):
            set_(self, name, _hours(getattr(self, name), name))
        set_(self, "allowances", to_money(self.allowances, "allowances"))


@dataclass(frozen=True)
class PayPeriod:
    """The days a pay run covers and the day it is paid."""

    frequency: PayFrequency
    start: date
    end: date
    paid_on: date

    @classmethod
    def starting(
        cls, frequency: PayFrequency | str, start: date, paid_on: date | None = None
    ) -> PayPeriod:
        """The period of ``frequency`` that starts on ``start`` (a month starts on the 1st)."""
        frequency = PayFrequency(frequency)
        if frequency is PayFrequency.MONTHLY:
            if start.day != 1:
                raise ValueError(f"period_start: a monthly period starts on the 1st, not {start}")
            end = start.replace(day=monthrange(start.year, start.month)[1])
        else:
            end = start + timedelta(days=6 if frequency is PayFrequency.WEEKLY else 13)
        return cls(frequency, start, end, paid_on or end + PAYMENT_LAG)

    def previous(self) -> PayPeriod:
        """The period before this one, paid as long after its end as this one."""
        if self.frequency is PayFrequency.MONTHLY:
            start = (self.start - timedelta(days=1)).replace(day=1)
        else:
            start = self.start - (self.end - self.start) - timedelta(days=1)
        earlier = PayPeriod.starting(self.frequency, start)
        return PayPeriod(
            earlier.frequency, earlier.start, earlier.end, earlier.end + (self.paid_on - self.end)
        )

    def next(self) -> PayPeriod:
        """The period that follows this one, paid as long after its end as this one."""
        following = PayPeriod.starting(self.frequency, self.end + timedelta(days=1))
        return PayPeriod(
            following.frequency,
            following.start,
            following.end,
            following.end + (self.paid_on - self.end),
        )


@dataclass(frozen=True)
class Line:
    """One line of a payslip; earnings positive, deductions positive with their kind saying so."""

    kind: LineKind
    description: str
    amount: Decimal
    quantity: Decimal | None = None  # hours, where the line is hours times a rate
    rate: Decimal | None = None


@dataclass(frozen=True)
class Payslip:
    """The calculated pay of one employee for one period (not yet stored)."""

    employee_id: str
    engine: str
    gross: Decimal  # all earnings
    taxable: Decimal  # gross less salary sacrifice
    withholding: Decimal
    salary_sacrifice: Decimal
    deductions: Decimal  # post-tax deductions actually taken
    deduction_shortfall: Decimal  # post-tax deductions that could not be taken
    super_guarantee: Decimal
    ote: Decimal  # ordinary time earnings (the super guarantee base)
    net: Decimal
    lines: tuple[Line, ...]
    weekly_earnings: Decimal  # the x the withholding used (0 for scale 4)
    bracket: int  # the coefficient row used (-1 for scale 4)

    def money_lines(self) -> dict[str, Decimal]:
        """Every amount on the payslip by name, for reconciliation."""
        amounts = {
            "gross": self.gross,
            "taxable": self.taxable,
            "withholding": self.withholding,
            "salary_sacrifice": self.salary_sacrifice,
            "deductions": self.deductions,
            "super_guarantee": self.super_guarantee,
            "net": self.net,
        }
        for line in self.lines:
            amounts[f"line:{line.kind.value}"] = line.amount
        return amounts
