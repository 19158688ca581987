"""Money helpers: the schedule's rounding steps and strict parsing of amounts."""

from __future__ import annotations

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
