r"""An intertemporal cap-and-trade equilibrium for the EU ETS with banking and the MSR.

Firms face a price path :math:`p_t`. Abatement follows a linear marginal abatement cost
curve calibrated to baseline (no-price) emissions :math:`u_t`: emissions are
:math:`e_t = u_t \max(0, 1 - p_t/\bar p)` where :math:`\bar p` is the choke price at which
covered emissions stop. Allowances can be banked but not borrowed, so the bank
(for this model, the TNAC) evolves as

.. math:: B_t = B_{t-1} + S_t - M_t - e_t \ge 0,

with :math:`S_t` the cap (less back-loading) and :math:`M_t` the net MSR intake, a function
of past banks; holdings above the legal limit are invalidated. Arbitrage between holding an
allowance and selling it gives Hotelling's rule: :math:`p_{t+1} = (1+r)\,p_t` whenever
:math:`B_t > 0`, and :math:`p_{t+1} \le (1+r)\,p_t` when the bank is empty. The equilibrium
is found segment by segment: the lowest starting price whose Hotelling path keeps the bank
non-negative to the end of the horizon (:data:`LAST_YEAR`) empties the bank at some year; the
next segment starts after it. The cap reaches zero around 2040, so the terminal condition
binds: the price reaches the choke price when the last allowance (bank and MSR releases) is
used, and total emissions equal the initial bank plus all supply less the invalidated
allowances.

Market participants know only the rules in force: the path is solved again at each reform
(:class:`Regime`) from the bank the previous path left, so a reform shows up as a price jump.
News about demand (faster renewables) is handled the same way: the path is re-solved in the
year the market learns of it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from deploybook.ets import constants as C

MONTHS_FIRST_YEAR = 4 / 12  # an intake period runs September-August: 4 months fall in year y
LAST_YEAR = 2100  # the horizon: supply has run out long before
SPEEDUP_FROM = 2025  # first year of the faster-renewables scenarios' extra baseline decline


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
    buffer_from: int = 10_000  # first intake period with the 833-1096 m buffer rule


def default_regimes(
    lrf_2024_pct: float = C.LRF_2024_PCT.value,
    lrf_2028_pct: float = C.LRF_2028_PCT.value,
    msr: bool = True,
) -> list[Regime]:
    """The four rule sets the market priced in turn, from the sourced constants."""
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
    return [phase3, msr2015, reform2018, ff55]


def cap_path(regime: Regime, historical: pd.Series, last_year: int = LAST_YEAR) -> pd.Series:
    """The stationary cap (allowances) by year under ``regime``, from 2013 to ``last_year``.

    ``historical`` is the published cap by year (2013-2023). Phase 3 years come from it. A
    phase-3 regime extends the 1.74% line past 2020, scaled to the EU-27+EEA scope of phase 4
    (the ratio of the 2020 cap on that scope, 2021 cap plus one annual reduction, to the
    published 2020 cap). A phase-4 regime starts from the 2021 cap and subtracts the linear
    reduction, 4.3%/4.4% of the same reference from 2024/2028 if set, and the rebasing cuts.
    """
    years = np.arange(2013, last_year + 1)
    cap = pd.Series(np.nan, index=years, dtype=float)
    phase3 = historical.loc[2013:2020].astype(float)
    cap.loc[phase3.index] = phase3
    lrf3 = float(phase3.loc[2013] - phase3.loc[2014])
    if not regime.lrf_phase4:
        scope = (C.CAP_2021.value + C.LRF_2021_ANNUAL.value) / phase3.loc[2020]
        later = years[years > 2020]
        cap.loc[later] = scope * (phase3.loc[2020] - lrf3 * (later - 2020))
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


def supply_adjustments(regime: Regime, years: np.ndarray) -> np.ndarray:
    """Back-loading (-) and its planned return (+) by year: the supply not in the cap path."""
    out = np.zeros(len(years))
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


@dataclass
class _State:
    """What one year hands the next: banks (TNAC) by year, MSR holdings, last intake and the
    allowances the MSR has invalidated so far."""

    bank: dict[int, float]
    holdings: float
    last_intake: float
    invalidated: float = 0.0


@dataclass(frozen=True)
class Calibration:
    """The demand side: baseline emissions and the abatement curve, on the allowance scale."""

    log_level_2013: float  # log baseline emissions in 2013, Mt on the data's activity scope
    trend: float  # log change of baseline emissions per year
    scope_shift_2021: float  # log level shift from 2021 (UK out, Northern Ireland in)
    choke_price: float  # EUR/t at which covered emissions reach zero
    closure: float  # allowances demanded per t of the seven activities' verified emissions
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
        return self.closure * 1e6 * np.exp(log_u) * (1 - self.speedup) ** extra

    def emissions(self, baseline: np.ndarray | float, price: np.ndarray | float) -> np.ndarray:
        """Allowance demand at ``price`` (EUR/t): the linear MAC, zero at the choke price."""
        return np.asarray(baseline) * np.clip(1 - np.asarray(price) / self.choke_price, 0, 1)


def holding_limit(regime: Regime, year: int, auctioned_last_year: float) -> float:
    """Most allowances the MSR may hold on 1 January of ``year`` (the rest are invalidated).

    Decision (EU) 2015/1814, Art. 1(5a): from 2023 the previous year's auction volume
    (Directive (EU) 2018/410); from 2024 a fixed 400 million (Directive (EU) 2023/959).
    Before 2023, or without invalidation in ``regime``, no limit.
    """
    if regime.invalidation == "none" or year < C.MSR_INVALIDATION_START.value:
        return np.inf
    if regime.invalidation == "fixed" and year >= C.MSR_HOLDING_LIMIT_START.value:
        return C.MSR_HOLDING_LIMIT.value
    return max(auctioned_last_year, 0.0)


@dataclass(frozen=True)
class _Run:
    """Years ``start..end`` of one Hotelling path, year by year."""

    prices: np.ndarray
    emissions: np.ndarray
    intakes: np.ndarray  # MSR net intake (+) or release (-)
    holdings: np.ndarray  # MSR holdings at the end of the year
    invalidated: np.ndarray  # allowances invalidated on 1 January of the year
    banks: np.ndarray
    state: _State


def _simulate(
    years: np.ndarray,
    start: int,
    p0: float,
    rate: float,
    cal: Calibration,
    regime: Regime,
    supply: np.ndarray,
    baseline: np.ndarray,
    state: _State,
    end: int,
) -> _Run:
    """Years ``start..end`` on the Hotelling path from ``p0`` (capped at the choke price)."""
    bank = dict(state.bank)
    holdings, last_intake, invalidated = state.holdings, state.last_intake, state.invalidated
    n = end - start + 1
    prices = np.minimum(p0 * (1 + rate) ** np.arange(n), cal.choke_price)
    first = int(start - years[0])
    emissions = cal.emissions(baseline[first : first + n], prices)
    intakes, held, voided, banks = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    msr_start = int(C.MSR_START_YEAR.value)
    for i, year in enumerate(range(start, end + 1)):
        net = 0.0
        if regime.msr and year >= msr_start:
            if year == msr_start:
                holdings += sum(c.value for c in C.BACKLOADING.values())
            # previous year's auction volume: the auctioned share of supply less MSR intake
            supply_prev = supply[first + i - 1] if first + i >= 1 else supply[0]
            limit = holding_limit(regime, year, C.AUCTION_SHARE.value * supply_prev - last_intake)
            if holdings > limit:
                voided[i] = holdings - limit
                invalidated += voided[i]
                holdings = limit
            net += (1 - MONTHS_FIRST_YEAR) * msr_rule(bank[year - 2], year - 1, regime)
            net += MONTHS_FIRST_YEAR * msr_rule(bank[year - 1], year, regime)
            net = max(net, -holdings)  # releases come out of the reserve's holdings
            holdings += net
        last_intake = net
        intakes[i], held[i] = net, holdings
        bank[year] = bank[year - 1] + supply[first + i] - net - emissions[i]
        banks[i] = bank[year]
    return _Run(
        prices,
        emissions,
        intakes,
        held,
        voided,
        banks,
        _State(bank, holdings, last_intake, invalidated),
    )


def solve_regime(
    regime: Regime,
    cal: Calibration,
    rate: float,
    historical_cap: pd.Series,
    state: _State,
    start: int,
    stop_year: int | None = None,
    tolerance: float = 1e-7,
) -> tuple[pd.DataFrame, _State]:
    """The equilibrium path under ``regime`` from ``start`` to :data:`LAST_YEAR` (reported up
    to ``stop_year`` if given), and the market's state after the last year shown.

    Each segment starts at the lowest price whose Hotelling path keeps the bank non-negative
    to the end of the horizon; it ends when the bank is empty. Once the cap has reached zero
    and the MSR holds nothing more to release, the price stays at the choke price and
    emissions at zero: the terminal condition of a market whose supply has run out.
    """
    cap = cap_path(regime, historical_cap)
    years = cap.index.to_numpy()
    end = int(years[-1])
    supply = cap.to_numpy() + supply_adjustments(regime, years)
    baseline = cal.baseline(years)
    scale = float(np.max(supply[supply > 0]))
    rows = []

    def add_rows(t: int, run: _Run, n: int) -> None:
        for i in range(n):
            year = t + i
            rows.append(
                {
                    "year": year,
                    "price_eur_per_t": run.prices[i],
                    "emissions_allowances": run.emissions[i],
                    "baseline_allowances": baseline[year - years[0]],
                    "supply_allowances": supply[year - years[0]],
                    "msr_net_intake_allowances": run.intakes[i],
                    "msr_invalidated_allowances": run.invalidated[i],
                    "msr_holdings_allowances": run.holdings[i],
                    "bank_allowances": run.banks[i],
                    "regime": regime.name,
                }
            )

    t = start
    last = end if stop_year is None else min(stop_year, end)
    while t <= last:
        exhausted = (
            state.holdings <= 0
            and state.bank[t - 1] <= 1e-5 * scale
            and not (supply[t - years[0] :] > 0).any()
        )
        if exhausted:  # nothing left to emit: the choke price for the rest of the horizon
            run = _simulate(
                years, t, cal.choke_price, rate, cal, regime, supply, baseline, state, last
            )
            add_rows(t, run, last - t + 1)
            state = run.state
            break

        def run_from(p0: float, t: int = t, state: _State = state) -> _Run:
            return _simulate(years, t, p0, rate, cal, regime, supply, baseline, state, end)

        lo, hi = 0.0, cal.choke_price
        if run_from(hi).banks.min() < -1e-5 * scale:
            raise ValueError(
                f"{regime.name}: from {t} no price up to the choke price "
                f"(EUR {cal.choke_price:.0f}/t) keeps the bank non-negative"
            )
        if run_from(lo).banks.min() >= 0:
            hi = lo
        while hi - lo > tolerance * cal.choke_price:
            mid = (lo + hi) / 2
            if run_from(mid).banks.min() >= 0:
                hi = mid
            else:
                lo = mid
        run = run_from(hi)
        empty = np.flatnonzero(run.banks <= 1e-5 * scale)
        stop = t + (int(empty[0]) if len(empty) else end - t)
        shown = min(stop, last)
        add_rows(t, run, shown - t + 1)
        # re-simulate to the last year shown, so the state handed on is that year's
        state = _simulate(years, t, hi, rate, cal, regime, supply, baseline, state, shown).state
        t = shown + 1
    return pd.DataFrame(rows), state


def solve(
    cal: Calibration,
    historical_cap: pd.Series,
    regimes: Sequence[Regime],
    rate: float = C.DISCOUNT_RATE.value,
    initial_bank: float = C.TNAC_END_2012.value,
    start: int = 2013,
    news: tuple[int, Calibration] | None = None,
) -> pd.DataFrame:
    """The price path when the market re-solves at each regime's information year.

    Years from one regime's information year to the next come from that regime's path;
    the last regime's path runs to :data:`LAST_YEAR`. ``news`` = (year, calibration): from
    that year on the market knows the demand side is ``calibration`` instead of ``cal`` and
    re-solves then too (a demand shock learnt that year). Columns: ``year``,
    ``price_eur_per_t``, ``emissions_allowances``, ``baseline_allowances``,
    ``supply_allowances``, ``msr_net_intake_allowances``, ``msr_invalidated_allowances``,
    ``msr_holdings_allowances``, ``bank_allowances``, ``regime``.
    """
    if not regimes:
        raise ValueError("solve needs at least one regime")
    ordered = sorted(regimes, key=lambda r: r.information_year)
    events = {start} | {max(start, r.information_year) for r in ordered[1:]}
    if news is not None:
        events.add(max(start, news[0]))
    schedule = sorted(e for e in events if e <= LAST_YEAR)
    state = _State({start - 2: initial_bank, start - 1: initial_bank}, 0.0, 0.0)
    pieces = []
    for index, year in enumerate(schedule):
        known = [r for r in ordered[1:] if r.information_year <= year]
        regime = known[-1] if known else ordered[0]
        demand = news[1] if news is not None and year >= news[0] else cal
        until = schedule[index + 1] - 1 if index + 1 < len(schedule) else None
        path, state = solve_regime(regime, demand, rate, historical_cap, state, year, until)
        pieces.append(path)
    return pd.concat(pieces, ignore_index=True)


# --- calibration from data ---------------------------------------------------------------


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


def closure_factor(
    cap: pd.Series,
    emissions_mt: pd.Series,
    tnac: pd.Series,
    regime: Regime,
    first: int = 2013,
    last: int = 2022,
    initial_bank: float = C.TNAC_END_2012.value,
) -> float:
    """Allowances demanded per tonne of the data's verified emissions, from the allowance
    balance: TNAC(last) = TNAC(first-1) + cap - back-loading - MSR intake - demand.

    The data's seven activities miss some stationary installations (a few %), and the cap
    differs from issuance (unallocated and new-entrant allowances, international credits):
    one factor closes the published balance over ``first..last``.
    """
    years = np.arange(first, last + 1)
    supply = (
        cap.loc[years].sum()
        + supply_adjustments(replace(regime, backloading_returned=False), years).sum()
    )
    intake = published_intakes(tnac, regime).reindex(years, fill_value=0.0).sum()
    demand = initial_bank + supply - intake - float(tnac.loc[last])
    return float(demand / (emissions_mt.loc[years].sum() * 1e6))


def calibrate(
    emissions_mt: pd.Series,
    price: pd.Series,
    closure: float,
    years: Sequence[int],
    trend_years: Sequence[int] = range(2013, 2018),
) -> tuple[Calibration, pd.DataFrame]:
    """Fit the baseline and the abatement curve to observed emissions and prices.

    The identifying assumption: in ``trend_years`` (2013-2017, EUAs at EUR 4.5-7.7, below
    the coal-to-gas switching price) the carbon price moved emissions little, so the trend
    of log emissions over those years is the no-price baseline trend ``b``. Then level ``a``,
    the 2021 scope shift ``c`` and the choke price come from least squares over ``years`` on
    ``log e_t = a + b (t-2013) + c [t>=2021] + log(1 - p_t / choke)``. Everything else that
    pushed emissions below the trend after 2017 (gas prices, renewables support, coal
    phase-outs, COVID-19) is attributed to the carbon price, so the choke price is a lower
    bound and the curve's responsiveness an upper bound. Returns the calibration and the
    fitted-vs-observed table.
    """
    years = np.asarray(list(years))
    trend_years = np.asarray(list(trend_years))
    if not set(trend_years) <= set(years):
        raise ValueError("the trend years must lie within the calibration years")
    log_e = np.log(emissions_mt.loc[years].to_numpy())
    p = price.loc[years].to_numpy()
    in_trend = np.isin(years, trend_years)
    b = float(np.polyfit(years[in_trend] - 2013, log_e[in_trend], 1)[0])

    def residuals(theta: np.ndarray) -> np.ndarray:
        a, c, log_choke = theta
        abate = np.log(np.clip(1 - p / np.exp(log_choke), 1e-9, 1))
        return a + b * (years - 2013) + c * (years >= 2021) + abate - log_e

    floor = np.log(p.max() * 1.01)
    res = least_squares(
        residuals,
        np.array([log_e[0], 0.0, max(np.log(4 * p.max()), floor + 0.1)]),
        bounds=([-np.inf, -1.0, floor], [np.inf, 1.0, np.log(1e5)]),
    )
    a, c, log_choke = res.x
    cal = Calibration(float(a), b, float(c), float(np.exp(log_choke)), closure)
    table = pd.DataFrame(
        {
            "year": years,
            "observed_mt": np.exp(log_e),
            "fitted_mt": np.exp(log_e + residuals(res.x)),
            "baseline_mt": np.exp(a + b * (years - 2013) + c * (years >= 2021)),
            "price_eur_per_t": p,
        }
    )
    return cal, table


def price_error(path: pd.DataFrame, observed: pd.Series, years: Sequence[int]) -> dict[str, float]:
    """RMSE, mean error and correlation of the model price against observed annual means."""
    model = path.set_index("year")["price_eur_per_t"].reindex(list(years))
    obs = observed.reindex(list(years))
    diff = model - obs
    return {
        "rmse": float(np.sqrt((diff**2).mean())),
        "mean_error": float(diff.mean()),
        "correlation": float(np.corrcoef(model, obs)[0, 1]),
    }


def scenario_regimes(
    lrf_2024_pct: float,
    lrf_2028_pct: float,
    msr: bool,
    foresight: str,
    ff55_information_year: int = int(C.REGIME_FIT_FOR_55.value),
) -> list[Regime]:
    """The regimes of a scenario: ``rolling`` prices each reform when it came, ``perfect``
    knows the 2023 rules from 2013."""
    regimes = default_regimes(lrf_2024_pct, lrf_2028_pct, msr)
    last = replace(regimes[-1], information_year=ff55_information_year)
    if foresight == "perfect":
        return [replace(last, information_year=2013)]
    if foresight != "rolling":
        raise ValueError(f"foresight {foresight!r}: choose 'rolling' or 'perfect'")
    earlier = [r for r in regimes[:-1] if r.information_year < ff55_information_year]
    return [*earlier, last]


# --- the report's model runs ---------------------------------------------------------------


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


def fit(
    data: ModelData, years: Sequence[int] = range(2013, 2025)
) -> tuple[Calibration, pd.DataFrame]:
    """Close the allowance balance (:func:`closure_factor`, under the 2023 rules) and
    calibrate the demand side on ``years`` (:func:`calibrate`)."""
    closure = closure_factor(data.cap, data.emissions_mt, data.tnac, default_regimes()[-1])
    return calibrate(data.emissions_mt, data.price, closure, years)


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

    def pick(value: object, default: object) -> object:
        return default if value is None else value

    regimes = scenario_regimes(
        float(pick(scenario.lrf_2024_pct, settings.lrf_2024_pct)),
        float(pick(scenario.lrf_2028_pct, settings.lrf_2028_pct)),
        bool(pick(scenario.msr, settings.msr)),
        str(pick(scenario.foresight, settings.foresight)),
        settings.ff55_information_year,
    )
    if scenario.speedup == 0:
        return solve(cal, cap, regimes, settings.rate)
    news_year = int(pick(scenario.news_year, settings.renewables_news_year))
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
    """Allowances emitted from the path's first year until they run out, in millions: the
    cumulative emissions a cap-and-trade system with this supply ends up allowing."""
    if path["emissions_allowances"].iloc[-1] > 0:
        raise ValueError(
            f"the path ends in {int(path['year'].iloc[-1])} with emissions still positive: "
            "its allowances have not run out"
        )
    return float(path["emissions_allowances"].sum() / 1e6)


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


def _direction(change_mt: float, tolerance_mt: float = 0.5) -> str:
    """``lowers``, ``raises`` or ``does not change``, for a change in cumulative emissions."""
    if change_mt < -tolerance_mt:
        return "lowers"
    if change_mt > tolerance_mt:
        return "raises"
    return "does not change"


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

    direction = staticmethod(_direction)

    def figures(self) -> dict[str, object]:
        """The waterbed figures, by glue name."""
        return {
            "waterbed_msr_on_mt": round(self.msr_on_mt),
            "waterbed_msr_off_mt": round(self.msr_off_mt),
            "waterbed_foreseen_mt": round(self.foreseen_mt),
            "waterbed_direction": _direction(self.msr_on_mt),
            "waterbed_off_direction": _direction(self.msr_off_mt),
            "waterbed_foreseen_direction": _direction(self.foreseen_mt),
            "waterbed_news_year": self.news_year,
        }


NEWS_YEARS = (2013, 2016, 2018, 2020, 2023, 2025, 2028)  # the waterbed table's news years


def waterbed(cal: Calibration, cap: pd.Series, settings: Settings, speedup: float) -> Waterbed:
    """The waterbed effect of faster renewables (``speedup`` a year from 2025): learnt in
    ``settings.renewables_news_year`` with the MSR as legislated and without it, and foreseen
    since 2013 with the MSR; every run otherwise under ``settings`` (whatever its ``msr``)."""
    on, off = replace(settings, msr=True), replace(settings, msr=False)

    def total(s: Settings, scenario: Scenario) -> float:
        return total_emissions(run_scenario(cal, cap, s, scenario))

    base_on, base_off = total(on, Scenario(BASE)), total(off, Scenario(BASE))
    return Waterbed(
        msr_on_mt=total(on, Scenario(FASTER, speedup=speedup)) - base_on,
        msr_off_mt=total(off, Scenario(FASTER, speedup=speedup)) - base_off,
        foreseen_mt=total(on, Scenario(FASTER, speedup=speedup, news_year=2013)) - base_on,
        news_year=settings.renewables_news_year,
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
    base = run_scenario(cal, cap, on, Scenario(BASE))
    rows = []
    for year in news_years:
        path = run_scenario(cal, cap, on, Scenario(FASTER, speedup=speedup, news_year=year))
        rows.append(
            {
                "news_year": int(year),
                "emissions_change_mt": total_emissions(path) - total_emissions(base),
                "invalidated_change_mt": float(
                    (
                        path["msr_invalidated_allowances"].sum()
                        - base["msr_invalidated_allowances"].sum()
                    )
                    / 1e6
                ),
            }
        )
    return pd.DataFrame(rows)


def waterbed_news_figures(table: pd.DataFrame) -> dict[str, object]:
    """Key figures of :func:`waterbed_by_news_year`: the latest news year at which faster
    renewables still raise total emissions (or none) and the range of the changes."""
    raising = table.loc[table["emissions_change_mt"] > 0.5, "news_year"]
    lowering = table.loc[table["emissions_change_mt"] < -0.5, "news_year"]
    parts = []
    if len(raising):
        parts.append(f"news in {', '.join(str(y) for y in raising)} raises total emissions")
    if len(lowering):
        parts.append(f"news in {', '.join(str(y) for y in lowering)} lowers them")
    return {
        "waterbed_news_reading": " and ".join(parts) or "no news year changes total emissions",
        "waterbed_news_years": ", ".join(str(y) for y in table["news_year"]),
        "waterbed_raise_years": ", ".join(str(y) for y in raising) if len(raising) else "none",
        "waterbed_lower_years": ", ".join(str(y) for y in lowering) if len(lowering) else "none",
        "waterbed_news_max_mt": round(float(table["emissions_change_mt"].max())),
        "waterbed_news_min_mt": round(float(table["emissions_change_mt"].min())),
    }


def move_verdict(model_change: float, observed_change: float) -> str:
    """How a model price change compares with the observed one: same sign and within a factor
    of two is "the sign and rough size", same sign only is "the sign but not the size"."""
    if model_change * observed_change <= 0:
        return "neither the sign nor the size"
    ratio = model_change / observed_change
    return "the sign and rough size" if 0.5 <= ratio <= 2 else "the sign but not the size"


def rule_intakes(tnac: pd.Series, regime: Regime, first: int = 2017) -> pd.Series:
    """The intake the MSR rule gives for each published TNAC from reference year ``first`` on:
    the TNAC of year y sets the 12-month intake that starts in September of y + 1."""
    known = tnac.dropna()
    return pd.Series(
        {int(y): msr_rule(float(v), int(y) + 1, regime) for y, v in known.items() if y >= first},
        name="rule_intake_allowances",
        dtype=float,
    )


def solve_seconds(cal: Calibration, cap: pd.Series, settings: Settings, repeats: int = 5) -> float:
    """Median wall time of one solve of the base scenario (2013 to the end of the horizon,
    2013-2040 and beyond), in seconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run_scenario(cal, cap, settings, Scenario(BASE))
        times.append(time.perf_counter() - started)
    return float(np.median(times))


