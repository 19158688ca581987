"""Loaders for ``data/ets/``: each file is checked against a schema before anyone uses it.

A schema fixes the columns (names carry the unit: ``_eur_per_t``, ``_mt_co2e``, ``_pct``),
their types, plausible ranges for that unit and the table's key. A file with a missing or
renamed column, a value in the wrong unit (tonnes where Mt are expected, a 0-1 fraction
where a percentage is expected) or a duplicated key raises :class:`DataValidationError`
naming the file and every failing check. Each frame carries its
:class:`~deploybook.ets.sources.Provenance` in ``frame.attrs["provenance"]``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from deploybook.ets.sources import Provenance, provenance
from deploybook.paths import data_dir


class DataValidationError(ValueError):
    """A data file does not match its schema (columns, units, ranges or keys)."""


def _num(lo: float | None = None, hi: float | None = None, *, nullable: bool = False) -> pa.Column:
    checks = []
    if lo is not None:
        checks.append(pa.Check.ge(lo))
    if hi is not None:
        checks.append(pa.Check.le(hi))
    return pa.Column(float, checks, nullable=nullable, coerce=True)


def _year(lo: int, hi: int) -> pa.Column:
    return pa.Column(int, pa.Check.in_range(lo, hi), coerce=True)


_MONTH = pa.Column(int, pa.Check.in_range(1, 12), coerce=True)
_TEXT = pa.Column(str)
_ISO3 = pa.Column(str, pa.Check.str_matches(r"^[A-Z]{3}$|^EU27$"))
_PCT = (0.0, 100.0)
# a percentage column whose largest value is at most 1 was almost surely stored as a fraction
_PERCENT_SCALE = pa.Check(lambda s: s.max() > 1.0, error="values look like fractions, not %")


def _schema(columns: dict[str, pa.Column], key: list[str]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(columns, strict=True, ordered=True, unique=key)


def _pct(*, nullable: bool = False) -> pa.Column:
    return pa.Column(
        float,
        [pa.Check.in_range(*_PCT), _PERCENT_SCALE],
        nullable=nullable,
        coerce=True,
    )


_PRICE = _num(0.0, 500.0)  # EUR/t: EUAs have never traded above ~EUR 105

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "eua_price_monthly_ice_c1.csv": _schema(
        {
            "year": _year(2005, 2030),
            "month": _MONTH,
            "mean_eur_per_t": _PRICE,
            "min_eur_per_t": _PRICE,
            "max_eur_per_t": _PRICE,
            "last_eur_per_t": _PRICE,
            "n_trading_days": pa.Column(int, pa.Check.in_range(1, 23), coerce=True),
        },
        ["year", "month"],
    ),
    "eua_price_annual_ice_c1.csv": _schema(
        {
            "year": _year(2005, 2030),
            "mean_eur_per_t": _PRICE,
            "median_eur_per_t": _PRICE,
            "min_eur_per_t": _PRICE,
            "max_eur_per_t": _PRICE,
            "last_eur_per_t": _PRICE,
            "n_trading_days": pa.Column(int, pa.Check.in_range(1, 262), coerce=True),
            "partial_year": pa.Column(str, pa.Check.isin(["yes", "no"])),
        },
        ["year"],
    ),
    "ets_verified_emissions_by_sector_eea.csv": _schema(
        {
            "activity_code": pa.Column(int, coerce=True),
            "activity_name": _TEXT,
            "year": _year(2005, 2030),
            # Mt: the largest activity (combustion) never exceeded ~1.6 Gt
            "verified_emissions_mt_co2e": _num(0.0, 3000.0),
        },
        ["activity_code", "year"],
    ),
    "ets_cap_stationary_2013_2023.csv": _schema(
        {
            "year": _year(2013, 2030),
            # allowances (not millions): the stationary cap is 1-2.1 billion
            "cap_allowances": pa.Column("int64", pa.Check.in_range(1.0e9, 2.2e9), coerce=True),
            "phase": pa.Column(str, pa.Check.isin(["phase 3", "phase 4"])),
            "source": _TEXT,
        },
        ["year"],
    ),
    "ets_tnac_msr_commission.csv": _schema(
        {
            "tnac_reference_year": _year(2013, 2030),
            "publication_date": _TEXT,
            "tnac_allowances": _num(1.0e8, 3.0e9, nullable=True),
            "tnac_exact_or_rounded": _TEXT,
            "msr_intake_allowances": _num(0.0, 1.0e9, nullable=True),
            "msr_intake_period": pa.Column(str, nullable=True),
            "msr_intake_exact_or_rounded": pa.Column(str, nullable=True),
            "notes": pa.Column(str, nullable=True),
            "source_url": _TEXT,
        },
        ["tnac_reference_year"],
    ),
    "owid_electricity_mix_eu27_2000_2021.csv": _schema(
        {
            "iso3": _ISO3,
            "country": _TEXT,
            "year": _year(2000, 2030),
            **{f"{c}_twh": _num(0.0, 5000.0) for c in ["generation", "demand"]},
            "net_imports_twh": _num(-500.0, 500.0),
            **{
                f"{c}_twh": _num(0.0, 5000.0)
                for c in [
                    "coal",
                    "gas",
                    "oil",
                    "fossil",
                    "nuclear",
                    "hydro",
                    "wind",
                    "solar",
                    "bioenergy",
                    "other_renew_exc_bio",
                    "renewables",
                ]
            },
            **{
                f"{c}_share_pct": _pct()
                for c in [
                    "renewables",
                    "wind",
                    "solar",
                    "hydro",
                    "coal",
                    "gas",
                    "fossil",
                    "nuclear",
                ]
            },
            "power_sector_emissions_mtco2": _num(0.0, 3000.0),
            "carbon_intensity_gco2_per_kwh": _num(0.0, 1500.0),
        },
        ["iso3", "year"],
    ),
    "ember_electricity_eu_2000_2024.csv": _schema(
        {
            "country": _TEXT,
            "iso3": _ISO3,
            "year": _year(2000, 2030),
            "demand_twh": _num(0.0, 5000.0),
            "net_imports_twh": _num(-500.0, 500.0),
            **{
                f"{c}_twh": _num(0.0, 5000.0)
                for c in [
                    "generation",
                    "clean",
                    "nuclear",
                    "wind_and_solar",
                    "hydro_bio_other_renew",
                    "fossil",
                    "coal",
                    "gas_and_other_fossil",
                    "renewables",
                ]
            },
            **{f"{c}_share_pct": _pct() for c in ["renewables", "wind_solar", "coal", "fossil"]},
        },
        ["iso3", "year"],
    ),
    "ember_capacity_gw_eu27_2000_2019.csv": _schema(
        {
            "country": _TEXT,
            "iso3": _ISO3,
            "year": _year(2000, 2030),
            **{
                f"{c}_gw": _num(0.0, 500.0, nullable=True)
                for c in [
                    "wind",
                    "solar",
                    "hydro",
                    "bioenergy",
                    "other_renewables",
                    "renewables",
                    "nuclear",
                    "coal",
                    "gas",
                    "gas_and_oil",
                    "other_fossil",
                    "fossil",
                ]
            },
        },
        ["iso3", "year"],
    ),
    "irena_capacity_mw_eu_2000_2022.csv": _schema(
        {
            "country": _TEXT,
            "iso3": _ISO3,
            "year": _year(2000, 2030),
            # MW: Germany's solar fleet was 67 GW (67,000 MW) in 2022
            **{
                f"{c}_mw": _num(0.0, 200_000.0, nullable=True)
                for c in ["onshore_wind", "offshore_wind", "solar"]
            },
        },
        ["iso3", "year"],
    ),
    "oecd_eps_res_support_1990_2020.csv": _schema(
        {
            "country": _TEXT,
            "iso3": _ISO3,
            "year": _year(1990, 2030),
            **{
                f"{c}_score": pa.Column(float, pa.Check.in_range(0, 6), coerce=True)
                for c in ["fit_wind", "fit_solar", "res_trading_scheme"]
            },
        },
        ["iso3", "year"],
    ),
    "eurostat_renewable_electricity_gwh_1990_2021.csv": _schema(
        {
            "country": _TEXT,
            "year": _year(1990, 2030),
            # GWh: the EU-27 total is ~1.1 million GWh
            "renewable_electricity_gwh": _num(0.0, 5.0e6),
        },
        ["country", "year"],
    ),
    "fuel_prices_monthly_2013_2025.csv": _schema(
        {
            "year": _year(2013, 2030),
            "month": _MONTH,
            "coal_api2_rotterdam_front_month_eur_per_t_monthly_mean": _num(10.0, 1000.0),
            "gas_ttf_front_month_eur_per_mwh_monthly_mean": _num(0.5, 500.0),
            "brent_front_month_eur_per_bbl_monthly_mean": _num(5.0, 300.0),
            "eua_front_dec_future_eur_per_t_monthly_mean": _PRICE,
            "n_trading_days": pa.Column(int, pa.Check.in_range(1, 23), coerce=True),
        },
        ["year", "month"],
    ),
    "fuel_prices_annual_2013_2025.csv": _schema(
        {
            "year": _year(2013, 2030),
            "coal_api2_rotterdam_front_month_eur_per_t_annual_mean": _num(10.0, 1000.0),
            "gas_ttf_front_month_eur_per_mwh_annual_mean": _num(0.5, 500.0),
            "brent_front_month_eur_per_bbl_annual_mean": _num(5.0, 300.0),
            "eua_front_dec_future_eur_per_t_annual_mean": _PRICE,
            "n_days": pa.Column(int, pa.Check.in_range(1, 262), coerce=True),
            "partial_year": pa.Column(str, pa.Check.isin(["yes", "no"])),
        },
        ["year"],
    ),
    "imf_commodity_prices_annual_1990_2023.csv": _schema(
        {
            "year": _year(1990, 2030),
            "coal_australia_usd_per_t": _num(5.0, 1000.0),
            "coal_south_africa_usd_per_t": _num(5.0, 1000.0),
            "gas_ttf_netherlands_usd_per_mmbtu": _num(0.1, 100.0),
            "crude_spot_avg_usd_per_bbl": _num(5.0, 300.0),
            "brent_usd_per_bbl": _num(5.0, 300.0),
        },
        ["year"],
    ),
    "ecb_usd_per_eur_monthly_2005_2025.csv": _schema(
        {
            "year": _year(1999, 2030),
            "month": _MONTH,
            "usd_per_eur_monthly_mean": _num(0.5, 2.0),
            "n_fixings": pa.Column(int, pa.Check.in_range(1, 23), coerce=True),
        },
        ["year", "month"],
    ),
}


def ets_data_dir() -> Path:
    """The report's data folder, ``data/ets/``."""
    return data_dir() / "ets"


