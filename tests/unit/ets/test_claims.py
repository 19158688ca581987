"""Claims verdicts follow the evidence, and each says what it rests on."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from deploybook.ets import descriptive as D
from deploybook.ets.attribution import Attribution, Estimate
from deploybook.ets.claims import Basis, Evidence, Verdict, build_evidence, claims_table
from deploybook.ets.loaders import load
from deploybook.ets.market.regimes import phase4_scope_ratio
from deploybook.ets.market.scenarios import Direction, Waterbed
from deploybook.ets.switching import annual_switching, monthly_switching

EV = Evidence(
    first_price_year=2005,
    cap_change_pct_same_scope=-19.8,
    emissions_change_pct_phase3=-30.5,
    combustion_share_pct_2023=64.4,
    trading_days_per_month=21.7,
    months_gas_cheaper=34,
    months_gas_cheaper_without_carbon=4,
    months_compared=147,
    switching_window="2013-01 to 2025-03",
    coal_share_change_pp=-15.5,
    coal_cost_per_eua=0.9,
    gas_cost_per_eua=0.39,
    attributable_share=0.14,
    attributable_low=-0.13,
    attributable_high=0.41,
    attributable_window="2008-2015",
    identified=False,
    identification_failures="fails: dose-response",
    mean_price_low_phases=10.0,
    price_cv_low_phases=0.4,
    switch_price_low_phases=45.9,
    waterbed_msr_on_mt=-192.0,
    waterbed_msr_off_mt=0.0,
    waterbed_foreseen_mt=73.0,
    waterbed_news_year=2025,
    waterbed_directions=frozenset({Direction.LOWERS, Direction.UNCHANGED}),
    displaced_mt_2008_2015=1505.0,
    displaced_mt_2015=305.0,
)


def _row(table: pd.DataFrame, text: str) -> pd.Series:
    return table[table.iloc[:, 0].str.contains(text)].iloc[0]


def test_every_claim_has_a_verdict_and_a_basis() -> None:
    table = claims_table(EV)
    assert len(table) == 20
    assert list(table.columns)[-2:] == ["verdict", "basis"]
    assert set(table["verdict"]) <= set(Verdict)
    assert set(table["basis"]) <= set(Basis)
    assert _row(table, "UK carbon price")[["verdict", "basis"]].tolist() == [
        Verdict.CONTRADICTED,
        Basis.LAW,
    ]
    assert "Art. 10c" in _row(table, "benchmark")["evidence"]
    assert "2023/959" in _row(table, "auction revenues")["evidence"]
    # the claim about the literature is judged by the literature, not by this report's panel
    studies = _row(table, "several studies")
    assert studies["basis"] == Basis.LITERATURE
    assert "Lilliestam" in studies["evidence"]


def test_the_essays_shares_are_not_identifiable_with_this_design() -> None:
    """Issue 16: without identification, 45% and 40% are neither contradicted nor supported."""
    table = claims_table(EV)
    for text in ("EEA", "over 40%"):
        row = _row(table, text)
        assert row["verdict"] == Verdict.NOT_IDENTIFIABLE
        assert row["basis"] == Basis.DATA
        assert "cannot identify" in row["evidence"]
    identified = claims_table(replace(EV, identified=True, identification_failures=""))
    assert _row(identified, "EEA")["verdict"] == Verdict.CONTRADICTED  # 41% < 45%
    assert _row(identified, "over 40%")["verdict"] == Verdict.NOT_SUPPORTED  # 40% inside
    assert _row(identified, "important role")["verdict"] == Verdict.NOT_SUPPORTED
    assert "identification checks pass" in _row(identified, "EEA")["evidence"]
    positive = claims_table(
        replace(EV, identified=True, attributable_low=0.42, attributable_high=0.6)
    )
    assert _row(positive, "important role")["verdict"] == Verdict.PARTLY
    assert _row(positive, "over 40%")["verdict"] == Verdict.SUPPORTED  # the interval above 40%
    assert _row(positive, "EEA")["verdict"] == Verdict.NOT_SUPPORTED


def test_data_verdicts_move_with_the_evidence() -> None:
    assert _row(claims_table(EV), "amplifies")["verdict"] == Verdict.NOT_SUPPORTED
    lowers = claims_table(replace(EV, waterbed_directions=frozenset({Direction.LOWERS})))
    assert _row(lowers, "amplifies")["verdict"] == Verdict.PARTLY
    assert "always lowers total emissions" in _row(lowers, "amplifies")["evidence"]
    raises = claims_table(replace(EV, waterbed_directions=frozenset({Direction.RAISES})))
    assert _row(raises, "amplifies")["verdict"] == Verdict.CONTRADICTED
    low = claims_table(replace(EV, mean_price_low_phases=50.0))
    assert _row(low, "low and volatile")["verdict"] == Verdict.NOT_SUPPORTED
    assert "not below" in _row(low, "low and volatile")["evidence"]
    rising_cap = claims_table(replace(EV, cap_change_pct_same_scope=3.0))
    assert _row(rising_cap, "declining cap")["verdict"] == Verdict.CONTRADICTED
    switching = _row(claims_table(EV), "switch from fossil")["evidence"]
    assert "in 34 of 147 months" in switching


def test_the_essays_magnitudes_are_checked_for_size() -> None:
    """20 Mt against the emissions renewables displaced; 30% against auction revenue over
    renewable support (Duwe & Velten 2016: ~EUR 12 bn in 2013-2015; Ecofys for the Commission:
    EUR 37.3 bn of support in 2012)."""
    table = claims_table(EV)
    tonnes = _row(table, "20 Mt")
    assert (tonnes["verdict"], tonnes["basis"]) == (Verdict.NO_SOURCE, Basis.NO_SOURCE)
    assert "1.3% of it" in tonnes["evidence"]  # 20 of 1,505 Mt
    revenue = _row(table, "30%")
    assert revenue["basis"] == Basis.LITERATURE
    assert revenue["verdict"] == Verdict.CONTRADICTED
    assert "at most 11%" in revenue["evidence"]  # 12 / (3 x 37.3)


def test_evidence_is_built_from_the_results() -> None:
    overview = D.ets_overview(
        load("ets_verified_emissions_by_sector_eea.csv"),
        load("ets_cap_stationary_2013_2023.csv"),
        load("eua_price_annual_ice_c1.csv"),
        load("ets_tnac_msr_commission.csv"),
    )
    cap = load("ets_cap_stationary_2013_2023.csv").set_index("year")["cap_allowances"]
    scope = D.scope_changes(overview, phase4_scope_ratio(cap))
    monthly_eua = load("eua_price_monthly_ice_c1.csv")
    monthly = monthly_switching(
        load("fuel_prices_monthly_2013_2025.csv"),
        load("ecb_usd_per_eur_monthly_2005_2025.csv"),
        monthly_eua,
    )
    coal = D.eu_mix(load("ember_electricity_eu_2000_2024.csv")).set_index("year")["coal_share_pct"]
    annual = annual_switching(monthly, coal)
    est = Estimate(0.0244, 0.0226, -0.022, 0.071, 0.29, 544, 25, "2001-2022")
    att = Attribution(est, (2008, 2015), 0.14, -0.13, 0.41, -0.19, 0.47, 0.37, 21.6, 153.8)
    checks = pd.DataFrame({"check": ["a", "b"], "result": ["x", "y"], "passed": [True, False]})
    sensitivity = pd.DataFrame({"direction": [Direction.LOWERS, Direction.UNCHANGED]})
    displaced = D.displaced_emissions(
        load("owid_electricity_mix_eu27_2000_2021.csv"),
        load("eurostat_renewable_electricity_gwh_1990_2021.csv"),
    )
    ev = build_evidence(
        overview=overview,
        scope=scope,
        eua_annual=load("eua_price_annual_ice_c1.csv"),
        eua_monthly=monthly_eua,
        monthly_switching=monthly,
        annual_switching=annual,
        attribution=att,
        checks=checks,
        waterbed=Waterbed(-192.0, 0.0, 73.0, 2025),
        sensitivity=sensitivity,
        displaced=displaced,
    )
    assert ev.first_price_year == 2005
    assert ev.cap_change_pct_same_scope == pytest.approx(-19.8, abs=0.05)
    assert ev.months_gas_cheaper == monthly["carbon_makes_gas_cheaper"].sum() == 34
    assert ev.switching_window == "2013-01 to 2025-03"
    assert ev.coal_share_change_pp == pytest.approx(coal[2024] - coal[2013])
    assert not ev.identified
    assert ev.identification_failures == "fails: b"
    assert ev.waterbed_directions == {Direction.LOWERS, Direction.UNCHANGED}
    assert ev.mean_price_low_phases < ev.switch_price_low_phases  # phase 2-3 prices were low
    assert ev.displaced_mt_2008_2015 == pytest.approx(displaced.loc[2008:2015].sum())
    assert 50 < ev.combustion_share_pct_2023 < 80
    assert ev.coal_cost_per_eua > ev.gas_cost_per_eua > 0
