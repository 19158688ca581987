"""The market model's demand side and phase-3 supply gap, fitted on 2013-2019 only."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from deploybook.ets.market import calibration as K
from deploybook.ets.market import regimes as R


def test_coverage_scales_the_seven_activities_to_all_installations(model_data) -> None:
    """Outside reference: the Commission's 1.527 billion t of stationary emissions in 2019."""
    coverage = K.coverage_factor(model_data.emissions_mt)
    assert coverage * model_data.emissions_mt[2019] == pytest.approx(1527.0)
    assert 1.0 < coverage < 1.15


def test_unissued_allowances_close_the_published_balance(model_data, ff55, cal) -> None:
    """The allowance balance up to 2019, added up here term by term, ends at the published
    2019 TNAC once the estimated unissued allowances (7/8 of them by 2019) are taken out."""
    years = np.arange(2013, 2020)
    cap = model_data.cap.loc[2013:2019].sum()
    credits = R.credits_by_year(years).sum()
    backloading = 900e6
    intake_2019 = 265e6 + 397_178_358 * 4 / 12  # January-August 2019, then September-December
    demand = cal.coverage * model_data.emissions_mt.loc[2013:2019].sum() * 1e6
    bank = 2.0e9 + cap + credits - backloading - intake_2019 - demand - cal.unissued * 7 / 8
    assert bank == pytest.approx(model_data.tnac[2019], rel=2e-3)
    assert cal.unissued_by_year(years).sum() == pytest.approx(-cal.unissued * 7 / 8)
    assert cal.unissued_by_year(np.array([2012, 2021])).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="within phase 3"):
        K.unissued_allowances(model_data, 1.0, ff55, last=2022)
    with pytest.raises(ValueError, match="no published TNAC"):
        K.unissued_allowances(replace(model_data, tnac=model_data.tnac.drop(2019)), 1.0, ff55)


def test_the_calibration_sees_nothing_after_2019(model_data, ff55, cal) -> None:
    """Out-of-sample means out of sample: changing every price, emission and TNAC after 2019
    leaves the calibration as it was."""
    later = model_data.price.index > 2019
    changed = replace(
        model_data,
        price=model_data.price.where(~later, model_data.price * 3),
        emissions_mt=model_data.emissions_mt.where(
            model_data.emissions_mt.index <= 2019, model_data.emissions_mt / 2
        ),
        tnac=model_data.tnac.where(model_data.tnac.index <= 2019, 1e8),
    )
    assert K.fit(changed, ff55)[0] == cal


def test_calibration_is_sensible(model_data, cal) -> None:
    assert -0.05 < cal.trend < 0
    assert cal.choke_price > model_data.price.loc[2013:2019].max()
    assert cal.scope_shift_2021 == pytest.approx(np.log(R.phase4_scope_ratio(model_data.cap)))
    assert 0 < cal.unissued < 3e9
    _, table = K.fit(model_data, R.default_regimes()[3])
    assert list(table["year"]) == list(K.CALIBRATION_YEARS)
    assert (abs(table["fitted_mt"] / table["observed_mt"] - 1) < 0.1).all()


def test_calibrate_rejects_bad_input(model_data) -> None:
    with pytest.raises(ValueError, match="trend years"):
        K.calibrate(
            model_data.emissions_mt,
            model_data.price,
            range(2015, 2020),
            -0.1,
            trend_years=range(2010, 2014),
        )


def test_published_intakes_split_each_period_over_two_years(model_data, ff55) -> None:
    intakes = K.published_intakes(model_data.tnac, ff55)
    assert intakes[2020] == pytest.approx(397_178_358 * 8 / 12 + 0.24 * model_data.tnac[2019] / 3)
