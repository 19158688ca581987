"""The report's glued figures follow the results they are built from, sentences included."""

from __future__ import annotations

import pandas as pd
import pytest

from deploybook.ets import descriptive as D
from deploybook.ets import figures as F
from deploybook.ets import identification as I
from deploybook.ets import switching as S
from deploybook.ets import units
from deploybook.ets.attribution import Attribution, Estimate, Spec
from deploybook.ets.claims import claims_table
from deploybook.ets.loaders import load
from deploybook.ets.market import regimes as R
from deploybook.ets.market import scenarios as SC
from deploybook.ets.market import validation as V
from deploybook.ets.market.calibration import CALIBRATION_YEARS, EVALUATION_YEARS
from deploybook.ets.market.scenarios import Direction

from .test_claims import EV


@pytest.fixture(scope="module")
def overview() -> pd.DataFrame:
    return D.ets_overview(
        load("ets_verified_emissions_by_sector_eea.csv"),
        load("ets_cap_stationary_2013_2023.csv"),
        load("eua_price_annual_ice_c1.csv"),
        load("ets_tnac_msr_commission.csv"),
    )


def test_overview_figures_follow_the_data(overview) -> None:
    cap = load("ets_cap_stationary_2013_2023.csv").set_index("year")["cap_allowances"]
    ratio = R.phase4_scope_ratio(cap)
    f = F.overview_figures(overview, D.scope_changes(overview, ratio), ratio, 21.0)
    assert f["verified_emissions_change_pct_2005_2023"] == pytest.approx(-47.9, abs=0.05)
    assert f["cap_change_pct_2013_2023"] < f["cap_change_pct_2013_2023_same_scope"] < 0
    assert f["uk_cap_share_pct"] == pytest.approx(11.1, abs=0.1)
    assert f["eua_mean_2023"] == 85.31
    assert 4.5 < f["eua_mean_2013_2017"] < 7.7  # the 2013-2017 annual means (SOURCES.md)
    assert f["emissions_phase4_last_year"] >= 2024
    short = overview[overview["year"] != 2023]
    with pytest.raises(ValueError, match="no value for 2023"):
        F.overview_figures(short, D.scope_changes(overview, ratio), ratio, 21.0)


def test_mix_and_price_range_figures() -> None:
    electricity = load("ember_electricity_eu_2000_2024.csv")
    mix = D.eu_mix(electricity)
    f = F.mix_figures(mix, electricity)
    assert f["mix_states"] == 25
    assert f["renewables_share_2005"] < f["renewables_share_2024"]
    with pytest.raises(ValueError, match="no renewables_share_pct for 2024"):
        F.mix_figures(mix[mix["year"] < 2024], electricity)
    annual = load("eua_price_annual_ice_c1.csv")
    window = annual[annual["year"].between(2009, 2015)]["mean_eur_per_t"]
    assert F.price_range_figures(annual, (2009, 2015)) == {
        "window_price_low": round(window.min(), 1),
        "window_price_high": round(window.max(), 1),
    }
    with pytest.raises(ValueError, match="no annual EUA prices in 1990-1991"):
        F.price_range_figures(annual, (1990, 1991))


def test_msr_figures_and_the_missing_2023_tnac() -> None:
    tnac = load("ets_tnac_msr_commission.csv")
    table = D.msr_table(tnac, pd.Series({2017: 397e6, 2018: 397e6}))
    f = F.msr_figures(table)
    assert f["msr_intakes_compared"] == 2
    published = table.set_index("tnac_reference_year")["msr_intake_allowances"]
    worst = max(abs(397e6 * 8 / 12 / published[2017] - 1), abs(397e6 / published[2018] - 1))
    assert f["msr_rule_max_error_pct"] == pytest.approx(round(worst * 100, 2))
    assert f["tnac_2023_published"] is False
    assert f["tnac_2023"] is None
    filled = table.copy()
    filled.loc[filled["tnac_reference_year"] == 2023, "tnac_allowances"] = 1.11e9
    assert F.msr_figures(filled)["tnac_2023"] == 1110.0
    assert F.msr_figures(filled)["tnac_2023_published"] is True


def test_units_and_switching_figures() -> None:
    fuels, fx = (
        load("fuel_prices_monthly_2013_2025.csv"),
        load("ecb_usd_per_eur_monthly_2005_2025.csv"),
    )
    summary = units.imf_check_summary(
        units.imf_check(fuels, fx, load("imf_commodity_prices_annual_1990_2023.csv"))
    )
    f = F.units_figures(summary)
    assert f["units_all_pass"] is True
    assert f["units_failing"] == "none"
    assert f["units_brent_max_gap_pct"] < 2
    failing = F.units_figures(summary.assign(passes=[False, True, True]))
    assert failing["units_all_pass"] is False
    assert failing["units_failing"] == summary["label"].iloc[0]
    monthly = S.monthly_switching(fuels, fx, load("eua_price_monthly_ice_c1.csv"))
    coal = D.eu_mix(load("ember_electricity_eu_2000_2024.csv")).set_index("year")["coal_share_pct"]
    annual = S.annual_switching(monthly, coal)
    f = F.switching_figures(monthly, annual)
    cheaper = monthly[monthly["carbon_makes_gas_cheaper"]]
    assert f["months_gas_cheaper"] == len(cheaper) == 34
    assert f["switch_price_2023"] == pytest.approx(85.7, abs=0.05)
    assert f["switch_window"] == "January 2013 to March 2025"
    assert f["first_month_gas_cheaper"] == f"{cheaper['date'].min():%B %Y}"
    assert f["switch_price_2022"] > f["eua_mean_2022"]  # gas too dear in 2022
    none = F.switching_figures(monthly.assign(carbon_makes_gas_cheaper=False), annual)
    assert (none["first_month_gas_cheaper"], none["years_gas_cheaper"]) == ("no month", "none")


