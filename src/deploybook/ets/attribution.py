r"""A panel estimate of the carbon price's effect on renewable deployment across EU states.

The EUA price is the same in every country in a year, so year fixed effects absorb its
level: its effect is identified only through differences in exposure. Exposure is fixed
before the ETS (2000-2004 means), so it cannot respond to the price. The treatment is

.. math:: D_{it} = X_i \, P_{t-\ell},

with :math:`X_i` the pre-ETS carbon intensity of country *i*'s power (t CO2/MWh) — so
:math:`D_{it}` is the carbon cost of an average pre-ETS MWh in EUR/MWh — or its coal share,
and :math:`P_{t-\ell}` the annual mean EUA price lagged :math:`\ell` years (zero before 2005).
The regression is

.. math:: y_{it} = \alpha_i + \gamma_t + \beta D_{it} + (\text{controls}) + \varepsilon_{it}

with country and year effects, standard errors clustered by country (CR1 with the
G/(G-1) small-sample factor; intervals and p-values from Student's t with G-1 degrees of
freedom, G = 25 clusters) and, because 25 clusters are few, a wild cluster bootstrap
(Webb weights): its p-value imposes the null (restricted residuals, which MacKinnon and Webb
find more reliable with few clusters), its interval is the unrestricted bootstrap-t.
:math:`\beta` says how much more a country deploys per EUR/MWh of carbon cost than a country
with one EUR/MWh less. Converting it into "the share of deployment caused by the price"
needs one more assumption: that a country with zero exposure would not respond to the price
at all; the common (level) effect of the price is not identified by this design.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from linearmodels.panel import PanelOLS
from scipy import stats

PRE_ETS = (2000, 2004)
ETS_START = 2005

# outcome: (column, the column that turns one unit of it into deployment, what it counts)
OUTCOMES = {
    "capacity": ("ws_additions_gw_per_100twh", "demand_100twh", "wind and solar GW added"),
    "renewables_share": (
        "renewables_share_change_pp",
        "generation_twh_per_pp",
        "TWh-equivalent of renewable share gains",
    ),
    "wind_solar_share": (
        "wind_solar_share_change_pp",
        "generation_twh_per_pp",
        "TWh-equivalent of wind and solar share gains",
    ),
}
EXPOSURES = {
    "carbon_intensity": "pre_carbon_intensity_t_per_mwh",
    "coal_share": "pre_coal_share",
}


@dataclass(frozen=True)
class Spec:
    """One specification of the panel regression."""

    outcome: str = "capacity"
    exposure: str = "carbon_intensity"
    lag: int = 1
    country_trends: bool = False
    fuel_controls: bool = False
    cov: str = "clustered"  # "clustered" (by country) or "driscoll_kraay"
    # the 2007 price: "phase1" is the annual mean of the front-December (Dec-07, phase-1)
    # contract, which collapsed to EUR 1.5/t; "phase2" the year-end price of Dec-08, the
    # contract an investor in 2007 looked at
    price_2007: str = "phase1"
    drop: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()  # if set, only these states
    support_controls: bool = False  # support-regime x year effects and the feed-in score
    first_year: int = 2001
    last_year: int = 2024

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome {self.outcome!r}: choose one of {', '.join(OUTCOMES)}")
        if self.exposure not in EXPOSURES:
            raise ValueError(f"exposure {self.exposure!r}: choose one of {', '.join(EXPOSURES)}")
        if self.cov not in ("clustered", "driscoll_kraay"):
            raise ValueError(f"cov {self.cov!r}: choose 'clustered' or 'driscoll_kraay'")
        if not 0 <= self.lag <= 3:
            raise ValueError(f"lag {self.lag}: choose 0-3 years")
        if self.price_2007 not in ("phase1", "phase2"):
            raise ValueError(f"price_2007 {self.price_2007!r}: choose 'phase1' or 'phase2'")


@dataclass(frozen=True)
class Estimate:
    """The coefficient on exposure x price with its uncertainty."""

    beta: float
    se: float
    ci_low: float
    ci_high: float
    pvalue: float
    nobs: int
    countries: int
    years: str


def exposures(owid: pd.DataFrame) -> pd.DataFrame:
    """Pre-ETS (2000-2004) carbon intensity (t/MWh), coal and gas shares and demand, by state."""
    pre = owid[(owid["year"].between(*PRE_ETS)) & (owid["iso3"] != "EU27")]
    grouped = pre.groupby("iso3")
    return pd.DataFrame(
        {
            "pre_carbon_intensity_t_per_mwh": grouped["carbon_intensity_gco2_per_kwh"].mean()
            / 1000,
            "pre_coal_share": grouped["coal_share_pct"].mean() / 100,
            "pre_gas_share": grouped["gas_share_pct"].mean() / 100,
            "demand_100twh": grouped["demand_twh"].mean() / 100,
        }
    )


def build_panel(
    electricity: pd.DataFrame,
    capacity: pd.DataFrame,
    owid: pd.DataFrame,
    eua_annual: pd.DataFrame,
    commodities: pd.DataFrame,
    support: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Country-year panel: outcomes, pre-ETS exposures, the EUA price (0 before 2005), the fuel
    prices used as controls and, if ``support`` (the OECD EPS renewable-support scores) is
    given, each state-year's support regime (:func:`support_regime`) and feed-in score.
    ``capacity`` has ``wind_gw`` and ``solar_gw`` by state and year
    (:func:`deploybook.ets.descriptive.irena_capacity`). States: those in the Ember
    generation file."""
    gen = electricity[
        [
            "iso3",
            "country",
            "year",
            "generation_twh",
            "renewables_twh",
            "wind_and_solar_twh",
            "renewables_share_pct",
            "wind_solar_share_pct",
        ]
    ].sort_values(["iso3", "year"])
    by = gen.groupby("iso3")
    gen["renewables_share_change_pp"] = by["renewables_share_pct"].diff()
    gen["wind_solar_share_change_pp"] = by["wind_solar_share_pct"].diff()
    gen["renewables_twh_added"] = by["renewables_twh"].diff()
    gen["wind_solar_twh_added"] = by["wind_and_solar_twh"].diff()
    gen["generation_twh_per_pp"] = gen["generation_twh"] / 100
    cap = capacity[["iso3", "year", "wind_solar_gw"]].sort_values(["iso3", "year"])
    cap["ws_added_gw"] = cap.groupby("iso3")["wind_solar_gw"].diff()
    panel = gen.merge(cap[["iso3", "year", "ws_added_gw"]], on=["iso3", "year"], how="left")
    panel = panel.merge(exposures(owid), left_on="iso3", right_index=True, how="left")
    panel["ws_additions_gw_per_100twh"] = panel["ws_added_gw"] / panel["demand_100twh"]
    annual = eua_annual.set_index("year")
    years = pd.Index(range(panel["year"].min() - 3, panel["year"].max() + 1))
    price = annual["mean_eur_per_t"].reindex(years).where(years >= ETS_START, 0.0)
    phase2 = price.copy()
    phase2.loc[2007] = annual.loc[2007, "last_eur_per_t"]  # Dec-08 after the December roll
    fuels = commodities.set_index("year").reindex(years)
    for lag in range(4):
        panel[f"eua_lag{lag}"] = panel["year"].map(price.shift(lag))
        panel[f"eua_p2_lag{lag}"] = panel["year"].map(phase2.shift(lag))
        panel[f"gas_lag{lag}"] = panel["year"].map(
            fuels["gas_ttf_netherlands_usd_per_mmbtu"].shift(lag)
        )
        panel[f"coal_lag{lag}"] = panel["year"].map(fuels["coal_australia_usd_per_t"].shift(lag))
    if panel["pre_carbon_intensity_t_per_mwh"].isna().any():
        missing = sorted(panel.loc[panel["pre_carbon_intensity_t_per_mwh"].isna(), "iso3"].unique())
        raise ValueError(f"no pre-ETS exposure for {missing}")
    if support is not None:
        scores = support.assign(
            support_regime=support_regime(support),
            fit_score=support["fit_wind_score"] + support["fit_solar_score"],
        )
        panel = panel.merge(
            scores[["iso3", "year", "support_regime", "fit_score"]],
            on=["iso3", "year"],
            how="left",
        )
    return panel


