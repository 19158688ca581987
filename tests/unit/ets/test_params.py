"""Report parameters are validated; the sourced constants say how each was checked."""

from __future__ import annotations

import pytest

from deploybook.ets.constants import Check, constants_table
from deploybook.ets.params import EtsParams
from deploybook.params import ParameterError

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
    errors="clustered",
    bootstrap_draws=999,
    randomization_draws=999,
    renewables_news_year=2025,
)


def test_constants_table_lists_sourced_values() -> None:
    table = constants_table()
    assert {"MSR_RATE_DOUBLED", "LRF_2024_PCT", "REBASING[2024]"} <= set(table["constant"])
    assert {"CREDITS_EXCHANGED[2020]", "STATIONARY_EMISSIONS_2019"} <= set(table["constant"])
    assert table["source"].str.len().min() > 5
    assert set(table["checked"]) <= {c.value for c in Check}
    checked = table.set_index("constant")["checked"]
    assert checked["DISCOUNT_RATE"] == checked["ETA_COAL"] == Check.CHOICE.value
    assert checked["EF_COAL_T_PER_TJ"] == Check.SECONDARY.value
    # a value that could not be checked says what was tried in its note
    unchecked = table[table["checked"] == Check.NOT_FOUND.value]
    assert "MSR_BUFFER_UPPER" in set(unchecked["constant"])
    assert unchecked.set_index("constant").loc["MSR_BUFFER_UPPER", "note"].startswith("searched")


def test_parameters_are_checked() -> None:
    assert EtsParams.validate_values(GOOD).discount_rate == 0.08
    for bad, name in [
        ({"discount_rate": -1}, "discount_rate"),
        ({"outcome": "gdp"}, "outcome"),
        ({"first_year": 2024}, "first_year"),
        ({"first_year": 2020, "last_year": 2019}, "first_year must be before last_year"),
        ({"countries": ["de"]}, "ISO3"),
        ({"claim_window_start": 2016}, "claim_window"),
        ({"renewables_news_year": 2012}, "renewables_news_year"),
        ({"errors": "hac"}, "errors"),
        ({"randomization_draws": 5}, "randomization_draws"),
    ]:
        with pytest.raises(ParameterError, match=name):
            EtsParams.validate_values({**GOOD, **bad})