@pytest.fixture(scope="module")
def base(model_data, cal) -> pd.DataFrame:
    return SC.run_scenario(cal, model_data.cap, SC.Settings(), SC.Scenario(SC.BASE))


def test_model_figures(model_data, cal, base) -> None:
    f = F.calibration_figures(cal, CALIBRATION_YEARS, EVALUATION_YEARS)
    assert (f["calibration_years"], f["evaluation_years"]) == ("2013-2019", "2020-2024")
    assert f["credits_exchanged_mt"] == 506.3
    assert f["unissued_phase3_mt"] == round(cal.unissued / 1e6)
    fit = F.fit_figures(base, model_data.price, CALIBRATION_YEARS, EVALUATION_YEARS, SC.Settings())
    err_out = V.price_error(base, model_data.price, EVALUATION_YEARS)
    assert fit["model_price_rmse_out_of_sample"] == round(err_out["rmse"], 1)
    assert fit["model_price_rmse_in_sample"] < fit["model_price_rmse_out_of_sample"]
    assert (fit["discount_rate_pct"], fit["ff55_year"]) == (8.0, 2023)
    bank = V.bank_vs_tnac(base, model_data.tnac)
    b = F.bank_figures(bank, V.invalidation_check(base))
    assert b["published_tnac_2022_mt"] == 1135
    assert b["bank_below_tnac_2021_2022"] is bool(
        (bank.set_index("year").loc[2021:2022, "gap_allowances"] < 0).all()
    )
    assert b["invalidated_2023_published_mt"] == 2515
    rates = pd.DataFrame(
        {
            "discount_rate": [0.03, 0.05, 0.08],
            "rmse_in_sample": [31.6, 8.1, 6.1],
            "rmse_out_of_sample": [41.3, 25.6, 36.9],
        }
    )
    r = F.rate_figures(rates)
    assert (r["rate_best_in_sample_pct"], r["rate_best_out_of_sample_pct"]) == (8, 5)
    assert r["rate_same_best"] is False
    assert F.rate_figures(rates.iloc[[0, 2]])["rate_same_best"] is True


def test_moves_figures_read_the_moves(model_data, base) -> None:
    moves = V.price_moves(base, model_data.price)
    f = F.moves_figures(moves)
    yearly = moves[moves["kind"] == "year on year"]
    assert f["moves_compared"] == 7
    assert f["moves_same_sign"] == int(yearly["same_sign"].sum())
    assert "2023-2024" in f["moves_wrong_sign"]  # a Hotelling path with unchanged rules rises
    all_right = moves.assign(same_sign=True, verdict=V.MoveVerdict.SIGN_AND_SIZE)
    assert F.moves_figures(all_right)["moves_wrong_sign_reading"] == (
        "the model has the observed sign in every year"
    )
    assert F.moves_figures(all_right)["moves_bar_reading"] == (
        "is met across both rule changes and in every year"
    )
    missed = all_right.copy()
    missed.loc[missed["span"] == "2020-2023", "verdict"] = V.MoveVerdict.SIGN_ONLY
    assert F.moves_figures(missed)["moves_bar_reading"] == "is not met for 2020-2023"
    proposal = F.proposal_figures(base, model_data.price, range(2013, 2025))
    assert proposal["ff55_proposal_year"] == 2021


