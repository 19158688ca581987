"""The payroll report's figures (plotly), built from computed results (tables: :mod:`.tables`)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from deploybook.payroll.report.pyramid import LevelResult
from deploybook.payroll.rollout.run import PhaseOutcome, RolloutResult
from deploybook.plotting import source_note

DECISION_COLOURS = {"go": "#2ca02c", "no-go": "#d62728", "not run": "#c7c7c7"}


def pyramid_figure(results: list[LevelResult]) -> go.Figure:
    """Tests per level drawn as a pyramid (unit at the base), with time and coverage."""
    levels = list(reversed(results))
    fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], shared_yaxes=True,
                        subplot_titles=("tests (bar) and seconds", "coverage of deploybook.payroll, %"))  # fmt: skip  # noqa: E501
    fig.add_bar(y=[r.level for r in levels], x=[r.tests for r in levels], orientation="h",
                text=[f"{r.tests} tests, {r.seconds:.1f} s" for r in levels], name="tests",
                marker_color="#1f77b4", row=1, col=1)  # fmt: skip
    fig.add_bar(y=[r.level for r in levels], x=[r.coverage_percent for r in levels],
                orientation="h", text=[f"{r.coverage_percent:.0f}%" for r in levels],
                name="coverage", marker_color="#9467bd", row=1, col=2)  # fmt: skip
    fig.update_layout(title="The test pyramid, run while this page was built", showlegend=False,
                      height=330, annotations=[*fig.layout.annotations,
                                               source_note("pytest runs of tests/ with pytest-cov")])  # fmt: skip  # noqa: E501
    return fig


def throughput_figure(frame: pd.DataFrame) -> go.Figure:
    """Payslips per second against employees: compute, persist and the whole pay run."""
    fig = go.Figure()
    for column, name in (("compute_per_second", "compute (engine 1.0)"),
                         ("persist_per_second", "persist (SQLite)"),
                         ("payslips_per_second", "compute + persist")):  # fmt: skip
        fig.add_scatter(x=frame["employees"], y=frame[column], mode="lines+markers", name=name)
    fig.update_layout(title="Pay-run throughput against employee count", xaxis_type="log",
                      xaxis_title="employees in the pay run", yaxis_title="payslips per second",
                      height=380, annotations=[source_note("measured in this run (deploybook.payroll.report.throughput)")])  # fmt: skip  # noqa: E501
    return fig


def _label(phase: PhaseOutcome) -> str:
    """A phase's bar label: its decision and, if it ran, who engine 2.0 paid and how many
    of them were out of tolerance.
    """
    if phase.decision == "not run":
        return "not run"
    return (f"{phase.decision}: {phase.new_engine_employees:,} on engine 2.0, "
            f"{phase.mismatched_employees:,} out of tolerance")  # fmt: skip


def timeline_figure(result: RolloutResult) -> go.Figure:
    """Each phase over the pay period it paid, coloured by decision; the rollback marked."""
    fig = go.Figure()
    for phase in result.phases:
        fig.add_bar(
            y=[phase.name], x=[(phase.paid_on - phase.period_start).days * 86_400_000],
            base=[phase.period_start.isoformat()], orientation="h",
            marker_color=DECISION_COLOURS[phase.decision], name=phase.decision,
            text=_label(phase), textposition="outside", cliponaxis=False, showlegend=False,
        )  # fmt: skip
    rolled_back = [p for p in result.phases if p.rolled_back]
    if rolled_back:
        fig.add_scatter(  # on the middle of the period that was rolled back
            x=[
                (p.period_start + (p.paid_on - p.period_start) / 2).isoformat() for p in rolled_back
            ],
            y=[p.name for p in rolled_back],
            mode="markers",
            marker={"symbol": "x", "size": 14, "color": "black"},
            name="rolled back: flag to 1.0, alembic downgrade, data checked",
        )
    start = min(p.period_start for p in result.phases)
    end = max(p.paid_on for p in result.phases)
    fig.update_xaxes(range=[start.isoformat(), (end + (end - start) * 0.6).isoformat()])
    fig.update_layout(title="Rollout timeline: pay period of each phase (bar: period start to payment)",  # noqa: E501
                      xaxis_type="date", yaxis_autorange="reversed", height=380,
                      legend={"orientation": "h", "y": -0.3},
                      annotations=[*fig.layout.annotations,
                                   source_note(f"rollout plan '{result.plan.name}', this run")])  # fmt: skip  # noqa: E501
    return fig
