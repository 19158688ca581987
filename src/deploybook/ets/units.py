"""Currencies read from column names, and the fuel-price file checked against the IMF's prices.

Every price column names its unit (``..._eur_per_t``, ``..._usd_per_bbl``, with an optional
``_monthly_mean`` / ``_annual_mean`` suffix), and code converts by that label: the label is the
only statement of the unit. :func:`imf_check` puts the label to an outside test: it converts each
fuel series to US dollars as its label says (ECB monthly rates) and compares the annual means with
the IMF's primary commodity prices for the same or a neighbouring product. A series labelled in
the wrong currency misses by the exchange rate (25% in 2013).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

_PRICE = re.compile(
    r"^(?P<stem>.+)_(?P<currency>eur|usd)_per_(?P<unit>[a-z0-9]+)(?:_(?:monthly|annual)_mean)?$"
)
FX_COLUMN = "usd_per_eur_monthly_mean"
MMBTU_PER_MWH = 3.6 / 1.055056  # 1 MWh = 3.6 GJ; 1 MMBtu = 1.055056 GJ


@dataclass(frozen=True)
class PriceColumn:
    """A price column and the unit its name states."""

    name: str
    stem: str
    currency: str  # "eur" or "usd"
    unit: str  # per what: "t", "mwh", "bbl"


def price_column(frame: pd.DataFrame, stem: str) -> PriceColumn:
    """The one price column of ``frame`` whose name starts with ``stem``, with its unit."""
    found = [
        PriceColumn(c, m["stem"], m["currency"], m["unit"])
        for c in frame.columns
        if (m := _PRICE.match(str(c))) and m["stem"] == stem
    ]
    if len(found) != 1:
        raise KeyError(
            f"expected one price column '{stem}_<eur|usd>_per_<unit>', found "
            f"{[p.name for p in found] or 'none'} in {list(frame.columns)}"
        )
    return found[0]


def _with_fx(frame: pd.DataFrame, fx: pd.DataFrame) -> pd.DataFrame:
    merged = frame.merge(fx[["year", "month", FX_COLUMN]], on=["year", "month"], how="left")
    if merged[FX_COLUMN].isna().any():
        missing = merged.loc[merged[FX_COLUMN].isna(), ["year", "month"]]
        raise ValueError(f"no ECB USD/EUR rate for months {missing.to_dict('records')[:3]}")
    return merged


def in_currency(frame: pd.DataFrame, stem: str, fx: pd.DataFrame, currency: str) -> pd.Series:
    """Monthly prices of series ``stem`` in ``currency`` ("eur" or "usd") per the series' own
    unit, converted at the ECB monthly mean rate when the column's label says otherwise."""
    if currency not in ("eur", "usd"):
        raise ValueError(f"currency {currency!r}: choose 'eur' or 'usd'")
    column = price_column(frame, stem)
    if column.currency == currency:
        return frame[column.name].astype(float)
    merged = _with_fx(frame, fx)
    values, rate = merged[column.name].astype(float), merged[FX_COLUMN]
    converted = values * rate if currency == "usd" else values / rate
    return converted.set_axis(frame.index)


@dataclass(frozen=True)
class Counterpart:
    """An IMF series that prices the same or a neighbouring product as a fuel series."""

    stem: str  # fuel-price series
    imf_column: str  # USD per the IMF's unit
    imf_units_per_fuel_unit: float  # e.g. MMBtu per MWh for gas: turns the IMF price per unit
    first_year: int
    year_tolerance: float  # largest gap allowed in any one year
    mean_tolerance: float  # largest gap allowed in the mean over the years
    why: str


IMF_COUNTERPARTS = (
    Counterpart(
        "brent_front_month",
        "brent_usd_per_bbl",
        1.0,
        2013,
        0.10,
        0.10,
        "the same crude (Brent); front-month futures against the spot average",
    ),
    Counterpart(
        "gas_ttf_front_month",
        "gas_ttf_netherlands_usd_per_mmbtu",
        MMBTU_PER_MWH,
        2013,
        0.25,
        0.10,
        "the same hub (TTF); in 2014-2015 the IMF annual values lie 12-21% above the "
        "fuel file in either currency, so single years are held to 25%",
    ),
    Counterpart(
        "coal_api2_rotterdam_front_month",
        "coal_south_africa_usd_per_t",
        1.0,
        2013,
        0.25,
        0.10,
        "a neighbouring product: API2 is delivered to Rotterdam (CIF ARA), the IMF series is "
        "South African coal at Richards Bay (FOB), which traded up to 23% above ARA in "
        "2019-2020",
    ),
)


def imf_check(
    fuels: pd.DataFrame,
    fx: pd.DataFrame,
    imf: pd.DataFrame,
    counterparts: tuple[Counterpart, ...] = IMF_COUNTERPARTS,
) -> pd.DataFrame:
    """Per fuel series and year: the annual mean in USD as the column's label says, the IMF
    value, the gap (fuel / IMF - 1) and whether it is within the series' yearly tolerance.
    ``fuels`` is the monthly fuel-price file, ``fx`` the ECB monthly rates, ``imf`` the IMF
    annual file; only full years present in both are compared."""
    months = fuels.groupby("year")["month"].nunique()
    full_years = months[months == 12].index
    rows = []
    for c in counterparts:
        usd = in_currency(fuels, c.stem, fx, "usd").groupby(fuels["year"]).mean()
        imf_usd = imf.set_index("year")[c.imf_column] * c.imf_units_per_fuel_unit
        years = sorted(set(full_years) & set(imf_usd.index) & set(usd.index))
        for year in (y for y in years if y >= c.first_year):
            gap = float(usd.loc[year] / imf_usd.loc[year] - 1)
            rows.append(
                {
                    "series": c.stem,
                    "label": price_column(fuels, c.stem).name,
                    "imf_series": c.imf_column,
                    "year": int(year),
                    "fuel_usd": float(usd.loc[year]),
                    "imf_usd": float(imf_usd.loc[year]),
                    "gap": gap,
                    "within": abs(gap) <= c.year_tolerance,
                }
            )
    return pd.DataFrame(rows)


def imf_check_summary(
    check: pd.DataFrame, counterparts: tuple[Counterpart, ...] = IMF_COUNTERPARTS
) -> pd.DataFrame:
    """Per series: years compared, mean and largest gap, and whether the series' label passes
    (every year within its yearly tolerance and the mean gap within the mean tolerance)."""
    rows = []
    for c in counterparts:
        part = check[check["series"] == c.stem]
        if part.empty:
            raise ValueError(f"no years compared for {c.stem}")
        mean_gap = float(part["gap"].mean())
        rows.append(
            {
                "series": c.stem,
                "label": str(part["label"].iloc[0]),
                "imf_series": c.imf_column,
                "years": f"{part['year'].min()}-{part['year'].max()}",
                "mean_gap": mean_gap,
                "largest_gap": float(part["gap"].abs().max()),
                "passes": bool(part["within"].all() and abs(mean_gap) <= c.mean_tolerance),
                "why": c.why,
            }
        )
    return pd.DataFrame(rows)
