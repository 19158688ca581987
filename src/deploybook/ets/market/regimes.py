"""The ETS rules the market model prices: the cap, supply outside the cap, and the MSR.

Each rule set is a :class:`Regime`, known to the market from its ``information_year``. The
numbers come from :mod:`deploybook.ets.constants`, each with its legal source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from deploybook.ets import constants as C

LAST_YEAR = 2150  # the horizon: supply has run out long before
NO_END = 10_000  # a year no rule reaches


@dataclass(frozen=True)
class Regime:
    """The ETS rules as known from ``information_year`` on."""

    name: str
    information_year: int
    lrf_phase4: bool  # phase 4 cap (2021 cap, 2.2% line) instead of the phase 3 line
    lrf_2024_pct: float | None = None  # Fit-for-55 factors; None keeps 2.2%
    lrf_2028_pct: float | None = None
    rebasing: Mapping[int, float] = field(default_factory=dict)
    backloading_returned: bool = True  # 2014 plan: back-loaded allowances auctioned 2019-20
    msr: bool = False
    msr_doubled_until: int = 0  # last intake-period start year at the doubled rate
    invalidation: str = "none"  # "none" | "auction" (2018 rules) | "fixed" (2023 rules)
    invalidation_last_year: int = NO_END  # last 1 January on which holdings are invalidated
    buffer_from: int = NO_END  # first intake period with the 833-1096 m buffer rule


def default_regimes(
    lrf_2024_pct: float = C.LRF_2024_PCT.value,
    lrf_2028_pct: float = C.LRF_2028_PCT.value,
    msr: bool = True,
    invalidation_ends: int | None = None,
) -> list[Regime]:
    """The rule sets the market priced in turn, from the sourced constants; with
    ``invalidation_ends`` (a year) a fifth, the Commission's 2026 proposal: no invalidation
    from that year on, known from :data:`constants.REGIME_INVALIDATION_PROPOSAL`."""
    phase3 = Regime("phase 3 (2013 rules)", 2013, lrf_phase4=False)
    msr2015 = replace(
        phase3,
        name="MSR decision 2015",
        information_year=int(C.REGIME_MSR_DECISION.value),
        backloading_returned=not msr,
        msr=msr,
    )
    reform2018 = replace(
        msr2015,
        name="2018 reform",
        information_year=int(C.REGIME_2018_REFORM.value),
        lrf_phase4=True,
        msr_doubled_until=2023,
        invalidation="auction" if msr else "none",
    )
    ff55 = replace(
        reform2018,
        name="Fit for 55 (2023)",
        information_year=int(C.REGIME_FIT_FOR_55.value),
        lrf_2024_pct=lrf_2024_pct,
        lrf_2028_pct=lrf_2028_pct,
        rebasing={year: c.value for year, c in C.REBASING.items()},
        msr_doubled_until=2030,
        invalidation="fixed" if msr else "none",
        buffer_from=2024,
    )
    regimes = [phase3, msr2015, reform2018, ff55]
    if invalidation_ends is not None:
        regimes.append(
            replace(
                ff55,
                name=f"invalidation ends from {invalidation_ends} (2026 proposal)",
                information_year=int(C.REGIME_INVALIDATION_PROPOSAL.value),
                invalidation_last_year=invalidation_ends - 1,
            )
        )
    return regimes


def scenario_regimes(
    lrf_2024_pct: float,
    lrf_2028_pct: float,
    msr: bool,
    foresight: str,
    ff55_information_year: int = int(C.REGIME_FIT_FOR_55.value),
    invalidation_ends: int | None = None,
) -> list[Regime]:
    """The regimes of a scenario: ``rolling`` prices each reform when it came, ``perfect``
    knows the 2023 rules (and the end of invalidation, if set) from 2013."""
    regimes = default_regimes(lrf_2024_pct, lrf_2028_pct, msr, invalidation_ends)
    ff55 = replace(regimes[3], information_year=ff55_information_year)
    later = regimes[4:]
    if foresight == "perfect":
        return [replace((later or [ff55])[-1], information_year=2013)]
    if foresight != "rolling":
        raise ValueError(f"foresight {foresight!r}: choose 'rolling' or 'perfect'")
    earlier = [r for r in regimes[:3] if r.information_year < ff55_information_year]
    return [*earlier, ff55, *later]


def cap_path(regime: Regime, historical: pd.Series, last_year: int = LAST_YEAR) -> pd.Series:
    """The stationary cap (allowances) by year under ``regime``, from 2013 to ``last_year``.

    ``historical`` is the published cap by year (2013-2023). Phase 3 years come from it. A
    phase-3 regime extends the 1.74% line past 2020, scaled to the EU-27+EEA scope of phase 4
    (:func:`phase4_scope_ratio`). A phase-4 regime starts from the 2021 cap and subtracts the
    linear reduction, 4.3%/4.4% of the same reference from 2024/2028 if set, and the rebasing
    cuts.
    """
    years = np.arange(2013, last_year + 1)
    cap = pd.Series(np.nan, index=years, dtype=float)
    phase3 = historical.loc[2013:2020].astype(float)
    cap.loc[phase3.index] = phase3
    lrf3 = float(phase3.loc[2013] - phase3.loc[2014])
    if not regime.lrf_phase4:
        later = years[years > 2020]
        cap.loc[later] = phase4_scope_ratio(historical) * (phase3.loc[2020] - lrf3 * (later - 2020))
        return cap.clip(lower=0.0)
    reference = C.LRF_2021_ANNUAL.value / (C.LRF_2021_PCT.value / 100)
    level = C.CAP_2021.value
    for year in years[years >= 2021]:
        if year > 2021:
            pct = C.LRF_2021_PCT.value
            if regime.lrf_2024_pct is not None and year >= 2024:
                pct = regime.lrf_2024_pct
            if regime.lrf_2028_pct is not None and year >= 2028:
                pct = regime.lrf_2028_pct
            level -= reference * pct / 100
        level -= regime.rebasing.get(int(year), 0.0)
        cap.loc[year] = level
    return cap.clip(lower=0.0)


def phase4_scope_ratio(historical: pd.Series) -> float:
    """The 2020 cap on phase 4's scope (EU-27 + EEA, without the United Kingdom: the 2021 cap
    plus one annual reduction) over the published 2020 cap, which includes the UK."""
    return float((C.CAP_2021.value + C.LRF_2021_ANNUAL.value) / historical.loc[2020])


def credits_by_year(years: np.ndarray) -> np.ndarray:
    """International credits exchanged for allowances, by the compliance year they served
    (allowances): differences of the Commission's cumulative totals, spread evenly over the
    years between two published totals."""
    known = sorted(C.CREDITS_EXCHANGED.items())
    out = np.zeros(len(years))
    previous_year, previous_total = 2012, 0.0
    for year, sourced in known:
        span = range(previous_year + 1, year + 1)
        for y in span:
            out[years == y] += (sourced.value - previous_total) / len(span)
        previous_year, previous_total = year, sourced.value
    return out


def supply_adjustments(regime: Regime, years: np.ndarray) -> np.ndarray:
    """Supply not in the cap path, by year (allowances): back-loading (-) and its planned
    return (+) under regimes without the MSR, and international credits exchanged (+)."""
    out = credits_by_year(years)
    for year, c in C.BACKLOADING.items():
        out[years == year] -= c.value
    if regime.backloading_returned:
        for year, c in C.BACKLOADING_RETURN.items():
            out[years == year] += c.value
    return out


def msr_rule(tnac: float, period_start: int, regime: Regime) -> float:
    """Allowances the MSR takes (+) or releases (-) over the 12-month intake period that
    starts in September of ``period_start``, given the TNAC published that spring.

    Decision (EU) 2015/1814 as amended: above 833 m, 12% of the TNAC (24% for periods up to
    ``msr_doubled_until``; nothing if that is below the 100 m / 200 m minimum); from 2024,
    between 833 m and 1 096 m only the excess over 833 m; below 400 m, 100 m are released.
    """
    if not regime.msr:
        return 0.0
    if tnac < C.MSR_LOWER_THRESHOLD.value:
        return -C.MSR_RELEASE.value
    doubled = period_start <= regime.msr_doubled_until
    rate = C.MSR_RATE_DOUBLED.value if doubled else C.MSR_RATE_BASE.value
    if tnac <= C.MSR_UPPER_THRESHOLD.value:
        return 0.0
    if period_start >= regime.buffer_from and tnac <= C.MSR_BUFFER_UPPER.value:
        return tnac - C.MSR_UPPER_THRESHOLD.value
    intake = rate * tnac
    minimum = C.MSR_MIN_INTAKE_BASE.value * (2 if doubled else 1)
    return intake if intake >= minimum else 0.0


def holding_limit(regime: Regime, year: int, auctioned_last_year: float) -> float:
    """Most allowances the MSR may hold on 1 January of ``year`` (the rest are invalidated).

    Decision (EU) 2015/1814, Art. 1(5a): from 2023 the previous year's auction volume
    (Directive (EU) 2018/410); from 2024 a fixed 400 million (Directive (EU) 2023/959).
    Before 2023, after the regime's last invalidation year, or without invalidation in
    ``regime``, no limit.
    """
    if (
        regime.invalidation == "none"
        or year < C.MSR_INVALIDATION_START.value
        or year > regime.invalidation_last_year
    ):
        return np.inf
    if regime.invalidation == "fixed" and year >= C.MSR_HOLDING_LIMIT_START.value:
        return C.MSR_HOLDING_LIMIT.value
    return max(auctioned_last_year, 0.0)


def rule_intakes(tnac: pd.Series, regime: Regime, first: int = 2017) -> pd.Series:
    """The intake the MSR rule gives for each published TNAC from reference year ``first`` on:
    the TNAC of year y sets the 12-month intake that starts in September of y + 1."""
    known = tnac.dropna()
    return pd.Series(
        {int(y): msr_rule(float(v), int(y) + 1, regime) for y, v in known.items() if y >= first},
        name="rule_intake_allowances",
        dtype=float,
    )
