"""The retraining report's figures (plotly)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from deploybook.plotting import source_note

_W, _H = 0.37, 0.3  # half width and half height of a box, in grid units
_BOXES = {
    # name: (x, y, label, colour); one column per grid unit, short lines so boxes stay legible
    "producer": (0.0, 2.0, "producer<br>weekly events", "#e8e8e8"),
    "landing": (1.0, 2.0, "<b>landing</b><br>append-only", "#cfe2f3"),
    "sdp": (2.0, 2.0, "declarative<br>pipeline (SDP)<br>warn · drop · fail", "#fce5cd"),
    "quarantine": (2.0, 3.0, "<b>quarantine</b><br>rows + rule names", "#f4cccc"),
    "clean": (3.0, 2.0, "<b>clean_events</b>", "#cfe2f3"),
    "merge": (3.0, 1.0, "apply changes<br>MERGE (txn)", "#fce5cd"),
    "training": (2.0, 1.0, "<b>training</b><br>CDF · CHECKs", "#cfe2f3"),
    "job": (1.0, 1.0, "retraining<br>stream: fit k<br>trees, merge", "#d9ead3"),
    "gate": (1.0, 0.0, "quality gate<br>holdout accuracy", "#d9ead3"),
    "models": (2.0, 0.0, "<b>models</b><br>a row per version", "#cfe2f3"),
    "serving": (3.0, 0.0, "serving<br>latest_model()", "#ead1dc"),
}
_ARROWS = [
    ("producer", "landing", "append"),
    ("landing", "sdp", "stream"),
    ("sdp", "quarantine", "drop"),
    ("sdp", "clean", "pass"),
    ("clean", "merge", "stream"),
    ("merge", "training", "commit"),
    ("training", "job", "CDF"),
    ("job", "gate", "challenger"),
    ("gate", "models", "verdict"),
    ("models", "serving", "read"),
    ("models", "job", "champion"),
]


def _edge(start: str, end: str) -> tuple[float, float, float, float]:
    """Where an arrow from box ``start`` to box ``end`` leaves and arrives (box borders)."""
    x0, y0 = _BOXES[start][:2]
    x1, y1 = _BOXES[end][:2]
    dx, dy = (x1 > x0) - (x1 < x0), (y1 > y0) - (y1 < y0)
    return x0 + _W * dx, y0 + _H * dy, x1 - _W * dx, y1 - _H * dy


def architecture() -> go.Figure:
    """Tables (blue), processing steps and how data flows between them."""
    fig = go.Figure()
    for x, y, label, colour in _BOXES.values():
        fig.add_shape(
            type="rect",
            x0=x - _W,
            x1=x + _W,
            y0=y - _H,
            y1=y + _H,
            fillcolor=colour,
            line={"color": "#555", "width": 1},
        )
        fig.add_annotation(x=x, y=y, text=label, showarrow=False, font={"size": 11})
    for start, end, label in _ARROWS:
        ax, ay, x, y = _edge(start, end)
        fig.add_annotation(
            x=x,
            y=y,
            ax=ax,
            ay=ay,
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=2,
            arrowwidth=1.2,
            arrowcolor="#333",
            text="",
        )
        vertical = ax == x
        fig.add_annotation(  # the label beside the arrow's middle, clear of the boxes
            x=(ax + x) / 2,
            y=(ay + y) / 2,
            text=f"<i>{label}</i>",
            showarrow=False,
            xanchor="left" if vertical else "center",
            yanchor="middle" if vertical else "bottom",
            xshift=4 if vertical else 0,
            yshift=0 if vertical else 2,
            font={"size": 10, "color": "#333"},
        )
    fig.update_xaxes(visible=False, range=[-0.45, 3.45])
    fig.update_yaxes(visible=False, range=[-0.4, 3.4])
    fig.update_layout(
        title="Architecture: Delta tables (blue), the declarative pipeline, the retraining stream",
        height=560,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        showlegend=False,
    )
    return fig


def accuracy_over_time(scores: pd.DataFrame, batch_of: dict[int, int]) -> go.Figure:
    """Prequential accuracy of each method on each batch (test before train), pooled over
    the seeds a method ran with.
    """
    pooled = scores.groupby(["data_version", "method"], sort=False, as_index=False)[
        ["rows", "correct"]
    ].sum()
    frame = pooled.assign(
        accuracy=pooled["correct"] / pooled["rows"],
        batch=pooled["data_version"].map(batch_of),
    ).dropna(subset=["batch"])
    fig = go.Figure()
    for method, part in frame.groupby("method", sort=False):
        part = part.sort_values("batch")
        fig.add_scatter(x=part["batch"], y=part["accuracy"], mode="lines+markers", name=method)
    fig.update_layout(
        title="Prequential accuracy per weekly batch (each batch predicted before it is learned)",
        xaxis_title="batch (week of ELEC2)",
        yaxis_title="accuracy",
        yaxis_tickformat=".0%",
        annotations=[source_note("ELEC2 (Harries 1999); models table metrics; this run")],
        margin={"b": 90},
    )
    return fig


def update_cost(costs: pd.DataFrame) -> go.Figure:
    """Seconds per update against the table's size, incremental vs full."""
    fig = go.Figure()
    for method, part in costs.groupby("method", sort=False):
        fig.add_scatter(
            x=part["table_rows"],
            y=part["update_seconds"],
            mode="markers+lines",
            name=method,
            text=part["note"],
            hovertemplate="%{x} rows: %{y:.2f} s %{text}",
        )
    fig.update_layout(
        title="Cost of one update as the training table grows",
        xaxis_title="rows in the training table",
        yaxis_title="seconds (fit + merge, or full fit)",
        annotations=[source_note("update_seconds in the models tables of this run")],
        margin={"b": 90},
    )
    return fig


def lineage(trees: pd.DataFrame) -> go.Figure:
    """Trees per cohort in each champion version: growth, retirement and refits."""
    fig = go.Figure()
    for cohort, part in trees.groupby("cohort", sort=False):
        fig.add_bar(x=part["model_version"], y=part["trees"], name=cohort)
    fig.update_layout(
        barmode="stack",
        title="Which fit grew the trees of each model version",
        xaxis_title="model version",
        yaxis_title="trees",
        showlegend=False,
        annotations=[source_note("tree lineage in the models table of this run")],
        margin={"b": 90},
    )
    return fig
