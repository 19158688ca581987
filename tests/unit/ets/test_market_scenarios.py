"""The report's model runs: scenarios, total emissions, the waterbed and its sensitivity."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from deploybook.ets import constants as C
from deploybook.ets.market import equilibrium as E
from deploybook.ets.market import regimes as R
from deploybook.ets.market import scenarios as S
from deploybook.ets.market.calibration import CALIBRATION_YEARS, EVALUATION_YEARS

RATE = 0.08


@pytest.fixture(scope="module")
def scenario_paths(model_data, cal) -> dict[str, pd.DataFrame]:
    return S.run_scenarios(cal, model_data.cap, S.Settings(), S.standard_scenarios(0.02))


@pytest.fixture(scope="module")
def water(model_data, cal) -> S.Waterbed:
    return S.waterbed(cal, model_data.cap, S.Settings(), 0.02)


def test_scenarios_apply_their_changes(model_data, cal, scenario_paths) -> None:
    cap = model_data.cap
    assert list(scenario_paths) == [s.label for s in S.standard_scenarios(0.02)]
    regimes = R.scenario_regimes(4.3, 4.4, True, "rolling")
    pd.testing.assert_frame_equal(scenario_paths[S.BASE], E.solve(cal, cap, regimes, RATE))
    no_msr = E.solve(cal, cap, R.scenario_regimes(4.3, 4.4, False, "rolling"), RATE)
    pd.testing.assert_frame_equal(scenario_paths[S.MSR_OFF], no_msr)
    faster = E.solve(cal, cap, regimes, RATE, news=(2025, replace(cal, speedup=0.02)))
    pd.testing.assert_frame_equal(scenario_paths[S.FASTER], faster)
    foreseen = E.solve(replace(cal, speedup=0.02), cap, regimes, RATE)
    pd.testing.assert_frame_equal(scenario_paths[S.FASTER_FORESEEN], foreseen)
    perfect = scenario_paths["perfect foresight of the 2023 rules"]
    assert set(perfect["regime"]) == {"Fit for 55 (2023)"}
    with pytest.raises(ValueError, match="unique"):
        S.run_scenarios(cal, cap, S.Settings(), [S.Scenario("a"), S.Scenario("a")])


def test_cumulative_emissions_and_summary(model_data, scenario_paths) -> None:
    path = scenario_paths[S.BASE]
    total = S.cumulative_emissions(path)
    assert total == pytest.approx(
        path.loc[path["year"] <= 2040, "emissions_allowances"].sum() / 1e6
    )
    with pytest.raises(ValueError, match="no years"):
        S.cumulative_emissions(path, 2013, R.LAST_YEAR + 1)
    summary = S.scenario_summary(scenario_paths, model_data.price, range(2013, 2025))
    row = summary.set_index("scenario").loc[S.BASE]
    assert row["cumulative_emissions_2013_2040_mt"] == pytest.approx(total)
    assert row["total_emissions_mt"] == pytest.approx(S.total_emissions(path))
    assert row["invalidated_mt"] == pytest.approx(path["msr_invalidated_allowances"].sum() / 1e6)
    assert row["last_emitting_year"] == S.last_emitting_year(path)
    with pytest.raises(ValueError, match="stops in 2035, before the horizon"):
        S.total_emissions(path[path["year"] <= 2035])
    # the tighter cap of the 2023 reform costs more in 2030 than keeping 2.2%
    by = summary.set_index("scenario")["price_2030_eur_per_t"]
    assert by["2.2% LRF kept after 2023"] < by[S.BASE]


def test_total_emissions_are_supply_less_invalidation(scenario_paths, cal) -> None:
    """With the bank empty at the end, everything issued is emitted except what the MSR
    invalidates: the MSR changes cumulative emissions only through invalidation."""
    backloaded = sum(c.value for c in C.BACKLOADING.values())  # placed in the MSR in 2019
    for path in scenario_paths.values():
        placed = backloaded + cal.unissued if path["msr_holdings_allowances"].max() > 0 else 0.0
        issued = C.TNAC_END_2012.value + path["supply_allowances"].sum() + placed
        left = path["bank_allowances"].iloc[-1] + path["msr_holdings_allowances"].iloc[-1]
        expected = (issued - path["msr_invalidated_allowances"].sum()) / 1e6
        assert S.total_emissions(path) == pytest.approx(expected, rel=1e-9)
        assert left < 1e4  # bank and reserve used up: the terminal condition binds


def test_terminal_condition_price_reaches_the_choke_price(cal, scenario_paths) -> None:
    for path in scenario_paths.values():
        last = S.last_emitting_year(path)
        after = path[path["year"] > last]
        assert len(after) > 0
        assert np.allclose(after["price_eur_per_t"], cal.choke_price)
        assert (after["emissions_allowances"] == 0).all()


def test_the_msr_holds_no_more_than_the_law_allows(scenario_paths) -> None:
    path = scenario_paths[S.BASE].set_index("year")
    # on 1 January (after invalidation, before the year's intake) holdings are within the limit
    start_of_year = path["msr_holdings_allowances"] - path["msr_net_intake_allowances"]
    assert (start_of_year.loc[2024:] <= C.MSR_HOLDING_LIMIT.value + 1).all()
    assert path.loc[2023, "msr_invalidated_allowances"] > 1e9  # the first invalidation
    assert (path.loc[:2022, "msr_invalidated_allowances"] == 0).all()


def test_news_changes_nothing_before_the_market_learns_it(scenario_paths) -> None:
    base, faster = scenario_paths[S.BASE], scenario_paths[S.FASTER]
    before = base["year"] < 2025
    pd.testing.assert_frame_equal(base[before], faster[before])
    p = faster.set_index("year")["price_eur_per_t"]
    assert p[2025] < base.set_index("year")["price_eur_per_t"][2025]


def test_waterbed_without_the_msr_is_watertight(model_data, cal, water) -> None:
    # a fixed cap with an empty bank at the end: faster renewables only move emissions in time
    assert water.msr_off_mt == pytest.approx(0.0, abs=0.01)
    assert water.news_year == 2025
    assert [S.direction(x) for x in (-3, 0.2, 3)] == [
        S.Direction.LOWERS,
        S.Direction.UNCHANGED,
        S.Direction.RAISES,
    ]
    # the comparison always runs the MSR as legislated and without it
    assert S.waterbed(cal, model_data.cap, S.Settings(msr=False), 0.02) == water
    none = S.waterbed(cal, model_data.cap, S.Settings(), 0.0)
    assert (none.msr_on_mt, none.msr_off_mt, none.foreseen_mt) == (0.0, 0.0, 0.0)


def _invalidated(path: pd.DataFrame) -> float:
    return float(path["msr_invalidated_allowances"].sum() / 1e6)


def test_surprise_abatement_punctures_the_waterbed_foreseen_abatement_raises_it(
    scenario_paths, water
) -> None:
    """Perino (2018): abatement while the MSR takes in raises intake and invalidation, so
    cumulative emissions fall. Gerlagh, Heijmans & Rosendahl (2021): abatement foreseen years
    ahead lowers earlier prices, raises earlier emissions, shrinks the TNAC and the MSR's
    intake, so invalidation falls and cumulative emissions rise."""
    base = scenario_paths[S.BASE]
    surprise, foreseen = scenario_paths[S.FASTER], scenario_paths[S.FASTER_FORESEEN]
    assert water.msr_on_mt < 0 < water.foreseen_mt
    assert water.msr_on_mt == pytest.approx(_invalidated(base) - _invalidated(surprise))
    assert water.foreseen_mt == pytest.approx(_invalidated(base) - _invalidated(foreseen))
    early = slice(2013, 2022)
    b, f = base.set_index("year").loc[early], foreseen.set_index("year").loc[early]
    assert (f["price_eur_per_t"] <= b["price_eur_per_t"]).all()
    assert f["emissions_allowances"].sum() > b["emissions_allowances"].sum()
    assert f["msr_net_intake_allowances"].sum() < b["msr_net_intake_allowances"].sum()


def test_waterbed_by_news_year(model_data, cal) -> None:
    table = S.waterbed_by_news_year(cal, model_data.cap, S.Settings(), 0.02, [2013, 2025])
    assert list(table["news_year"]) == [2013, 2025]
    assert np.allclose(table["emissions_change_mt"], -table["invalidated_change_mt"])
    assert table["emissions_change_mt"].iloc[0] > 0 > table["emissions_change_mt"].iloc[1]
    off = S.waterbed_by_news_year(cal, model_data.cap, S.Settings(msr=False), 0.02, [2013, 2025])
    pd.testing.assert_frame_equal(off, table)  # always with the MSR as legislated


def test_waterbed_sensitivity_covers_rates_and_the_end_of_invalidation(model_data, cal) -> None:
    table = S.waterbed_sensitivity(cal, model_data.cap, S.Settings(), 0.02, rates=[0.03, 0.08])
    assert list(table["discount_rate"]) == [0.03, 0.03, 0.08, 0.08]
    assert list(table["invalidation"]) == ["continues", "ends in 2027"] * 2
    # with the bank and the reserve used up, each change is minus the change in invalidation
    assert np.allclose(table["emissions_change_mt"], -table["invalidated_change_mt"], atol=0.01)
    assert list(table["direction"]) == [S.direction(x) for x in table["emissions_change_mt"]]
    at8 = table[(table["discount_rate"] == 0.08) & (table["invalidation"] == "continues")]
    water = S.waterbed(cal, model_data.cap, S.Settings(), 0.02)
    assert at8["emissions_change_mt"].iloc[0] == pytest.approx(water.msr_on_mt)
    with pytest.raises(ValueError, match="at least one discount rate"):
        S.waterbed_sensitivity(cal, model_data.cap, S.Settings(), 0.02, rates=[])


def test_fit_by_rate_scores_both_windows(model_data, cal) -> None:
    table = S.fit_by_rate(
        cal, model_data.cap, S.Settings(), model_data.price, CALIBRATION_YEARS, EVALUATION_YEARS
    )
    assert list(table["discount_rate"]) == list(S.SENSITIVITY_RATES)
    assert (table[["rmse_in_sample", "rmse_out_of_sample"]] > 0).all().all()
    assert 0 < S.solve_seconds(cal, model_data.cap, S.Settings(), repeats=1) < 5
