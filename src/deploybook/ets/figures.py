"""Every glued figure of the ETS report: numbers, booleans and sentences, by glue name.

Each ``<topic>_figures`` function turns results computed elsewhere in :mod:`deploybook.ets`
into the figures the notebook glues with :func:`deploybook.figures.record_all`. Names are
literal keys, so a search finds every one; numbers are plain Python numbers. A sentence that
states an outcome is built here from the numbers, or a boolean drives a ``when`` block in the
notebook, so a rerun with other parameters never prints an outcome that did not happen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from deploybook.ets import constants as C
from deploybook.ets.attribution import OUTCOMES, Attribution, Spec
from deploybook.ets.claims import Basis, Verdict
from deploybook.ets.descriptive import change_pct, value_at
from deploybook.ets.identification import (
    PRETREND_LEVEL,
    DoseResponse,
    ExposureCheck,
    PreTrend,
    Randomization,
)
from deploybook.ets.market.calibration import Calibration
from deploybook.ets.market.regimes import credits_by_year
from deploybook.ets.market.scenarios import Direction, Settings, Waterbed, direction
from deploybook.ets.market.validation import REFORM_WINDOWS, MoveVerdict, price_error
from deploybook.figures import Figure

Figures = dict[str, Figure]


def _span(years: Sequence[int]) -> str:
    return f"{min(years)}-{max(years)}"


def _join(items: Sequence[object], empty: str = "none") -> str:
    return ", ".join(str(i) for i in items) if len(items) else empty


# --- cap, emissions, price, MSR, mix -------------------------------------------------------


def overview_figures(
    overview: pd.DataFrame, scope: pd.DataFrame, phase4_ratio: float, chemicals_step_mt: float
) -> Figures:
    """The cap-emissions-price overview (:func:`descriptive.ets_overview`) and the changes on
    one scope (:func:`descriptive.scope_changes`)."""
    by_year = overview.set_index("year")
    same = scope[scope["same_scope"]].set_index(["quantity", "first_year"])
    emissions = "verified emissions, seven activities"
    phase4 = same.loc[(emissions, 2021)]
    return {
        "verified_emissions_change_pct_2005_2023": round(
            change_pct(by_year["verified_mt"], 2005, 2023), 1
        ),
        "cap_change_pct_2013_2023": round(change_pct(by_year["cap_mt"], 2013, 2023), 1),
        "cap_change_pct_2013_2023_same_scope": round(
            float(same.loc[("stationary cap", 2013), "change_pct"]), 1
        ),
        "emissions_change_pct_2013_2020": round(
            float(same.loc[(emissions, 2013), "change_pct"]), 1
        ),
        "emissions_change_pct_phase4": round(float(phase4["change_pct"]), 1),
        "emissions_phase4_last_year": int(phase4["last_year"]),
        "uk_cap_share_pct": round((1 - phase4_ratio) * 100, 1),
        "bulk_chemicals_step_2008_mt": round(chemicals_step_mt, 1),
        "eua_mean_2023": value_at(overview, 2023, "eua_mean_eur_per_t"),
        "eua_mean_2013_2017": round(float(by_year.loc[2013:2017, "eua_mean_eur_per_t"].mean()), 1),
    }


def msr_figures(msr: pd.DataFrame) -> Figures:
    """How closely the MSR rule reproduces published intakes (:func:`descriptive.msr_table`),
    and the 2023 TNAC if the data have it."""
    gaps = msr["difference_pct"].dropna()
    tnac = msr.set_index("tnac_reference_year")["tnac_allowances"]
    published = bool(pd.notna(tnac.get(2023)))
    return {
        "msr_rule_max_error_pct": round(float(gaps.abs().max()), 2),
        "msr_intakes_compared": len(gaps),
        "tnac_2023": round(float(tnac[2023]) / 1e6, 1) if published else None,
        "tnac_2023_published": published,
    }


def mix_figures(mix: pd.DataFrame, electricity: pd.DataFrame) -> Figures:
    """The EU power mix (:func:`descriptive.eu_mix`)."""
    return {
        "mix_states": int(electricity["iso3"].nunique()),
        "renewables_share_2005": round(value_at(mix, 2005, "renewables_share_pct"), 1),
        "renewables_share_2024": round(value_at(mix, 2024, "renewables_share_pct"), 1),
        "coal_share_2024": round(value_at(mix, 2024, "coal_share_pct"), 1),
    }


def price_range_figures(eua_annual: pd.DataFrame, window: tuple[int, int]) -> Figures:
    """Lowest and highest annual mean EUA price (EUR/t) in ``window``."""
    prices = eua_annual.loc[eua_annual["year"].between(*window), "mean_eur_per_t"]
    if prices.empty:
        raise ValueError(f"no annual EUA prices in {window[0]}-{window[1]}")
    return {
        "window_price_low": round(float(prices.min()), 1),
        "window_price_high": round(float(prices.max()), 1),
    }


# --- fuel prices and switching -------------------------------------------------------------


def units_figures(summary: pd.DataFrame) -> Figures:
    """The fuel-price file against the IMF (:func:`deploybook.ets.units.imf_check_summary`)."""
    by = summary.set_index("series")
    return {
        "units_series_checked": len(summary),
        "units_all_pass": bool(summary["passes"].all()),
        "units_failing": _join(list(summary.loc[~summary["passes"], "label"])),
        "units_brent_max_gap_pct": round(
            float(by.loc["brent_front_month", "largest_gap"]) * 100, 1
        ),
        "units_coal_mean_gap_pct": round(
            float(by.loc["coal_api2_rotterdam_front_month", "mean_gap"]) * 100, 1
        ),
        "units_gas_mean_gap_pct": round(float(by.loc["gas_ttf_front_month", "mean_gap"]) * 100, 1),
    }


def switching_figures(monthly: pd.DataFrame, annual: pd.DataFrame) -> Figures:
    """The switching section (:func:`switching.monthly_switching`,
    :func:`switching.annual_switching`)."""
    by_year = annual.set_index("year")
    cheaper = monthly.loc[monthly["carbon_makes_gas_cheaper"]]
    years = sorted(int(y) for y in cheaper["year"].unique())
    coal = by_year["coal_share_pct"]
    return {
        "switch_price_2023": round(float(by_year.loc[2023, "switch_price_eur_per_t"]), 1),
        "switch_price_2022": round(float(by_year.loc[2022, "switch_price_eur_per_t"]), 1),
        "eua_mean_2022": round(float(by_year.loc[2022, "eua_eur_per_t"]), 1),
        "months_gas_cheaper": len(cheaper),
        "months_gas_cheaper_without_carbon": int(monthly["gas_cheaper_without_carbon"].sum()),
        "months_gas_cheaper_old_coal": int(monthly["gas_cheaper_old_coal"].sum()),
        "months_gas_cheaper_new_coal": int(monthly["gas_cheaper_new_coal"].sum()),
        "months_compared": len(monthly),
        "switch_window": f"{monthly['date'].min():%B %Y} to {monthly['date'].max():%B %Y}",
        "first_month_gas_cheaper": (
            f"{cheaper['date'].min():%B %Y}" if len(cheaper) else "no month"
        ),
        "years_gas_cheaper": _join(years),
        "coal_share_change_2013_2024": round(float(coal.loc[2024] - coal.loc[2013]), 1),
        "coal_share_change_2021": round(float(by_year.loc[2021, "coal_share_change_pp"]), 1),
    }


# --- the market model ----------------------------------------------------------------------


def calibration_figures(
    cal: Calibration, in_sample: Sequence[int], out_of_sample: Sequence[int]
) -> Figures:
    """The calibration: its windows, the demand curve and the supply items outside the cap."""
    credits = credits_by_year(np.arange(2013, 2021)).sum()
    return {
        "calibration_years": _span(in_sample),
        "evaluation_years": _span(out_of_sample),
        "coverage_factor": round(cal.coverage, 3),
        "unissued_phase3_mt": round(cal.unissued / 1e6),
        "credits_exchanged_mt": round(credits / 1e6, 1),
        "baseline_trend_pct": round((np.exp(cal.trend) - 1) * 100, 2),
        "scope_shift_pct": round((np.exp(cal.scope_shift_2021) - 1) * 100, 1),
        "choke_price": round(cal.choke_price),
    }


def fit_figures(
    path: pd.DataFrame,
    observed: pd.Series,
    in_sample: Sequence[int],
    out_of_sample: Sequence[int],
    settings: Settings,
) -> Figures:
    """The base path against observed prices, in and out of the calibration years."""
    inside = price_error(path, observed, in_sample)
    outside = price_error(path, observed, out_of_sample)
    both = price_error(path, observed, [*in_sample, *out_of_sample])
    model = path.set_index("year")["price_eur_per_t"]
    gap_2021_2022 = float((model.loc[2021:2022] - observed.loc[2021:2022]).mean())
    emitting = path.loc[path["emissions_allowances"] > 0, "year"]
    return {
        "model_price_rmse_in_sample": round(inside["rmse"], 1),
        "model_price_rmse_out_of_sample": round(outside["rmse"], 1),
        "model_price_rmse": round(both["rmse"], 1),
        "model_price_mean_error_out_of_sample": round(outside["mean_error"], 1),
        "model_price_correlation": round(both["correlation"], 2),
        "model_gap_2021_2022": round(abs(gap_2021_2022), 1),
        "model_gap_2021_2022_direction": "below" if gap_2021_2022 < 0 else "above",
        "model_price_2030": round(float(model.loc[2030]), 1),
        "model_last_emitting_year": int(emitting.max()),
        "discount_rate_pct": round(settings.rate * 100, 1),
        "ff55_year": settings.ff55_information_year,
    }


def rate_figures(table: pd.DataFrame) -> Figures:
    """The fit by discount rate (:func:`scenarios.fit_by_rate`)."""
    best_in = table.loc[table["rmse_in_sample"].idxmin()]
    best_out = table.loc[table["rmse_out_of_sample"].idxmin()]
    return {
        "rate_best_in_sample_pct": round(float(best_in["discount_rate"]) * 100),
        "rate_best_out_of_sample_pct": round(float(best_out["discount_rate"]) * 100),
        "rate_rmse_out_min": round(float(table["rmse_out_of_sample"].min()), 1),
        "rate_rmse_out_max": round(float(table["rmse_out_of_sample"].max()), 1),
        "rate_same_best": bool(best_in["discount_rate"] == best_out["discount_rate"]),
    }


def bank_figures(bank: pd.DataFrame, invalidation: dict[str, float]) -> Figures:
    """The model's bank against the published TNAC (:func:`validation.bank_vs_tnac`) and its
    invalidations against the Commission's (:func:`validation.invalidation_check`)."""
    by = bank.set_index("year")
    gap = by["gap_allowances"] / 1e6
    return {
        "bank_years_compared": len(bank),
        "bank_gap_mean_mt": round(float(gap.mean())),
        "bank_gap_max_abs_mt": round(float(gap.abs().max())),
        "bank_gap_max_year": int(gap.abs().idxmax()),
        "model_bank_2021_mt": round(float(by.loc[2021, "model_bank_allowances"]) / 1e6),
        "model_bank_2022_mt": round(float(by.loc[2022, "model_bank_allowances"]) / 1e6),
        "published_tnac_2021_mt": round(float(by.loc[2021, "published_tnac_allowances"]) / 1e6),
        "published_tnac_2022_mt": round(float(by.loc[2022, "published_tnac_allowances"]) / 1e6),
        "bank_below_tnac_2021_2022": bool((gap.loc[2021:2022] < 0).all()),
        "invalidated_2023_model_mt": round(invalidation["model_2023_mt"]),
        "invalidated_2023_published_mt": round(invalidation["published_2023_mt"]),
        "invalidated_2023_2026_model_mt": round(invalidation["model_2023_2026_mt"]),
        "invalidated_2023_2026_published_mt": round(invalidation["published_2023_2026_mt"]),
    }


