"""The panel estimator recovers a known effect and reports the real one with its caveats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deploybook.ets import attribution as A
from deploybook.ets.loaders import load


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return A.build_panel(
        load("ember_electricity_eu_2000_2024.csv"),
        load("ember_capacity_gw_eu27_2000_2019.csv"),
        load("owid_electricity_mix_eu27_2000_2021.csv"),
        load("eua_price_annual_ice_c1.csv"),
        load("imf_commodity_prices_annual_1990_2023.csv"),
    )


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
    assert est.years == "2001-2019"
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
    assert len(table) == len(A.ROBUSTNESS_VARIANTS) == 11
    assert table["beta"].notna().all()
    assert (table["share_ci_low"] <= table["share_ci_high"]).all()
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


def test_missing_exposure_is_named(panel) -> None:
    owid = load("owid_electricity_mix_eu27_2000_2021.csv")
    with pytest.raises(ValueError, match="no pre-ETS exposure"):
        A.build_panel(
            load("ember_electricity_eu_2000_2024.csv"),
            load("ember_capacity_gw_eu27_2000_2019.csv"),
            owid[owid["iso3"] != "POL"],
            load("eua_price_annual_ice_c1.csv"),
            load("imf_commodity_prices_annual_1990_2023.csv"),
        )


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


def _attribution(share: float, low: float, high: float) -> A.Attribution:
    est = A.Estimate(0.01, 0.005, 0.0, 0.02, 0.05, 100, 25, "2001-2019")
    return A.Attribution(est, (2008, 2015), share, low, high, low, high, 0.05, 1.0, 10.0)


def test_reading_follows_the_numbers() -> None:
    robust = pd.DataFrame({"share_ci_high": [0.2, 0.3]})
    assert A.reading(_attribution(0.1, -0.02, 0.2), robust) == (
        "the point estimate is positive, its 95% interval includes no effect, and no "
        "specification's interval reaches the essay's 45%"
    )
    assert "excludes no effect" in A.reading(_attribution(0.1, 0.02, 0.2), robust)
    negative = A.reading(_attribution(-0.1, -0.2, -0.01), robust)
    assert negative.startswith("the point estimate is negative, its 95% interval lies wholly")
    assert "is zero" in A.reading(_attribution(0.0, -0.1, 0.1), robust)
    wide = pd.DataFrame({"share_ci_high": [0.2, 0.5, 0.6]})
    assert A.reading(_attribution(0.1, -0.02, 0.2), wide).endswith(
        "2 of 3 specifications' intervals reach the essay's 45%"
    )


def test_figures_carry_the_contract(panel) -> None:
    spec, window = A.Spec(), (2008, 2015)
    att = A.attribute(panel, spec, window, draws=99)
    robust = A.robustness(panel, spec, window, draws=99)
    f = A.figures(att, robust, spec)
    for name in ("attributable_share", "attributable_share_ci_low", "attributable_share_ci_high"):
        assert name in f
    assert f["attributable_share"] == round(att.share, 4)
    assert f["robust_ci_high_max"] == round(robust["share_ci_high"].max(), 4)
    assert f["robust_specs"] == len(A.ROBUSTNESS_VARIANTS)
    assert f["claim_window"] == "2008-2015"
    assert f["attribution_reading"] == A.reading(att, robust)
    baseline = robust.set_index("specification").loc["baseline"]
    assert baseline["share"] == pytest.approx(att.share)
