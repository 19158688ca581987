"""The ETS report, executed and rendered on a matrix of parameter sets.

Every set is executed once per test session (fixture ``report_run``) and rendered with the
book's stack; its prose must hold no ``None``/``nan``/unresolved glue and no ``when`` block
that contradicts its figure. Together the sets flip every outcome the prose states, so each
branch of every ``when`` block and every computed sentence is rendered at least once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import nbformat
import pytest
from papermill.exceptions import PapermillExecutionError

from deploybook.prose import prose_problems

pytestmark = pytest.mark.notebook

REPORT = "ets_renewables"
SMALL = {"bootstrap_draws": 99, "randomization_draws": 99}
MATRIX: dict[str, dict[str, Any]] = {
    "default": {},
    # no MSR in the base path, Fit for 55 priced from the proposal; an outcome whose interval
    # excludes zero, with a dose-response and a small randomisation p-value
    "no_msr_renewables_share": {
        **SMALL,
        "msr_enabled": False,
        "discount_rate": 0.05,
        "ff55_information_year": 2021,
        "outcome": "renewables_share",
        "fuel_controls": True,
    },
    # faster renewables foreseen since 2013 under the pre-2023 2.2% factor, when foreseeing
    # them lowers total emissions; coal-share exposure with country trends, whose event
    # study shows a pre-trend
    "foreseen_coal_trends": {
        **SMALL,
        "renewables_news_year": 2013,
        "lrf_2024_pct": 2.2,
        "lrf_2028_pct": 2.2,
        "exposure": "coal_share",
        "country_trends": True,
        "price_lag": 2,
        "countries": ["DEU", "POL"],
    },
    # news in 2035, after the MSR has stopped taking allowances in, when the waterbed closes
    # again; perfect foresight of the rules, Driscoll-Kraay errors, a later claim window
    "news_2035_driscoll_kraay": {
        **SMALL,
        "renewables_news_year": 2035,
        "errors": "driscoll_kraay",
        "claim_window_start": 2010,
        "foresight": "perfect",
    },
}

# every boolean a `when` block reads, and the glued sentences that state outcomes
OUTCOME_FLAGS = [
    "rate_same_best",
    "bank_below_tnac_2021_2022",
    "waterbed_sign_robust",
    "attribution_ci_excludes_zero",
    "pretrend_rejected",
    "dose_response_supported",
    "randomization_significant",
    "identification_passed",
]
# booleans the data fix, whatever the parameters: both branches are unit-tested instead
# (tests/unit/ets/test_figures.py)
DATA_FLAGS = {
    "tnac_2023_published": False,  # the 2023 TNAC is not in data/ets
    "units_all_pass": True,  # the fuel-price labels pass the IMF check
    "support_data": True,  # the OECD EPS scores are in data/ets
}
OUTCOME_TEXTS = ["waterbed_direction", "waterbed_foreseen_direction", "msr_verdict"]

CONTRACT = [
    "switch_price_2023",
    "model_price_rmse_in_sample",
    "model_price_rmse_out_of_sample",
    "event_study_pretrend_p",
    "attribution_randomization_p",
    "claims_checked_by_data",
    "tnac_2023",
    "verified_emissions_change_pct_2005_2023",
    "eua_mean_2023",
    "model_price_rmse",
    "attributable_share",
    "attributable_share_ci_low",
    "attributable_share_ci_high",
    "claims_checked",
]


@pytest.fixture(scope="module", params=list(MATRIX))
def matrix_run(request: pytest.FixtureRequest, report_run: Callable) -> Any:
    return report_run(REPORT, MATRIX[request.param])


@pytest.fixture(scope="module")
def runs(report_run: Callable) -> dict[str, Any]:
    return {name: report_run(REPORT, params) for name, params in MATRIX.items()}


def test_the_prose_holds_for_every_set(matrix_run) -> None:
    assert prose_problems(matrix_run.html, matrix_run.figures) == []


def test_every_outcome_is_rendered_both_ways(runs) -> None:
    for flag in OUTCOME_FLAGS:
        values = {name: run.figures[flag] for name, run in runs.items()}
        assert set(values.values()) == {True, False}, f"{flag}: {values}"
    for flag, value in DATA_FLAGS.items():
        assert {run.figures[flag] for run in runs.values()} == {value}, flag
    for text in OUTCOME_TEXTS:
        assert len({run.figures[text] for run in runs.values()}) > 1, text


def test_the_prose_follows_the_outcomes(matrix_run) -> None:
    f, prose = matrix_run.figures, matrix_run.prose
    assert ("choosing the rate by its fit would be tuning" in prose) == (not f["rate_same_best"])
    assert ("the parallel-paths assumption fails" in prose) == f["pretrend_rejected"]
    assert ("there is no dose-response" in prose) == (not f["dose_response_supported"])
    assert ("the estimate does not single out the real price path" in prose) == (
        not f["randomization_significant"]
    )
    assert ("the model cannot say whether the MSR" in prose) == (not f["waterbed_sign_robust"])
    assert f["msr_verdict"] in prose
    assert ("due to the carbon price is not identifiable" in prose) == (
        not f["identification_passed"]
    )
    assert (f["claims_not_identifiable"] > 0) == (not f["identification_passed"])
    assert "was not found in the stored pages" in prose  # the missing 2023 TNAC, said


def test_the_default_run_glues_its_contract(runs) -> None:
    """Outside references: the referee's recomputed switching price (issue 16: about EUR 86/t
    and 34 months), the Commission's 2,515 million invalidated in 2023, and the published
    TNAC of 2022."""
    f = runs["default"].figures
    assert set(CONTRACT) <= set(f)
    assert f["switch_price_2023"] == pytest.approx(86, abs=1.5)
    assert f["months_gas_cheaper"] == pytest.approx(34, abs=2)
    assert f["verified_emissions_change_pct_2005_2023"] == pytest.approx(-47.9, abs=0.05)
    assert f["eua_mean_2023"] == pytest.approx(85.31)
    assert 0 < f["model_price_rmse_in_sample"] < f["model_price_rmse_out_of_sample"]
    assert f["invalidated_2023_model_mt"] == pytest.approx(2515, rel=0.25)
    assert f["published_tnac_2022_mt"] == 1135
    assert 0 <= f["event_study_pretrend_p"] <= 1
    assert 0 < f["attribution_randomization_p"] <= 1
    assert f["randomization_draws"] == 999
    assert f["tnac_2023"] is None
    assert f["claims_checked"] == 20
    assert 0 < f["claims_checked_by_data"] < f["claims_checked"]
    assert (
        f["attributable_share_ci_low"] <= f["attributable_share"] <= f["attributable_share_ci_high"]
    )
    assert f["waterbed_msr_off_mt"] == 0  # a fixed cap is a waterbed


def test_settings_read_back_as_used(runs) -> None:
    for name, run in runs.items():
        params = MATRIX[name]
        f = run.figures
        assert f["ff55_year"] == params.get("ff55_information_year", 2023)
        assert f["discount_rate_pct"] == pytest.approx(100 * params.get("discount_rate", 0.08))
        assert f["waterbed_news_year"] == params.get("renewables_news_year", 2025)
        assert f["randomization_draws"] == params.get("randomization_draws", 999)
        errors = {"clustered": "clustered", "driscoll_kraay": "Driscoll-Kraay"}
        assert f["attribution_errors"] == errors[params.get("errors", "clustered")]


def test_tables_render_as_html_tables(runs) -> None:
    nb = nbformat.read(str(runs["default"].notebook), as_version=4)
    html = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            assert "text/markdown" not in data  # myst-nb would flatten a Markdown table
            text = data.get("text/html", "")
            if "<table" in text:
                html.append(text)
    assert len(html) >= 14
    claims = next(t for t in html if ">basis<" in t)
    assert claims.count("<tr>") == 21
    for table in html:
        assert "e+0" not in table
        assert "e-0" not in table
        assert 'class="row_heading' not in table


def test_bad_parameters_are_named(run: Callable) -> None:
    with pytest.raises(PapermillExecutionError, match="discount_rate"):
        run(REPORT, discount_rate=-0.1)
    with pytest.raises(PapermillExecutionError, match="XXX"):
        run(REPORT, countries=["XXX"], **SMALL)
