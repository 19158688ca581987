"""The market equilibrium: Hotelling while banking, the bank never negative, the MSR's rule."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from deploybook.ets import constants as C
from deploybook.ets.market import equilibrium as E
from deploybook.ets.market import regimes as R
from deploybook.ets.market.calibration import UNISSUED_INTO_MSR

RATE = 0.08


@pytest.fixture(scope="module")
def path(model_data, cal) -> pd.DataFrame:
    return E.solve(cal, model_data.cap, R.default_regimes(), RATE)


def _segments(path: pd.DataFrame) -> list[pd.DataFrame]:
    return [g.sort_values("year") for _, g in path.groupby("regime", sort=False)]


def test_hotelling_price_rises_at_the_discount_rate_while_banking(path, cal) -> None:
    checked = 0
    for seg in _segments(path):
        p, bank = seg["price_eur_per_t"].to_numpy(), seg["bank_allowances"].to_numpy()
        for t in range(len(seg) - 1):
            if p[t + 1] >= 0.999 * cal.choke_price:
                continue  # at the choke price
            if bank[t] > 1e6:
                assert p[t + 1] == pytest.approx((1 + RATE) * p[t], rel=1e-6)
                checked += 1
    assert checked > 10


def test_no_banking_when_the_price_rises_slower_than_the_discount_rate(model_data, cal) -> None:
    rate = 0.25  # impatient market: the bank runs out before the cap does
    steep = E.solve(cal, model_data.cap, [R.default_regimes()[-1]], rate)
    p, bank = steep["price_eur_per_t"].to_numpy(), steep["bank_allowances"].to_numpy()
    slower = [t for t in range(len(p) - 1) if p[t + 1] < (1 + rate) * p[t] * (1 - 1e-6)]
    assert len(slower) >= 3
    for t in slower:
        assert bank[t] < 1e6  # empty bank: nobody holds an allowance that earns less than r
    for t in range(len(p) - 1):
        if bank[t] >= 1e6:
            assert p[t + 1] == pytest.approx((1 + rate) * p[t], rel=1e-6)


def test_the_bank_is_supply_less_intake_less_emissions(path) -> None:
    cumulative = (
        C.TNAC_END_2012.value
        + (path["supply_allowances"] - path["msr_net_intake_allowances"]).cumsum()
        - path["emissions_allowances"].cumsum()
    )
    assert (cumulative > -1e3).all()
    assert np.allclose(cumulative, path["bank_allowances"], rtol=0, atol=1e3)
    assert path["bank_allowances"].iloc[-1] < 1e7  # the bank is used up when the cap ends


def test_supply_holds_the_cap_credits_and_the_unissued_allowances(path, model_data, cal) -> None:
    s = path.set_index("year")["supply_allowances"]
    credits = R.credits_by_year(np.array([2013]))[0]
    assert s[2013] == pytest.approx(model_data.cap[2013] + credits - cal.unissued / 8)
    held = path.set_index("year")["msr_holdings_allowances"]
    intake = path.set_index("year")["msr_net_intake_allowances"]
    # the unallocated phase-3 allowances join the reserve in 2020
    assert held[UNISSUED_INTO_MSR] - held[2019] == pytest.approx(cal.unissued + intake[2020])


def test_msr_intake_in_the_solved_path_follows_the_rule(path) -> None:
    bank = {2011: C.TNAC_END_2012.value, 2012: C.TNAC_END_2012.value}
    bank.update(path.set_index("year")["bank_allowances"].to_dict())
    regime_of = path.set_index("year")["regime"].to_dict()
    regimes = {r.name: r for r in R.default_regimes()}
    for year in range(2019, 2030):
        regime = regimes[regime_of[year]]
        expected = (8 / 12) * R.msr_rule(bank[year - 2], year - 1, regime) + (4 / 12) * R.msr_rule(
            bank[year - 1], year, regime
        )
        got = path.set_index("year").loc[year, "msr_net_intake_allowances"]
        assert got == pytest.approx(expected, rel=1e-9, abs=1.0)


def test_the_2018_reform_raises_the_price(path) -> None:
    p = path.set_index("year")["price_eur_per_t"]
    assert p[2018] > 2 * p[2017] > 0


def test_scenarios_move_prices_the_right_way(model_data, cal) -> None:
    cap = model_data.cap
    base = E.solve(cal, cap, R.scenario_regimes(4.3, 4.4, True, "rolling"), RATE)
    tighter = E.solve(cal, cap, R.scenario_regimes(6.0, 6.0, True, "rolling"), RATE)
    no_msr = E.solve(cal, cap, R.scenario_regimes(4.3, 4.4, False, "rolling"), RATE)

    def price(p: pd.DataFrame, year: int) -> float:
        return float(p.set_index("year").loc[year, "price_eur_per_t"])

    assert price(tighter, 2023) > price(base, 2023)
    assert price(no_msr, 2019) < price(base, 2019)


def test_a_cap_that_never_binds_gives_a_zero_price(model_data, cal) -> None:
    tiny = replace(cal, log_level_2013=cal.log_level_2013 - 10)
    path = E.solve(tiny, model_data.cap, [R.default_regimes()[-1]], RATE)
    assert (path["price_eur_per_t"] == 0).all()


def test_bad_input_is_named(model_data, cal) -> None:
    with pytest.raises(ValueError, match="at least one regime"):
        E.solve(cal, model_data.cap, [])
    # a bank already short by more than all future supply: no price can make it whole
    with pytest.raises(ValueError, match="no price up to the choke price"):
        E.solve(cal, model_data.cap, [R.default_regimes()[-1]], RATE, initial_bank=-1e12)


def test_a_segment_ends_where_the_bank_binds_so_late_releases_are_used(model_data, cal) -> None:
    """At 3% without invalidation from 2027, the MSR's 100 m releases arrive after the bank
    first runs dry: the path must re-solve there and use them, leaving nothing in the bank
    or the reserve (a segment that ran on would strand them at the choke price)."""
    regimes = R.scenario_regimes(4.3, 4.4, True, "rolling", invalidation_ends=2027)
    path = E.solve(cal, model_data.cap, regimes, 0.03)
    assert path["bank_allowances"].iloc[-1] < 1e4
    assert path["msr_holdings_allowances"].iloc[-1] < 1e4
    assert path.loc[path["year"] > 2026, "msr_invalidated_allowances"].sum() == 0
