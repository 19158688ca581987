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