def _describe(file: str, exc: pa.errors.SchemaErrors) -> str:
    cases = exc.failure_cases
    problems = []
    for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
        where = "table" if pd.isna(column) else f"column {column!r}"
        sample = ", ".join(map(str, group["failure_case"].head(3)))
        problems.append(f"{where} fails {check} ({len(group)} case(s), e.g. {sample})")
    return f"data/ets/{file} does not match its schema: " + "; ".join(problems)


def validate(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """Validate ``frame`` against the schema of ``file`` and attach the file's provenance."""
    if file not in SCHEMAS:
        raise DataValidationError(f"no schema for data/ets/{file}")
    try:
        checked = SCHEMAS[file].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise DataValidationError(_describe(file, exc)) from None
    checked.attrs["provenance"] = provenance(file)
    return checked


def load(file: str, folder: Path | None = None) -> pd.DataFrame:
    """Read ``data/ets/<file>`` (or ``folder/<file>``), validated, with its provenance."""
    path = (folder or ets_data_dir()) / file
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; data/ets/SOURCES.md says where it comes from")
    return validate(pd.read_csv(path), file)


def provenance_of(frame: pd.DataFrame) -> Provenance:
    """The provenance a loaded frame carries; a clear error for a frame that did not come from
    :func:`load`."""
    try:
        return frame.attrs["provenance"]
    except KeyError:
        raise ValueError(
            "this frame carries no provenance: load it with deploybook.ets.loaders.load"
        ) from None
