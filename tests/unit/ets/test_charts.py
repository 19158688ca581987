"""Charts keep title, plot, legend and source apart, and print the whole source."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from deploybook.ets import charts as C
from deploybook.ets import descriptive as D
from deploybook.ets import switching as S
from deploybook.ets.loaders import load
from deploybook.ets.market import regimes as R
from deploybook.ets.sources import source_line

LONG = source_line(
    "ets_cap_stationary_2013_2023.csv",
    "ets_verified_emissions_by_sector_eea.csv",
    "ets_tnac_msr_commission.csv",
    "eua_price_annual_ice_c1.csv",
)


def _figure(names: list[str]) -> go.Figure:
    fig = go.Figure()
    for name in names:
        fig.add_scatter(x=[1, 2], y=[1, 2], name=name)
    return fig


def test_legend_rows_grow_with_entries() -> None:
    assert C._legend_rows(go.Figure()) == 0
    assert C._legend_rows(_figure(["a", "b"])) == 1
    many = _figure([f"a fairly long scenario name {i}" for i in range(6)])
    assert C._legend_rows(many) >= 3
    hidden = _figure(["a", "b"])
    hidden.data[1].visible = False
    hidden.data[0].showlegend = False
    assert C._legend_rows(hidden) == 0


def test_source_sits_below_the_legend_and_is_complete() -> None:
    fig = C._finish(_figure([f"scenario {i}" for i in range(7)]), "Title", LONG)
    legend_y = fig.layout.legend.y
    note = fig.layout.annotations[-1]
    assert note.yanchor == "top"
    assert note.y < legend_y < 0  # legend under the axis, the source under the legend
    text = note.text.replace("<br>", " ")
    for file in ("ets_cap_stationary_2013_2023.csv", "eua_price_annual_ice_c1.csv"):
        assert file in text
    lines = note.text.split("<br>")
    assert len(lines) >= 2
    assert all(len(line) <= C._SOURCE_CHARS_PER_LINE + len("Source: ") for line in lines)
    plot_px = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    assert plot_px > 200
    assert fig.layout.title.text == "Title"


def test_report_charts_build() -> None:
    years = list(range(2013, 2016))
    overview = pd.DataFrame(
        {
            "year": years,
            "verified_mt": [1800.0, 1700.0, 1650.0],
            "cap_mt": [2084.0, 2046.0, 2008.0],
            "eua_mean_eur_per_t": [4.5, 6.0, 7.7],
        }
    )
    fig = C.overview(overview, "a source")
    assert fig.layout.yaxis2.tickmode == "auto"  # not synced to the emissions gridlines
    frame = pd.DataFrame(
        {
            "country": ["Austria"] * 3 + ["Poland"] * 3,
            "year": years * 2,
            "coal_share_pct": [10.0, 9.0, 8.0, 80.0, 79.0, 78.0],
        }
    )
    fig = C.by_country(frame, {"coal_share_pct": "coal"}, "Shares", "%", "a source")
    assert fig.layout.title.text == "Shares: Austria"
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["Austria", "Poland"]
    assert buttons[1].args[1] == {"title.text": "Shares: Poland"}
    assert buttons[1].args[0]["visible"] == [False, True]


@pytest.mark.parametrize("height", [420, 560])
def test_height_is_kept(height: int) -> None:
    fig = C._finish(_figure(["a"]), "T", "s", height=height)
    assert fig.layout.height == height


def test_every_report_chart_builds_from_the_data() -> None:
    tnac = load("ets_tnac_msr_commission.csv")
    rule = R.rule_intakes(
        tnac.set_index("tnac_reference_year")["tnac_allowances"], R.default_regimes()[3]
    )
    figs = [C.tnac(D.msr_table(tnac, rule), "s")]
    mix = D.eu_mix(load("ember_electricity_eu_2000_2024.csv"))
    figs.append(C.eu_mix(mix, "s"))
    monthly = S.monthly_switching(
        load("fuel_prices_monthly_2013_2025.csv"),
        load("ecb_usd_per_eur_monthly_2005_2025.csv"),
        load("eua_price_monthly_ice_c1.csv"),
    )
    figs.append(C.switching(monthly, "s"))
    peak = figs[-1].layout.annotations[0]
    assert peak.text.startswith("off the scale: EUR ")  # the 2022 spike, labelled
    assert "2022" in peak.text
    calm = C.switching(monthly[monthly["year"] < 2021], "s")
    assert len(calm.layout.annotations) == 1  # only the source
    years = list(range(2013, 2041))
    path = pd.DataFrame(
        {
            "year": years,
            "price_eur_per_t": [5.0 * 1.08**i for i in range(len(years))],
            "supply_allowances": [2e9] * len(years),
            "emissions_allowances": [1.8e9] * len(years),
            "bank_allowances": [1e9] * len(years),
            "msr_net_intake_allowances": [0.0] * len(years),
            "msr_holdings_allowances": [0.0] * len(years),
            "msr_invalidated_allowances": [0.0] * len(years),
        }
    )
    figs.append(C.model_paths({"a": path, "b": path}, pd.Series({2013: 4.5, 2014: 6.0}), "s"))
    figs.append(C.model_quantities(path, "s"))
    water = C.waterbed(
        pd.DataFrame(
            {"news_year": [2013, 2025], "emissions_change_mt": [319.0, -63.0]},
        ),
        "s",
    )
    assert list(water.data[0].marker.color) == ["#c0392b", "#27ae60"]  # raises red, lowers green
    assert water.layout.yaxis.range[0] < -63 < 319 < water.layout.yaxis.range[1]
    figs.append(water)
    robust = pd.DataFrame(
        {
            "specification": ["baseline", "price lag 0"],
            "share": [0.09, 0.1],
            "share_ci_low": [-0.02, -0.03],
            "share_ci_high": [0.2, 0.23],
        }
    )
    figs.append(C.robustness(robust, "s"))
    events = pd.DataFrame(
        {
            "year": [2003, 2004, 2005],
            "coef": [0.1, 0.0, 0.3],
            "ci_low": [-0.2, 0.0, -0.1],
            "ci_high": [0.4, 0.0, 0.7],
            "lagged_price_eur_per_t": [0.0, 0.0, 20.0],
        }
    )
    study = C.event_study(events, "s")
    assert list(study.data[0].error_y.array) == pytest.approx([0.3, 0.0, 0.4])
    assert study.data[1].yaxis == "y2"  # the price on its own axis
    figs.append(study)
    bank = pd.DataFrame(
        {
            "year": [2019, 2020],
            "model_bank_allowances": [1.2e9, 0.9e9],
            "published_tnac_allowances": [1.385e9, 1.579e9],
        }
    )
    figs.append(C.bank_vs_tnac(bank, 2019, "s"))
    assert list(figs[-1].data[0].y) == [1385.0, 1579.0]
    figs.append(C.robustness(robust, "s"))  # keep the tall chart last
    for fig in figs:
        assert fig.layout.title.text
        assert fig.layout.annotations[-1].text.startswith("Source: ")
        assert fig.layout.legend.y < 0
    assert figs[-1].layout.height == 560
