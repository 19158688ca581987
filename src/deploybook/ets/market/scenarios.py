"""The report's runs of the market model: settings, scenarios, the waterbed and its signs."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
import pandas as pd

from deploybook.ets import constants as C
from deploybook.ets.market.calibration import SPEEDUP_FROM, Calibration
from deploybook.ets.market.equilibrium import solve
from deploybook.ets.market.regimes import LAST_YEAR, scenario_regimes
from deploybook.ets.market.validation import price_error


@dataclass(frozen=True)
class Settings:
    """The report's market-model knobs, which every scenario starts from."""

    lrf_2024_pct: float = C.LRF_2024_PCT.value
    lrf_2028_pct: float = C.LRF_2028_PCT.value
    msr: bool = True
    foresight: str = "rolling"
    ff55_information_year: int = int(C.REGIME_FIT_FOR_55.value)
    rate: float = C.DISCOUNT_RATE.value
    renewables_news_year: int = SPEEDUP_FROM  # when the market learns of faster renewables
    invalidation_ends: int | None = None  # a year: no invalidation from then (2026 proposal)


@dataclass(frozen=True)
class Scenario:
    """A named departure from :class:`Settings`; ``None`` keeps the report's value."""

    label: str
    speedup: float = 0.0  # extra yearly fall of baseline emissions from SPEEDUP_FROM
    msr: bool | None = None
    lrf_2024_pct: float | None = None
    lrf_2028_pct: float | None = None
    foresight: str | None = None
    news_year: int | None = None  # year the market learns of the speed-up (<= 2013: always)


BASE = "base scenario"
MSR_OFF = "MSR off"
FASTER = "faster renewables"
FASTER_MSR_OFF = "faster renewables, MSR off"
FASTER_FORESEEN = "faster renewables, foreseen since 2013"


def standard_scenarios(speedup: float) -> list[Scenario]:
    """The report's scenarios: its own settings, without the MSR, faster renewables (learnt
    in the settings' news year, with and without the MSR, and foreseen since 2013), the
    pre-2023 2.2% factor kept, and perfect foresight of the 2023 rules."""
    return [
        Scenario(BASE),
        Scenario(MSR_OFF, msr=False),
        Scenario(FASTER, speedup=speedup),
        Scenario(FASTER_MSR_OFF, speedup=speedup, msr=False),
        Scenario(FASTER_FORESEEN, speedup=speedup, news_year=2013),
        Scenario("2.2% LRF kept after 2023", lrf_2024_pct=2.2, lrf_2028_pct=2.2),
        Scenario("perfect foresight of the 2023 rules", foresight="perfect"),
    ]


def run_scenario(
    cal: Calibration, cap: pd.Series, settings: Settings, scenario: Scenario
) -> pd.DataFrame:
    """The equilibrium path (:func:`solve`) of one scenario. A speed-up of renewables is news
    in its news year: before it the market expects the base calibration."""

    lrf24 = settings.lrf_2024_pct if scenario.lrf_2024_pct is None else scenario.lrf_2024_pct
    lrf28 = settings.lrf_2028_pct if scenario.lrf_2028_pct is None else scenario.lrf_2028_pct
    regimes = scenario_regimes(
        lrf24,
        lrf28,
        settings.msr if scenario.msr is None else scenario.msr,
        settings.foresight if scenario.foresight is None else scenario.foresight,
        settings.ff55_information_year,
        settings.invalidation_ends,
    )
    if scenario.speedup == 0:
        return solve(cal, cap, regimes, settings.rate)
    news_year = settings.renewables_news_year if scenario.news_year is None else scenario.news_year
    return solve(
        cal, cap, regimes, settings.rate, news=(news_year, replace(cal, speedup=scenario.speedup))
    )


def run_scenarios(
    cal: Calibration, cap: pd.Series, settings: Settings, scenarios: Sequence[Scenario]
) -> dict[str, pd.DataFrame]:
    """Each scenario's path, by label (labels must be unique)."""
    labels = [s.label for s in scenarios]
    if len(set(labels)) != len(labels):
        raise ValueError(f"scenario labels must be unique, got {labels}")
    return {s.label: run_scenario(cal, cap, settings, s) for s in scenarios}


