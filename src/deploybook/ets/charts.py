"""Plotly charts of the ETS report, each with its data source printed under the plot."""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from deploybook.ets.descriptive import PHASES
from deploybook.plotting import source_note

# Charts are laid out for the plot width the book gives them (about 480 px): the legend sits
# under the x axis in as many rows as its entries need there, the source under the legend,
# wrapped, so neither overlaps the plot, the title or each other.
_LAYOUT_WIDTH_PX = 480
_SOURCE_CHARS_PER_LINE = 120  # characters of the 10 px source font that fit that width
_LEGEND_ROW_PX = 22
_SOURCE_LINE_PX = 14


def _legend_rows(fig: go.Figure) -> int:
    """Rows a horizontal legend of ``fig`` needs at :data:`_LAYOUT_WIDTH_PX` (greedy packing,
    on the safe side: 7 px per character plus 50 px for the symbol and the gap)."""
    names = [
        str(t.name)
        for t in fig.data
        if t.name and t.showlegend is not False and t.visible is not False
    ]
    rows, used = (1 if names else 0), 0.0
    for name in names:
        width = 7 * len(name) + 50
        if used and used + width > _LAYOUT_WIDTH_PX:
            rows, used = rows + 1, 0.0
        used += width
    return rows


def _finish(
    fig: go.Figure,
    title: str,
    source: str,
    *,
    height: int = 500,
    left: int = 70,
    source_chars: int = _SOURCE_CHARS_PER_LINE,
) -> go.Figure:
    """Title on top; legend rows and the source, wrapped at ``source_chars``, below the x axis
    (a plot narrowed by long axis labels needs a smaller ``source_chars``)."""
    axis_px = 55 if fig.layout.xaxis.title.text else 35
    rows = _legend_rows(fig)
    lines = textwrap.wrap(f"Source: {source}", source_chars)
    bottom = axis_px + rows * _LEGEND_ROW_PX + len(lines) * _SOURCE_LINE_PX + 16
    top = 70
    plot_px = height - top - bottom
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        height=height,
        margin={"t": top, "b": bottom, "l": left, "r": 60},
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": -axis_px / plot_px,
            "yanchor": "top",
        },
    )
    note = source_note("<br>".join(lines).removeprefix("Source: "))
    note.update(
        {"y": -(axis_px + rows * _LEGEND_ROW_PX + 4) / plot_px, "yanchor": "top", "align": "left"}
    )
    fig.add_annotation(**note)
    return fig


def _phases(fig: go.Figure, first: int, last: int) -> None:
    for name, start, end in PHASES:
        if end < first or start > last:
            continue
        fig.add_vrect(
            x0=max(start, first) - 0.5,
            x1=min(end, last) + 0.5,
            line_width=0,
            fillcolor="#888",
            opacity=0.06 if PHASES.index((name, start, end)) % 2 else 0.0,
            annotation_text=name,
            annotation_position="top left",
        )