def moves_figures(moves: pd.DataFrame) -> Figures:
    """The model's price moves against the observed ones (:func:`validation.price_moves`)."""
    yearly = moves[moves["kind"] == "year on year"]
    windows = moves[moves["kind"] != "year on year"].set_index("span")
    both = yearly["verdict"] == MoveVerdict.SIGN_AND_SIZE
    reform, ff55 = (f"{a}-{b}" for a, b, _ in REFORM_WINDOWS)
    return {
        "moves_span": f"{yearly['span'].iloc[0]} to {yearly['span'].iloc[-1]}",
        "moves_compared": len(yearly),
        "moves_same_sign": int(yearly["same_sign"].sum()),
        "moves_sign_and_size": int(both.sum()),
        "moves_wrong_sign": _join(list(yearly.loc[~yearly["same_sign"], "span"])),
        "moves_wrong_sign_reading": _wrong_sign_reading(yearly[~yearly["same_sign"]]),
        "moves_bar_reading": _bar_reading(windows, bool(both.all())),
        "model_move_reform2018": round(float(windows.loc[reform, "model_change_eur_per_t"]), 1),
        "observed_move_reform2018": round(
            float(windows.loc[reform, "observed_change_eur_per_t"]), 1
        ),
        "move_verdict_reform2018": str(windows.loc[reform, "verdict"]),
        "model_move_ff55": round(float(windows.loc[ff55, "model_change_eur_per_t"]), 1),
        "observed_move_ff55": round(float(windows.loc[ff55, "observed_change_eur_per_t"]), 1),
        "move_verdict_ff55": str(windows.loc[ff55, "verdict"]),
    }