# multi-year windows around the rule changes the market priced: (first, last, what changed)
REFORM_WINDOWS = [
    (2017, 2019, "the 2018 reform and the MSR's start"),
    (2020, 2023, "Fit for 55"),
]


def price_moves(
    path: pd.DataFrame, observed: pd.Series, first: int = 2018, last: int = 2024
) -> pd.DataFrame:
    """Year-on-year price changes (EUR/t) of the model and of the observed annual means from
    ``first`` to ``last``, the reform windows (:data:`REFORM_WINDOWS`) after them, each with
    :func:`move_verdict`."""
    model = path.set_index("year")["price_eur_per_t"]
    spans = [(y - 1, y, "year on year") for y in range(first, last + 1)] + REFORM_WINDOWS
    rows = []
    for a, b, kind in spans:
        m, o = float(model.loc[b] - model.loc[a]), float(observed.loc[b] - observed.loc[a])
        rows.append(
            {
                "span": f"{a}-{b}",
                "kind": kind,
                "observed_change_eur_per_t": o,
                "model_change_eur_per_t": m,
                "same_sign": m * o > 0,
                "verdict": move_verdict(m, o),
            }
        )
    return pd.DataFrame(rows)


def moves_figures(moves: pd.DataFrame) -> dict[str, object]:
    """Key figures of :func:`price_moves`, by glue name."""
    yearly = moves[moves["kind"] == "year on year"]
    windows = moves[moves["kind"] != "year on year"].set_index("span")
    both = yearly["verdict"] == "the sign and rough size"
    out: dict[str, object] = {
        "moves_span": f"{yearly['span'].iloc[0]} to {yearly['span'].iloc[-1]}",
        "moves_compared": len(yearly),
        "moves_same_sign": int(yearly["same_sign"].sum()),
        "moves_sign_and_size": int(both.sum()),
        "moves_wrong_sign": ", ".join(yearly.loc[~yearly["same_sign"], "span"]) or "none",
    }
    out["moves_wrong_sign_reading"] = _wrong_sign_reading(yearly[~yearly["same_sign"]])
    out["moves_bar_reading"] = _bar_reading(windows, bool(both.all()))
    for (a, b, _), key in zip(REFORM_WINDOWS, ["reform2018", "ff55"], strict=True):
        row = windows.loc[f"{a}-{b}"]
        out[f"model_move_{key}"] = round(float(row["model_change_eur_per_t"]), 1)
        out[f"observed_move_{key}"] = round(float(row["observed_change_eur_per_t"]), 1)
        out[f"move_verdict_{key}"] = str(row["verdict"])
    return out


