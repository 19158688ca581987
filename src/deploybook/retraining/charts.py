"""The retraining report's figures (plotly)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from deploybook.plotting import source_note

_BOXES = {
    # name: (x, y, label, colour)
    "producer": (0.0, 2.0, "Producer<br>weekly change events", "#e8e8e8"),
    "landing": (1.0, 2.0, "<b>landing</b> (Delta)<br>append-only events", "#cfe2f3"),
    "sdp": (2.0, 2.0, "Spark Declarative Pipeline<br>expectations: warn / drop / fail", "#fce5cd"),
    "quarantine": (2.0, 3.0, "<b>quarantine</b> (Delta)<br>rows + broken rule names", "#f4cccc"),
    "clean": (3.0, 2.0, "<b>clean_events</b> (Delta)", "#cfe2f3"),
    "merge": (3.0, 1.0, "apply changes<br>MERGE per batch (txn)", "#fce5cd"),
    "training": (2.0, 1.0, "<b>training</b> (Delta)<br>Change Data Feed, CHECKs", "#cfe2f3"),
    "job": (
        1.0,
        1.0,
        "retraining stream<br>readChangeFeed → foreachBatch<br>test · fit k trees · merge",
        "#d9ead3",
    ),
    "gate": (1.0, 0.0, "quality gate<br>holdout: challenger vs champion", "#d9ead3"),
    "models": (2.0, 0.0, "<b>models</b> (Delta)<br>one row per version (txn)", "#cfe2f3"),
    "serving": (3.0, 0.0, "serving<br>latest_model · predict · model_as_of", "#ead1dc"),
}
_ARROWS = [
    ("producer", "landing", "append"),
    ("landing", "sdp", "stream"),
    ("sdp", "quarantine", "drop"),
    ("sdp", "clean", "pass"),
    ("clean", "merge", "stream"),
    ("merge", "training", "insert / update / delete"),
    ("training", "job", "changes only"),
    ("job", "gate", "challenger"),
    ("gate", "models", "champion or rejected"),
    ("models", "serving", "snapshot read"),
    ("models", "job", "champion to build on"),
]


def architecture() -> go.Figure:
    """Tables (blue), processing steps and how data flows between them."""
    fig = go.Figure()
    for x, y, label, colour in _BOXES.values():
        fig.add_shape(
            type="rect",
            x0=x - 0.45,
            x1=x + 0.45,
            y0=y - 0.32,
            y1=y + 0.32,
            fillcolor=colour,
            line={"color": "#555", "width": 1},
        )
        fig.add_annotation(x=x, y=y, text=label, showarrow=False, font={"size": 11})
    for start, end, label in _ARROWS:
        x0, y0 = _BOXES[start][:2]
        x1, y1 = _BOXES[end][:2]
        fig.add_annotation(
            x=x1 - 0.45 * (x1 > x0) + 0.45 * (x1 < x0),
            y=y1 - 0.32 * (y1 > y0) + 0.32 * (y1 < y0),
            ax=x0 + 0.45 * (x1 > x0) - 0.45 * (x1 < x0),
            ay=y0 + 0.32 * (y1 > y0) - 0.32 * (y1 < y0),
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=2,
            arrowwidth=1.2,
            arrowcolor="#333",
            text=f"<i>{label}</i>",
            font={"size": 9, "color": "#333"},
        )
    fig.update_xaxes(visible=False, range=[-0.55, 3.55])
    fig.update_yaxes(visible=False, range=[-0.5, 3.5])
    fig.update_layout(
        title="Architecture: Delta tables (blue), the declarative pipeline, the retraining stream",
        height=560,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        showlegend=False,
    )
    return fig


def accuracy_over_time(scores: pd.DataFrame, batch_of: dict[int, int]) -> go.Figure:
    """Prequential accuracy of each method on each batch (test before train)."""
    frame = scores.assign(
        accuracy=scores["correct"] / scores["rows"],
        batch=scores["data_version"].map(batch_of),
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