def _bar_reading(windows: pd.DataFrame, every_year: bool) -> str:
    """Whether the model gets the sign and rough size of the reform windows' moves (and of
    every year's), in words."""
    missed = [span for span, v in windows["verdict"].items() if v != MoveVerdict.SIGN_AND_SIZE]
    if missed:
        return f"is not met for {', '.join(str(m) for m in missed)}"
    if every_year:
        return "is met across both rule changes and in every year"
    return "is met across both rule changes, not year by year"


def _wrong_sign_reading(wrong: pd.DataFrame) -> str:
    """Which way model and market went in the years where their signs differ, in words."""
    if wrong.empty:
        return "the model has the observed sign in every year"
    parts = []
    for (obs, mod), group in wrong.groupby(
        [wrong["observed_change_eur_per_t"] > 0, wrong["model_change_eur_per_t"] > 0],
        sort=False,
    ):
        parts.append(
            f"in {', '.join(group['span'])} the observed price {'rose' if obs else 'fell or held'} "
            f"while the model's {'rose' if mod else 'fell or held'}"
        )
    return "; ".join(parts)


def proposal_figures(path: pd.DataFrame, observed: pd.Series, years: Sequence[int]) -> Figures:
    """The fit when the market prices Fit for 55 from the Commission's proposal
    (:data:`constants.FIT_FOR_55_PROPOSAL`): ``path`` is the base path solved that way."""
    err = price_error(path, observed, years)
    return {
        "ff55_proposal_year": int(C.FIT_FOR_55_PROPOSAL.value),
        "model_price_rmse_proposal": round(err["rmse"], 1),
        "model_price_correlation_proposal": round(err["correlation"], 2),
    }


