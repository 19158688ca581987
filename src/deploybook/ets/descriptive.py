"""Descriptive series: cap, emissions and price by phase; TNAC and MSR; the EU power mix."""

from __future__ import annotations

import numpy as np
import pandas as pd

AVIATION = 10
PHASES = [
    ("phase 1", 2005, 2007),
    ("phase 2", 2008, 2012),
    ("phase 3", 2013, 2020),
    ("phase 4", 2021, 2030),
]


def phase_of(year: int) -> str:
    """The ETS trading phase of ``year`` (2005-2030)."""
    for name, first, last in PHASES:
        if first <= year <= last:
            return name
    raise ValueError(f"{year} is outside the ETS phases 2005-2030")


def stationary_emissions(emissions: pd.DataFrame) -> pd.Series:
    """Verified emissions of the seven stationary activities in the data (Mt), by year."""
    stationary = emissions[emissions["activity_code"] != AVIATION]
    counts = stationary.groupby("year")["activity_code"].nunique()
    full = counts[counts == counts.max()].index
    return stationary.groupby("year")["verified_emissions_mt_co2e"].sum().loc[full]


def ets_overview(
    emissions: pd.DataFrame, cap: pd.DataFrame, price: pd.DataFrame, tnac: pd.DataFrame
) -> pd.DataFrame:
    """One row per year: phase, cap (Mt), verified emissions (seven activities and
    combustion, Mt), EUA annual mean (EUR/t, with whether the year is partial), TNAC (Mt)."""
    stat = stationary_emissions(emissions).rename("verified_mt")
    combustion = (
        emissions[emissions["activity_code"] == 20]
        .set_index("year")["verified_emissions_mt_co2e"]
        .rename("combustion_mt")
    )
    frame = pd.concat(
        [
            stat,
            combustion,
            (cap.set_index("year")["cap_allowances"] / 1e6).rename("cap_mt"),
            price.set_index("year")["mean_eur_per_t"].rename("eua_mean_eur_per_t"),
            price.set_index("year")["partial_year"].rename("eua_partial_year"),
            (tnac.set_index("tnac_reference_year")["tnac_allowances"] / 1e6).rename("tnac_mt"),
        ],
        axis=1,
    ).sort_index()
    frame.index.name = "year"
    frame = frame.loc[frame.index <= 2030].reset_index()
    frame.insert(1, "phase", frame["year"].map(phase_of))
    return frame


def change_pct(series: pd.Series, first: int, last: int) -> float:
    """Percentage change of ``series`` between two years."""
    for year in (first, last):
        if year not in series.index or pd.isna(series.loc[year]):
            raise ValueError(
                f"no value for {year}; the series covers {series.index.min()}-{series.index.max()}"
            )
    return float((series.loc[last] / series.loc[first] - 1) * 100)


def phase_summary(overview: pd.DataFrame) -> pd.DataFrame:
    """Per phase (years with data): mean EUA price, price range, emissions at start and end."""
    rows = []
    for name, group in overview.dropna(subset=["verified_mt"]).groupby("phase", sort=False):
        prices = group.loc[group["eua_partial_year"] == "no", "eua_mean_eur_per_t"]
        rows.append(
            {
                "phase": name,
                "years": f"{group['year'].min()}-{group['year'].max()}",
                "mean EUA (EUR/t)": prices.mean(),
                "lowest annual mean": prices.min(),
                "highest annual mean": prices.max(),
                "emissions first year (Mt)": group["verified_mt"].iloc[0],
                "emissions last year (Mt)": group["verified_mt"].iloc[-1],
                "change in phase (%)": (
                    group["verified_mt"].iloc[-1] / group["verified_mt"].iloc[0] - 1
                )
                * 100,
            }
        )
    return pd.DataFrame(rows)


def intake_months(period: str) -> int:
    """Months in a published intake period such as ``"2019-01 to 2019-08"`` (8)."""
    try:
        start, end = (pd.Period(part.strip(), freq="M") for part in period.split(" to "))
    except ValueError:
        raise ValueError(f"intake period {period!r} is not 'YYYY-MM to YYYY-MM'") from None
    return (end - start).n + 1


def msr_table(tnac: pd.DataFrame, computed_intake: pd.Series) -> pd.DataFrame:
    """Published TNAC and MSR intake next to the intake the MSR rule gives for that TNAC,
    scaled to the months of the published period (the first feed covered 8 months)."""
    frame = tnac[
        [
            "tnac_reference_year",
            "tnac_allowances",
            "tnac_exact_or_rounded",
            "msr_intake_allowances",
            "msr_intake_period",
        ]
    ].copy()
    months = frame["msr_intake_period"].map(
        lambda p: intake_months(p) if isinstance(p, str) else 12
    )
    frame["rule_intake_allowances"] = (
        frame["tnac_reference_year"].map(computed_intake) * months / 12
    )
    frame["difference_pct"] = (
        frame["rule_intake_allowances"] / frame["msr_intake_allowances"] - 1
    ) * 100
    return frame


