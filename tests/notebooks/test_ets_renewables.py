"""The ETS report, run end to end on small parameter sets."""

from __future__ import annotations

import nbformat
import pytest
from papermill.exceptions import PapermillExecutionError

from deploybook.figures import read_figures
from deploybook.paths import project_root
from deploybook.reports import run_report

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

SMALL = {"bootstrap_draws": 99}
VARIANT = {
    "bootstrap_draws": 99,
    "outcome": "renewables_share",
    "foresight": "perfect",
    "msr_enabled": False,
    "countries": ["DEU", "POL"],
    "discount_rate": 0.05,
    "claim_window_start": 2010,
    "price_lag": 0,
    "renewables_news_year": 2013,
}


@pytest.fixture(scope="module", params=[SMALL, VARIANT], ids=["small", "variant"])
def report(request: pytest.FixtureRequest) -> nbformat.NotebookNode:
    out = project_root() / "_build" / "test-notebooks" / f"ets_renewables-{request.param_index}"
    path, _ = run_report("ets_renewables", request.param, out)
    return nbformat.read(str(path), as_version=4)


def _figures(nb: nbformat.NotebookNode, tmp_path) -> dict:
    path = tmp_path / "run.ipynb"
    nbformat.write(nb, str(path))
    return read_figures(path)


def test_report_glues_its_contract(report, tmp_path) -> None:
    f = _figures(report, tmp_path)
    assert set(CONTRACT) <= set(f)
    assert f["verified_emissions_change_pct_2005_2023"] == pytest.approx(-47.9, abs=0.05)
    assert f["eua_mean_2023"] == pytest.approx(85.31)
    assert 50 < f["switch_price_2023"] < 150
    assert f["model_price_rmse"] > 0
    assert (
        f["attributable_share_ci_low"] <= f["attributable_share"] <= f["attributable_share_ci_high"]
    )
    assert f["attributable_share_ci_high"] < 0.45  # the essay's 45% is outside the interval
    assert f["claims_checked"] == 20
    assert f["msr_rule_max_error_pct"] < 1
    # a fixed cap is a waterbed; with the MSR, faster renewables foreseen since 2013 raise total
    # emissions (fewer allowances invalidated) and learnt when they start lower them
    assert f["waterbed_msr_off_mt"] == 0
    assert f["waterbed_foreseen_mt"] > 0
    assert f["months_gas_cheaper"] + f["months_gas_cheaper_without_carbon"] <= f["months_compared"]


def test_prose_figures_agree_with_each_other(report, tmp_path) -> None:
    f = _figures(report, tmp_path)
    # the chosen specification is one of the robustness rows
    assert f["robust_share_min"] <= f["attributable_share"] <= f["robust_share_max"]
    assert f["attributable_share_ci_high"] <= f["robust_ci_high_max"]
    excludes = f["attributable_share_ci_low"] > 0
    assert ("excludes no effect" in f["attribution_reading"]) == excludes
    assert f["window_price_low"] <= f["window_price_high"]
    for change, word in [
        ("waterbed_msr_on_mt", "waterbed_direction"),
        ("waterbed_msr_off_mt", "waterbed_off_direction"),
        ("waterbed_foreseen_mt", "waterbed_foreseen_direction"),
    ]:
        value = f[change]
        assert f[word] == ("lowers" if value < 0 else "raises" if value > 0 else "does not change")
    parts = ["no_source", "supported", "partly", "not_supported", "contradicted"]
    assert sum(f[f"claims_{k}"] for k in parts) == f["claims_checked"]
    # the model bar: both reform windows are compared, every year's sign is accounted for
    assert f["moves_compared"] == 7
    assert f["moves_sign_and_size"] <= f["moves_same_sign"] <= f["moves_compared"]
    assert f["waterbed_news_min_mt"] <= f["waterbed_msr_on_mt"] <= f["waterbed_news_max_mt"]


def test_tables_render_as_html_tables(report) -> None:
    html = []
    for cell in report.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            assert "text/markdown" not in data  # myst-nb would flatten a Markdown table
            text = data.get("text/html", "")
            if "<table" in text:
                html.append(text)
    assert len(html) >= 8
    claims = next(t for t in html if "verdict" in t)
    assert claims.count("<tr>") == 21
    for table in html:
        assert "e+0" not in table
        assert "e-0" not in table
        assert 'class="row_heading' not in table


def test_bad_parameter_names_it(run) -> None:
    with pytest.raises(PapermillExecutionError, match="discount_rate"):
        run("ets_renewables", discount_rate=-0.1)
    with pytest.raises(PapermillExecutionError, match="XXX"):
        run("ets_renewables", countries=["XXX"], bootstrap_draws=99)
