"""The switching price equalises the running costs of the coal and gas units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deploybook.ets import switching as S
from deploybook.ets.descriptive import eu_mix
from deploybook.ets.loaders import load


def test_at_the_switching_price_both_units_cost_the_same() -> None:
    coal, gas, plants = 10.0, 30.0, S.Plants()
    p = float(S.switch_price(coal, gas, plants))
    cost_coal = coal / plants.eta_coal + p * S.EF_COAL / plants.eta_coal
    cost_gas = gas / plants.eta_gas + p * S.EF_GAS / plants.eta_gas
    assert cost_coal == pytest.approx(cost_gas)
    assert pytest.approx(0.34056) == S.EF_COAL
    assert pytest.approx(6.973, 1e-3) == S.COAL_MWH_PER_T


def test_band_orders_and_cheap_gas_needs_no_carbon() -> None:
    low, mid, high = (
        float(S.switch_price(10, 30, p)) for p in (S.BAND_LOW, S.Plants(), S.BAND_HIGH)
    )
    assert low < mid < high
    assert S.switch_price(20, 5, S.Plants()) < 0


def test_bad_plants_are_refused() -> None:
    with pytest.raises(ValueError, match="efficiencies"):
        S.switch_price(10, 30, S.Plants(eta_coal=1.2))
    with pytest.raises(ValueError, match="emits at least as much"):
        S.switch_price(10, 30, S.Plants(eta_coal=0.9, eta_gas=0.3))


def test_carbon_made_the_difference_only_when_gas_was_dearer_without_it() -> None:
    """Spring 2020: TTF below coal in running costs, so gas won without any carbon price;
    those months are not months in which carbon made gas cheaper."""
    monthly = S.monthly_switching(
        load("fuel_prices_monthly_2013_2025.csv"),
        load("ecb_usd_per_eur_monthly_2005_2025.csv"),
        load("eua_price_monthly_ice_c1.csv"),
    )
    anyway = monthly[monthly["gas_cheaper_without_carbon"]]
    assert len(anyway) > 0
    assert set(anyway["year"]) == {2020}
    assert not (monthly["gas_cheaper_without_carbon"] & monthly["carbon_makes_gas_cheaper"]).any()
    made = monthly[monthly["carbon_makes_gas_cheaper"]]
    assert (made["switch_price_eur_per_t"] > 0).all()
    assert (made["eua_eur_per_t"] >= made["switch_price_eur_per_t"]).all()
    coal = eu_mix(load("ember_electricity_eu_2000_2024.csv")).set_index("year")["coal_share_pct"]
    annual = S.annual_switching(monthly, coal).set_index("year")
    assert annual["months_gas_cheaper_without_carbon"].sum() == len(anyway)


def test_monthly_and_annual_switching_from_data() -> None:
    fx = load("ecb_usd_per_eur_monthly_2005_2025.csv")
    monthly = S.monthly_switching(
        load("fuel_prices_monthly_2013_2025.csv"), fx, load("eua_price_monthly_ice_c1.csv")
    )
    assert len(monthly) == 147
    assert monthly["eua_eur_per_t"].notna().all()
    assert (monthly["switch_low_eur_per_t"] <= monthly["switch_high_eur_per_t"]).all()
    y2019 = monthly[monthly["year"] == 2019]
    assert y2019["carbon_makes_gas_cheaper"].any()  # the 2019 switch documented at the time
    coal = eu_mix(load("ember_electricity_eu_2000_2024.csv")).set_index("year")["coal_share_pct"]
    annual = S.annual_switching(monthly, coal)
    assert annual["months"].sum() == 147
    assert np.isnan(annual["coal_share_change_pp"].iloc[0])
    # the fuel file is in euros: no exchange rate is needed, none is applied
    no_fx = S.monthly_switching(
        load("fuel_prices_monthly_2013_2025.csv"), fx.iloc[:0], load("eua_price_monthly_ice_c1.csv")
    )
    pd.testing.assert_frame_equal(no_fx, monthly)


def test_switching_price_matches_the_referees_recomputation() -> None:
    """Outside reference: the referee's recomputation from euro prices in issue 16 (switching
    price about EUR 86/t in 2023, about 34 months in which carbon made gas cheaper; the
    double-converted coal price gave EUR 92.2/t and 22 months)."""
    monthly = S.monthly_switching(
        load("fuel_prices_monthly_2013_2025.csv"),
        load("ecb_usd_per_eur_monthly_2005_2025.csv"),
        load("eua_price_monthly_ice_c1.csv"),
    )
    annual = S.annual_switching(monthly, pd.Series(dtype=float)).set_index("year")
    assert annual.loc[2023, "switch_price_eur_per_t"] == pytest.approx(86, abs=1.5)
    assert int(monthly["carbon_makes_gas_cheaper"].sum()) == pytest.approx(34, abs=2)
    # API2 in January 2013 was EUR 65.28/t: EUR 9.36 per MWh of coal at 6,000 kcal/kg
    assert monthly["coal_eur_per_mwh"].iloc[0] == pytest.approx(65.28 / S.COAL_MWH_PER_T)
