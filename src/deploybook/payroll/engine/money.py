"""Money as :class:`~decimal.Decimal`, with the rounding steps the ATO schedules name.

Schedule 1 uses three kinds of rounding: "ignore cents" (truncate to whole dollars),
"rounded to the nearest dollar; values ending in 50 cents are rounded to the next higher
dollar" (half up), and "rounded to the nearest cent" (the weekly family threshold).
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

DOLLAR = Decimal("1")
CENT = Decimal("0.01")
ZERO = Decimal("0")
MAXIMUM = Decimal("1e12")  # no single payroll amount reaches a trillion dollars


def to_money(value: object, name: str) -> Decimal:
    """``value`` as a non-negative amount in whole cents; ``ValueError`` naming ``name`` if not.

    Accepts ``Decimal``, ``int``, ``str`` and ``float`` (a float is read through its
    shortest ``repr``, so ``1103.45`` means 1,103.45 exactly). Booleans are refused.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str | float):
        raise ValueError(f"{name} must be an amount of money, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{name} must be a finite amount, got {value!r}")
    try:
        amount = Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        raise ValueError(f"{name} must be an amount of money, got {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"{name} must be a finite amount, got {value!r}")
    if amount < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    if amount >= MAXIMUM:
        raise ValueError(f"{name} is too large for a payroll amount: {value!r}")
    if amount != amount.quantize(CENT, rounding=ROUND_DOWN):
        raise ValueError(f"{name} has a fraction of a cent: {value!r}")
    return amount.quantize(CENT)


def ignore_cents(amount: Decimal) -> Decimal:
    """Whole dollars of ``amount`` (the schedule's "ignore cents")."""
    return amount.quantize(DOLLAR, rounding=ROUND_DOWN)


def nearest_dollar(amount: Decimal) -> Decimal:
    """Nearest dollar, 50 cents up; no preliminary rounding to the cent."""
    return amount.quantize(DOLLAR, rounding=ROUND_HALF_UP)


def nearest_cent(amount: Decimal) -> Decimal:
    """Nearest cent, half a cent up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def cents_up(amount: Decimal) -> Decimal:
    """Up to the next whole cent (used where a legal minimum must not be undershot)."""
    return amount.quantize(CENT, rounding=ROUND_CEILING)