def support_regime(support: pd.DataFrame) -> pd.Series:
    """Each state-year's support regime from the OECD EPS scores: ``certificates`` when a
    renewable certificate (quota) scheme is scored, else ``price-based`` (feed-in tariffs,
    premiums, auctions) when either FIT score is positive, else ``none``."""
    fit = (support["fit_wind_score"] + support["fit_solar_score"]) > 0
    regime = np.where(
        support["res_trading_scheme_score"] > 0,
        "certificates",
        np.where(fit, "price-based", "none"),
    )
    return pd.Series(regime, index=support.index, name="support_regime")


def price_based_states(panel: pd.DataFrame, window: tuple[int, int]) -> list[str]:
    """States whose support in every year of ``window`` was price-based (feed-in tariffs,
    premiums or auctions, no certificate scheme): their renewables' revenue did not depend
    on the carbon price, the placebo group."""
    if "support_regime" not in panel:
        raise ValueError("the panel has no support regimes: build it with the OECD EPS scores")
    part = panel[panel["year"].between(*window)]
    regimes = part.groupby("iso3")["support_regime"].agg(lambda s: set(s.dropna()))
    return sorted(iso for iso, found in regimes.items() if found == {"price-based"})


def _treatment(frame: pd.DataFrame, spec: Spec) -> pd.Series:
    """Exposure x lagged EUA price (with the 2007 price ``spec.price_2007`` says)."""
    price = "eua_p2_lag" if spec.price_2007 == "phase2" else "eua_lag"
    return frame[EXPOSURES[spec.exposure]] * frame[f"{price}{spec.lag}"]


