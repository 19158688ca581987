"""The fuel-price file's currency labels, checked against an outside reference.

Reference: the IMF's Primary Commodity Prices (annual US dollar averages, ``data/ets/
imf_commodity_prices_annual_1990_2023.csv``, via ccs282/EU_ETS_Co_Benefits), with each fuel series
converted to dollars as its column label says at the European Central Bank's monthly USD/EUR
reference rates (``data/ets/ecb_usd_per_eur_monthly_2005_2025.csv``). Neither file comes from the
fuel-price source (ICE futures via rubenpescialli/gvarx-euets-electricity-model).
"""

from __future__ import annotations

import pandas as pd
import pytest

from deploybook.ets import units
from deploybook.ets.loaders import load

FUELS = "fuel_prices_monthly_2013_2025.csv"


def _summary(fuels: pd.DataFrame) -> pd.DataFrame:
    check = units.imf_check(
        fuels,
        load("ecb_usd_per_eur_monthly_2005_2025.csv"),
        load("imf_commodity_prices_annual_1990_2023.csv"),
    )
    return units.imf_check_summary(check).set_index("series")


@pytest.mark.parametrize("series", [c.stem for c in units.IMF_COUNTERPARTS])
def test_each_fuel_series_agrees_with_the_imf_in_dollars(series: str) -> None:
    row = _summary(load(FUELS)).loc[series]
    assert row["passes"], f"{row['label']} against {row['imf_series']}: {row.to_dict()}"


def test_brent_is_within_ten_percent_of_the_imf_every_year() -> None:
    """Brent is the same crude in both sources, so each year's mean must agree within 10%."""
    check = units.imf_check(
        load(FUELS),
        load("ecb_usd_per_eur_monthly_2005_2025.csv"),
        load("imf_commodity_prices_annual_1990_2023.csv"),
    )
    brent = check[check["series"] == "brent_front_month"].set_index("year")
    assert list(brent.index) == list(range(2013, 2024))
    assert brent["gap"].abs().max() < 0.10
    # the two years: 81.82 EUR/bbl in the file, 108.96 USD at the IMF (2013), 94.22 and 99.0
    assert brent.loc[2013, "imf_usd"] == pytest.approx(108.96)
    assert brent.loc[2022, "imf_usd"] == pytest.approx(99.0)


def _swap_currency(fuels: pd.DataFrame, stems: list[str]) -> pd.DataFrame:
    swap = {"_eur_per_": "_usd_per_", "_usd_per_": "_eur_per_"}
    names = {}
    for stem in stems:
        column = units.price_column(fuels, stem).name
        old = next(k for k in swap if k in column)
        names[column] = column.replace(old, swap[old])
    return fuels.rename(columns=names)


def test_the_wrong_currency_label_is_caught() -> None:
    """Relabel API2 coal and Brent with the other currency (the state of the file before issue
    16): both fail the IMF check, while gas, untouched, still passes."""
    wrong = _summary(
        _swap_currency(load(FUELS), ["brent_front_month", "coal_api2_rotterdam_front_month"])
    )
    assert not wrong.loc["brent_front_month", "passes"]
    assert not wrong.loc["coal_api2_rotterdam_front_month", "passes"]
    assert wrong.loc["gas_ttf_front_month", "passes"]


def test_price_column_reads_the_unit_from_the_name() -> None:
    frame = pd.DataFrame(columns=["year", "month", "x_eur_per_t_monthly_mean", "y_usd_per_bbl"])
    assert units.price_column(frame, "x") == units.PriceColumn(
        "x_eur_per_t_monthly_mean", "x", "eur", "t"
    )
    assert units.price_column(frame, "y").currency == "usd"
    with pytest.raises(KeyError, match=r"'z_<eur\|usd>_per_<unit>'"):
        units.price_column(frame, "z")


def test_conversion_follows_the_label_and_needs_every_rate() -> None:
    fuels = pd.DataFrame({"year": [2013, 2013], "month": [1, 2], "b_usd_per_bbl": [133.0, 120.0]})
    fx = pd.DataFrame({"year": [2013, 2013], "month": [1, 2], units.FX_COLUMN: [1.33, 1.2]})
    assert list(units.in_currency(fuels, "b", fx, "eur")) == pytest.approx([100.0, 100.0])
    assert list(units.in_currency(fuels, "b", fx, "usd")) == [133.0, 120.0]
    with pytest.raises(ValueError, match="no ECB USD/EUR rate"):
        units.in_currency(fuels, "b", fx.iloc[:1], "eur")
    with pytest.raises(ValueError, match="currency 'gbp'"):
        units.in_currency(fuels, "b", fx, "gbp")