def eu_mix(electricity: pd.DataFrame) -> pd.DataFrame:
    """EU totals of the states in the Ember file: generation by source and shares (%)."""
    cols = ["generation_twh", "renewables_twh", "wind_and_solar_twh", "coal_twh", "fossil_twh"]
    total = electricity.groupby("year")[cols].sum()
    out = pd.DataFrame(
        {
            "renewables_share_pct": total["renewables_twh"] / total["generation_twh"] * 100,
            "wind_solar_share_pct": total["wind_and_solar_twh"] / total["generation_twh"] * 100,
            "coal_share_pct": total["coal_twh"] / total["generation_twh"] * 100,
            "fossil_share_pct": total["fossil_twh"] / total["generation_twh"] * 100,
            "generation_twh": total["generation_twh"],
        }
    )
    return out.reset_index()


def country_capacity(capacity: pd.DataFrame) -> pd.DataFrame:
    """Wind and solar capacity (GW) by country and year; a missing value counts as none
    installed only before the country's first reported value."""
    frame = capacity[["country", "iso3", "year", "wind_gw", "solar_gw"]].sort_values(
        ["iso3", "year"]
    )
    for col in ["wind_gw", "solar_gw"]:
        reported = frame.groupby("iso3")[col].transform(lambda s: s.notna().cummax())
        frame[col] = np.where(reported, frame[col], 0.0)
    frame["wind_solar_gw"] = frame["wind_gw"] + frame["solar_gw"]
    return frame.reset_index(drop=True)


def irena_capacity(irena: pd.DataFrame) -> pd.DataFrame:
    """Wind (onshore and offshore) and solar capacity (GW) by country and year from the IRENA
    file (MW), with the same rule for missing values as :func:`country_capacity`; a state
    without offshore wind has none."""
    frame = irena.assign(
        wind_gw=irena["onshore_wind_mw"].add(irena["offshore_wind_mw"], fill_value=0.0) / 1000,
        solar_gw=irena["solar_mw"] / 1000,
    )
    return country_capacity(frame)


def _at(frame: pd.DataFrame, year: int, column: str) -> float:
    indexed = frame.set_index("year")[column]
    if year not in indexed.index or pd.isna(indexed.loc[year]):
        raise ValueError(f"no {column} for {year}")
    return float(indexed.loc[year])


def overview_figures(overview: pd.DataFrame) -> dict[str, float]:
    """Key figures of the cap-emissions-price overview (:func:`ets_overview`), by glue name."""
    by_year = overview.set_index("year")
    return {
        "verified_emissions_change_pct_2005_2023": round(
            change_pct(by_year["verified_mt"], 2005, 2023), 1
        ),
        "cap_change_pct_2013_2023": round(change_pct(by_year["cap_mt"], 2013, 2023), 1),
        "eua_mean_2023": _at(overview, 2023, "eua_mean_eur_per_t"),
        "eua_mean_2013_2017": round(float(by_year.loc[2013:2017, "eua_mean_eur_per_t"].mean()), 1),
    }


def mix_figures(mix: pd.DataFrame, electricity: pd.DataFrame) -> dict[str, float | int]:
    """Key figures of the EU power mix (:func:`eu_mix`), by glue name."""
    return {
        "mix_states": int(electricity["iso3"].nunique()),
        "renewables_share_2005": round(_at(mix, 2005, "renewables_share_pct"), 1),
        "renewables_share_2024": round(_at(mix, 2024, "renewables_share_pct"), 1),
        "coal_share_2024": round(_at(mix, 2024, "coal_share_pct"), 1),
    }


def price_level(eua_monthly: pd.DataFrame, first: int, last: int) -> tuple[float, float]:
    """Mean monthly EUA price over ``first..last`` (EUR/t) and its coefficient of variation."""
    prices = eua_monthly.loc[eua_monthly["year"].between(first, last), "mean_eur_per_t"]
    if prices.empty:
        raise ValueError(f"no monthly EUA prices in {first}-{last}")
    return float(prices.mean()), float(prices.std() / prices.mean())


def trading_days_per_month(eua_monthly: pd.DataFrame) -> float:
    """Mean number of trading days per full month in the EUA price file."""
    full = eua_monthly.iloc[1:-1]  # the first and last months of the series are partial
    return float(full["n_trading_days"].mean())


def price_range_figures(eua_annual: pd.DataFrame, window: tuple[int, int]) -> dict[str, float]:
    """Lowest and highest annual mean EUA price (EUR/t) in ``window``, by glue name."""
    prices = eua_annual.loc[eua_annual["year"].between(*window), "mean_eur_per_t"]
    if prices.empty:
        raise ValueError(f"no annual EUA prices in {window[0]}-{window[1]}")
    return {
        "window_price_low": round(float(prices.min()), 1),
        "window_price_high": round(float(prices.max()), 1),
    }


def msr_figures(msr: pd.DataFrame) -> dict[str, float | int]:
    """How closely the MSR rule reproduces published intakes (:func:`msr_table`), by glue
    name: the largest gap in % and the number of intakes compared."""
    gaps = msr["difference_pct"].dropna()
    return {
        "msr_rule_max_error_pct": round(float(gaps.abs().max()), 2),
        "msr_intakes_compared": len(gaps),
    }


def select_countries(frame: pd.DataFrame, countries: list[str]) -> pd.DataFrame:
    """The rows of ``countries`` (ISO3 codes; all rows if empty); a clear error naming any code
    the frame does not have."""
    if not countries:
        return frame
    known = set(frame["iso3"])
    unknown = sorted(set(countries) - known)
    if unknown:
        raise ValueError(
            f"countries {unknown} are not in the data; it has {', '.join(sorted(known))}"
        )
    return frame[frame["iso3"].isin(countries)]
