"""Claims verdicts follow the evidence; report parameters are validated."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from deploybook.ets.attribution import Attribution, Estimate
from deploybook.ets.claims import CONTRADICTED, Evidence, build_evidence, claims_table, figures
from deploybook.ets.constants import Check, constants_table
from deploybook.ets.descriptive import ets_overview, eu_mix
from deploybook.ets.loaders import load
from deploybook.ets.market.scenarios import Waterbed
from deploybook.ets.params import EtsParams
from deploybook.ets.switching import annual_switching, monthly_switching
from deploybook.params import ParameterError

EV = Evidence(
    first_price_year=2005,
    cap_change_pct_2013_2023=-28.7,
    emissions_change_pct_2005_2023=-47.9,
    trading_days_per_month=21.7,
    combustion_share_pct_2023=64.4,
    months_gas_cheaper=22,
    months_gas_cheaper_without_carbon=4,
    months_compared=147,
    switching_window="2013-01 to 2025-03",
    coal_share_change_pp=-15.5,
    attributable_share=0.09,
    attributable_low=-0.02,
    attributable_high=0.21,
    attributable_window="2008-2015",
    mean_price_low_phases=10.0,
    price_cv_low_phases=0.4,
    switch_price_low_phases=45.9,
    waterbed_msr_on_mt=-63.0,
    waterbed_msr_off_mt=0.0,
    waterbed_foreseen_mt=319.0,
    waterbed_news_year=2025,
)

GOOD = dict(
    first_year=2005,
    last_year=2024,
    countries=[],
    discount_rate=0.08,
    lrf_2024_pct=4.3,
    lrf_2028_pct=4.4,
    msr_enabled=True,
    renewables_speedup=0.02,
    foresight="rolling",
    ff55_information_year=2023,
    outcome="capacity",
    exposure="carbon_intensity",
    price_lag=1,
    country_trends=False,
    fuel_controls=False,
    claim_window_start=2008,
    claim_window_end=2015,
    bootstrap_draws=999,
    renewables_news_year=2025,
)


def _row(table, text: str) -> pd.Series:
    return table[table.iloc[:, 0].str.contains(text)].iloc[0]


def test_every_essay_claim_has_a_verdict() -> None:
    table = claims_table(EV)
    assert len(table) == 20
    assert table["verdict"].str.len().min() > 0
    eea = _row(table, "EEA")["verdict"]
    assert eea.startswith("no source found")
    assert CONTRADICTED in eea
    assert (table["verdict"].str.startswith("no source found")).sum() == 4
    assert _row(table, "UK carbon price")["verdict"] == CONTRADICTED
    assert "Art. 10c" in _row(table, "benchmark")["evidence"]
    assert "2023/959" in _row(table, "auction revenues")["evidence"]


def test_verdicts_move_with_the_evidence() -> None:
    wide = claims_table(replace(EV, attributable_low=0.1, attributable_high=0.6))
    assert "partly supported" in _row(wide, "EEA")["verdict"]
    assert _row(wide, "important role")["verdict"] == "partly supported"
    unclear = claims_table(replace(EV, attributable_low=-0.1, attributable_high=0.6))
    assert _row(unclear, "EEA")["verdict"] == "no source found; not supported by the data"
    assert _row(unclear, "important role")["verdict"] == "not supported"
    # the MSR punctures the waterbed for a surprise: partly; raises it either way: contradicted
    assert _row(claims_table(EV), "amplifies")["verdict"] == "partly supported"
    both_up = claims_table(replace(EV, waterbed_msr_on_mt=30.0))
    assert _row(both_up, "amplifies")["verdict"] == CONTRADICTED
    flat = claims_table(replace(EV, waterbed_msr_on_mt=0.0, waterbed_foreseen_mt=0.0))
    assert _row(flat, "amplifies")["verdict"] == "not supported"
    assert "+319" in _row(claims_table(EV), "amplifies")["evidence"]
    low = claims_table(replace(EV, mean_price_low_phases=50.0))
    row = _row(low, "low and volatile")
    assert row["verdict"] == "not supported"
    assert "not below the mean coal-to-gas switching price" in row["evidence"]
    assert "21.7 days" in claims_table(EV)["evidence"].str.cat()
    switching = _row(claims_table(EV), "switch from fossil")["evidence"]
    assert "in 22 of 147 months" in switching
    assert "in 4 more" in switching


def test_claims_figures_count_verdicts() -> None:
    table = claims_table(EV)
    f = figures(table)
    assert f["claims_checked"] == len(table) == 20
    assert f["claims_no_source"] == 4
    assert f["claims_contradicted"] == (table["verdict"] == "contradicted").sum()
    assert f["claims_supported"] == (table["verdict"] == "supported").sum()
    parts = ["no_source", "supported", "partly", "not_supported", "contradicted"]
    assert sum(f[f"claims_{k}"] for k in parts) == f["claims_checked"]


def test_evidence_is_built_from_the_results() -> None:
    overview = ets_overview(
        load("ets_verified_emissions_by_sector_eea.csv"),
        load("ets_cap_stationary_2013_2023.csv"),
        load("eua_price_annual_ice_c1.csv"),
        load("ets_tnac_msr_commission.csv"),
    )
    monthly_eua = load("eua_price_monthly_ice_c1.csv")
    monthly = monthly_switching(
        load("fuel_prices_monthly_2013_2025.csv"),
        load("ecb_usd_per_eur_monthly_2005_2025.csv"),
        monthly_eua,
    )
    coal = eu_mix(load("ember_electricity_eu_2000_2024.csv")).set_index("year")["coal_share_pct"]
    annual = annual_switching(monthly, coal)
    est = Estimate(0.0165, 0.0104, -0.004, 0.037, 0.11, 475, 25, "2001-2019")
    att = Attribution(est, (2008, 2015), 0.094, -0.022, 0.21, -0.024, 0.21, 0.11, 14.6, 156.1)
    ev = build_evidence(
        overview,
        load("eua_price_annual_ice_c1.csv"),
        monthly_eua,
        monthly,
        annual,
        att,
        Waterbed(-63.0, 0.0, 319.0, 2025),
    )
    assert ev.first_price_year == 2005
    assert ev.emissions_change_pct_2005_2023 == pytest.approx(-47.9, abs=0.05)
    assert ev.months_compared == len(monthly)
    assert ev.months_gas_cheaper == monthly["carbon_makes_gas_cheaper"].sum()
    assert ev.switching_window == "2013-01 to 2025-03"
    assert ev.coal_share_change_pp == pytest.approx(coal[2024] - coal[2013])
    assert (ev.attributable_share, ev.attributable_low, ev.attributable_high) == (
        0.094,
        -0.022,
        0.21,
    )
    assert ev.attributable_window == "2008-2015"
    assert ev.mean_price_low_phases < ev.switch_price_low_phases  # phase 2-3 prices were low
    assert ev.switch_price_low_phases == pytest.approx(
        annual.set_index("year").loc[2013:2017, "switch_price_eur_per_t"].mean()
    )
    assert (ev.waterbed_msr_on_mt, ev.waterbed_msr_off_mt) == (-63.0, 0.0)
    assert (ev.waterbed_foreseen_mt, ev.waterbed_news_year) == (319.0, 2025)
    assert ev.months_gas_cheaper_without_carbon == monthly["gas_cheaper_without_carbon"].sum()
    assert 50 < ev.combustion_share_pct_2023 < 80


def test_constants_table_lists_sourced_values() -> None:
    table = constants_table()
    assert {"MSR_RATE_DOUBLED", "LRF_2024_PCT", "REBASING[2024]"} <= set(table["constant"])
    assert table["source"].str.len().min() > 5
    assert set(table["checked"]) <= {c.value for c in Check}
    checked = table.set_index("constant")["checked"]
    assert checked["DISCOUNT_RATE"] == checked["ETA_COAL"] == Check.CHOICE.value
    assert checked["EF_COAL_T_PER_TJ"] == Check.SECONDARY.value
    # a value that could not be checked says what was tried in its note
    unchecked = table[table["checked"] == Check.NOT_FOUND.value]
    assert "MSR_BUFFER_UPPER" in set(unchecked["constant"])
    assert unchecked.set_index("constant").loc["MSR_BUFFER_UPPER", "note"].startswith("searched")


def test_parameters_are_checked() -> None:
    assert EtsParams.validate_values(GOOD).discount_rate == 0.08
    for bad, name in [
        ({"discount_rate": -1}, "discount_rate"),
        ({"outcome": "gdp"}, "outcome"),
        ({"first_year": 2024}, "first_year"),
        ({"first_year": 2020, "last_year": 2019}, "first_year must be before last_year"),
        ({"countries": ["de"]}, "ISO3"),
        ({"claim_window_start": 2016}, "claim_window"),
        ({"renewables_news_year": 2012}, "renewables_news_year"),
    ]:
        with pytest.raises(ParameterError, match=name):
            EtsParams.validate_values({**GOOD, **bad})
