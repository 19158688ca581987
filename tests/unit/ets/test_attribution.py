"""The panel estimator recovers a known effect and reports the real one with its caveats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deploybook.ets import attribution as A
from deploybook.ets.descriptive import irena_capacity
from deploybook.ets.loaders import load


def _panel(owid: pd.DataFrame | None = None) -> pd.DataFrame:
    return A.build_panel(
        load("ember_electricity_eu_2000_2024.csv"),
        irena_capacity(load("irena_capacity_mw_eu_2000_2022.csv")),
        load("owid_electricity_mix_eu27_2000_2021.csv") if owid is None else owid,
        load("eua_price_annual_ice_c1.csv"),
        load("imf_commodity_prices_annual_1990_2023.csv"),
        load("oecd_eps_res_support_1990_2020.csv"),
    )


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return _panel()


def test_known_effect_is_recovered(panel) -> None:
    rng = np.random.default_rng(1)
    fake = panel.copy()
    treat = fake["pre_carbon_intensity_t_per_mwh"] * fake["eua_lag1"]
    country = fake["iso3"].map({c: rng.normal() for c in fake["iso3"].unique()})
    year = fake["year"].map({y: rng.normal() for y in fake["year"].unique()})
    fake["ws_additions_gw_per_100twh"] = (
        0.05 * treat + country + year + rng.normal(0, 0.05, len(fake))
    )
    est = A.estimate(fake, A.Spec(last_year=2019))
    assert est.ci_low < 0.05 < est.ci_high
    assert est.beta == pytest.approx(0.05, abs=0.01)
    low, high, p = A.wild_cluster_bootstrap(fake, A.Spec(last_year=2019), draws=199)
    assert low < 0.05 < high
    assert p < 0.05


def test_no_effect_is_not_found_by_the_restricted_bootstrap(panel) -> None:
    rng = np.random.default_rng(2)
    fake = panel.copy()
    country = fake["iso3"].map({c: rng.normal() for c in fake["iso3"].unique()})
    year = fake["year"].map({y: rng.normal() for y in fake["year"].unique()})
    fake["ws_additions_gw_per_100twh"] = country + year + rng.normal(0, 0.05, len(fake))
    spec = A.Spec(last_year=2019)
    est = A.estimate(fake, spec)
    low, high, p = A.wild_cluster_bootstrap(fake, spec, draws=199)
    assert est.ci_low < 0 < est.ci_high
    assert low < 0 < high
    assert p > 0.05


def test_clustered_interval_uses_student_t_with_clusters_minus_one(panel) -> None:
    from scipy import stats

    est = A.estimate(panel, A.Spec())
    crit = stats.t.ppf(0.975, est.countries - 1)
    assert est.ci_high - est.beta == pytest.approx(crit * est.se)
    assert est.pvalue == pytest.approx(2 * stats.t.sf(abs(est.beta / est.se), est.countries - 1))


def test_the_2007_price_can_be_the_phase_2_contract(panel) -> None:
    """The annual mean of the 2007 front-December contract is phase 1's collapse (EUR 1.5/t);
    an investor in 2007 priced phase 2 (the Dec-08 contract, EUR 22.41/t at year end)."""
    row = panel[(panel["year"] == 2008) & (panel["iso3"] == "POL")].iloc[0]
    assert row["eua_lag1"] == pytest.approx(1.54)
    assert row["eua_p2_lag1"] == pytest.approx(22.41)
    assert row["eua_p2_lag0"] == row["eua_lag0"]
    later = panel[panel["year"] == 2012]
    assert (later["eua_p2_lag1"] == later["eua_lag1"]).all()
    base, phase2 = A.Spec(), A.Spec(price_2007="phase2")
    assert (
        A.attributable_share(panel, phase2, 1.0, (2008, 2015))[1]
        > (A.attributable_share(panel, base, 1.0, (2008, 2015))[1])
    )


def test_real_estimate_and_share(panel) -> None:
    spec = A.Spec()
    est = A.estimate(panel, spec)
    assert est.countries == 25
    assert est.years == "2001-2022"  # IRENA's capacity runs to 2022
    share, attributed, observed = A.attributable_share(panel, spec, est.beta, (2008, 2015))
    assert share == pytest.approx(attributed / observed)
    assert A.attributable_share(panel, spec, 2 * est.beta, (2008, 2015))[0] == pytest.approx(
        2 * share
    )
    assert share < 0.45  # far from the essay's figure
    with pytest.raises(ValueError, match="no deployment"):
        A.attributable_share(panel, spec, est.beta, (2030, 2031))


def test_specifications_run_and_validate(panel) -> None:
    table = A.robustness(panel, A.Spec(), (2008, 2015), draws=99)
    assert len(table) == len(A.ROBUSTNESS_VARIANTS) + 3 == 14
    assert table["beta"].notna().all()
    assert (table["share_ci_low"] <= table["share_ci_high"]).all()
    rows = table.set_index("specification")
    assert rows.loc["the 20 states with OECD support scores, to 2020", "countries"] == 20
    assert rows.loc["support regime x year controls (same states)", "years"] == "2001-2020"
    placebo = [s for s in rows.index if s.startswith("feed-in-tariff states only")]
    assert rows.loc[placebo[0], "countries"] == len(A.price_based_states(panel, (2008, 2015)))
    bad_specs = (
        {"outcome": "gdp"},
        {"exposure": "gdp"},
        {"cov": "hac"},
        {"lag": 7},
        {"price_2007": "dec07"},
    )
    for bad in bad_specs:
        with pytest.raises(ValueError, match=next(iter(bad))):
            A.Spec(**bad)


def test_support_regimes_follow_the_oecd_scores(panel) -> None:
    """Outside reference: the known regimes — certificate schemes in Sweden (from 2003),
    Poland (from 2005) and Belgium (from 2010); feed-in tariffs in Germany throughout."""
    regime = panel.set_index(["iso3", "year"])["support_regime"]
    assert regime[("SWE", 2010)] == regime[("POL", 2010)] == regime[("BEL", 2012)] == "certificates"
    assert regime[("DEU", 2010)] == "price-based"
    assert pd.isna(regime[("ROU", 2010)])  # not in the EPS
    states = A.price_based_states(panel, (2008, 2015))
    assert "DEU" in states
    assert not {"SWE", "POL", "BEL", "ITA"} & set(states)
    with pytest.raises(ValueError, match="no support regimes"):
        A.price_based_states(panel.drop(columns="support_regime"), (2008, 2015))
    with pytest.raises(ValueError, match="support controls need"):
        A.estimate(panel.drop(columns="support_regime"), A.Spec(support_controls=True))
    controlled = A.estimate(panel, A.Spec(support_controls=True, last_year=2020))
    assert controlled.countries == 20


def test_missing_exposure_is_named() -> None:
    owid = load("owid_electricity_mix_eu27_2000_2021.csv")
    with pytest.raises(ValueError, match="no pre-ETS exposure"):
        _panel(owid[owid["iso3"] != "POL"])


def test_attribute_reads_beta_and_both_intervals_as_shares(panel) -> None:
    spec, window = A.Spec(), (2008, 2015)
    att = A.attribute(panel, spec, window, draws=99)
    est = A.estimate(panel, spec)
    share, attributed, observed = A.attributable_share(panel, spec, est.beta, window)
    assert att.estimate == est
    assert att.share == pytest.approx(share)
    assert att.attributed == pytest.approx(attributed)
    assert att.observed == pytest.approx(observed)
    per_beta = share / est.beta
    assert att.ci_low == pytest.approx(est.ci_low * per_beta)
    assert att.ci_high == pytest.approx(est.ci_high * per_beta)
    low, high, p = A.wild_cluster_bootstrap(panel, spec, draws=99)
    assert (att.wild_ci_low, att.wild_ci_high, att.wild_p) == pytest.approx(
        (
            low * per_beta,
            high * per_beta,
            p,
        )
    )
    assert att.ci_low <= att.share <= att.ci_high
    # a negative scale (deployment shrinking) flips the interval's ends
    assert A._scaled(-1.0, 2.0, -0.5) == (-1.0, 0.5)