def overview(frame: pd.DataFrame, source: str) -> go.Figure:
    """Cap and verified emissions (Mt, left) and the EUA annual mean (EUR/t, right)."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(
        x=frame["year"],
        y=frame["verified_mt"],
        name="verified emissions, 7 activities (Mt)",
        marker_color="#7f8c8d",
    )
    fig.add_scatter(
        x=frame["year"],
        y=frame["cap_mt"],
        name="stationary cap (Mt)",
        mode="lines+markers",
        line={"color": "#2c3e50"},
    )
    fig.add_scatter(
        x=frame["year"],
        y=frame["eua_mean_eur_per_t"],
        name="EUA annual mean (EUR/t)",
        mode="lines+markers",
        line={"color": "#c0392b"},
        secondary_y=True,
    )
    _phases(fig, int(frame["year"].min()), int(frame["year"].max()))
    fig.update_yaxes(title_text="Mt CO2e", rangemode="tozero", secondary_y=False)
    fig.update_yaxes(
        title_text="EUR/t", rangemode="tozero", tickmode="auto", showgrid=False, secondary_y=True
    )
    return _finish(fig, "EU ETS: cap, verified emissions and the carbon price by phase", source)


def tnac(frame: pd.DataFrame, source: str) -> go.Figure:
    """Published TNAC, published MSR intake and the intake the rule gives."""
    fig = go.Figure()
    fig.add_bar(x=frame["tnac_reference_year"], y=frame["tnac_allowances"] / 1e6, name="TNAC (m)")
    fig.add_bar(
        x=frame["tnac_reference_year"],
        y=frame["msr_intake_allowances"] / 1e6,
        name="published MSR intake (m)",
    )
    fig.add_scatter(
        x=frame["tnac_reference_year"],
        y=frame["rule_intake_allowances"] / 1e6,
        mode="markers",
        marker={"symbol": "x", "size": 11},
        name="intake by the rule (m)",
    )
    fig.add_hline(y=833, line_dash="dot", annotation_text="833 m threshold")
    fig.add_hline(y=400, line_dash="dot", annotation_text="400 m release threshold")
    fig.update_layout(
        barmode="group", xaxis_title="TNAC reference year", yaxis_title="million allowances"
    )
    return _finish(fig, "Surplus (TNAC) and Market Stability Reserve intake", source)


def eu_mix(frame: pd.DataFrame, source: str) -> go.Figure:
    """EU shares of generation: renewables, wind+solar, coal, fossil."""
    fig = go.Figure()
    names = {
        "renewables_share_pct": "renewables",
        "wind_solar_share_pct": "wind + solar",
        "coal_share_pct": "coal",
        "fossil_share_pct": "all fossil",
    }
    for col, name in names.items():
        fig.add_scatter(x=frame["year"], y=frame[col], name=name, mode="lines+markers")
    fig.update_layout(yaxis_title="% of generation")
    return _finish(fig, "EU electricity: renewable, coal and fossil shares", source)


def by_country(
    frame: pd.DataFrame, columns: dict[str, str], title: str, unit: str, source: str
) -> go.Figure:
    """One line per column for one country at a time, with a country selector."""
    countries = list(dict.fromkeys(frame["country"]))
    fig = go.Figure()
    for i, country in enumerate(countries):
        part = frame[frame["country"] == country]
        for col, name in columns.items():
            fig.add_scatter(
                x=part["year"], y=part[col], name=name, mode="lines+markers", visible=i == 0
            )
    n = len(columns)
    buttons = [
        {
            "label": c,
            "method": "update",
            "args": [
                {"visible": [j // n == i for j in range(n * len(countries))]},
                {"title.text": f"{title}: {c}"},
            ],
        }
        for i, c in enumerate(countries)
    ]
    fig.update_layout(
        updatemenus=[
            {"buttons": buttons, "x": 1.0, "y": 1.02, "xanchor": "right", "yanchor": "bottom"}
        ],
        yaxis_title=unit,
    )
    return _finish(fig, f"{title}: {countries[0]}", source)


MODEL_CHART_END = 2045  # the model charts end here: supply has run out a few years before

_SWITCH_TOP = 250  # EUR/t: the 2022 gas-price spike would flatten every other month


def switching(monthly: pd.DataFrame, source: str) -> go.Figure:
    """Monthly switching price (with its efficiency band) against the EUA price; a peak above
    the axis is labelled."""
    fig = go.Figure()
    fig.add_scatter(
        x=monthly["date"],
        y=monthly["switch_high_eur_per_t"],
        line={"width": 0},
        showlegend=False,
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=monthly["date"],
        y=monthly["switch_low_eur_per_t"],
        fill="tonexty",
        line={"width": 0},
        fillcolor="rgba(41,128,185,0.2)",
        name="switching band (plant efficiencies)",
    )
    fig.add_scatter(
        x=monthly["date"],
        y=monthly["switch_price_eur_per_t"],
        name="coal-to-gas switching price",
        line={"color": "#2980b9"},
    )
    fig.add_scatter(
        x=monthly["date"], y=monthly["eua_eur_per_t"], name="EUA price", line={"color": "#c0392b"}
    )
    fig.update_layout(yaxis_title="EUR/t CO2", yaxis_range=[-50, _SWITCH_TOP])
    peak = monthly.loc[monthly["switch_price_eur_per_t"].idxmax()]
    if peak["switch_price_eur_per_t"] > _SWITCH_TOP:
        fig.add_annotation(
            x=peak["date"],
            y=_SWITCH_TOP,
            yanchor="top",
            xanchor="right",
            showarrow=False,
            text=f"off the scale: EUR {peak['switch_price_eur_per_t']:,.0f}/t in "
            f"{peak['date']:%B %Y}",
            font={"size": 10, "color": "#2980b9"},
        )
    return _finish(
        fig, "When carbon made gas cheaper than coal (EUA above the switching price)", source
    )


def model_paths(paths: dict[str, pd.DataFrame], observed: pd.Series, source: str) -> go.Figure:
    """Model price paths (one per scenario) against observed annual means."""
    fig = go.Figure()
    for name, path in paths.items():
        fig.add_scatter(x=path["year"], y=path["price_eur_per_t"], name=name, mode="lines")
    fig.add_scatter(
        x=observed.index,
        y=observed.to_numpy(),
        name="observed annual mean",
        mode="markers",
        marker={"color": "black", "size": 8},
    )
    fig.update_layout(yaxis_title="EUR/t", xaxis_range=[2012.5, MODEL_CHART_END + 0.5])
    return _finish(
        fig, "Market model: equilibrium price paths vs observed EUA prices", source, height=560
    )


def model_quantities(path: pd.DataFrame, source: str) -> go.Figure:
    """Supply, emissions, MSR intake and the bank of one scenario (million allowances)."""
    fig = go.Figure()
    for col, name in {
        "supply_allowances": "cap less back-loading",
        "emissions_allowances": "emissions (allowances demanded)",
        "bank_allowances": "bank (TNAC)",
        "msr_net_intake_allowances": "MSR net intake",
        "msr_holdings_allowances": "MSR holdings",
        "msr_invalidated_allowances": "invalidated by the MSR",
    }.items():
        fig.add_scatter(x=path["year"], y=path[col] / 1e6, name=name, mode="lines")
    fig.update_layout(yaxis_title="million allowances", xaxis_range=[2012.5, MODEL_CHART_END + 0.5])
    return _finish(fig, "Market model: quantities of the base scenario", source)


def waterbed(table: pd.DataFrame, source: str) -> go.Figure:
    """Change in total emissions from faster renewables by the year the market learns of them
    (:func:`deploybook.ets.market.waterbed_by_news_year`): red raises, green lowers."""
    fig = go.Figure()
    change = table["emissions_change_mt"]
    fig.add_bar(
        x=table["news_year"].astype(str),
        y=change,
        marker_color=["#c0392b" if v > 0 else "#27ae60" for v in change],
        text=[f"{v:+,.0f}" for v in change],
        textposition="outside",
        name="change in total emissions (million allowances)",
        showlegend=False,
    )
    fig.add_hline(y=0, line_color="#555")
    pad = 0.2 * float(change.abs().max() or 1)
    fig.update_layout(
        xaxis_title="year the market learns of faster renewables",
        yaxis_title="million allowances",
        yaxis_range=[min(0.0, float(change.min())) - pad, max(0.0, float(change.max())) + pad],
    )
    return _finish(
        fig, "Faster renewables and total ETS emissions, by when they are foreseen", source
    )


def robustness(table: pd.DataFrame, source: str) -> go.Figure:
    """Attributable share by specification with its 95% CI."""
    fig = go.Figure()
    fig.add_scatter(
        x=table["share"] * 100,
        y=table["specification"],
        mode="markers",
        error_x={
            "type": "data",
            "symmetric": False,
            "array": (table["share_ci_high"] - table["share"]) * 100,
            "arrayminus": (table["share"] - table["share_ci_low"]) * 100,
        },
        name="share attributed (95% CI)",
    )
    fig.add_vline(x=45, line_dash="dash", line_color="#c0392b", annotation_text="essay: 45%")
    fig.add_vline(x=0, line_color="#999")
    fig.update_layout(
        xaxis_title="% of deployment in the claim window attributed to the price",
        yaxis={"autorange": "reversed", "automargin": True},
    )
    return _finish(
        fig,
        "Share of deployment attributed to the carbon price, by specification",
        source,
        height=560,
        left=20,
        source_chars=65,  # the specification labels take the left half of the figure
    )


def event_study(events: pd.DataFrame, source: str) -> go.Figure:
    """Exposure x year coefficients with 95% intervals (left axis; 2004 the reference) and the
    lagged EUA price the design assumes drives them (right axis)."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_scatter(
        x=events["year"],
        y=events["coef"],
        mode="markers",
        marker={"color": "#2c3e50", "size": 8},
        error_y={
            "type": "data",
            "symmetric": False,
            "array": events["ci_high"] - events["coef"],
            "arrayminus": events["coef"] - events["ci_low"],
        },
        name="exposure x year coefficient (95% CI)",
    )
    fig.add_scatter(
        x=events["year"],
        y=events["lagged_price_eur_per_t"],
        mode="lines",
        line={"color": "#c0392b", "dash": "dot"},
        name="lagged EUA price (EUR/t)",
        secondary_y=True,
    )
    fig.add_hline(y=0, line_color="#999")
    fig.add_vline(x=2004.5, line_dash="dash", line_color="#888", annotation_text="ETS starts")
    fig.update_yaxes(title_text="coefficient", secondary_y=False)
    top = 1.1 * float(events["lagged_price_eur_per_t"].max())
    fig.update_yaxes(
        title_text="EUR/t", range=[0, top], tickmode="auto", showgrid=False, secondary_y=True
    )
    fig.update_layout(xaxis_title="year")
    return _finish(fig, "Event study: exposure x year against the lagged carbon price", source)


def bank_vs_tnac(bank: pd.DataFrame, calibration_end: int, source: str) -> go.Figure:
    """The model's bank against the published TNAC (million allowances), the calibration
    years shaded."""
    fig = go.Figure()
    fig.add_bar(
        x=bank["year"],
        y=bank["published_tnac_allowances"] / 1e6,
        name="published TNAC",
        marker_color="#95a5a6",
    )
    fig.add_scatter(
        x=bank["year"],
        y=bank["model_bank_allowances"] / 1e6,
        mode="lines+markers",
        name="model bank (end of year)",
        line={"color": "#2980b9"},
    )
    fig.add_vrect(
        x0=bank["year"].min() - 0.5,
        x1=calibration_end + 0.5,
        fillcolor="#888",
        opacity=0.08,
        line_width=0,
        annotation_text="calibration years",
        annotation_position="top left",
    )
    fig.update_layout(xaxis_title="year", yaxis_title="million allowances")
    return _finish(fig, "The model's bank against the published surplus (TNAC)", source)
