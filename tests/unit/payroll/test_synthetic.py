"""The synthetic company: reproducible, and with the mix the report relies on."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from deploybook.payroll.engine.domain import PayBasis, PayPeriod
from deploybook.payroll.engine.synthetic import (
    BANK_PREFIXES,
    synthetic_company,
    synthetic_timesheets,
)


def test_same_seed_same_company() -> None:
    assert synthetic_company(50, seed=3) == synthetic_company(50, seed=3)
    assert synthetic_company(50, seed=3) != synthetic_company(50, seed=4)


def test_mix() -> None:
    staff = synthetic_company(3000, "fortnightly", seed=0)
    departments = Counter(e.department for e in staff)
    assert set(departments) == {"Finance", "Sales", "Engineering", "Operations", "Warehouse"}
    assert Counter(e.scale for e in staff).most_common(1)[0][0] == "2"
    assert any(e.medicare_children for e in staff)
    assert any(e.tax_offsets for e in staff)
    period = PayPeriod.starting("fortnightly", date(2024, 7, 1))
    sheets = synthetic_timesheets(staff, period, seed=0)
    double = {e.department for e in staff if sheets[e.id].overtime_20_hours}
    assert double == {"Warehouse"}  # only the warehouse works double-time shifts
    salaried = [e for e in staff if e.basis is PayBasis.SALARIED]
    assert all(sheets[e.id].ordinary_hours == 0 for e in salaried)


def test_needs_an_employee() -> None:
    with pytest.raises(ValueError, match="employees must be at least 1"):
        synthetic_company(0)


def test_bank_accounts_look_like_real_ones() -> None:
    staff = synthetic_company(40, seed=1)
    assert all(e.bsb[:3] in BANK_PREFIXES for e in staff)  # no BSB 000-000: no bank has it
    assert len({e.bsb for e in staff}) == 40