def test_waterbed_figures_and_the_conditional_msr_verdict() -> None:
    f = F.waterbed_figures(SC.Waterbed(-192.0, 0.0, 73.0, 2025), 0.02)
    assert (f["waterbed_direction"], f["waterbed_off_direction"]) == ("lowers", "does not change")
    assert f["speedup_pct"] == 2.0
    news = pd.DataFrame(
        {
            "news_year": [2013, 2025],
            "emissions_change_mt": [73.0, -192.0],
            "invalidated_change_mt": [-73.0, 192.0],
        }
    )
    n = F.waterbed_news_figures(news)
    assert (
        n["waterbed_news_reading"]
        == "news in 2013 raises total emissions and news in 2025 lowers them"
    )
    flat = F.waterbed_news_figures(news.assign(emissions_change_mt=0.0))
    assert flat["waterbed_news_reading"] == "no news year changes total emissions"

    def table(keep: list[float], end: list[float]) -> pd.DataFrame:
        rows = []
        for rate, k, e in zip([0.03, 0.08], keep, end, strict=True):
            rows.append(
                {"discount_rate": rate, "invalidation": "continues", "emissions_change_mt": k}
            )
            rows.append(
                {"discount_rate": rate, "invalidation": "ends in 2027", "emissions_change_mt": e}
            )
        frame = pd.DataFrame(rows)
        return frame.assign(direction=frame["emissions_change_mt"].map(SC.direction))

    robust = F.waterbed_sensitivity_figures(table([-74, -192], [0, 0]), 2025)
    assert robust["waterbed_sign_robust"] is True
    assert robust["waterbed_end_closes"] is True
    assert robust["msr_verdict"] == (
        "with invalidation continuing, faster renewables learnt in 2025 lower total emissions at "
        "every discount rate from 3% to 8%; if invalidation ends in 2027, they change total "
        "emissions by less than half a million allowances at every rate: the waterbed closes again"
    )
    mixed = F.waterbed_sensitivity_figures(table([30, -192], [5, 0]), 2025)
    assert mixed["waterbed_sign_robust"] is False
    assert mixed["waterbed_end_closes"] is False
    assert mixed["msr_verdict"] == (
        "with invalidation continuing, the sign depends on the discount rate: faster renewables "
        "learnt in 2025 lower total emissions at 8%; raise total emissions at 3%; if invalidation "
        "ends in 2027, they raise total emissions at 3%; do not change total emissions at 8%"
    )
    up = F.waterbed_sensitivity_figures(table([30, 40], [10, 20]), 2025)
    assert up["msr_verdict"] == (
        "with invalidation continuing, faster renewables learnt in 2025 raise total emissions at "
        "every discount rate from 3% to 8%; if invalidation ends in 2027, they raise total "
        "emissions at every rate"
    )


def _attribution(low: float, high: float) -> Attribution:
    est = Estimate(0.0244, 0.0226, -0.022, 0.071, 0.29, 544, 25, "2001-2022")
    return Attribution(est, (2008, 2015), 0.14, low, high, low, high, 0.37, 21.6, 153.8)


def test_attribution_and_identification_figures() -> None:
    robust = pd.DataFrame(
        {
            "specification": [
                "baseline",
                "support regime x year controls (same states)",
                "feed-in-tariff states only (10, placebo)",
            ],
            "share": [0.14, 0.18, 0.26],
            "share_ci_high": [0.41, 0.37, 0.49],
            "p": [0.29, 0.059, 0.036],
            "beta": [0.0244, 0.031, 0.0531],
            "countries": [25, 20, 10],
        }
    )
    f = F.attribution_figures(_attribution(-0.13, 0.41), robust, Spec())
    assert f["attribution_ci_excludes_zero"] is False
    assert (
        f["attribution_reading"]
        == "the point estimate is positive and its 95% interval includes no effect"
    )
    assert f["robust_significant"] == 1
    assert f["robust_specs"] == 3
    assert f["attribution_errors"] == "clustered"
    assert (
        F.attribution_figures(_attribution(0.02, 0.4), robust, Spec(cov="driscoll_kraay"))[
            "attribution_ci_excludes_zero"
        ]
        is True
    )
    events = pd.DataFrame({"year": [2004, 2005, 2006], "pre_ets": [True, False, False]})
    pretrend = I.PreTrend("2001-2003", 0.5, 0.63, 3)
    dose = I.DoseResponse(0.002, 0.7, 0.45, 18, 2021, 24.8)
    ri = I.Randomization(1.1, 0.48, 999)
    exposure = I.ExposureCheck(0.49, 0.999, 27)
    checks = I.checks(False, pretrend, dose, ri, 0.036)
    g = F.identification_figures(events, pretrend, dose, ri, exposure, checks, robust)
    assert (g["event_study_pretrend_p"], g["attribution_randomization_p"]) == (0.63, 0.48)
    assert g["pretrend_rejected"] is False
    assert g["dose_response_supported"] is False
    assert g["identification_passed"] is False
    assert g["identification_failed"] == 4
    assert (g["placebo_states"], g["placebo_p"], g["support_controls_p"]) == (10, 0.036, 0.059)
    assert g["support_data"] is True
    without = F.identification_figures(
        events, pretrend, dose, ri, exposure, checks, robust.iloc[:1]
    )
    assert without["support_data"] is False
    assert "placebo_p" not in without


def test_claims_figures_count_verdicts_and_bases() -> None:
    table = claims_table(EV)
    f = F.claims_figures(table)
    assert f["claims_checked"] == 20
    assert f["claims_checked_by_data"] == (table["basis"] == "data (computed here)").sum()
    bases = ["checked_by_data", "by_law", "by_literature", "no_source"]
    assert sum(f[f"claims_{k}"] for k in bases) == 20
    verdicts = [
        "supported",
        "partly",
        "not_supported",
        "not_identifiable",
        "contradicted",
        "no_source_verdicts",
    ]
    assert sum(f[f"claims_{k}"] for k in verdicts) == 20
    assert f["claims_not_identifiable"] == 3  # the essay's two shares and the "important role"
    assert Direction.LOWERS in EV.waterbed_directions
