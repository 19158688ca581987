"""Descriptive helpers: phases, changes, MSR table, EU mix, capacity."""

from __future__ import annotations

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


def test_overview_figures_follow_the_data(overview) -> None:
    f = D.overview_figures(overview)
    assert f["verified_emissions_change_pct_2005_2023"] == pytest.approx(-47.9, abs=0.05)
    assert f["cap_change_pct_2013_2023"] < 0
    assert f["eua_mean_2023"] == 85.31
    assert 4.5 < f["eua_mean_2013_2017"] < 7.7  # the 2013-2017 annual means (SOURCES.md)
    with pytest.raises(ValueError, match="no value for 2023"):
        D.overview_figures(overview[overview["year"] != 2023])


def test_mix_figures_count_states() -> None:
    electricity = load("ember_electricity_eu_2000_2024.csv")
    mix = D.eu_mix(electricity)
    f = D.mix_figures(mix, electricity)
    assert f["mix_states"] == 25
    assert f["renewables_share_2005"] < f["renewables_share_2024"]
    assert 0 < f["coal_share_2024"] < 20
    with pytest.raises(ValueError, match="no renewables_share_pct for 2024"):
        D.mix_figures(mix[mix["year"] < 2024], electricity)


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
    annual = load("eua_price_annual_ice_c1.csv")
    f = D.price_range_figures(annual, (2009, 2015))
    window = annual[annual["year"].between(2009, 2015)]["mean_eur_per_t"]
    assert f == {
        "window_price_low": round(window.min(), 1),
        "window_price_high": round(window.max(), 1),
    }
    with pytest.raises(ValueError, match="no annual EUA prices in 1990-1991"):
        D.price_range_figures(annual, (1990, 1991))


def test_msr_figures() -> None:
    tnac = load("ets_tnac_msr_commission.csv")
    table = D.msr_table(tnac, pd.Series({2017: 397e6, 2018: 397e6}))
    f = D.msr_figures(table)
    assert f["msr_intakes_compared"] == 2
    published = table.set_index("tnac_reference_year")["msr_intake_allowances"]
    worst = max(abs(397e6 * 8 / 12 / published[2017] - 1), abs(397e6 / published[2018] - 1))
    assert f["msr_rule_max_error_pct"] == pytest.approx(round(worst * 100, 2))


def test_select_countries_names_unknown_codes() -> None:
    electricity = load("ember_electricity_eu_2000_2024.csv")
    assert D.select_countries(electricity, []) is electricity
    two = D.select_countries(electricity, ["DEU", "POL"])
    assert set(two["iso3"]) == {"DEU", "POL"}
    with pytest.raises(ValueError, match=r"\['CYP', 'XXX'\] are not in the data"):
        D.select_countries(electricity, ["DEU", "XXX", "CYP"])
