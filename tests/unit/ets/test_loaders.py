"""Every ETS data file loads against its schema and carries its provenance; bad files fail."""

from __future__ import annotations

import pandas as pd
import pytest

from deploybook.ets.loaders import SCHEMAS, DataValidationError, load, provenance_of, validate
from deploybook.ets.sources import SOURCES, provenance, source_line


@pytest.mark.parametrize("file", sorted(SCHEMAS))
def test_every_file_loads_with_provenance(file: str) -> None:
    frame = load(file)
    assert len(frame) > 0
    assert provenance_of(frame).file == file
    assert provenance_of(frame).licence


def test_every_registered_source_has_a_schema() -> None:
    assert set(SOURCES) == set(SCHEMAS)


def test_renamed_unit_column_is_named_in_the_error() -> None:
    frame = load("eua_price_annual_ice_c1.csv").rename(columns={"mean_eur_per_t": "mean_usd_per_t"})
    with pytest.raises(DataValidationError, match="mean_usd_per_t"):
        validate(frame, "eua_price_annual_ice_c1.csv")


def test_emissions_in_tonnes_instead_of_mt_fail() -> None:
    frame = load("ets_verified_emissions_by_sector_eea.csv")
    frame["verified_emissions_mt_co2e"] *= 1e6
    with pytest.raises(DataValidationError, match="verified_emissions_mt_co2e"):
        validate(frame, "ets_verified_emissions_by_sector_eea.csv")


def test_share_stored_as_fraction_fails() -> None:
    frame = load("ember_electricity_eu_2000_2024.csv")
    frame["coal_share_pct"] /= 100
    with pytest.raises(DataValidationError, match="fractions"):
        validate(frame, "ember_electricity_eu_2000_2024.csv")


def test_duplicate_key_fails() -> None:
    frame = load("eua_price_annual_ice_c1.csv")
    with pytest.raises(DataValidationError, match="eua_price_annual"):
        validate(
            pd.concat([frame, frame.head(1)], ignore_index=True), "eua_price_annual_ice_c1.csv"
        )


def test_missing_file_and_unknown_schema(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"SOURCES\.md"):
        load("eua_price_annual_ice_c1.csv", folder=tmp_path)
    with pytest.raises(DataValidationError, match="no schema"):
        validate(pd.DataFrame(), "nothing.csv")


def test_frame_without_provenance_is_refused() -> None:
    with pytest.raises(ValueError, match="no provenance"):
        provenance_of(pd.DataFrame({"a": [1]}))


def test_source_line_names_upstream_once_and_every_file() -> None:
    line = source_line("fuel_prices_monthly_2013_2025.csv", "fuel_prices_annual_2013_2025.csv")
    assert line.count("ICE front-month") == 1
    assert "fuel_prices_monthly_2013_2025.csv" in line
    assert "fuel_prices_annual_2013_2025.csv" in line
    assert (
        provenance("ets_cap_stationary_2013_2023.csv")
        .line()
        .endswith("(ets_cap_stationary_2013_2023.csv)")
    )
    with pytest.raises(KeyError, match="no provenance"):
        provenance("other.csv")
