"""Report tables render for readers: human numbers, no index, wrapped text, coloured verdicts."""

from __future__ import annotations

import pandas as pd
import pytest

from deploybook.ets import tables as T
from deploybook.ets.claims import claims_table
from deploybook.ets.constants import constants_table
from deploybook.ets.literature import literature_table
from deploybook.ets.market.scenarios import Direction
from deploybook.ets.sources import SOURCES

from .test_claims import EV


def test_formatters() -> None:
    assert T.year(2019.0) == "2019"
    assert T.year(float("nan")) == T.MISSING
    assert T.number(1)(1234.56) == "1,234.6"
    assert T.number(1, signed=True)(2.0) == "+2.0"
    assert T.number(0)(None) == T.MISSING
    assert T.number(2)(-0.001) == "0.00"  # no negative zero
    assert T.millions(1)(833e6) == "833.0"
    assert T.millions(0)(1_571_583_007) == "1,572"
    assert T.percent(1)(0.0936) == "9.4%"
    assert T.percent(1, signed=True)(0.05) == "+5.0%"
    assert T.percent_value(2, signed=True)(-0.104) == "-0.10%"
    assert T.percent_value(2, signed=True)(-0.0001) == "+0.00%"
    assert T.percent_value()(float("nan")) == T.MISSING


def test_constant_values_read_as_people_write_them() -> None:
    assert T.constant_value(1_571_583_007, "allowances") == ("1,571.583", "million allowances")
    assert T.constant_value(43_003_515, "allowances/year") == (
        "43.004",
        "million allowances/year",
    )
    assert T.constant_value(90e6, "allowances") == ("90", "million allowances")
    assert T.constant_value(2019, "year") == ("2019", "year")
    assert T.constant_value(0.57, "share of cap") == ("57%", "share of cap")
    assert T.constant_value(0.08, "per year") == ("8%", "per year")
    assert T.constant_value(0.38, "net electrical efficiency")[0] == "38%"
    assert T.constant_value(4.3, "% of reference") == ("4.3%", "of reference")
    assert T.constant_value(6000, "kcal/kg NAR") == ("6,000", "kcal/kg NAR")
    assert T.constant_value(1.108, "ratio") == ("1.108", "ratio")


def test_constants_table_has_no_scientific_notation_and_no_index() -> None:
    html = T.constants(constants_table()).to_html()
    assert "e+0" not in html
    assert "e-0" not in html
    assert "1,571.583" in html
    assert 'class="row_heading' not in html  # the integer index is hidden
    assert T.CHECK_COLOURS["modelling choice"][0] in html


def test_styled_names_a_missing_column() -> None:
    with pytest.raises(KeyError, match=r"table 'x': no columns \['b'\]"):
        T.styled(pd.DataFrame({"a": [1]}), {"b": "B"}, {}, name="x")


def test_numbers_are_right_aligned_and_text_wraps() -> None:
    frame = pd.DataFrame({"year": [2019], "note": ["a long note"], "value": [1.5]})
    html = T.styled(
        frame,
        {"year": "year", "note": "note", "value": "value (EUR/t)"},
        {"year": T.year, "value": T.number(1)},
        name="demo",
        wrap=["note"],
        widths={"note": "50%"},
    ).to_html()
    assert "value (EUR/t)" in html
    assert ">1.5<" in html
    assert ">2019<" in html
    assert "text-align: right" in html
    assert "white-space: normal" in html
    assert "width: 50%" in html


def test_claims_table_is_a_table_with_coloured_verdicts() -> None:
    html = T.claims(claims_table(EV)).to_html()
    assert html.count("<tr>") == 21  # a header row and 20 claims
    assert ">basis<" in html
    assert "data (computed here)" in html
    assert ">law<" in html
    assert "not supported; not identifiable with this design" in html
    assert "---" not in html
    assert "|" not in html
    for key, background, _ in T.VERDICT_COLOURS:
        if key != "not supported" or "not supported" in html:
            assert background in html
    assert T.verdict_style("no source found; contradicted by the data").startswith(
        f"background-color: {T.VERDICT_COLOURS[0][1]}"
    )
    assert T.verdict_style("no source found").startswith(
        f"background-color: {T.VERDICT_COLOURS[1][1]}"
    )
    assert T.verdict_style("unknown") == "font-weight: 600;"


