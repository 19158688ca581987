"""Money helpers: the schedule's rounding steps and strict parsing of amounts."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from deploybook.payroll.engine.money import (
    cents_up,
    ignore_cents,
    nearest_cent,
    nearest_dollar,
    to_money,
)

D = Decimal


def test_rounding_steps() -> None:
    assert nearest_dollar(D("197.5")) == 198
    assert nearest_dollar(D("196.5")) == 197  # 50 cents up, never to the even dollar
    assert nearest_dollar(D("197.4999")) == 197
    assert ignore_cents(D("477.99")) == 477
    assert nearest_cent(D("943.7115")) == D("943.71")
    assert nearest_cent(D("0.005")) == D("0.01")
    assert cents_up(D("345.00115")) == D("345.01")
    assert cents_up(D("345")) == D("345.00")


@pytest.mark.parametrize("value", [D("12.5"), "12.50", 12.5])
def test_to_money_accepts(value) -> None:
    assert to_money(value, "x") == D("12.50")
    assert str(to_money(12, "x")) == "12.00"


@pytest.mark.parametrize("value", [-1, "1e400000000", float("inf"), "abc", None, [], True, "0.001"])
def test_to_money_refuses(value) -> None:
    with pytest.raises(ValueError, match=r"^amount"):
        to_money(value, "amount")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "amount must be an amount of money, got list"),
        (float("nan"), "amount must be a finite amount, got nan"),
        ("NaN", "amount must be a finite amount, got 'NaN'"),
        ("-0.01", "amount must not be negative, got '-0.01'"),
        (D("1e12"), "amount is too large for a payroll amount: Decimal('1E+12')"),
        ("12.345", "amount has a fraction of a cent: '12.345'"),
    ],
)
def test_each_refusal_says_why(value, message) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        to_money(value, "amount")


def test_the_edges_of_an_amount() -> None:
    assert to_money("0", "x") == 0
    assert to_money("0.50", "x") == D("0.50")  # under a dollar, not negative
    assert to_money(D("999999999999.99"), "x") == D("999999999999.99")  # just under the cap
