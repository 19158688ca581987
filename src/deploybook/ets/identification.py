r"""What the exposure design can and cannot show: event study, pre-trends, dose-response,
randomisation inference, and how independent the two exposure measures are.

The event study replaces :math:`\beta X_i P_{t-\ell}` by one coefficient per year,

.. math:: y_{it} = \alpha_i + \gamma_t + \sum_{k \ne k_0} \beta_k X_i 1[t = k] + \varepsilon_{it},

with the last pre-ETS year :math:`k_0 = 2004` as reference. Before 2005 there was no carbon
price, so :math:`\beta_k` for earlier years should be zero (the pre-trend test); after it, if
the price drives the difference between exposed and less exposed states, :math:`\beta_k` should
rise and fall with :math:`P_{k-\ell}` (the dose-response check).

The price path is one series shared by every state, so the panel holds a handful of effective
shocks, not hundreds of observations; clustering by country does not address that. The
randomisation test asks how often a price path with the same values in a different order gives
a t-statistic as large as the real one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from linearmodels.panel import PanelOLS
from scipy import stats

from deploybook.ets.attribution import (
    ETS_START,
    EXPOSURES,
    PRE_ETS,
    Spec,
    _design,
    residual_maker,
)

REFERENCE_YEAR = PRE_ETS[1]  # 2004: the last year before the ETS
PRETREND_LEVEL = 0.10  # a pre-trend test below this p-value rejects parallel pre-trends


def _price_column(spec: Spec) -> str:
    return f"{'eua_p2_lag' if spec.price_2007 == 'phase2' else 'eua_lag'}{spec.lag}"


def event_study(panel: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """One coefficient per year on exposure x year (reference :data:`REFERENCE_YEAR`), with
    country and year effects and ``spec``'s controls, errors clustered by country (CR1, t with
    G-1 degrees of freedom). Columns: ``year``, ``coef``, ``se``, ``ci_low``, ``ci_high``,
    ``lagged_price_eur_per_t`` (the year's price under ``spec``) and ``pre_ets``."""
    y, x = _design(panel, spec)
    exposure = panel.set_index(["iso3", "year"]).loc[y.index, EXPOSURES[spec.exposure]]
    years = sorted(set(y.index.get_level_values("year")))
    if REFERENCE_YEAR not in years:
        raise ValueError(
            f"the sample {years[0]}-{years[-1]} has no reference year {REFERENCE_YEAR}"
        )
    year_of = y.index.get_level_values("year")
    events = pd.DataFrame(
        {f"event_{k}": exposure.to_numpy() * (year_of == k) for k in years if k != REFERENCE_YEAR},
        index=y.index,
    )
    design = pd.concat([events, x.drop(columns="treatment")], axis=1)
    fit = PanelOLS(y, design, entity_effects=True, time_effects=True, drop_absorbed=True).fit(
        cov_type="clustered", cluster_entity=True, group_debias=True
    )
    countries = int(y.index.get_level_values("iso3").nunique())
    crit = float(stats.t.ppf(0.975, countries - 1))
    price = panel.groupby("year")[_price_column(spec)].first()
    rows = []
    for k in years:
        name = f"event_{k}"
        coef = 0.0 if k == REFERENCE_YEAR else float(fit.params[name])
        se = 0.0 if k == REFERENCE_YEAR else float(fit.std_errors[name])
        rows.append(
            {
                "year": int(k),
                "coef": coef,
                "se": se,
                "ci_low": coef - crit * se,
                "ci_high": coef + crit * se,
                "lagged_price_eur_per_t": float(price.loc[k]),
                "pre_ets": k < ETS_START,
            }
        )
    table = pd.DataFrame(rows)
    table.attrs["cov"] = fit.cov.loc[events.columns, events.columns]
    table.attrs["countries"] = countries
    return table


@dataclass(frozen=True)
class PreTrend:
    """Joint test that every pre-ETS event-study coefficient (reference year excluded) is
    zero: Wald statistic over the clustered covariance, referred to F(q, G-1)."""

    years: str
    f_stat: float
    pvalue: float
    restrictions: int


def pretrend_test(events: pd.DataFrame) -> PreTrend:
    """The pre-trend test of an :func:`event_study` table."""
    pre = events[events["pre_ets"] & (events["year"] != REFERENCE_YEAR)]
    if pre.empty:
        raise ValueError("no pre-ETS years besides the reference year: nothing to test")
    names = [f"event_{y}" for y in pre["year"]]
    cov = events.attrs["cov"].loc[names, names].to_numpy()
    b = pre["coef"].to_numpy()
    q, g = len(b), int(events.attrs["countries"])
    f_stat = float(b @ np.linalg.solve(cov, b)) / q
    return PreTrend(
        years=f"{pre['year'].min()}-{pre['year'].max()}",
        f_stat=f_stat,
        pvalue=float(stats.f.sf(f_stat, q, g - 1)),
        restrictions=q,
    )


@dataclass(frozen=True)
class DoseResponse:
    """Whether the post-2004 event-study coefficients rise with the lagged price: weighted
    (1/se^2) least squares of the coefficient on the price, its slope with a two-sided p-value
    (t with n-2 degrees of freedom), the plain correlation, and the year of the largest
    coefficient with the price then."""

    slope: float
    pvalue: float
    correlation: float
    years: int
    peak_year: int
    peak_price: float

    @property
    def supported(self) -> bool:
        """A dose-response in the data: a positive slope, significant at 5%."""
        return self.slope > 0 and self.pvalue < 0.05


def dose_response(events: pd.DataFrame) -> DoseResponse:
    """The dose-response check of an :func:`event_study` table."""
    post = events[~events["pre_ets"]]
    if len(post) < 3:
        raise ValueError("fewer than three ETS years: no dose-response to check")
    price, coef = post["lagged_price_eur_per_t"].to_numpy(), post["coef"].to_numpy()
    weights = 1 / np.maximum(post["se"].to_numpy(), 1e-12) ** 2
    design = np.column_stack([np.ones(len(post)), price])
    xtw = design.T * weights
    beta = np.linalg.solve(xtw @ design, xtw @ coef)
    resid = coef - design @ beta
    n = len(post)
    sigma2 = float(weights @ resid**2) / (n - 2)
    se = float(np.sqrt(sigma2 * np.linalg.inv(xtw @ design)[1, 1]))
    peak = post.loc[post["coef"].idxmax()]
    return DoseResponse(
        slope=float(beta[1]),
        pvalue=float(2 * stats.t.sf(abs(beta[1] / se), n - 2)) if se > 0 else 0.0,
        correlation=float(np.corrcoef(price, coef)[0, 1]),
        years=n,
        peak_year=int(peak["year"]),
        peak_price=float(peak["lagged_price_eur_per_t"]),
    )


@dataclass(frozen=True)
class Randomization:
    """The randomisation p-value of beta: the share of price paths (the same yearly prices in
    a random order over the ETS years) whose clustered t-statistic is at least as large in
    absolute value as the real one, counting the real path itself."""

    t_stat: float
    pvalue: float
    draws: int


def randomization_inference(
    panel: pd.DataFrame, spec: Spec, draws: int = 999, seed: int = 0
) -> Randomization:
    """Permute the lagged price over the sample's ETS years ``draws`` times, rebuild exposure x
    price, and compare the clustered t-statistics (fixed effects and controls partialled out
    once, Frisch-Waugh-Lovell) with the real one."""
    if draws < 1:
        raise ValueError(f"draws must be at least 1, got {draws}")
    y, x = _design(panel, spec)
    iso = y.index.get_level_values("iso3").to_numpy()
    year = y.index.get_level_values("year").to_numpy()
    resid, controls = residual_maker(y, x)
    exposure = panel.set_index(["iso3", "year"]).loc[y.index, EXPOSURES[spec.exposure]].to_numpy()
    price_of = panel.groupby("year")[_price_column(spec)].first()
    ets_years = np.array(sorted(set(year[year - spec.lag >= ETS_START])))
    rng = np.random.default_rng(seed)
    paths = np.tile(price_of.reindex(ets_years).to_numpy(), (draws + 1, 1))
    for row in paths[1:]:
        rng.shuffle(row)
    position = {int(t): j for j, t in enumerate(ets_years)}
    columns = np.array([position.get(int(t), -1) for t in year])
    prices = np.where(
        columns >= 0, paths[:, np.maximum(columns, 0)], price_of.reindex(year).to_numpy()
    )
    treatments = (exposure * prices).T  # observations x paths; column 0 is the real path

    d = resid(treatments)
    yt = resid(y.to_numpy(float)[:, None])[:, 0]
    dd = (d * d).sum(axis=0)
    beta = (d * yt[:, None]).sum(axis=0) / dd
    u = yt[:, None] - d * beta
    groups, codes = np.unique(iso, return_inverse=True)
    g, n, k = len(groups), len(y), controls + 1
    scores = np.zeros((g, d.shape[1]))
    np.add.at(scores, codes, d * u)
    se = np.sqrt(g / (g - 1) * (n - 1) / (n - k)) * np.sqrt((scores**2).sum(axis=0)) / dd
    t = beta / se
    return Randomization(
        t_stat=float(t[0]),
        pvalue=float(np.mean(np.abs(t) >= abs(t[0]) * (1 - 1e-12))),
        draws=draws,
    )


@dataclass(frozen=True)
class ExposureCheck:
    """How much the pre-ETS carbon intensity is a function of fuel shares: the cross-state
    correlation of intensity with the coal share, and the R^2 of intensity on the coal, gas
    and oil shares (1 would mean fixed emission factors times fuel shares)."""

    correlation_with_coal: float
    r2_on_fuel_shares: float
    states: int


def exposure_check(owid: pd.DataFrame) -> ExposureCheck:
    """:class:`ExposureCheck` from the OWID file's 2000-2004 means by state."""
    pre = owid[owid["year"].between(*PRE_ETS) & (owid["iso3"] != "EU27")]
    means = pre.groupby("iso3")[
        ["carbon_intensity_gco2_per_kwh", "coal_twh", "gas_twh", "oil_twh", "generation_twh"]
    ].mean()
    shares = means[["coal_twh", "gas_twh", "oil_twh"]].div(means["generation_twh"], axis=0)
    intensity = means["carbon_intensity_gco2_per_kwh"].to_numpy()
    design = np.column_stack([np.ones(len(means)), shares.to_numpy()])
    fitted = design @ np.linalg.lstsq(design, intensity, rcond=None)[0]
    r2 = 1 - ((intensity - fitted) ** 2).sum() / ((intensity - intensity.mean()) ** 2).sum()
    return ExposureCheck(
        correlation_with_coal=float(np.corrcoef(intensity, shares["coal_twh"])[0, 1]),
        r2_on_fuel_shares=float(r2),
        states=len(means),
    )


def checks(
    ci_excludes_zero: bool,
    pretrend: PreTrend,
    dose: DoseResponse,
    randomization: Randomization,
    placebo_p: float | None,
) -> pd.DataFrame:
    """What a referee asks before reading the estimate as an effect, one row per check:
    ``check``, ``result`` (in words) and ``passed``. ``placebo_p`` is the clustered p-value
    in the feed-in-tariff states (None without support data: the check is not run)."""
    rows = [
        (
            "beta's 95% interval excludes zero",
            "excludes zero" if ci_excludes_zero else "includes zero",
            ci_excludes_zero,
        ),
        (
            f"no pre-trend before the ETS ({pretrend.years})",
            f"joint F test p = {pretrend.pvalue:.2f}",
            pretrend.pvalue >= PRETREND_LEVEL,
        ),
        (
            "dose-response: the yearly coefficients rise with the lagged price",
            f"slope {dose.slope:+.4f} per EUR/t, p = {dose.pvalue:.2f}; largest coefficient in "
            f"{dose.peak_year}, at EUR {dose.peak_price:.1f}/t",
            dose.supported,
        ),
        (
            "randomisation inference over permuted price paths",
            f"p = {randomization.pvalue:.3f} ({randomization.draws} paths)",
            randomization.pvalue < 0.05,
        ),
    ]
    if placebo_p is not None:
        rows.append(
            (
                "placebo: no effect where support did not depend on the carbon price",
                f"feed-in-tariff states only: p = {placebo_p:.3f}",
                placebo_p >= 0.05,
            )
        )
    return pd.DataFrame(rows, columns=["check", "result", "passed"])
