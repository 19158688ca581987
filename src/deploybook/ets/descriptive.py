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


PHASE3_SCOPE = "phase 3: EU-28 + EEA-EFTA (the UK in both years)"
PHASE4_SCOPE = "phase 4: EU-27 + EEA-EFTA + Northern Ireland (no UK in either year)"


def scope_changes(overview: pd.DataFrame, phase4_ratio: float) -> pd.DataFrame:
    """Changes of the cap and of verified emissions, each between two years on one scope, next
    to the moving-scope changes they replace. ``phase4_ratio`` scales a phase-3 cap to phase
    4's scope (:func:`deploybook.ets.market.regimes.phase4_scope_ratio`). The data have no
    country split, so emissions are compared only within a phase."""
    by_year = overview.set_index("year")
    emissions = by_year["verified_mt"].dropna()
    cap = by_year["cap_mt"].dropna()
    last4 = int(emissions.index.max())
    rows = [
        (
            "stationary cap",
            2013,
            2023,
            "EU-27 + EEA-EFTA without the UK (the 2013 cap scaled to phase 4's scope)",
            True,
            (cap.loc[2023] / (cap.loc[2013] * phase4_ratio) - 1) * 100,
        ),
        ("stationary cap", 2013, 2023, "moving: the UK in 2013, not in 2023", False, None),
        ("verified emissions, seven activities", 2013, 2020, PHASE3_SCOPE, True, None),
        ("verified emissions, seven activities", 2021, last4, PHASE4_SCOPE, True, None),
        (
            "verified emissions, seven activities",
            2005,
            2023,
            "moving: EU-25 in 2005; Bulgaria, Romania and EEA-EFTA from 2008, new activities "
            "from 2013, the UK out from 2021",
            False,
            None,
        ),
    ]
    out = []
    for quantity, first, last, scope, same, change in rows:
        series = cap if quantity == "stationary cap" else emissions
        out.append(
            {
                "quantity": quantity,
                "first_year": first,
                "last_year": last,
                "scope": scope,
                "same_scope": same,
                "change_pct": change if change is not None else change_pct(series, first, last),
            }
        )
    return pd.DataFrame(out)


def bulk_chemicals_step_2008(emissions: pd.DataFrame) -> float:
    """The 2007-2008 change of activity 42 (bulk chemicals), Mt: a scope change, not growth."""
    chem = emissions[emissions["activity_code"] == 42].set_index("year")
    return float(
        chem.loc[2008, "verified_emissions_mt_co2e"] - chem.loc[2007, "verified_emissions_mt_co2e"]
    )


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


def displaced_emissions(owid: pd.DataFrame, eurostat: pd.DataFrame) -> pd.Series:
    """Power-sector CO2 (Mt) displaced each year by the growth of EU-27 renewable generation
    since 2005: Eurostat's renewable generation above its 2005 level times the fossil
    generation's emission intensity that year (OWID: power-sector CO2 over fossil TWh)."""
    eu = owid[owid["iso3"] == "EU27"].set_index("year")
    intensity = eu["power_sector_emissions_mtco2"] / eu["fossil_twh"]
    renewables = eurostat[eurostat["country"] == "EU27"].set_index("year")[
        "renewable_electricity_gwh"
    ]
    if 2005 not in renewables.index:
        raise ValueError("no EU-27 renewable generation for 2005 in the Eurostat file")
    growth_twh = (renewables - renewables.loc[2005]) / 1000
    return (growth_twh * intensity).dropna().rename("displaced_mt_co2")


def value_at(frame: pd.DataFrame, year: int, column: str) -> float:
    indexed = frame.set_index("year")[column]
    if year not in indexed.index or pd.isna(indexed.loc[year]):
        raise ValueError(f"no {column} for {year}")
    return float(indexed.loc[year])


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
