"""The ETS report, run end to end on small parameter sets."""

from __future__ import annotations

import pytest
from papermill.exceptions import PapermillExecutionError

pytestmark = pytest.mark.notebook

CONTRACT = [
    "verified_emissions_change_pct_2005_2023",
    "eua_mean_2023",
    "switch_price_2023",
    "model_price_rmse",
    "attributable_share",
    "attributable_share_ci_low",
    "attributable_share_ci_high",
    "claims_checked",
]


@pytest.mark.parametrize(
    "params",
    [
        {"bootstrap_draws": 99},
        {
            "bootstrap_draws": 99,
            "outcome": "renewables_share",
            "foresight": "perfect",
            "msr_enabled": False,
            "countries": ["DEU", "POL"],
            "discount_rate": 0.05,
        },
    ],
)
def test_report_glues_its_contract(run, params) -> None:
    f = run("ets_renewables", **params)
    assert set(CONTRACT) <= set(f)
    assert f["verified_emissions_change_pct_2005_2023"] == pytest.approx(-47.9, abs=0.05)
    assert f["eua_mean_2023"] == pytest.approx(85.31)
    assert 50 < f["switch_price_2023"] < 150
    assert f["model_price_rmse"] > 0
    assert (
        f["attributable_share_ci_low"] <= f["attributable_share"] <= f["attributable_share_ci_high"]
    )
    assert f["attributable_share_ci_high"] < 0.45  # the essay's 45% is outside the interval
    assert f["claims_checked"] == 17
    assert f["msr_rule_max_error_pct"] < 1


def test_bad_parameter_names_it(run) -> None:
    with pytest.raises(PapermillExecutionError, match="discount_rate"):
        run("ets_renewables", discount_rate=-0.1)