def cumulative_emissions(path: pd.DataFrame, first: int = 2013, last: int = 2040) -> float:
    """Allowances demanded (emitted) over ``first..last``, in millions."""
    years = path["year"].between(first, last)
    missing = sorted(set(range(first, last + 1)) - set(path.loc[years, "year"]))
    if missing:
        raise ValueError(
            f"the path has no years {missing[:3]}...; it covers up to {int(path['year'].max())}"
        )
    return float(path.loc[years, "emissions_allowances"].sum() / 1e6)


def total_emissions(path: pd.DataFrame) -> float:
    """Allowances emitted from the path's first year on, in millions: those emitted by the
    horizon (:data:`regimes.LAST_YEAR`) plus those still banked or held in the reserve there,
    which the market emits later (the MSR releases what it holds once the bank runs low). It
    is the cumulative emissions a cap-and-trade system with this supply ends up allowing."""
    last = int(path["year"].iloc[-1])
    if last < LAST_YEAR:
        raise ValueError(f"the path stops in {last}, before the horizon ({LAST_YEAR})")
    left = path["bank_allowances"].iloc[-1] + path["msr_holdings_allowances"].iloc[-1]
    return float((path["emissions_allowances"].sum() + left) / 1e6)


def last_emitting_year(path: pd.DataFrame) -> int:
    """The last year with positive emissions on the path."""
    emitting = path.loc[path["emissions_allowances"] > 0, "year"]
    return int(emitting.max()) if len(emitting) else int(path["year"].min()) - 1


def scenario_summary(
    paths: Mapping[str, pd.DataFrame], observed: pd.Series, years: Sequence[int]
) -> pd.DataFrame:
    """Per scenario: the model price in 2019 and 2030 (EUR/t), emissions 2013-2040 and until
    the allowances run out, allowances the MSR invalidates (million), the last year with
    emissions and the price RMSE against ``observed`` over ``years``."""
    rows = []
    for label, path in paths.items():
        price = path.set_index("year")["price_eur_per_t"]
        rows.append(
            {
                "scenario": label,
                "price_2019_eur_per_t": float(price.get(2019, np.nan)),
                "price_2030_eur_per_t": float(price.get(2030, np.nan)),
                "cumulative_emissions_2013_2040_mt": cumulative_emissions(path),
                "total_emissions_mt": total_emissions(path),
                "invalidated_mt": float(path["msr_invalidated_allowances"].sum() / 1e6),
                "last_emitting_year": last_emitting_year(path),
                "rmse_eur_per_t": price_error(path, observed, years)["rmse"],
            }
        )
    return pd.DataFrame(rows)


class Direction(StrEnum):
    """Which way a change moves total emissions."""

    LOWERS = "lowers"
    RAISES = "raises"
    UNCHANGED = "does not change"


def direction(change_mt: float, tolerance_mt: float = 0.5) -> Direction:
    """The :class:`Direction` of a change in total emissions (million allowances)."""
    if change_mt < -tolerance_mt:
        return Direction.LOWERS
    if change_mt > tolerance_mt:
        return Direction.RAISES
    return Direction.UNCHANGED


@dataclass(frozen=True)
class Waterbed:
    """How faster renewables change total emissions until the allowances run out (million
    allowances): learnt in ``news_year`` with the MSR and without it, and foreseen since 2013.

    With the bank empty at the end, total emissions are the initial bank plus all supply less
    what the MSR invalidates, so each change is minus the change in invalidated allowances.
    """

    msr_on_mt: float
    msr_off_mt: float
    foreseen_mt: float
    news_year: int


NEWS_YEARS = (2013, 2016, 2018, 2020, 2023, 2025, 2028)  # the waterbed table's news years


def _waterbed_change(
    cal: Calibration, cap: pd.Series, settings: Settings, speedup: float, news_year: int
) -> tuple[float, float]:
    """Change in total emissions and in invalidated allowances (million) from faster renewables
    learnt in ``news_year``, under ``settings`` as they are."""
    base = run_scenario(cal, cap, settings, Scenario(BASE))
    faster = run_scenario(
        cal, cap, settings, Scenario(FASTER, speedup=speedup, news_year=news_year)
    )
    invalidated = (
        faster["msr_invalidated_allowances"].sum() - base["msr_invalidated_allowances"].sum()
    )
    return total_emissions(faster) - total_emissions(base), float(invalidated / 1e6)


