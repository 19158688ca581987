r"""The market model's demand side and its supply items outside the cap, fitted to data.

Allowance demand is the verified emissions of all stationary installations. The data have seven
activities; :func:`coverage_factor` scales them to all installations with the Commission's
published 2019 total. Supply is the cap, less back-loading, plus international credits
(:func:`deploybook.ets.market.regimes.supply_adjustments`), less the phase-3 allowances never
issued (unallocated free allocation and reserves, placed in the MSR in 2020): one number,
estimated from the published allowance balance up to the last calibration year
(:func:`unissued_allowances`). Baseline (zero-price) emissions follow a log-linear trend with a
scope shift in 2021, when the United Kingdom left; abatement follows a linear marginal cost
curve up to a choke price (:func:`calibrate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from deploybook.ets import constants as C
from deploybook.ets.market.regimes import (
    Regime,
    msr_rule,
    phase4_scope_ratio,
    supply_adjustments,
)

SPEEDUP_FROM = 2025  # first year of the faster-renewables scenarios' extra baseline decline
MONTHS_FIRST_YEAR = 4 / 12  # an intake period runs September-August: 4 months fall in year y
PHASE3 = (2013, 2020)
UNISSUED_INTO_MSR = 2020  # unallocated phase-3 allowances enter the MSR (Decision 2015/1814)
CALIBRATION_YEARS = range(2013, 2020)  # fit on 2013-2019 ...
EVALUATION_YEARS = range(2020, 2025)  # ... and score on 2020-2024


@dataclass(frozen=True)
class Calibration:
    """The demand side and the phase-3 supply gap, on the allowance scale."""

    log_level_2013: float  # log baseline emissions in 2013, Mt on the data's activity scope
    trend: float  # log change of baseline emissions per year
    scope_shift_2021: float  # log level shift from 2021 (the United Kingdom out)
    choke_price: float  # EUR/t at which covered emissions reach zero
    coverage: float = 1.0  # all stationary installations per t of the seven activities
    unissued: float = 0.0  # phase-3 allowances never issued (allowances), into the MSR in 2020
    speedup: float = 0.0  # extra yearly baseline decline from ``speedup_from`` (scenario)
    speedup_from: int = SPEEDUP_FROM

    def baseline(self, years: np.ndarray) -> np.ndarray:
        """Baseline (zero-price) allowance demand by year, in allowances."""
        log_u = (
            self.log_level_2013
            + self.trend * (years - 2013)
            + self.scope_shift_2021 * (years >= 2021)
        )
        extra = np.where(years >= self.speedup_from, years - self.speedup_from + 1, 0)
        return self.coverage * 1e6 * np.exp(log_u) * (1 - self.speedup) ** extra

    def emissions(self, baseline: np.ndarray | float, price: np.ndarray | float) -> np.ndarray:
        """Allowance demand at ``price`` (EUR/t): the linear MAC, zero at the choke price."""
        return np.asarray(baseline) * np.clip(1 - np.asarray(price) / self.choke_price, 0, 1)

    def unissued_by_year(self, years: np.ndarray) -> np.ndarray:
        """Supply withheld by year (allowances, negative): the unissued phase-3 allowances,
        spread evenly over the phase."""
        first, last = PHASE3
        in_phase3 = (years >= first) & (years <= last)
        return np.where(in_phase3, -self.unissued / (last - first + 1), 0.0)


@dataclass(frozen=True)
class ModelData:
    """The published series the model is calibrated on and compared with."""

    cap: pd.Series  # stationary cap by year, allowances (2013-2023)
    emissions_mt: pd.Series  # verified emissions of the data's seven activities by year, Mt
    price: pd.Series  # EUA annual mean by year, EUR/t
    tnac: pd.Series  # TNAC by reference year, allowances

    @classmethod
    def from_frames(
        cls,
        cap: pd.DataFrame,
        emissions_mt: pd.Series,
        price: pd.DataFrame,
        tnac: pd.DataFrame,
    ) -> ModelData:
        """From the loaded cap, EUA annual and TNAC files and the verified-emissions series."""
        return cls(
            cap=cap.set_index("year")["cap_allowances"],
            emissions_mt=emissions_mt,
            price=price.set_index("year")["mean_eur_per_t"],
            tnac=tnac.set_index("tnac_reference_year")["tnac_allowances"],
        )


def coverage_factor(emissions_mt: pd.Series) -> float:
    """All stationary installations' verified emissions in 2019 (the Commission's published
    total) per tonne of the seven activities in the data."""
    return float(C.STATIONARY_EMISSIONS_2019.value / (emissions_mt.loc[2019] * 1e6))


def published_intakes(tnac: pd.Series, regime: Regime) -> pd.Series:
    """MSR intake per calendar year implied by published TNACs and the rule (allowances)."""
    out = {}
    for year in range(int(C.MSR_START_YEAR.value), int(tnac.index.max()) + 2):
        total = 0.0
        if year - 2 in tnac.index and pd.notna(tnac.get(year - 2)):
            total += (1 - MONTHS_FIRST_YEAR) * msr_rule(float(tnac[year - 2]), year - 1, regime)
        if year - 1 in tnac.index and pd.notna(tnac.get(year - 1)):
            total += MONTHS_FIRST_YEAR * msr_rule(float(tnac[year - 1]), year, regime)
        out[year] = total
    return pd.Series(out, name="msr_intake_allowances")


def unissued_allowances(
    data: ModelData,
    coverage: float,
    regime: Regime,
    last: int = CALIBRATION_YEARS[-1],
    initial_bank: float = C.TNAC_END_2012.value,
) -> float:
    """The phase-3 allowances never issued (allowances), from the published balance

    TNAC(last) = TNAC(2012) + cap + credits - back-loading - MSR intake - unissued - demand,

    with demand the seven activities' emissions times ``coverage`` and the unissued allowances
    spread evenly over 2013-2020 (only the share up to ``last`` is in the balance).
    """
    first, end = PHASE3
    if not first <= last <= end:
        raise ValueError(f"the balance closes within phase 3 ({first}-{end}), not in {last}")
    if pd.isna(data.tnac.get(last)):
        raise ValueError(f"no published TNAC for {last}")
    years = np.arange(first, last + 1)
    supply = (
        data.cap.loc[years].sum()
        + supply_adjustments(replace(regime, backloading_returned=False), years).sum()
    )
    intake = published_intakes(data.tnac, regime).reindex(years, fill_value=0.0).sum()
    demand = coverage * data.emissions_mt.loc[years].sum() * 1e6
    gap = initial_bank + supply - intake - demand - float(data.tnac.loc[last])
    return float(gap * (end - first + 1) / len(years))


def calibrate(
    emissions_mt: pd.Series,
    price: pd.Series,
    years: Sequence[int],
    scope_shift: float,
    trend_years: Sequence[int] = range(2013, 2018),
) -> tuple[Calibration, pd.DataFrame]:
    """Fit the baseline and the abatement curve to observed emissions and prices in ``years``.

    The identifying assumption: in ``trend_years`` (2013-2017, EUAs at EUR 4.5-7.7, below
    the coal-to-gas switching price) the carbon price moved emissions little, so the trend
    of log emissions over those years is the no-price baseline trend ``b``. The 2021 scope
    shift ``c`` is given (the United Kingdom's share of the cap). Level ``a`` and the choke
    price come from least squares on ``log e_t = a + b (t-2013) + c [t>=2021] + log(1 - p_t /
    choke)``. Everything else that pushed emissions below the trend (gas prices, renewables
    support, coal phase-outs, COVID-19) is attributed to the carbon price, so the choke price
    is a lower bound and the curve's responsiveness an upper bound. Returns the calibration
    and the fitted-vs-observed table.
    """
    t = np.asarray(list(years))
    trend = np.asarray(list(trend_years))
    if not set(trend) <= set(t):
        raise ValueError("the trend years must lie within the calibration years")
    log_e = np.log(emissions_mt.loc[t].to_numpy())
    p = price.loc[t].to_numpy()
    in_trend = np.isin(t, trend)
    b = float(np.polyfit(t[in_trend] - 2013, log_e[in_trend], 1)[0])
    shift = scope_shift * (t >= 2021)

    def residuals(theta: np.ndarray) -> np.ndarray:
        a, log_choke = theta
        abate = np.log(np.clip(1 - p / np.exp(log_choke), 1e-9, 1))
        return a + b * (t - 2013) + shift + abate - log_e

    floor = np.log(p.max() * 1.01)
    res = least_squares(
        residuals,
        np.array([log_e[0], max(np.log(4 * p.max()), floor + 0.1)]),
        bounds=([-np.inf, floor], [np.inf, np.log(1e5)]),
    )
    a, log_choke = res.x
    cal = Calibration(float(a), b, float(scope_shift), float(np.exp(log_choke)))
    table = pd.DataFrame(
        {
            "year": t,
            "observed_mt": np.exp(log_e),
            "fitted_mt": np.exp(log_e + residuals(res.x)),
            "baseline_mt": np.exp(a + b * (t - 2013) + shift),
            "price_eur_per_t": p,
        }
    )
    return cal, table


def fit(
    data: ModelData, regime: Regime, years: Sequence[int] = CALIBRATION_YEARS
) -> tuple[Calibration, pd.DataFrame]:
    """Calibrate on ``years`` (2013-2019 by default): coverage from the Commission's 2019
    total, the unissued phase-3 allowances from the balance up to the last of ``years``
    (at most 2020) under ``regime``'s MSR rule, the demand curve by :func:`calibrate` with
    the United Kingdom's share of the cap as the 2021 scope shift."""
    coverage = coverage_factor(data.emissions_mt)
    last = min(max(years), PHASE3[1])
    unissued = unissued_allowances(data, coverage, regime, last)
    shift = float(np.log(phase4_scope_ratio(data.cap)))
    cal, table = calibrate(data.emissions_mt, data.price, years, shift)
    return replace(cal, coverage=coverage, unissued=unissued), table