def _sample(panel: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """The rows of ``spec``'s years and states."""
    rows = panel["year"].between(spec.first_year, spec.last_year) & ~panel["iso3"].isin(spec.drop)
    if spec.keep:
        rows &= panel["iso3"].isin(spec.keep)
    return panel[rows]


def _design(panel: pd.DataFrame, spec: Spec) -> tuple[pd.Series, pd.DataFrame]:
    y_col = OUTCOMES[spec.outcome][0]
    frame = _sample(panel, spec).copy()
    frame["treatment"] = _treatment(frame, spec)
    regressors = ["treatment"]
    if spec.support_controls:
        if "support_regime" not in frame:
            raise ValueError("support controls need the OECD EPS scores in the panel")
        frame = frame.dropna(subset=["support_regime", "fit_score"])
        # year effects are the price-based states' years; the other regimes get their own
        other = frame["support_regime"] != "price-based"
        cells = (frame["support_regime"] + "_" + frame["year"].astype(str)).where(other)
        dummies = pd.get_dummies(cells, prefix="regime_year", dtype=float)
        dummies = dummies.loc[:, dummies.sum() > 0]
        frame = pd.concat([frame, dummies], axis=1)
        regressors += ["fit_score", *dummies.columns]
    if spec.fuel_controls:
        frame["gas_x_gas_share"] = frame["pre_gas_share"] * frame[f"gas_lag{spec.lag}"]
        frame["coal_x_coal_share"] = frame["pre_coal_share"] * frame[f"coal_lag{spec.lag}"]
        regressors += ["gas_x_gas_share", "coal_x_coal_share"]
    if spec.country_trends:
        centred = frame["year"] - frame["year"].mean()
        trends = pd.DataFrame(
            {
                f"trend_{iso}": (frame["iso3"] == iso) * centred
                for iso in sorted(frame["iso3"].unique())[1:]
            },
            index=frame.index,
        )
        frame = pd.concat([frame, trends], axis=1)
        regressors += list(trends.columns)
    frame = frame.dropna(subset=[y_col, *regressors])
    indexed = frame.set_index(["iso3", "year"])
    return indexed[y_col], indexed[regressors]


def estimate(panel: pd.DataFrame, spec: Spec) -> Estimate:
    """Two-way fixed-effects estimate of beta under ``spec`` (linearmodels ``PanelOLS``).

    Clustered: CR1 errors by country with the G/(G-1) factor, t with G-1 degrees of freedom.
    Driscoll-Kraay: Bartlett kernel over years (bandwidth 2), t with T-1 degrees of freedom.
    """
    y, x = _design(panel, spec)
    model = PanelOLS(y, x, entity_effects=True, time_effects=True, drop_absorbed=True)
    years = y.index.get_level_values("year")
    countries = int(y.index.get_level_values("iso3").nunique())
    if spec.cov == "clustered":
        fit = model.fit(cov_type="clustered", cluster_entity=True, group_debias=True)
        df = countries - 1
    else:
        fit = model.fit(cov_type="kernel", kernel="bartlett", bandwidth=2)
        df = int(years.nunique()) - 1
    beta, se = float(fit.params["treatment"]), float(fit.std_errors["treatment"])
    crit = float(stats.t.ppf(0.975, df))
    return Estimate(
        beta=beta,
        se=se,
        ci_low=beta - crit * se,
        ci_high=beta + crit * se,
        pvalue=float(2 * stats.t.sf(abs(beta / se), df)),
        nobs=int(fit.nobs),
        countries=countries,
        years=f"{years.min()}-{years.max()}",
    )


# Webb's six-point weights: better than Rademacher with few clusters
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def residual_maker(y: pd.Series, x: pd.DataFrame) -> tuple[Callable[[np.ndarray], np.ndarray], int]:
    """The design's country and year effects and controls (``x`` without the treatment) as
    one projection: a function that partials them out of any array of rows of ``y``'s index
    (Frisch-Waugh-Lovell), and the number of columns they take. The basis is computed once
    (SVD, rank-revealing, so collinear controls are harmless)."""
    iso = y.index.get_level_values("iso3").to_numpy()
    year = y.index.get_level_values("year").to_numpy()
    dummies = pd.get_dummies(pd.DataFrame({"i": iso, "t": year.astype(str)}), drop_first=True)
    z = np.column_stack([np.ones(len(y)), dummies.to_numpy(float), x.drop(columns="treatment")])
    u, singular, _ = np.linalg.svd(z, full_matrices=False)
    basis = u[:, singular > singular[0] * max(z.shape) * np.finfo(float).eps]

    def resid(a: np.ndarray) -> np.ndarray:
        return a - basis @ (basis.T @ a)

    return resid, z.shape[1]


def wild_cluster_bootstrap(
    panel: pd.DataFrame, spec: Spec, draws: int = 999, seed: int = 0, level: float = 0.95
) -> tuple[float, float, float]:
    """Wild cluster bootstrap-t (Webb weights, clusters = countries): CI and p-value for beta.

    The fixed effects, trends and controls are partialled out (Frisch-Waugh-Lovell); each
    draw flips the residuals of whole countries, re-estimates beta and its CR1 standard
    error. The p-value imposes beta = 0 (restricted residuals, WCR); the CI is beta +- the
    ``level`` quantile of the unrestricted bootstrap |t| (WCU) times the CR1 error.
    """
    y, x = _design(panel, spec)
    iso = y.index.get_level_values("iso3").to_numpy()
    resid, k = residual_maker(y, x)
    d = resid(x["treatment"].to_numpy(float))
    yt = resid(y.to_numpy(float))
    dd = d @ d
    beta = d @ yt / dd
    u = yt - d * beta
    groups, codes = np.unique(iso, return_inverse=True)
    g, n = len(groups), len(y)
    factor = np.sqrt(g / (g - 1) * (n - 1) / (n - k - 1))

    def cluster_se(resids: np.ndarray) -> np.ndarray:
        scores = np.zeros((g, resids.shape[1]))
        np.add.at(scores, codes, d[:, None] * resids)
        return factor * np.sqrt((scores**2).sum(axis=0)) / dd

    se = float(cluster_se(u[:, None])[0])
    rng = np.random.default_rng(seed)
    weights = rng.choice(_WEBB, size=(g, draws))[codes]

    def t_stats(y_star: np.ndarray, centre: float) -> np.ndarray:
        beta_star = d @ y_star / dd
        return (beta_star - centre) / cluster_se(y_star - d[:, None] * beta_star)

    # WCU: the fitted model's residuals, centred on beta -> the interval
    t_free = t_stats(d[:, None] * beta + resid(weights * u[:, None]), beta)
    q = float(np.quantile(np.abs(t_free), level))
    # WCR: residuals under beta = 0 (the outcome with the other effects partialled out)
    t_null = t_stats(resid(weights * yt[:, None]), 0.0)
    pvalue = float(np.mean(np.abs(t_null) >= abs(beta / se)))
    return beta - q * se, beta + q * se, pvalue


def attributable_share(
    panel: pd.DataFrame, spec: Spec, beta: float, window: tuple[int, int]
) -> tuple[float, float, float]:
    """Share of deployment in ``window`` (years of additions, inclusive) attributed to the
    price: sum over states and years of beta x exposure x lagged price, in deployment units,
    over the deployment observed. Returns (share, attributed, observed)."""
    y_col, scale_col, _ = OUTCOMES[spec.outcome]
    frame = _sample(panel, spec)
    frame = frame[frame["year"].between(*window)].dropna(subset=[y_col])
    treatment = _treatment(frame, spec)
    attributed = float((beta * treatment * frame[scale_col]).sum())
    observed = float((frame[y_col] * frame[scale_col]).sum())
    if observed <= 0:
        raise ValueError(f"no deployment observed in {window}: the share is undefined")
    return attributed / observed, attributed, observed


def _scaled(low: float, high: float, scale: float) -> tuple[float, float]:
    """The interval ``[low, high]`` of beta as an interval of the share (``scale`` may be < 0)."""
    ends = (low * scale, high * scale)
    return min(ends), max(ends)


@dataclass(frozen=True)
class Attribution:
    """The estimate under one specification, read as a share of the window's deployment."""

    estimate: Estimate
    window: tuple[int, int]
    share: float
    ci_low: float  # 95% CI of the share, clustered standard errors
    ci_high: float
    wild_ci_low: float  # 95% CI of the share, wild cluster bootstrap
    wild_ci_high: float
    wild_p: float
    attributed: float  # deployment attributed to the price, in the outcome's units
    observed: float  # deployment observed in the window


def attribute(
    panel: pd.DataFrame, spec: Spec, window: tuple[int, int], draws: int = 999
) -> Attribution:
    """Estimate beta under ``spec`` and convert it and both confidence intervals into shares
    of the deployment observed in ``window`` (the share is linear in beta)."""
    est = estimate(panel, spec)
    per_beta, _, observed = attributable_share(panel, spec, 1.0, window)
    boot_low, boot_high, boot_p = wild_cluster_bootstrap(panel, spec, draws=draws)
    return Attribution(
        estimate=est,
        window=window,
        share=est.beta * per_beta,
        ci_low=_scaled(est.ci_low, est.ci_high, per_beta)[0],
        ci_high=_scaled(est.ci_low, est.ci_high, per_beta)[1],
        wild_ci_low=_scaled(boot_low, boot_high, per_beta)[0],
        wild_ci_high=_scaled(boot_low, boot_high, per_beta)[1],
        wild_p=boot_p,
        attributed=est.beta * per_beta * observed,
        observed=observed,
    )


ROBUSTNESS_VARIANTS: dict[str, dict[str, Any]] = {
    "baseline": {},
    "country-specific linear trends": {"country_trends": True},
    "fuel-price x fuel-share controls": {"fuel_controls": True},
    "exposure: pre-ETS coal share": {"exposure": "coal_share"},
    "price lag 0": {"lag": 0},
    "price lag 2": {"lag": 2},
    "Driscoll-Kraay errors": {"cov": "driscoll_kraay"},
    "without Germany and Spain": {"drop": ("DEU", "ESP")},
    "2007 at the phase-2 (Dec-08) price": {"price_2007": "phase2"},
    "outcome: change in renewables share": {"outcome": "renewables_share"},
    "outcome: change in wind+solar share": {"outcome": "wind_solar_share"},
}


SUPPORT_LAST_YEAR = 2020  # the OECD EPS scores end in 2020


def robustness_specs(panel: pd.DataFrame, base: Spec, window: tuple[int, int]) -> dict[str, Spec]:
    """The specifications of the robustness table: :data:`ROBUSTNESS_VARIANTS` applied to
    ``base`` and, if the panel carries support regimes, the states with OECD EPS scores
    (to 2020) without and with support-regime x year controls, and the feed-in-tariff states
    alone (the placebo: their renewables' revenue did not depend on the carbon price)."""
    specs = {name: replace(base, **changes) for name, changes in ROBUSTNESS_VARIANTS.items()}
    if "support_regime" in panel:
        scored = tuple(sorted(panel.loc[panel["support_regime"].notna(), "iso3"].unique()))
        last = min(base.last_year, SUPPORT_LAST_YEAR)
        same = replace(base, keep=scored, last_year=last)
        specs[f"the {len(scored)} states with OECD support scores, to {last}"] = same
        specs["support regime x year controls (same states)"] = replace(same, support_controls=True)
        placebo = tuple(price_based_states(panel, window))
        specs[f"feed-in-tariff states only ({len(placebo)}, placebo)"] = replace(base, keep=placebo)
    return specs


def robustness(
    panel: pd.DataFrame, base: Spec, window: tuple[int, int], draws: int = 999
) -> pd.DataFrame:
    """The estimate under alternative specifications (:func:`robustness_specs`), with the
    share each implies and its confidence intervals."""
    rows = []
    for name, spec in robustness_specs(panel, base, window).items():
        att = attribute(panel, spec, window, draws)
        est = att.estimate
        rows.append(
            {
                "specification": name,
                "outcome": spec.outcome,
                "beta": est.beta,
                "se": est.se,
                "ci_low": est.ci_low,
                "ci_high": est.ci_high,
                "p": est.pvalue,
                "wild_bootstrap_p": att.wild_p,
                "share": att.share,
                "share_ci_low": att.ci_low,
                "share_ci_high": att.ci_high,
                "share_wild_ci_low": att.wild_ci_low,
                "share_wild_ci_high": att.wild_ci_high,
                "nobs": est.nobs,
                "countries": est.countries,
                "years": est.years,
            }
        )
    return pd.DataFrame(rows)
