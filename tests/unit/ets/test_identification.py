"""The identification checks find what is planted in synthetic outcomes, and only that."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deploybook.ets import attribution as A
from deploybook.ets import identification as I
from deploybook.ets.descriptive import irena_capacity
from deploybook.ets.loaders import load

OUTCOME = "ws_additions_gw_per_100twh"


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return A.build_panel(
        load("ember_electricity_eu_2000_2024.csv"),
        irena_capacity(load("irena_capacity_mw_eu_2000_2022.csv")),
        load("owid_electricity_mix_eu27_2000_2021.csv"),
        load("eua_price_annual_ice_c1.csv"),
        load("imf_commodity_prices_annual_1990_2023.csv"),
    )


def _synthetic(
    panel: pd.DataFrame, signal: pd.Series, seed: int, noise: float = 0.05
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    fake = panel.copy()
    country = fake["iso3"].map({c: rng.normal() for c in fake["iso3"].unique()})
    year = fake["year"].map({y: rng.normal() for y in fake["year"].unique()})
    fake[OUTCOME] = signal + country + year + rng.normal(0, noise, len(fake))
    return fake.dropna(subset=["ws_added_gw"])


def test_a_price_driven_effect_passes_every_check(panel) -> None:
    exposure = panel["pre_carbon_intensity_t_per_mwh"]
    fake = _synthetic(panel, 0.05 * exposure * panel["eua_lag1"], seed=1)
    spec = A.Spec()
    events = I.event_study(fake, spec)
    post = events[~events["pre_ets"]].set_index("year")
    # each year's coefficient is the effect per unit of exposure: 0.05 x the lagged price
    assert np.allclose(post["coef"], 0.05 * post["lagged_price_eur_per_t"], atol=0.25)
    assert I.pretrend_test(events).pvalue > 0.05
    dose = I.dose_response(events)
    assert dose.supported
    assert dose.slope == pytest.approx(0.05, abs=0.01)
    assert I.randomization_inference(fake, spec, draws=199).pvalue < 0.05


def test_a_pre_trend_is_found(panel) -> None:
    """Exposed states deploying faster and faster before the ETS: the pre-trend test rejects."""
    exposure = panel["pre_carbon_intensity_t_per_mwh"]
    trend = exposure * np.where(panel["year"] < 2005, (panel["year"] - 2004) * 2.0, 0.0)
    fake = _synthetic(panel, trend, seed=2)
    pretrend = I.pretrend_test(I.event_study(fake, A.Spec()))
    assert pretrend.pvalue < 0.01
    assert pretrend.years == "2001-2003"
    assert pretrend.restrictions == 3


def test_a_boom_unrelated_to_the_price_shows_no_dose_response(panel) -> None:
    """Exposed states deploying more in 2011-2013 (prices EUR 4-15/t) and not in 2006-2009
    (EUR 18-22/t), like the feed-in-tariff booms: large coefficients, no dose-response, and
    price paths in random order fit as well."""
    exposure = panel["pre_carbon_intensity_t_per_mwh"]
    boom = exposure * panel["year"].isin([2011, 2012, 2013]) * 3.0
    fake = _synthetic(panel, boom, seed=3)
    events = I.event_study(fake, A.Spec())
    dose = I.dose_response(events)
    assert not dose.supported
    assert dose.peak_year in (2011, 2012, 2013)
    assert I.randomization_inference(fake, A.Spec(), draws=199).pvalue > 0.05


def test_no_effect_is_not_found(panel) -> None:
    fake = _synthetic(panel, pd.Series(0.0, index=panel.index), seed=4)
    ri = I.randomization_inference(fake, A.Spec(), draws=199, seed=7)
    assert ri.pvalue > 0.05
    assert ri.draws == 199
    assert ri == I.randomization_inference(fake, A.Spec(), draws=199, seed=7)  # reproducible
    with pytest.raises(ValueError, match="draws"):
        I.randomization_inference(fake, A.Spec(), draws=0)


def test_the_real_panel_and_its_edges(panel) -> None:
    events = I.event_study(panel, A.Spec())
    assert events.loc[events["year"] == I.REFERENCE_YEAR, "coef"].item() == 0.0
    assert list(events["year"]) == list(range(2001, 2023))
    assert events.loc[events["year"] < 2005, "lagged_price_eur_per_t"].eq(0).all()
    with pytest.raises(ValueError, match="no reference year"):
        I.event_study(panel, A.Spec(first_year=2006))
    with pytest.raises(ValueError, match="nothing to test"):
        I.pretrend_test(events[~events["pre_ets"] | (events["year"] == I.REFERENCE_YEAR)])
    with pytest.raises(ValueError, match="fewer than three"):
        I.dose_response(events[events["year"] < 2007])


def test_intensity_is_nearly_a_function_of_fuel_shares() -> None:
    """Issue 16: OWID's pre-ETS intensity looks like fixed factors times fuel shares."""
    check = I.exposure_check(load("owid_electricity_mix_eu27_2000_2021.csv"))
    assert check.r2_on_fuel_shares > 0.99
    assert check.states == 27
    assert -1 < check.correlation_with_coal < 1


def test_checks_name_what_fails() -> None:
    pretrend = I.PreTrend("2001-2003", 0.5, 0.7, 3)
    dose = I.DoseResponse(0.002, 0.7, 0.4, 18, 2021, 24.8)
    ri = I.Randomization(1.1, 0.48, 999)
    table = I.checks(False, pretrend, dose, ri, placebo_p=0.036)
    assert list(table["passed"]) == [False, True, False, False, False]
    assert "2021, at EUR 24.8/t" in table.loc[2, "result"]
    assert len(I.checks(True, pretrend, dose, ri, placebo_p=None)) == 4
    assert not I.DoseResponse(0.01, 0.2, 0.4, 18, 2021, 24.8).supported