def model_speed_figures(seconds: float) -> Figures:
    """The median time of one solve (:func:`scenarios.solve_seconds`)."""
    return {"model_solve_seconds": round(seconds, 3)}


# --- the waterbed --------------------------------------------------------------------------


def waterbed_figures(water: Waterbed, speedup: float) -> Figures:
    """Faster renewables and total emissions (:func:`scenarios.waterbed`); ``speedup`` is the
    yearly extra fall of baseline emissions the runs used."""
    return {
        "waterbed_msr_on_mt": round(water.msr_on_mt),
        "waterbed_msr_off_mt": round(water.msr_off_mt),
        "waterbed_foreseen_mt": round(water.foreseen_mt),
        "waterbed_direction": str(direction(water.msr_on_mt)),
        "waterbed_off_direction": str(direction(water.msr_off_mt)),
        "waterbed_foreseen_direction": str(direction(water.foreseen_mt)),
        "waterbed_news_year": water.news_year,
        "speedup_pct": round(speedup * 100, 1),
    }


def waterbed_news_figures(table: pd.DataFrame) -> Figures:
    """:func:`scenarios.waterbed_by_news_year`: which news years raise or lower total
    emissions, and the range of the changes."""
    signs = table["emissions_change_mt"].map(direction)
    raising = list(table.loc[signs == Direction.RAISES, "news_year"])
    lowering = list(table.loc[signs == Direction.LOWERS, "news_year"])
    parts = []
    if raising:
        parts.append(f"news in {_join(raising)} raises total emissions")
    if lowering:
        parts.append(f"news in {_join(lowering)} lowers them")
    return {
        "waterbed_news_reading": " and ".join(parts) or "no news year changes total emissions",
        "waterbed_news_years": _join(list(table["news_year"])),
        "waterbed_raise_years": _join(raising),
        "waterbed_lower_years": _join(lowering),
        "waterbed_news_max_mt": round(float(table["emissions_change_mt"].max())),
        "waterbed_news_min_mt": round(float(table["emissions_change_mt"].min())),
    }