def test_every_report_table_renders() -> None:
    assert "eua_price_monthly_ice_c1.csv" in T.sources(SOURCES.values()).to_html().replace(
        "\u200b", ""
    )
    phases = pd.DataFrame(
        {
            "phase": ["phase 1"],
            "years": ["2005-2007"],
            "mean EUA (EUR/t)": [9.6],
            "lowest annual mean": [1.54],
            "highest annual mean": [17.66],
            "emissions first year (Mt)": [1935.75],
            "emissions last year (Mt)": [2082.09],
            "change in phase (%)": [7.56],
        }
    )
    html = T.phases(phases).to_html()
    assert "1,936" in html
    assert "+7.6%" in html
    assert "1.5" in html
    msr = pd.DataFrame(
        {
            "tnac_reference_year": [2018],
            "tnac_allowances": [1_654_909_824.0],
            "tnac_exact_or_rounded": ["exact"],
            "msr_intake_period": ["2019-09 to 2020-08"],
            "msr_intake_allowances": [397_178_358.0],
            "rule_intake_allowances": [397_178_358.0],
            "difference_pct": [0.0],
        }
    )
    html = T.msr(msr).to_html()
    assert "1,654.9" in html
    assert "397.2" in html
    assert "+0.00%" in html
    assert ">2018<" in html
    annual = pd.DataFrame(
        {
            "year": [2023],
            "switch_price_eur_per_t": [92.2],
            "eua_eur_per_t": [85.36],
            "months": [12],
            "months_gas_cheaper": [6],
            "months_gas_cheaper_without_carbon": [0],
            "coal_share_pct": [11.8],
            "coal_share_change_pp": [-4.4],
        }
    )
    assert "11.8%" in T.switching(annual).to_html()
    fit = pd.DataFrame(
        {
            "year": [2013],
            "observed_mt": [1783.39],
            "fitted_mt": [1732.05],
            "baseline_mt": [1755.33],
            "price_eur_per_t": [4.53],
        }
    )
    assert "1,783" in T.calibration(fit).to_html()
    summary = pd.DataFrame(
        {
            "scenario": ["base scenario"],
            "price_2019_eur_per_t": [17.17],
            "price_2030_eur_per_t": [141.35],
            "cumulative_emissions_2013_2040_mt": [29661.05],
            "total_emissions_mt": [29644.4],
            "invalidated_mt": [2912.0],
            "last_emitting_year": [2041],
            "rmse_eur_per_t": [21.03],
        }
    )
    html = T.scenarios(summary).to_html()
    assert "29,661" in html
    assert ">2041<" in html
    assert "2,912" in html
    moves = pd.DataFrame(
        {
            "span": ["2017-2019"],
            "kind": ["the 2018 reform"],
            "observed_change_eur_per_t": [19.1],
            "model_change_eur_per_t": [11.63],
            "verdict": ["the sign and rough size"],
        }
    )
    html = T.price_moves(moves).to_html()
    assert "+19.1" in html
    assert "+11.6" in html
    water = pd.DataFrame(
        {"news_year": [2013], "emissions_change_mt": [319.1], "invalidated_change_mt": [-319.1]}
    )
    html = T.waterbed(water).to_html()
    assert "+319" in html
    assert "-319" in html
    assert ">2013<" in html
    robust = pd.DataFrame(
        {
            "specification": ["baseline"],
            "beta": [0.01654],
            "se": [0.0104],
            "p": [0.1134],
            "wild_bootstrap_p": [0.112],
            "share": [0.0936],
            "share_ci_low": [-0.0222],
            "share_ci_high": [0.2095],
            "nobs": [475],
        }
    )
    html = T.robustness(robust).to_html()
    assert "0.0165" in html
    assert "9.4%" in html
    assert "-2.2% to 20.9%" in html


def test_the_referee_tables_render() -> None:
    units = pd.DataFrame(
        {
            "series": ["brent_front_month"],
            "label": ["brent_front_month_eur_per_bbl_monthly_mean"],
            "imf_series": ["brent_usd_per_bbl"],
            "years": ["2013-2023"],
            "mean_gap": [-0.0001],
            "largest_gap": [0.011],
            "passes": [True],
            "why": ["the same crude"],
        }
    )
    html = T.units_check(units).to_html()
    assert "1.1%" in html
    assert ">yes<" in html
    scope = pd.DataFrame(
        {
            "quantity": ["stationary cap"],
            "first_year": [2013],
            "last_year": [2023],
            "scope": ["EU-27 + EEA-EFTA"],
            "same_scope": [True],
            "change_pct": [-19.84],
        }
    )
    assert "-19.8%" in T.scope(scope).to_html()
    rates = pd.DataFrame(
        {
            "discount_rate": [0.03, 0.08],
            "rmse_in_sample": [31.6, 6.1],
            "rmse_out_of_sample": [41.3, 36.9],
        }
    )
    html = T.fit_by_rate(rates, range(2013, 2020), range(2020, 2025)).to_html()
    assert "RMSE 2013-2019" in html
    assert "RMSE 2020-2024" in html
    assert ">8%<" in html
    sensitivity = pd.DataFrame(
        {
            "discount_rate": [0.03],
            "invalidation": ["ends in 2027"],
            "emissions_change_mt": [-0.0001],
            "invalidated_change_mt": [0.0],
            "direction": [Direction.UNCHANGED],
        }
    )
    html = T.waterbed_sensitivity(sensitivity).to_html()
    assert "does not change" in html
    assert "-0" not in html
    checks = pd.DataFrame({"check": ["a"], "result": ["p = 0.48"], "passed": [False]})
    assert ">failed<" in T.identification_checks(checks).to_html()
    html = T.literature(literature_table()).to_html()
    assert html.count("<tr>") == 5
    assert "Lilliestam" in html