def _bar_reading(windows: pd.DataFrame, every_year: bool) -> str:
    """Whether the model gets the sign and rough size of the reform windows' moves (and of
    every year's), in words."""
    missed = [span for span, v in windows["verdict"].items() if v != "the sign and rough size"]
    if missed:
        return f"is not met for {', '.join(missed)}"
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
        spans = ", ".join(group["span"])
        parts.append(
            f"in {spans} the observed price {'rose' if obs else 'fell or held'} while the "
            f"model's {'rose' if mod else 'fell or held'}"
        )
    return "; ".join(parts)


def proposal_timing_figures(
    cal: Calibration,
    cap: pd.Series,
    settings: Settings,
    observed: pd.Series,
    years: Sequence[int] = range(2013, 2025),
) -> dict[str, object]:
    """The base path's fit when the market prices Fit for 55 from the Commission's proposal
    (:data:`constants.FIT_FOR_55_PROPOSAL`) rather than from ``settings``' year."""
    year = int(C.FIT_FOR_55_PROPOSAL.value)
    path = run_scenario(cal, cap, replace(settings, ff55_information_year=year), Scenario(BASE))
    err = price_error(path, observed, years)
    return {
        "ff55_proposal_year": year,
        "model_price_rmse_proposal": round(err["rmse"], 1),
        "model_price_correlation_proposal": round(err["correlation"], 2),
    }


def fit_figures(
    cal: Calibration,
    path: pd.DataFrame,
    observed: pd.Series,
    years: Sequence[int] = range(2013, 2025),
) -> dict[str, object]:
    """Key figures of the calibration and of the base path against observed prices."""
    err = price_error(path, observed, years)
    model = path.set_index("year")["price_eur_per_t"]
    gap_2021_2022 = float((model.loc[2021:2022] - observed.loc[2021:2022]).mean())
    return {
        "model_price_rmse": round(err["rmse"], 1),
        "model_price_mean_error": round(err["mean_error"], 1),
        "model_price_correlation": round(err["correlation"], 2),
        "closure_factor": round(cal.closure, 3),
        "baseline_trend_pct": round((np.exp(cal.trend) - 1) * 100, 2),
        "choke_price": round(cal.choke_price),
        "model_gap_2021_2022": round(abs(gap_2021_2022), 1),
        "model_gap_2021_2022_direction": "below" if gap_2021_2022 < 0 else "above",
        "model_price_2030": round(float(model.loc[2030]), 1),
        "model_last_emitting_year": last_emitting_year(path),
    }