_PLURAL = {
    Direction.LOWERS: "lower",
    Direction.RAISES: "raise",
    Direction.UNCHANGED: "do not change",
}


def _signs_by_rate(cells: pd.DataFrame) -> str:
    """Which way faster renewables move total emissions at which discount rates, in words."""
    parts = []
    for sign in Direction:
        rates = cells.loc[cells["direction"] == sign, "discount_rate"]
        if len(rates):
            parts.append(f"{_PLURAL[sign]} total emissions at {_join([f'{r:.0%}' for r in rates])}")
    return "; ".join(parts)


def waterbed_sensitivity_figures(table: pd.DataFrame, news_year: int) -> Figures:
    """:func:`scenarios.waterbed_sensitivity`: the sign of the waterbed across discount rates
    and the fate of invalidation, and the report's verdict on the MSR, conditional on it."""
    rates = sorted(table["discount_rate"].unique())
    keep = table[table["invalidation"] == "continues"]
    ends = table[table["invalidation"] != "continues"]
    keep_signs, end_signs = set(keep["direction"]), set(ends["direction"])
    rate_span = f"{rates[0]:.0%} to {rates[-1]:.0%}"
    if len(keep_signs) == 1:
        sign = _PLURAL[Direction(next(iter(keep_signs)))]
        keep_text = (
            f"with invalidation continuing, faster renewables learnt in {news_year} {sign} total "
            f"emissions at every discount rate from {rate_span}"
        )
    else:
        keep_text = (
            f"with invalidation continuing, the sign depends on the discount rate: faster "
            f"renewables learnt in {news_year} {_signs_by_rate(keep)}"
        )
    end_label = str(ends["invalidation"].iloc[0]) if len(ends) else "ends"
    if end_signs <= {Direction.UNCHANGED}:
        end_text = (
            f"if invalidation {end_label}, they change total emissions by less than half a "
            "million allowances at every rate: the waterbed closes again"
        )
    elif len(end_signs) == 1:
        sign = _PLURAL[Direction(next(iter(end_signs)))]
        end_text = f"if invalidation {end_label}, they {sign} total emissions at every rate"
    else:
        end_text = f"if invalidation {end_label}, they {_signs_by_rate(ends)}"
    return {
        "waterbed_cells": len(table),
        "waterbed_rates": rate_span,
        "waterbed_sign_robust": len(keep_signs) == 1,
        "waterbed_end_closes": end_signs <= {Direction.UNCHANGED},
        "msr_verdict": f"{keep_text}; {end_text}",
        "waterbed_keep_max_mt": round(float(keep["emissions_change_mt"].abs().max())),
    }


# --- attribution ---------------------------------------------------------------------------


def attribution_figures(att: Attribution, robust: pd.DataFrame, spec: Spec) -> Figures:
    """The exposure-design estimate (:func:`attribution.attribute`) and its robustness
    table (:func:`attribution.robustness`)."""
    est = att.estimate
    if att.ci_low > 0:
        zero = "its 95% interval excludes no effect"
    elif att.ci_high < 0:
        zero = "its 95% interval lies wholly below zero"
    else:
        zero = "its 95% interval includes no effect"
    sign = "positive" if att.share > 0 else "negative" if att.share < 0 else "zero"
    return {
        "attribution_beta": round(est.beta, 4),
        "attribution_beta_se": round(est.se, 4),
        "attribution_p": round(est.pvalue, 3),
        "attribution_wild_p": round(att.wild_p, 3),
        "attribution_nobs": est.nobs,
        "attribution_countries": est.countries,
        "attribution_years": est.years,
        "attribution_errors": "Driscoll-Kraay" if spec.cov == "driscoll_kraay" else "clustered",
        "attribution_ci_excludes_zero": bool(att.ci_low > 0 or att.ci_high < 0),
        "attributable_share": round(att.share, 4),
        "attributable_share_ci_low": round(att.ci_low, 4),
        "attributable_share_ci_high": round(att.ci_high, 4),
        "attributable_share_wild_ci_low": round(att.wild_ci_low, 4),
        "attributable_share_wild_ci_high": round(att.wild_ci_high, 4),
        "claim_window": f"{att.window[0]}-{att.window[1]}",
        "deployment_unit": OUTCOMES[spec.outcome][2],
        "deployment_observed": round(att.observed, 1),
        "deployment_attributed": round(att.attributed, 1),
        "robust_share_min": round(float(robust["share"].min()), 4),
        "robust_share_max": round(float(robust["share"].max()), 4),
        "robust_ci_high_max": round(float(robust["share_ci_high"].max()), 4),
        "robust_significant": int((robust["p"] < 0.05).sum()),
        "robust_specs": len(robust),
        "attribution_reading": f"the point estimate is {sign} and {zero}",
    }


