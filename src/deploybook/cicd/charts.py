"""Plotly figures of the report: critical path, cache timings, deployment timeline."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from deploybook.cicd.probes import Probe
from deploybook.cicd.runner import JobResult, RunResult
from deploybook.cicd.workflow import critical_path
from deploybook.plotting import source_note


def schedule(result: RunResult) -> pd.DataFrame:
    """Each job's measured duration, started as soon as its needs finish (as on GitHub)."""
    durations, needs = result.durations(), result.needs()
    finish: dict[str, float] = {}

    def end(job: str) -> float:
        if job not in finish:
            start = max((end(n) for n in needs.get(job, []) if n in durations), default=0.0)
            finish[job] = start + durations[job]
        return finish[job]

    _, path = critical_path(durations, needs)
    rows = [
        {
            "job": job,
            "start": end(job) - durations[job],
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
                textposition="inside",
            )
        )
    fig.update_layout(
        title=title,
        xaxis_title="seconds from the start of the run",
        yaxis={
            "autorange": "reversed",
            "categoryorder": "array",
            "categoryarray": list(plan["job"]),
        },
        barmode="overlay",
        height=320,
        margin={"b": 110},
        annotations=[source_note(source)],
    )
    return fig


def cache_table(cold: JobResult, warm: JobResult) -> pd.DataFrame:
    """Step durations of the same job with an empty and a filled cache store."""
    rows = []
    for a, b in zip(cold.steps, warm.steps, strict=False):
        if a.name == b.name and a.conclusion != "skipped" and max(a.seconds, b.seconds) >= 0.05:
            rows.append(
                {"step": a.label, "cold s": round(a.seconds, 2), "warm s": round(b.seconds, 2)}
            )
    rows.append(
        {"step": "whole job", "cold s": round(cold.seconds, 2), "warm s": round(warm.seconds, 2)}
    )
    return pd.DataFrame(rows)


def cache_figure(table: pd.DataFrame, source: str) -> go.Figure:
    """Cold and warm seconds per step."""
    fig = go.Figure(
        [
            go.Bar(
                name="cold cache (empty store)",
                x=table["step"],
                y=table["cold s"],
                marker_color="#9ecae1",
            ),
            go.Bar(
                name="warm cache (restored)",
                x=table["step"],
                y=table["warm s"],
                marker_color="#3182bd",
            ),
        ]
    )
    fig.update_layout(
        title="The book job with a cold and a warm cache",
        yaxis_title="seconds",
        barmode="group",
        height=400,
        margin={"b": 120},
        legend={"orientation": "h", "y": 1.08},
        annotations=[source_note(source) | {"y": -0.3}],
    )
    return fig


def timeline_figure(
    probes: dict[str, Sequence[Probe]], events: pd.DataFrame, t0: float, source: str
) -> go.Figure:
    """Every probe (coloured by the release that answered, failures as red crosses) and
    every deployment event, per environment."""
    fig = go.Figure()
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
            groups.setdefault(group, []).append((p.t - t0, env, p.status))
    palette = iter(["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"])
    for group in sorted(groups, key=lambda g: (not g.startswith("nothing"), g)):
        points = groups[group]
        if group == "probe not answered 200":
            marker = {"symbol": "x", "size": 7, "color": "#d62728"}
        else:
            color = "#cccccc" if group.startswith("nothing") else next(palette, "#7f7f7f")
            marker = {"size": 4, "color": color}
        fig.add_trace(
            go.Scatter(
                x=[t for t, _, _ in points],
                y=[env for _, env, _ in points],
                mode="markers",
                name=group,
                marker=marker,
                hovertext=[f"HTTP {status or 'no answer'}" for _, _, status in points],
            )
        )
    styles = {
        "switched": ("triangle-up", "#333"),
        "healthy": ("circle-open", "#2ca02c"),
        "failed": ("x-thin-open", "#d62728"),
        "rolled-back": ("triangle-down", "#ff7f0e"),
    }
    for event, (symbol, color) in styles.items():
        rows = events[events["event"] == event]
        if rows.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=rows["t"] - t0,
                y=rows["environment"],
                mode="markers",
                name=event,
                marker={
                    "symbol": symbol,
                    "size": 14,
                    "color": color,
                    "line": {"width": 2, "color": color},
                },
                hovertext=rows["release"],
            )
        )
    fig.update_layout(
        title="What users saw: availability probes and deployment events",
        xaxis_title="seconds since the first tag was pushed",
        height=460,
        margin={"b": 200},
        legend={"orientation": "h", "y": -0.28},
        annotations=[source_note(source) | {"y": -0.9}],
    )
    return fig
