"""The trigger -> job -> environment graph of the real workflows, planned by the runner.

For each kind of event the book's repository sees, the local runner plans every workflow
it triggers (``dry_run``: job ``if:`` conditions evaluated, needs assumed to succeed, no
step run). The edges say which event starts which job, which job waits for which, and
which job deploys to which environment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from deploybook.cicd.emulator.results import Event
from deploybook.cicd.emulator.runner import LocalRunner
from deploybook.cicd.emulator.workflow import is_triggered, load_workflows


@dataclass(frozen=True)
class Trigger:
    """A labelled sample event."""

    label: str
    event: Event


TRIGGERS = (
    Trigger("pull request", Event("pull_request", "refs/pull/1/merge", base_ref="main")),
    Trigger("push to main", Event("push", "refs/heads/main")),
    Trigger("tag v*", Event("push", "refs/tags/v1.0.0")),
    Trigger("manual run", Event("workflow_dispatch")),
    Trigger("manual roll back", Event("workflow_dispatch", inputs={"rollback-to": "v1.0.0"})),
)
COLUMNS = ["trigger", "workflow", "job", "name", "needs", "environment"]


def plan(root: Path, work_dir: Path, triggers: Sequence[Trigger] = TRIGGERS) -> pd.DataFrame:
    """One row per (trigger, job that would run), over every non-reusable workflow."""
    runner = LocalRunner(root, work_dir=work_dir)
    rows = []
    for wf in load_workflows(root / ".github" / "workflows"):
        if wf.is_reusable:
            continue
        declared = wf.triggers.get("workflow_dispatch", {}).get("inputs") or {}
        for trigger in triggers:
            event = trigger.event
            if not is_triggered(wf, event.name, event.ref, event.base_ref):
                continue
            if set(event.inputs) - set(declared):
                continue
            result = runner.run(wf, event, dry_run=True)
            ids = [j.id for j in result.jobs]
            called = {i for i in ids if any(other.startswith(i + "/") for other in ids)}
            for job in result.jobs:
                if job.result == "skipped" or job.id in called:
                    continue
                rows.append(
                    {
                        "trigger": trigger.label,
                        "workflow": wf.path.name,
                        "job": f"{wf.path.stem}: {job.id}",
                        "name": job.name,
                        "needs": [f"{wf.path.stem}: {n}" for n in result.needs()[job.id]],
                        "environment": job.environment,
                    }
                )
    return pd.DataFrame(rows, columns=COLUMNS).drop_duplicates(["trigger", "job"])


def _layout(planned: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Jobs in columns by ``needs`` depth, one horizontal band per workflow; triggers on the
    left, environments on the right beside the jobs that deploy to them."""
    jobs = planned.drop_duplicates("job").set_index("job")
    order = {job: i for i, job in enumerate(jobs.index)}  # as the runner planned them
    depth: dict[str, int] = {}

    def level(job: str) -> int:
        if job not in depth:
            needs = [n for n in jobs.loc[job, "needs"] if n in jobs.index]
            depth[job] = 1 + max((level(n) for n in needs), default=0)
        return depth[job]

    positions: dict[str, tuple[float, float]] = {}
    top = 0.0
    for workflow, members in jobs.groupby("workflow", sort=True):
        columns: dict[int, list[str]] = {}
        for job in sorted(members.index, key=lambda j: (level(j), order[j])):
            columns.setdefault(depth[job], []).append(job)
        height = max(len(c) for c in columns.values())
        positions[f"band:{workflow}"] = (0.6, 1.3 * top + 0.75)
        for x, column in columns.items():
            for i, job in enumerate(column):
                positions[job] = (float(x), 1.3 * (top - i - (height - len(column)) / 2))
        top -= height + 0.8
    bottom = 1.3 * (top + 0.8)
    triggers = list(dict.fromkeys(planned["trigger"]))
    for i, trigger in enumerate(triggers):
        positions[trigger] = (-0.6, bottom * i / max(len(triggers) - 1, 1))
    right = max(x for x, _ in positions.values()) + 1.2
    for env, rows in planned.dropna(subset=["environment"]).groupby("environment"):
        ys = [positions[job][1] for job in rows["job"].unique()]
        # half a row lower, so the edge to it does not run along a row of jobs
        positions[f"env:{env}"] = (right, sum(ys) / len(ys) - 0.65)
    return positions