def identification_figures(
    events: pd.DataFrame,
    pretrend: PreTrend,
    dose: DoseResponse,
    randomization: Randomization,
    exposure: ExposureCheck,
    checks: pd.DataFrame,
    robust: pd.DataFrame,
) -> Figures:
    """The referee's checks (:mod:`deploybook.ets.identification`) and what they allow."""
    by_spec = robust.set_index("specification")
    placebo = [s for s in by_spec.index if s.startswith("feed-in-tariff states only")]
    controls = [s for s in by_spec.index if s.startswith("support regime x year")]
    post = events[~events["pre_ets"]]
    failed = list(checks.loc[~checks["passed"], "check"])
    figures: Figures = {
        "event_study_pretrend_p": round(pretrend.pvalue, 3),
        "event_study_pretrend_years": pretrend.years,
        "pretrend_level": PRETREND_LEVEL,
        "pretrend_rejected": pretrend.pvalue < PRETREND_LEVEL,
        "event_study_years": _span(list(post["year"])),
        "dose_response_slope": round(dose.slope, 4),
        "dose_response_p": round(dose.pvalue, 3),
        "dose_response_correlation": round(dose.correlation, 2),
        "dose_response_supported": dose.supported,
        "event_study_peak_year": dose.peak_year,
        "event_study_peak_price": round(dose.peak_price, 1),
        "attribution_randomization_p": round(randomization.pvalue, 3),
        "randomization_draws": randomization.draws,
        "randomization_significant": randomization.pvalue < 0.05,
        "exposure_r2_on_fuel_shares": round(exposure.r2_on_fuel_shares, 3),
        "exposure_correlation_with_coal": round(exposure.correlation_with_coal, 2),
        "identification_checks": len(checks),
        "identification_passed": not failed,
        "identification_failed": len(failed),
        "identification_failures": _join(failed),
        "support_data": bool(placebo and controls),
    }
    if placebo and controls:
        figures.update(
            {
                "placebo_states": int(by_spec.loc[placebo[0], "countries"]),
                "placebo_beta": round(float(by_spec.loc[placebo[0], "beta"]), 4),
                "placebo_p": round(float(by_spec.loc[placebo[0], "p"]), 3),
                "support_controls_beta": round(float(by_spec.loc[controls[0], "beta"]), 4),
                "support_controls_p": round(float(by_spec.loc[controls[0], "p"]), 3),
            }
        )
    return figures


# --- the claims ----------------------------------------------------------------------------


def claims_figures(table: pd.DataFrame) -> Figures:
    """Counts of the claims table (:func:`claims.claims_table`) by verdict and by basis."""
    verdict, basis = table["verdict"], table["basis"]
    return {
        "claims_checked": len(table),
        "claims_checked_by_data": int((basis == Basis.DATA).sum()),
        "claims_by_law": int((basis == Basis.LAW).sum()),
        "claims_by_literature": int((basis == Basis.LITERATURE).sum()),
        "claims_no_source": int((basis == Basis.NO_SOURCE).sum()),
        "claims_supported": int((verdict == Verdict.SUPPORTED).sum()),
        "claims_partly": int((verdict == Verdict.PARTLY).sum()),
        "claims_not_supported": int((verdict == Verdict.NOT_SUPPORTED).sum()),
        "claims_not_identifiable": int((verdict == Verdict.NOT_IDENTIFIABLE).sum()),
        "claims_contradicted": int((verdict == Verdict.CONTRADICTED).sum()),
        "claims_no_source_verdicts": int((verdict == Verdict.NO_SOURCE).sum()),
    }
