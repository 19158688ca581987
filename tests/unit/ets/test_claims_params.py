"""Claims verdicts follow the evidence; report parameters are validated."""

from __future__ import annotations

from dataclasses import replace

import pytest

from deploybook.ets.claims import CONTRADICTED, Evidence, claims_table
from deploybook.ets.constants import constants_table
from deploybook.ets.params import EtsParams
from deploybook.params import ParameterError

EV = Evidence(
    2005,
    -28.7,
    -47.9,
    26,
    147,
    -15.5,
    "2013-2025",
    0.09,
    -0.02,
    0.21,
    "2008-2015",
    10.0,
    0.4,
    216.0,
    0.0,
)

GOOD = dict(
    first_year=2005,
    last_year=2024,
    countries=[],
    discount_rate=0.08,
    lrf_2024_pct=4.3,
    lrf_2028_pct=4.4,
    msr_enabled=True,
    renewables_speedup=0.02,
    foresight="rolling",
    ff55_information_year=2023,
    outcome="capacity",
    exposure="carbon_intensity",
    price_lag=1,
    country_trends=False,
    fuel_controls=False,
    claim_window_start=2008,
    claim_window_end=2015,
    bootstrap_draws=999,
)


def test_every_essay_claim_has_a_verdict() -> None:
    table = claims_table(EV)
    assert len(table) == 17
    assert table["verdict"].str.len().min() > 0
    eea = table[table.iloc[:, 0].str.contains("EEA")]["verdict"].item()
    assert eea.startswith("no source found")
    assert CONTRADICTED in eea
    assert (table["verdict"].str.startswith("no source found")).sum() == 5


def test_verdicts_move_with_the_evidence() -> None:
    wide = claims_table(replace(EV, attributable_low=0.1, attributable_high=0.6))
    eea = wide[wide.iloc[:, 0].str.contains("EEA")]["verdict"].item()
    assert "partly supported" in eea
    water = claims_table(replace(EV, waterbed_msr_on_mt=-50.0))
    assert "partly" in water[water.iloc[:, 0].str.contains("displace")]["verdict"].item()


def test_constants_table_lists_sourced_values() -> None:
    table = constants_table()
    assert {"MSR_RATE_DOUBLED", "LRF_2024_PCT", "REBASING[2024]"} <= set(table["constant"])
    assert table["source"].str.len().min() > 5


def test_parameters_are_checked() -> None:
    assert EtsParams.validate_values(GOOD).discount_rate == 0.08
    for bad, name in [
        ({"discount_rate": -1}, "discount_rate"),
        ({"outcome": "gdp"}, "outcome"),
        ({"first_year": 2024}, "first_year"),
        ({"countries": ["de"]}, "ISO3"),
        ({"claim_window_start": 2016}, "claim_window"),
    ]:
        with pytest.raises(ParameterError, match=name):
            EtsParams.validate_values({**GOOD, **bad})