def pipeline_figure(planned: pd.DataFrame, title: str) -> go.Figure:
    """Triggers (left), jobs by ``needs`` depth, environments (right); edges coloured by trigger."""
    pos = _layout(planned)
    fig = go.Figure()
    jobs = planned.drop_duplicates("job").set_index("job")
    for trigger, rows in planned.groupby("trigger", sort=False):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for job in rows["job"]:
            if not [n for n in jobs.loc[job, "needs"] if n in set(rows["job"])]:
                xs += [pos[trigger][0], pos[job][0], None]
                ys += [pos[trigger][1], pos[job][1], None]
        fig.add_trace(
            go.Scatter(
                x=xs, y=ys, mode="lines", name=str(trigger), line={"width": 1.5}, hoverinfo="skip"
            )
        )
    edges: dict[str, tuple[list[float | None], list[float | None]]] = {
        "needs": ([], []),
        "deploys to": ([], []),
    }
    for job, row in jobs.iterrows():
        ends = [(need, "needs") for need in row["needs"] if need in pos]
        if row["environment"]:
            ends.append((f"env:{row['environment']}", "deploys to"))
        for other, kind in ends:
            first, second = (other, job) if kind == "needs" else (job, other)
            edges[kind][0].extend([pos[first][0], pos[second][0], None])
            edges[kind][1].extend([pos[first][1], pos[second][1], None])
    styles = {"needs": {"color": "#aaa", "dash": "dot"}, "deploys to": {"color": "#2ca02c"}}
    for kind, (xs, ys) in edges.items():
        fig.add_trace(
            go.Scatter(x=xs, y=ys, mode="lines", name=kind, line=styles[kind], hoverinfo="skip")
        )
    kinds = [
        ("trigger", list(dict.fromkeys(planned["trigger"])), "diamond", "#444"),
        ("job", list(jobs.index), "circle", "#1f77b4"),
        ("environment", [k for k in pos if k.startswith("env:")], "square", "#2ca02c"),
    ]
    for kind, names, symbol, color in kinds:
        fig.add_trace(
            go.Scatter(
                x=[pos[n][0] for n in names],
                y=[pos[n][1] for n in names],
                mode="markers+text",
                marker={"symbol": symbol, "size": 14, "color": color},
                # the workflow is the band's title; a label names the job within it
                text=[n.split(": ", 1)[-1].removeprefix("env:") for n in names],
                textposition=[_label_side(n, pos) for n in names],
                textfont={"size": 12},
                name=kind,
                hovertext=[jobs.loc[n, "name"] if kind == "job" else n for n in names],
                hoverinfo="text",
            )
        )
    for key, (x, y) in pos.items():
        if key.startswith("band:"):
            fig.add_annotation(
                x=x,
                y=y,
                text=f"<b>{key.removeprefix('band:')}</b>",
                showarrow=False,
                xanchor="left",
                font={"size": 13, "color": "#555"},
            )
    rows = len({y for key, (_, y) in pos.items() if not key.startswith(("band:", "env:"))})
    fig.update_layout(
        title=title,
        height=max(480, 70 * rows + 200),
        xaxis={"visible": False, "range": [-1.3, max(x for x, _ in pos.values()) + 0.9]},
        yaxis={"visible": False},
        legend={"orientation": "h", "y": -0.02},
        margin={"l": 10, "r": 10, "t": 50, "b": 60},
    )
    return fig


def _label_side(name: str, pos: dict[str, tuple[float, float]]) -> str:
    """Above the node, or below it when the node above in the same column is close."""
    x, y = pos[name]
    above = [oy for key, (ox, oy) in pos.items() if ox == x and oy > y and key != name]
    return "bottom center" if above and min(above) - y < 1.5 else "top center"


def count_jobs(root: Path) -> pd.DataFrame:
    """Job definitions per workflow file: how many, and whether the file is reusable."""
    rows = [
        {
            "workflow": wf.path.name,
            "jobs": len(wf.jobs),
            "reusable": wf.is_reusable,
            "triggers": ", ".join(wf.triggers),
        }
        for wf in load_workflows(root / ".github" / "workflows")
    ]
    return pd.DataFrame(rows)