def waterbed(cal: Calibration, cap: pd.Series, settings: Settings, speedup: float) -> Waterbed:
    """The waterbed effect of faster renewables (``speedup`` a year from 2025): learnt in
    ``settings.renewables_news_year`` with the MSR as legislated and without it, and foreseen
    since 2013 with the MSR; every run otherwise under ``settings`` (whatever its ``msr``)."""
    on, off = replace(settings, msr=True), replace(settings, msr=False)
    news = settings.renewables_news_year
    return Waterbed(
        msr_on_mt=_waterbed_change(cal, cap, on, speedup, news)[0],
        msr_off_mt=_waterbed_change(cal, cap, off, speedup, news)[0],
        foreseen_mt=_waterbed_change(cal, cap, on, speedup, 2013)[0],
        news_year=news,
    )


def waterbed_by_news_year(
    cal: Calibration,
    cap: pd.Series,
    settings: Settings,
    speedup: float,
    news_years: Sequence[int] = NEWS_YEARS,
) -> pd.DataFrame:
    """The change in total emissions (and in allowances the MSR invalidates) from faster
    renewables, by the year the market learns of them, with the MSR as legislated and
    ``settings`` otherwise."""
    on = replace(settings, msr=True)
    rows = []
    for year in news_years:
        change, invalidated = _waterbed_change(cal, cap, on, speedup, year)
        rows.append(
            {
                "news_year": int(year),
                "emissions_change_mt": change,
                "invalidated_change_mt": invalidated,
            }
        )
    return pd.DataFrame(rows)


SENSITIVITY_RATES = (0.03, 0.05, 0.08, 0.10)
INVALIDATION_ENDS = 2027  # the 2026 proposal: no invalidation from 2027 (table column)


def waterbed_sensitivity(
    cal: Calibration,
    cap: pd.Series,
    settings: Settings,
    speedup: float,
    rates: Sequence[float] = SENSITIVITY_RATES,
    ends: Sequence[int | None] = (None, INVALIDATION_ENDS),
) -> pd.DataFrame:
    """The waterbed's sign across discount rates and the fate of invalidation: per rate and
    ``ends`` (None: invalidation continues; a year: it ends then, as the Commission proposed
    in 2026, news to the market in 2026), the change in total emissions from faster
    renewables learnt in the settings' news year, with the MSR, and its :class:`Direction`."""
    if not rates:
        raise ValueError("the sensitivity table needs at least one discount rate")
    rows = []
    for rate in rates:
        for end in ends:
            run = replace(settings, msr=True, rate=float(rate), invalidation_ends=end)
            change, invalidated = _waterbed_change(
                cal, cap, run, speedup, settings.renewables_news_year
            )
            rows.append(
                {
                    "discount_rate": float(rate),
                    "invalidation": "continues" if end is None else f"ends in {end}",
                    "emissions_change_mt": change,
                    "invalidated_change_mt": invalidated,
                    "direction": direction(change),
                }
            )
    return pd.DataFrame(rows)


def solve_seconds(cal: Calibration, cap: pd.Series, settings: Settings, repeats: int = 5) -> float:
    """Median wall time of one solve of the base scenario (2013 to the end of the horizon,
    2013-2040 and beyond), in seconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run_scenario(cal, cap, settings, Scenario(BASE))
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def fit_by_rate(
    cal: Calibration,
    cap: pd.Series,
    settings: Settings,
    observed: pd.Series,
    in_sample: Sequence[int],
    out_of_sample: Sequence[int],
    rates: Sequence[float] = SENSITIVITY_RATES,
) -> pd.DataFrame:
    """The base path's price RMSE (EUR/t) in the calibration years and after them, by discount
    rate: the rate is not calibrated, so the table shows how much it alone moves the fit."""
    rows = []
    for rate in rates:
        path = run_scenario(cal, cap, replace(settings, rate=float(rate)), Scenario(BASE))
        rows.append(
            {
                "discount_rate": float(rate),
                "rmse_in_sample": price_error(path, observed, in_sample)["rmse"],
                "rmse_out_of_sample": price_error(path, observed, out_of_sample)["rmse"],
            }
        )
    return pd.DataFrame(rows)
