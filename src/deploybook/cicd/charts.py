"""Plotly figures of the report: the critical path and the deployment timeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from deploybook.cicd.emulator.results import RunResult
from deploybook.cicd.emulator.workflow import critical_path, finish_times
from deploybook.cicd.pipeline import Releases, history_table, staging_rejection
from deploybook.cicd.probes import Probe
from deploybook.plotting import source_note


def schedule(result: RunResult) -> pd.DataFrame:
    """Each job's measured duration, started as soon as its needs finish (as on GitHub)."""
    durations, needs = result.durations(), result.needs()
    finish, _ = finish_times(durations, needs)
    _, path = critical_path(durations, needs)
    rows = [
        {
            "job": job,
            "start": finish[job] - durations[job],
            "seconds": durations[job],
            "critical": job in path,
        }
        for job in durations
    ]
    return pd.DataFrame(rows).sort_values("start", kind="stable").reset_index(drop=True)


def critical_path_figure(plan: pd.DataFrame, title: str, source: str) -> go.Figure:
    """A Gantt chart of :func:`schedule`, the critical path in red."""
    fig = go.Figure()
    for critical, rows in plan.groupby("critical"):
        fig.add_trace(
            go.Bar(
                y=rows["job"],
                x=rows["seconds"],
                base=rows["start"],
                orientation="h",
                name="on the critical path" if critical else "off the critical path",
                marker_color="#d62728" if critical else "#9ecae1",
                text=[f"{s:.1f} s" for s in rows["seconds"]],
                textposition="outside",
                cliponaxis=False,
            )
        )
    height = 190 + 42 * len(plan)
    fig.update_layout(
        title=title,
        xaxis_title="seconds from the start of the run",
        yaxis={
            "autorange": "reversed",
            "categoryorder": "array",
            "categoryarray": list(plan["job"]),
            "automargin": True,
        },
        barmode="overlay",
        height=height,
        margin={"b": 110, "r": 50},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        annotations=[source_note(source) | {"y": 0, "yanchor": "top", "yshift": -62}],
    )
    return fig


_EVENT_STYLES = {
    "staged": ("diamond-open", "#1f77b4"),
    "switched": ("triangle-up", "#333"),
    "healthy": ("circle-open", "#2ca02c"),
    "failed": ("x-thin-open", "#d62728"),
    "rolled-back": ("triangle-down", "#ff7f0e"),
}


def _probe_groups(
    probes: Mapping[str, Sequence[Probe]], events: pd.DataFrame
) -> dict[str, list[tuple[float, str, int]]]:
    """Probes by what answered them: (time, environment, status) per group."""
    switches = events[events["event"] == "switched"]
    first_live = {env: rows["t"].min() for env, rows in switches.groupby("environment")}
    groups: dict[str, list[tuple[float, str, int]]] = {}
    for env, ps in probes.items():
        for p in ps:
            if p.t < first_live.get(env, float("inf")):
                group = "nothing deployed yet"
            elif p.status != 200:
                group = "probe not answered 200"
            else:
                group = f"served {p.release}"
            groups.setdefault(group, []).append((p.t, env, p.status))
    return dict(
        sorted(groups.items(), key=lambda item: (not item[0].startswith("nothing"), item[0]))
    )


def timeline_figure(
    probes: Mapping[str, Sequence[Probe]],
    events: pd.DataFrame,
    t0: float,
    source: str,
    zoom: tuple[str, float, float] | None = None,
) -> go.Figure:
    """Every probe (coloured by the release that answered, failures as red crosses) and
    every deployment event, per environment; ``zoom`` (environment, start, end) adds a
    second panel with that environment's probes in that window, one dot per probe."""
    fig = make_subplots(
        rows=2 if zoom else 1,
        cols=1,
        row_heights=[0.5, 0.5] if zoom else None,
        vertical_spacing=0.2,
        subplot_titles=("the whole run", f"{zoom[0]}, while a release was tested")
        if zoom
        else None,
    )
    palette = iter(["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"])
    for group, points in _probe_groups(probes, events).items():
        if group == "probe not answered 200":
            marker = {"symbol": "x", "size": 7, "color": "#d62728"}
        else:
            color = "#cccccc" if group.startswith("nothing") else next(palette, "#7f7f7f")
            marker = {"size": 4, "color": color}
        panels = [(1, points)]
        if zoom:
            panels.append(
                (2, [p for p in points if p[1] == zoom[0] and zoom[1] <= p[0] <= zoom[2]])
            )
        for row, shown in panels:
            if row == 2 and not shown:
                continue
            fig.add_trace(
                go.Scatter(
                    x=[t - t0 for t, _, _ in shown],
                    y=[env for _, env, _ in shown],
                    mode="markers",
                    name=group,
                    legendgroup=group,
                    showlegend=row == 1,
                    marker=marker,
                    hovertext=[f"HTTP {status or 'no answer'}" for _, _, status in shown],
                ),
                row=row,
                col=1,
            )
    for event, (symbol, color) in _EVENT_STYLES.items():
        happened = events[events["event"] == event]
        frames = [(1, happened)]
        if zoom:
            inside = (happened["environment"] == zoom[0]) & happened["t"].between(zoom[1], zoom[2])
            frames.append((2, happened[inside]))
        for row, shown in frames:
            if shown.empty:
                continue
            fig.add_trace(
                go.Scatter(
                    x=shown["t"] - t0,
                    y=shown["environment"],
                    mode="markers",
                    name=event,
                    legendgroup=event,
                    showlegend=row == 1,
                    marker={"symbol": symbol, "size": 14, "color": color, "line": {"width": 2}},
                    hovertext=shown["release"],
                ),
                row=row,
                col=1,
            )
    height = 620 if zoom else 420
    fig.update_xaxes(title_text="seconds since the first tag was pushed", row=2 if zoom else 1)
    fig.update_layout(
        title="What users saw: availability probes and deployment events",
        height=height,
        margin={"b": 170},
        legend={"orientation": "h", "y": 0, "yanchor": "bottom", "yref": "container", "x": 0},
        annotations=[
            *fig.layout.annotations,
            source_note(source) | {"y": 0, "yanchor": "top", "yshift": -62},
        ],
    )
    return fig


def release_timeline(releases: Releases, source: str) -> go.Figure:
    """:func:`timeline_figure` of a series of releases, zoomed on the release staging
    rejected last (if any)."""
    rejection = staging_rejection(releases)
    events = history_table(releases.staging, releases.production)
    probes = {
        releases.staging.name: releases.staging_probes,
        releases.production.name: releases.production_probes,
    }
    t0 = min((p.t for ps in probes.values() for p in ps), default=0.0)
    zoom = (
        (releases.staging.name, rejection.staged_at - 1, rejection.verdict_at + 1)
        if rejection
        else None
    )
    return timeline_figure(probes, events, t0, source, zoom=zoom)
