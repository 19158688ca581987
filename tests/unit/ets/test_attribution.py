"""The panel estimator recovers a known effect and reports the real one with its caveats."""

from __future__ import annotations

from dataclasses import replace

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
    assert len(table) == 10
    assert table["beta"].notna().all()
    assert (table["share_ci_low"] <= table["share_ci_high"]).all()
    for bad in ({"outcome": "gdp"}, {"exposure": "gdp"}, {"cov": "hac"}, {"lag": 7}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            A.Spec(**bad)
    assert A.spec_dict(replace(A.Spec(), lag=2))["lag"] == 2


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
