"""The market model's economics: MSR rule, cap path, Hotelling, bank, scenarios."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from deploybook.ets import constants as C
from deploybook.ets import market as M
from deploybook.ets.descriptive import stationary_emissions
from deploybook.ets.loaders import load

RATE = 0.08


@pytest.fixture(scope="module")
def inputs():
    cap = load("ets_cap_stationary_2013_2023.csv").set_index("year")["cap_allowances"]
    emissions = stationary_emissions(load("ets_verified_emissions_by_sector_eea.csv"))
    tnac = load("ets_tnac_msr_commission.csv").set_index("tnac_reference_year")["tnac_allowances"]
    price = load("eua_price_annual_ice_c1.csv").set_index("year")["mean_eur_per_t"]
    regimes = M.default_regimes()
    closure = M.closure_factor(cap, emissions, tnac, regimes[-1])
    cal, _ = M.calibrate(emissions, price, closure, range(2013, 2025))
    return cap, emissions, tnac, price, regimes, cal


@pytest.fixture(scope="module")
def path(inputs):
    cap, _, _, _, regimes, cal = inputs
    return M.solve(cal, cap, regimes, RATE)


def test_msr_rule_reproduces_published_intakes(inputs) -> None:
    tnac, ff55 = inputs[2], inputs[4][-1]
    assert M.msr_rule(tnac[2018], 2019, ff55) == pytest.approx(397_178_358, abs=1)
    assert M.msr_rule(tnac[2022], 2023, ff55) == pytest.approx(272_350_737, abs=1)
    assert M.msr_rule(tnac[2025], 2026, ff55) == pytest.approx(190_494_202, abs=1)  # buffer
    assert M.msr_rule(tnac[2024], 2025, ff55) == pytest.approx(276e6, rel=0.005)
    # the first feed covered 8 months of 2019: 265 m
    assert 8 / 12 * M.msr_rule(tnac[2017], 2018, ff55) == pytest.approx(265e6, rel=0.002)


def test_msr_rule_thresholds_and_rates() -> None:
    ff55 = M.default_regimes()[-1]
    assert M.msr_rule(300e6, 2030, ff55) == -C.MSR_RELEASE.value
    assert M.msr_rule(600e6, 2030, ff55) == 0.0
    assert M.msr_rule(2e9, 2030, ff55) == pytest.approx(0.24 * 2e9)
    assert M.msr_rule(2e9, 2031, ff55) == pytest.approx(0.12 * 2e9)  # base rate after 2030
    before_buffer = M.default_regimes()[2]
    assert M.msr_rule(900e6, 2022, before_buffer) == pytest.approx(0.24 * 900e6)
    assert M.msr_rule(900e6, 2024, ff55) == pytest.approx(67e6)
    msr2015 = M.default_regimes()[1]
    assert M.msr_rule(850e6, 2025, msr2015) == pytest.approx(0.12 * 850e6)
    assert M.msr_rule(2e9, 2025, replace(ff55, msr=False)) == 0.0
    # 12% of a TNAC just above 833 m is below the 100 m minimum: no intake
    assert M.msr_rule(833.2e6, 2031, msr2015) == 0.0


def test_cap_path_applies_the_2023_reform(inputs) -> None:
    cap = M.cap_path(inputs[4][-1], inputs[0])
    reference = C.LRF_2021_ANNUAL.value / 0.022
    assert cap[2023] == pytest.approx(inputs[0][2023], abs=2)
    assert cap[2024] == pytest.approx(cap[2023] - 0.043 * reference - 90e6)
    assert cap[2026] == pytest.approx(cap[2025] - 0.043 * reference - 27e6)
    assert cap[2029] == pytest.approx(cap[2028] - 0.044 * reference)
    assert cap[2040] == 0.0
    assert (cap.diff().dropna() <= 0).all()
    old = M.cap_path(inputs[4][0], inputs[0])
    assert old[2020] == inputs[0][2020]
    assert old[2040] > 0


def _segments(path: pd.DataFrame) -> list[pd.DataFrame]:
    return [g.sort_values("year") for _, g in path.groupby("regime", sort=False)]


def test_hotelling_price_rises_at_the_discount_rate_while_banking(path) -> None:
    checked = 0
    for seg in _segments(path):
        p, bank = seg["price_eur_per_t"].to_numpy(), seg["bank_allowances"].to_numpy()
        for t in range(len(seg) - 1):
            if p[t + 1] >= 0.999 * seg["price_eur_per_t"].max() and p[t] > 300:
                continue  # at the choke price
            if bank[t] > 1e6:
                assert p[t + 1] == pytest.approx((1 + RATE) * p[t], rel=1e-6)
                checked += 1
    assert checked > 10


def test_no_banking_when_the_price_rises_slower_than_the_discount_rate(inputs) -> None:
    cap, *_, cal = inputs
    rate = 0.25  # impatient market: the bank runs out before the cap does
    steep = M.solve(cal, cap, [M.default_regimes()[-1]], rate)
    p, bank = steep["price_eur_per_t"].to_numpy(), steep["bank_allowances"].to_numpy()
    slower = [t for t in range(len(p) - 1) if p[t + 1] < (1 + rate) * p[t] * (1 - 1e-6)]
    assert len(slower) >= 3
    for t in slower:
        assert bank[t] < 1e6  # empty bank: nobody holds an allowance that earns less than r
    for t in range(len(p) - 1):
        if bank[t] >= 1e6:
            assert p[t + 1] == pytest.approx((1 + rate) * p[t], rel=1e-6)


def test_cap_is_respected_cumulatively(path) -> None:
    cumulative = (
        C.TNAC_END_2012.value
        + (path["supply_allowances"] - path["msr_net_intake_allowances"]).cumsum()
        - path["emissions_allowances"].cumsum()
    )
    assert (cumulative > -1e3).all()
    assert np.allclose(cumulative, path["bank_allowances"], rtol=0, atol=1e3)
    assert path["bank_allowances"].iloc[-1] < 1e7  # the bank is used up when the cap ends


def test_msr_intake_in_the_solved_path_follows_the_rule(path) -> None:
    bank = {2011: C.TNAC_END_2012.value, 2012: C.TNAC_END_2012.value}
    bank.update(path.set_index("year")["bank_allowances"].to_dict())
    regime_of = path.set_index("year")["regime"].to_dict()
    regimes = {r.name: r for r in M.default_regimes()}
    for year in range(2019, 2030):
        regime = regimes[regime_of[year]]
        expected = (8 / 12) * M.msr_rule(bank[year - 2], year - 1, regime) + (4 / 12) * M.msr_rule(
            bank[year - 1], year, regime
        )
        got = path.set_index("year").loc[year, "msr_net_intake_allowances"]
        assert got == pytest.approx(expected, rel=1e-9, abs=1.0)


def test_the_2018_reform_raises_the_price(path) -> None:
    p = path.set_index("year")["price_eur_per_t"]
    assert p[2018] > 2 * p[2017] > 0


def test_scenarios_move_prices_the_right_way(inputs) -> None:
    cap, _, _, _, _, cal = inputs
    base = M.solve(cal, cap, M.scenario_regimes(4.3, 4.4, True, "rolling"), RATE)
    tighter = M.solve(cal, cap, M.scenario_regimes(6.0, 6.0, True, "rolling"), RATE)
    no_msr = M.solve(cal, cap, M.scenario_regimes(4.3, 4.4, False, "rolling"), RATE)
    price = lambda p, y: p.set_index("year").loc[y, "price_eur_per_t"]  # noqa: E731
    assert price(tighter, 2023) > price(base, 2023)
    assert price(no_msr, 2019) < price(base, 2019)
    perfect = M.scenario_regimes(4.3, 4.4, True, "perfect")
    assert len(perfect) == 1
    assert perfect[0].information_year == 2013
    with pytest.raises(ValueError, match="foresight"):
        M.scenario_regimes(4.3, 4.4, True, "myopic")


def test_a_cap_that_never_binds_gives_a_zero_price(inputs) -> None:
    cap, *_, cal = inputs
    tiny = replace(cal, log_level_2013=cal.log_level_2013 - 10)
    path = M.solve(tiny, cap, [M.default_regimes()[-1]], RATE)
    assert (path["price_eur_per_t"] == 0).all()


def test_solve_and_calibrate_reject_bad_input(inputs) -> None:
    cap, emissions, _, price, _, cal = inputs
    with pytest.raises(ValueError, match="at least one regime"):
        M.solve(cal, cap, [])
    with pytest.raises(ValueError, match="trend years"):
        M.calibrate(emissions, price, 1.0, range(2015, 2020), trend_years=range(2010, 2014))


def test_calibration_and_error_are_sensible(inputs, path) -> None:
    *_, price, _, cal = inputs
    assert -0.05 < cal.trend < 0
    assert cal.choke_price > price.max()
    assert 1.0 < cal.closure < 1.3
    err = M.price_error(path, price, range(2013, 2025))
    assert 0 < err["rmse"] < 40
    assert err["correlation"] > 0.5


@pytest.fixture(scope="module")
def data() -> M.ModelData:
    return M.ModelData.from_frames(
        load("ets_cap_stationary_2013_2023.csv"),
        stationary_emissions(load("ets_verified_emissions_by_sector_eea.csv")),
        load("eua_price_annual_ice_c1.csv"),
        load("ets_tnac_msr_commission.csv"),
    )


@pytest.fixture(scope="module")
def scenario_paths(data):
    cal, _ = M.fit(data)
    return M.run_scenarios(cal, data.cap, M.Settings(), M.standard_scenarios(0.02))


def test_fit_is_the_calibration_on_the_published_balance(inputs, data) -> None:
    cal, fit = M.fit(data)
    assert cal == inputs[-1]
    assert list(fit["year"]) == list(range(2013, 2025))
    assert data.price[2023] == 85.31


def test_scenarios_apply_their_changes(data, scenario_paths) -> None:
    cal, _ = M.fit(data)
    assert list(scenario_paths) == [s.label for s in M.standard_scenarios(0.02)]
    base = M.solve(cal, data.cap, M.scenario_regimes(4.3, 4.4, True, "rolling"), RATE)
    pd.testing.assert_frame_equal(scenario_paths[M.BASE], base)
    no_msr = M.solve(cal, data.cap, M.scenario_regimes(4.3, 4.4, False, "rolling"), RATE)
    pd.testing.assert_frame_equal(scenario_paths[M.MSR_OFF], no_msr)
    regimes = M.scenario_regimes(4.3, 4.4, True, "rolling")
    faster = M.solve(cal, data.cap, regimes, RATE, news=(2025, replace(cal, speedup=0.02)))
    pd.testing.assert_frame_equal(scenario_paths[M.FASTER], faster)
    foreseen = M.solve(replace(cal, speedup=0.02), data.cap, regimes, RATE)
    pd.testing.assert_frame_equal(scenario_paths[M.FASTER_FORESEEN], foreseen)
    perfect = scenario_paths["perfect foresight of the 2023 rules"]
    assert set(perfect["regime"]) == {"Fit for 55 (2023)"}
    with pytest.raises(ValueError, match="unique"):
        M.run_scenarios(cal, data.cap, M.Settings(), [M.Scenario("a"), M.Scenario("a")])


def test_cumulative_emissions_and_summary(data, scenario_paths) -> None:
    path = scenario_paths[M.BASE]
    total = M.cumulative_emissions(path)
    assert total == pytest.approx(
        path.loc[path["year"] <= 2040, "emissions_allowances"].sum() / 1e6
    )
    assert M.cumulative_emissions(path, 2013, 2013) == pytest.approx(
        path["emissions_allowances"].iloc[0] / 1e6
    )
    with pytest.raises(ValueError, match="no years"):
        M.cumulative_emissions(path, 2013, M.LAST_YEAR + 1)
    summary = M.scenario_summary(scenario_paths, data.price, range(2013, 2025))
    assert list(summary["scenario"]) == list(scenario_paths)
    row = summary.set_index("scenario").loc[M.BASE]
    assert row["cumulative_emissions_2013_2040_mt"] == pytest.approx(total)
    assert row["total_emissions_mt"] == pytest.approx(M.total_emissions(path))
    assert row["total_emissions_mt"] >= total
    assert row["invalidated_mt"] == pytest.approx(path["msr_invalidated_allowances"].sum() / 1e6)
    assert row["last_emitting_year"] == M.last_emitting_year(path)
    with pytest.raises(ValueError, match="not run out"):
        M.total_emissions(path[path["year"] <= 2035])
    assert row["rmse_eur_per_t"] == pytest.approx(
        M.price_error(path, data.price, range(2013, 2025))["rmse"]
    )
    # the tighter cap of the 2023 reform costs more in 2030 than keeping 2.2%
    by = summary.set_index("scenario")["price_2030_eur_per_t"]
    assert by["2.2% LRF kept after 2023"] < by[M.BASE]


@pytest.fixture(scope="module")
def water(inputs, data) -> M.Waterbed:
    return M.waterbed(inputs[-1], data.cap, M.Settings(), 0.02)


def test_waterbed_without_the_msr_is_watertight(inputs, data, water) -> None:
    # a fixed cap with an empty bank at the end: faster renewables only move emissions in time
    assert water.msr_off_mt == pytest.approx(0.0, abs=0.01)
    f = water.figures()
    assert f["waterbed_off_direction"] == "does not change"
    assert f["waterbed_direction"] == M.Waterbed.direction(water.msr_on_mt)
    assert f["waterbed_foreseen_direction"] == M.Waterbed.direction(water.foreseen_mt)
    assert f["waterbed_news_year"] == 2025
    assert [M.Waterbed.direction(x) for x in (-3, 0.2, 3)] == [
        "lowers",
        "does not change",
        "raises",
    ]
    # the comparison always runs the MSR as legislated and without it
    assert M.waterbed(inputs[-1], data.cap, M.Settings(msr=False), 0.02) == water
    none = M.waterbed(inputs[-1], data.cap, M.Settings(), 0.0)
    assert (none.msr_on_mt, none.msr_off_mt, none.foreseen_mt) == (0.0, 0.0, 0.0)


def _invalidated(path: pd.DataFrame) -> float:
    return float(path["msr_invalidated_allowances"].sum() / 1e6)


def test_total_emissions_are_supply_less_invalidation(scenario_paths) -> None:
    """With the bank empty at the end, everything issued is emitted except what the MSR
    invalidates: the MSR changes cumulative emissions only through invalidation."""
    backloaded = sum(c.value for c in C.BACKLOADING.values())  # placed in the MSR in 2019
    for path in scenario_paths.values():
        placed = backloaded if path["msr_holdings_allowances"].max() > 0 else 0.0
        issued = C.TNAC_END_2012.value + path["supply_allowances"].sum() + placed
        left = path["bank_allowances"].iloc[-1] + path["msr_holdings_allowances"].iloc[-1]
        expected = (issued - path["msr_invalidated_allowances"].sum() - left) / 1e6
        assert M.total_emissions(path) == pytest.approx(expected, rel=1e-9)
        assert left < 1e4  # bank and reserve used up: the terminal condition binds


def test_terminal_condition_price_reaches_the_choke_price(inputs, scenario_paths) -> None:
    cal = inputs[-1]
    for path in scenario_paths.values():
        last = M.last_emitting_year(path)
        after = path[path["year"] > last]
        assert len(after) > 0
        assert np.allclose(after["price_eur_per_t"], cal.choke_price)
        assert (after["emissions_allowances"] == 0).all()
        assert last < M.LAST_YEAR


def test_the_msr_holds_no_more_than_the_law_allows(scenario_paths) -> None:
    path = scenario_paths[M.BASE].set_index("year")
    # on 1 January (after invalidation, before the year's intake) holdings are within the limit
    start_of_year = path["msr_holdings_allowances"] - path["msr_net_intake_allowances"]
    assert (start_of_year.loc[2024:] <= C.MSR_HOLDING_LIMIT.value + 1).all()
    assert path.loc[2023, "msr_invalidated_allowances"] > 1e9  # the first invalidation
    assert (path.loc[:2022, "msr_invalidated_allowances"] == 0).all()
    ff55 = M.default_regimes()[-1]
    assert M.holding_limit(ff55, 2022, 5e8) == np.inf
    assert M.holding_limit(ff55, 2023, 5e8) == 5e8  # 2018 rule: last year's auction volume
    assert M.holding_limit(ff55, 2024, 5e8) == C.MSR_HOLDING_LIMIT.value
    assert M.holding_limit(M.default_regimes()[2], 2030, 5e8) == 5e8
    assert M.holding_limit(M.default_regimes()[1], 2030, 5e8) == np.inf


def test_news_changes_nothing_before_the_market_learns_it(scenario_paths) -> None:
    base, faster = scenario_paths[M.BASE], scenario_paths[M.FASTER]
    before = base["year"] < 2025
    pd.testing.assert_frame_equal(base[before], faster[before])
    # the news lowers the expected scarcity: the price drops in the year it is learnt
    p = faster.set_index("year")["price_eur_per_t"]
    assert p[2025] < base.set_index("year")["price_eur_per_t"][2025]


def test_surprise_abatement_punctures_the_waterbed_foreseen_abatement_raises_it(
    scenario_paths, water
) -> None:
    """Perino (2018): abatement while the MSR takes in raises intake and invalidation, so
    cumulative emissions fall. Gerlagh, Heijmans & Rosendahl (2021): abatement foreseen years
    ahead lowers earlier prices, raises earlier emissions, shrinks the TNAC and the MSR's
    intake, so invalidation falls and cumulative emissions rise."""
    base = scenario_paths[M.BASE]
    surprise, foreseen = scenario_paths[M.FASTER], scenario_paths[M.FASTER_FORESEEN]
    assert water.msr_on_mt < 0 < water.foreseen_mt
    assert water.msr_on_mt == pytest.approx(_invalidated(base) - _invalidated(surprise))
    assert water.foreseen_mt == pytest.approx(_invalidated(base) - _invalidated(foreseen))
    # the mechanism of the foreseen case: lower prices, higher emissions, smaller intake
    early = slice(2013, 2022)
    b, f = base.set_index("year").loc[early], foreseen.set_index("year").loc[early]
    assert (f["price_eur_per_t"] <= b["price_eur_per_t"]).all()
    assert f["emissions_allowances"].sum() > b["emissions_allowances"].sum()
    assert f["msr_net_intake_allowances"].sum() < b["msr_net_intake_allowances"].sum()


def test_waterbed_by_news_year(inputs, data) -> None:
    cal = inputs[-1]
    table = M.waterbed_by_news_year(cal, data.cap, M.Settings(), 0.02, [2013, 2025])
    assert list(table["news_year"]) == [2013, 2025]
    assert np.allclose(table["emissions_change_mt"], -table["invalidated_change_mt"])
    f = M.waterbed_news_figures(table)
    assert f["waterbed_raise_years"] == "2013"
    assert f["waterbed_lower_years"] == "2025"
    assert f["waterbed_news_reading"] == (
        "news in 2013 raises total emissions and news in 2025 lowers them"
    )
    assert f["waterbed_news_max_mt"] == round(table["emissions_change_mt"].max())
    # always with the MSR as legislated, whatever the settings say
    off = M.waterbed_by_news_year(cal, data.cap, M.Settings(msr=False), 0.02, [2013, 2025])
    pd.testing.assert_frame_equal(off, table)
    none = M.waterbed_by_news_year(cal, data.cap, M.Settings(), 0.0, [2013, 2025])
    assert M.waterbed_news_figures(none)["waterbed_raise_years"] == "none"
    assert M.waterbed_news_figures(none)["waterbed_news_reading"] == (
        "no news year changes total emissions"
    )
    assert list(M.waterbed_by_news_year(cal, data.cap, M.Settings(), 0.02)["news_year"]) == list(
        M.NEWS_YEARS
    )


def test_move_verdict() -> None:
    assert M.move_verdict(11.6, 19.1) == "the sign and rough size"
    assert M.move_verdict(2.0, 19.1) == "the sign but not the size"
    assert M.move_verdict(50.0, 19.1) == "the sign but not the size"
    assert M.move_verdict(-5.0, 19.1) == "neither the sign nor the size"
    assert M.move_verdict(0.0, 19.1) == "neither the sign nor the size"


def test_rule_intakes_and_fit_figures(data, scenario_paths) -> None:
    ff55 = M.default_regimes()[-1]
    rule = M.rule_intakes(data.tnac, ff55)
    assert rule.index.min() == 2017
    assert 2023 not in rule.index  # the 2023 TNAC is not published in the data
    assert rule[2018] == pytest.approx(397_178_358, abs=1)
    cal, _ = M.fit(data)
    f = M.fit_figures(cal, scenario_paths[M.BASE], data.price)
    p = scenario_paths[M.BASE].set_index("year")["price_eur_per_t"]
    gap = (p.loc[2021:2022] - data.price.loc[2021:2022]).mean()
    assert f["model_gap_2021_2022"] == pytest.approx(abs(gap), abs=0.05)
    assert f["model_gap_2021_2022_direction"] == ("below" if gap < 0 else "above")
    assert f["closure_factor"] == round(cal.closure, 3)
    assert f["model_last_emitting_year"] == M.last_emitting_year(scenario_paths[M.BASE])
    assert 0 < M.solve_seconds(cal, data.cap, M.Settings(), repeats=1) < 5


def test_price_moves_compare_every_year_and_the_reform_windows(data, scenario_paths) -> None:
    path = scenario_paths[M.BASE]
    moves = M.price_moves(path, data.price)
    p = path.set_index("year")["price_eur_per_t"]
    yearly = moves[moves["kind"] == "year on year"]
    assert list(yearly["span"]) == [f"{y - 1}-{y}" for y in range(2018, 2025)]
    row = moves.set_index("span").loc["2020-2023"]
    assert row["model_change_eur_per_t"] == pytest.approx(p[2023] - p[2020])
    assert row["observed_change_eur_per_t"] == pytest.approx(data.price[2023] - data.price[2020])
    assert row["verdict"] == M.move_verdict(
        row["model_change_eur_per_t"], row["observed_change_eur_per_t"]
    )
    f = M.moves_figures(moves)
    assert f["moves_compared"] == 7
    assert f["moves_same_sign"] == int(yearly["same_sign"].sum())
    wrong = yearly.loc[~yearly["same_sign"], "span"]
    assert f["moves_wrong_sign"] == (", ".join(wrong) or "none")
    assert f["move_verdict_reform2018"] == moves.set_index("span").loc["2017-2019", "verdict"]
    # the observed 2024 fall: a Hotelling path with unchanged rules cannot fall
    assert "2023-2024" in f["moves_wrong_sign"]
    assert (
        (f["moves_wrong_sign_reading"])
        == "in 2019-2020, 2023-2024 the observed price fell or held while the model's rose"
    )
    assert f["moves_bar_reading"] == "is met across both rule changes, not year by year"
    all_right = moves.assign(same_sign=True, verdict="the sign and rough size")
    assert M.moves_figures(all_right)["moves_wrong_sign_reading"] == (
        "the model has the observed sign in every year"
    )
    assert M.moves_figures(all_right)["moves_bar_reading"] == (
        "is met across both rule changes and in every year"
    )
    missed = moves.copy()
    missed.loc[missed["span"] == "2020-2023", "verdict"] = "the sign but not the size"
    assert M.moves_figures(missed)["moves_bar_reading"] == "is not met for 2020-2023"


def test_pricing_fit_for_55_from_the_proposal(inputs, data) -> None:
    cal = inputs[-1]
    f = M.proposal_timing_figures(cal, data.cap, M.Settings(), data.price)
    assert f["ff55_proposal_year"] == 2021
    path = M.run_scenario(cal, data.cap, M.Settings(ff55_information_year=2021), M.Scenario(M.BASE))
    assert f["model_price_rmse_proposal"] == round(
        M.price_error(path, data.price, range(2013, 2025))["rmse"], 1
    )
    base = M.run_scenario(cal, data.cap, M.Settings(), M.Scenario(M.BASE))
    # the market priced the proposal: the 2021-2022 rise is closer
    assert (
        f["model_price_rmse_proposal"] < M.price_error(base, data.price, range(2013, 2025))["rmse"]
    )


def test_an_infeasible_market_is_named(inputs) -> None:
    cap, *_, cal = inputs
    # a bank already short by more than all future supply: no price can make it whole
    with pytest.raises(ValueError, match="no price up to the choke price"):
        M.solve(cal, cap, [M.default_regimes()[-1]], RATE, initial_bank=-1e12)
