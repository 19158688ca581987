"""Descriptive helpers: phases, changes, MSR table, EU mix, capacity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deploybook.ets import descriptive as D
from deploybook.ets.loaders import load


def test_phases_and_changes() -> None:
    assert D.phase_of(2005) == "phase 1"
    assert D.phase_of(2021) == "phase 4"
    with pytest.raises(ValueError, match="outside"):
        D.phase_of(2031)
    s = pd.Series({2005: 100.0, 2023: 52.0})
    assert D.change_pct(s, 2005, 2023) == pytest.approx(-48.0)
    with pytest.raises(ValueError, match="no value for 2010"):
        D.change_pct(s, 2005, 2010)


def test_overview_and_phase_summary() -> None:
    ov = D.ets_overview(
        load("ets_verified_emissions_by_sector_eea.csv"),
        load("ets_cap_stationary_2013_2023.csv"),
        load("eua_price_annual_ice_c1.csv"),
        load("ets_tnac_msr_commission.csv"),
    )
    row = ov.set_index("year").loc[2023]
    assert row["verified_mt"] == pytest.approx(1009.4, abs=0.1)
    assert row["eua_mean_eur_per_t"] == 85.31
    summary = D.phase_summary(ov)
    assert list(summary["phase"]) == ["phase 1", "phase 2", "phase 3", "phase 4"]


def test_intake_months_and_msr_table() -> None:
    assert D.intake_months("2019-01 to 2019-08") == 8
    assert D.intake_months("2019-09 to 2020-08") == 12
    with pytest.raises(ValueError, match="YYYY-MM"):
        D.intake_months("soon")
    tnac = load("ets_tnac_msr_commission.csv")
    table = D.msr_table(tnac, pd.Series({2017: 397e6}))
    assert table.set_index("tnac_reference_year").loc[
        2017, "rule_intake_allowances"
    ] == pytest.approx(397e6 * 8 / 12)


def test_eu_mix_and_capacity() -> None:
    mix = D.eu_mix(load("ember_electricity_eu_2000_2024.csv")).set_index("year")
    assert mix.loc[2023, "renewables_share_pct"] == pytest.approx(45.2, abs=0.1)  # SOURCES.md
    cap = D.country_capacity(load("ember_capacity_gw_eu27_2000_2019.csv")).set_index(
        ["iso3", "year"]
    )
    assert cap.loc[("DEU", 2019), "wind_gw"] == pytest.approx(60.84, abs=0.01)
    assert cap["wind_solar_gw"].notna().mean() > 0.9


@pytest.fixture(scope="module")
def overview() -> pd.DataFrame:
    return D.ets_overview(
        load("ets_verified_emissions_by_sector_eea.csv"),
        load("ets_cap_stationary_2013_2023.csv"),
        load("eua_price_annual_ice_c1.csv"),
        load("ets_tnac_msr_commission.csv"),
    )


def test_price_statistics() -> None:
    monthly = load("eua_price_monthly_ice_c1.csv")
    mean, cv = D.price_level(monthly, 2008, 2017)
    prices = monthly.loc[monthly["year"].between(2008, 2017), "mean_eur_per_t"]
    assert mean == pytest.approx(prices.mean())
    assert cv == pytest.approx(prices.std() / prices.mean())
    with pytest.raises(ValueError, match="no monthly EUA prices in 1990-1991"):
        D.price_level(monthly, 1990, 1991)
    # the first (April 2005) and last months are partial and left out
    assert 21 < D.trading_days_per_month(monthly) < 22


def test_select_countries_names_unknown_codes() -> None:
    electricity = load("ember_electricity_eu_2000_2024.csv")
    assert D.select_countries(electricity, []) is electricity
    two = D.select_countries(electricity, ["DEU", "POL"])
    assert set(two["iso3"]) == {"DEU", "POL"}
    with pytest.raises(ValueError, match=r"\['CYP', 'XXX'\] are not in the data"):
        D.select_countries(electricity, ["DEU", "XXX", "CYP"])


def test_scope_changes_compare_like_with_like(overview) -> None:
    """The 2013 cap on phase 4's scope is the published 2020 cap's scope ratio times the 2013
    cap (outside reference: the Commission's 2021 cap plus one 2.2% step is the 2020 cap
    without the UK)."""
    cap = load("ets_cap_stationary_2013_2023.csv").set_index("year")["cap_allowances"]
    ratio = (1_571_583_007 + 43_003_515) / cap[2020]
    table = D.scope_changes(overview, ratio).set_index(["quantity", "first_year", "same_scope"])
    same = table.loc[("stationary cap", 2013, True), "change_pct"]
    assert same == pytest.approx((cap[2023] / (cap[2013] * ratio) - 1) * 100)
    moving = table.loc[("stationary cap", 2013, False), "change_pct"]
    assert moving < same < 0  # the UK's exit made the moving comparison look steeper
    emissions = overview.set_index("year")["verified_mt"]
    phase3 = table.loc[("verified emissions, seven activities", 2013, True)]
    assert phase3["last_year"] == 2020
    assert phase3["change_pct"] == pytest.approx((emissions[2020] / emissions[2013] - 1) * 100)
    phase4 = table.loc[("verified emissions, seven activities", 2021, True)]
    assert phase4["last_year"] == emissions.dropna().index.max()


def test_bulk_chemicals_step_in_2008_is_a_scope_change() -> None:
    step = D.bulk_chemicals_step_2008(load("ets_verified_emissions_by_sector_eea.csv"))
    assert 15 < step < 30  # 12 Mt in 2007, 33 Mt in 2008


def test_irena_capacity_agrees_with_ember_where_both_report() -> None:
    """Outside reference: Ember's capacity database for 2010-2019, state by state, against
    IRENA's statistics (the two sources compile national data independently)."""
    irena = D.irena_capacity(load("irena_capacity_mw_eu_2000_2022.csv")).set_index(["iso3", "year"])
    ember = D.country_capacity(load("ember_capacity_gw_eu27_2000_2019.csv")).set_index(
        ["iso3", "year"]
    )
    both = irena.join(ember, lsuffix="_irena", rsuffix="_ember", how="inner")
    both = both[both.index.get_level_values("year").isin(range(2010, 2020))]
    eu = both.groupby("year")[["wind_solar_gw_irena", "wind_solar_gw_ember"]].sum()
    assert np.allclose(eu["wind_solar_gw_irena"], eu["wind_solar_gw_ember"], rtol=0.05)
    big = both[both["wind_solar_gw_ember"] > 2]
    gap = (big["wind_solar_gw_irena"] / big["wind_solar_gw_ember"] - 1).abs()
    assert gap.median() < 0.03
    assert irena.loc[("DEU", 2022), "wind_solar_gw"] == pytest.approx((58165 + 8129 + 66662) / 1000)
    assert irena.loc[("AUT", 2000), "wind_gw"] == pytest.approx(0.05)  # no offshore: none


def test_displaced_emissions_grow_with_renewables() -> None:
    displaced = D.displaced_emissions(
        load("owid_electricity_mix_eu27_2000_2021.csv"),
        load("eurostat_renewable_electricity_gwh_1990_2021.csv"),
    )
    assert displaced[2005] == 0
    assert 200 < displaced[2015] < 400  # EEA: about a tenth of EU GHG avoided by 2015
    assert displaced.loc[2008:2015].sum() > 1000
    eurostat = load("eurostat_renewable_electricity_gwh_1990_2021.csv")
    owid = load("owid_electricity_mix_eu27_2000_2021.csv")
    with pytest.raises(ValueError, match="2005"):
        D.displaced_emissions(owid, eurostat[eurostat["year"] != 2005])
