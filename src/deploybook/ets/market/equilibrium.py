r"""An intertemporal cap-and-trade equilibrium for the EU ETS with banking and the MSR.

Firms face a price path :math:`p_t`. Abatement follows a linear marginal abatement cost
curve calibrated to baseline (no-price) emissions :math:`u_t`: emissions are
:math:`e_t = u_t \max(0, 1 - p_t/\bar p)` where :math:`\bar p` is the choke price at which
covered emissions stop. Allowances can be banked but not borrowed, so the bank
(for this model, the TNAC) evolves as

.. math:: B_t = B_{t-1} + S_t - M_t - e_t \ge 0,

with :math:`S_t` the cap less back-loading, plus international credits, less the phase-3
allowances never issued (:mod:`~deploybook.ets.market.calibration`), and :math:`M_t` the net
MSR intake, a function of past banks; holdings above the legal limit are invalidated.
Arbitrage between holding an allowance and selling it gives Hotelling's rule:
:math:`p_{t+1} = (1+r)\,p_t` whenever :math:`B_t > 0`, and :math:`p_{t+1} \le (1+r)\,p_t`
when the bank is empty. The equilibrium is found segment by segment: the lowest starting price
whose Hotelling path keeps the bank non-negative to the end of the horizon
(:data:`LAST_YEAR`) empties the bank at some year; the next segment starts after it. The cap
reaches zero around 2040, so the terminal condition binds: the price reaches the choke price
when the last allowance (bank and MSR releases) is used, and total emissions equal the initial
bank plus all supply less the invalidated allowances.

Market participants know only the rules in force: the path is solved again at each reform
(:class:`Regime`) from the bank the previous path left, so a reform shows up as a price jump.
News about demand (faster renewables) is handled the same way: the path is re-solved in the
year the market learns of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from deploybook.ets import constants as C
from deploybook.ets.market.calibration import (
    MONTHS_FIRST_YEAR,
    UNISSUED_INTO_MSR,
    Calibration,
)
from deploybook.ets.market.regimes import (
    LAST_YEAR,
    Regime,
    cap_path,
    holding_limit,
    msr_rule,
    supply_adjustments,
)


@dataclass
class _State:
    """What one year hands the next: banks (TNAC) by year, MSR holdings, last intake and the
    allowances the MSR has invalidated so far."""

    bank: dict[int, float]
    holdings: float
    last_intake: float
    invalidated: float = 0.0


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
            if year == UNISSUED_INTO_MSR:
                holdings += cal.unissued
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
    supply = cap.to_numpy() + supply_adjustments(regime, years) + cal.unissued_by_year(years)
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
        binding = run_from(lo).banks.min() < 0
        if not binding:
            hi = lo
        while hi - lo > tolerance * cal.choke_price:
            mid = (lo + hi) / 2
            if run_from(mid).banks.min() >= 0:
                hi = mid
            else:
                lo = mid
        run = run_from(hi)
        # the segment ends in the first year the bank constraint binds (the bank at its
        # minimum, zero up to the bisection's tolerance); without a binding year it runs on
        lowest = run.banks.min() + 1e-5 * scale
        stop = t + (int(np.flatnonzero(run.banks <= lowest)[0]) if binding else end - t)
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
