"""The payroll service in the report: its endpoints, the load test's figures and the results
the security tests left behind (the authorization matrix, the fuzzing, the screenshots).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from deploybook.payroll.report.loadtest import LoadReport
from deploybook.payroll.service.api.idempotency import HEADER
from deploybook.payroll.service.app import create_app
from deploybook.payroll.service.settings import ServiceSettings
from deploybook.payroll.service.store import sqlite_url
from deploybook.plotting import source_note

AUTHZ_TEST = "test_endpoint_authorization"
AUTHZ_FILE = "authz.jsonl"
FUZZ_FILE = "fuzz.json"
ROLE_LABELS = {
    "anonymous": "none",
    "employee": "empl.",
    "employee-other": "empl. (other's)",
    "clerk": "clerk",
    "approver": "appr.",
    "auditor": "aud.",
    "admin": "admin",
}


def openapi_document() -> dict[str, Any]:
    """The service's OpenAPI document (built on a scratch database)."""
    with tempfile.TemporaryDirectory(prefix="payroll-openapi-") as folder:
        app = create_app(ServiceSettings(database_url=sqlite_url(Path(folder) / "p.db")))
        document = app.openapi()
        app.state.store.close()
    return document


def _short(path: str) -> str:
    """``/api/v1/pay-runs/{run_id}/payslips/{employee_id}`` as ``/pay-runs/{id}/payslips/{e}``."""
    return path.removeprefix("/api/v1").replace("{run_id}", "{id}").replace("{employee_id}", "{e}")


def endpoint_table(document: dict[str, Any]) -> pd.DataFrame:
    """One row per operation (``GET /pay-runs``): what it does and who may, whether it takes an
    idempotency key, and the statuses it documents.
    """
    rows = {}
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            keys = [p for p in op.get("parameters", []) if p["name"] == HEADER]
            key = ("required" if keys[0].get("required") else "optional") if keys else ""
            rows[f"{method.upper()} {_short(path)}"] = {
                "does (who)": op.get("summary", ""),
                "idempotency key": key,
                "statuses": " ".join(sorted(op["responses"])),
            }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("operation")


def load_table(report: LoadReport) -> pd.DataFrame:
    """Both scenarios' figures, one column each."""
    return pd.DataFrame(report.table(), dtype=object).set_index("scenario").T


def load_figure(report: LoadReport) -> go.Figure:
    """Payslip-read latencies (cumulative share, percentiles marked) and each pay-run
    calculation's latency.
    """
    reads, calc = report.payslips, report.calculation
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.64, 0.36],
        horizontal_spacing=0.14,
        subplot_titles=(f"{reads.requests:,} payslip reads", f"pay run of {report.employees:,}"),
    )
    ms = np.sort(np.array(reads.latencies_ms))
    share = np.arange(1, len(ms) + 1) / max(len(ms), 1)
    fig.add_scatter(
        x=ms,
        y=share,
        mode="lines",
        name="reads answered within",
        row=1,
        col=1,
        line={"color": "#1f77b4"},
    )
    for q, colour in ((50, "#2ca02c"), (95, "#ff7f0e"), (99, "#d62728")):
        value = reads.percentile(q)
        fig.add_scatter(
            x=[value, value],
            y=[0, 1],
            mode="lines",
            row=1,
            col=1,
            line={"dash": "dash", "color": colour},
            name=f"p{q} {value:.0f} ms",
        )
    seconds = [ms_ / 1000 for ms_ in calc.latencies_ms]
    fig.add_bar(
        x=[f"#{i + 1}" for i in range(len(seconds))],
        y=seconds,
        row=1,
        col=2,
        marker_color="#9467bd",
        name="calculation",
        showlegend=False,
        text=[f"{s:.2f} s" for s in seconds],
        textposition="inside",
    )
    fig.update_xaxes(type="log", title_text="latency, ms", dtick=1, row=1, col=1)
    fig.update_yaxes(title_text="share of reads", tickformat=".0%", row=1, col=1)
    fig.update_xaxes(title_text="calculation", row=1, col=2)
    fig.update_yaxes(title_text="seconds", row=1, col=2)
    note = source_note("Locust against deploybook payroll serve (SQLite), this run")
    fig.update_layout(
        title=f"Load test: {reads.users} employees, {reads.requests_per_second:,.0f} reads/s",
        height=440,
        margin={"b": 130},
        legend={"orientation": "h", "y": -0.3, "x": 0},
        annotations=[*fig.layout.annotations, note | {"y": -0.46}],
    )
    return fig


def authz_cases(cases: Iterable[tuple[str, str]]) -> tuple[int, int]:
    """How many endpoint-and-role cases the system tests ran, and how many failed."""
    found = [outcome for name, outcome in cases if name.startswith(AUTHZ_TEST)]
    return len(found), sum(outcome != "passed" for outcome in found)


def authz_matrix(artifacts: Path) -> pd.DataFrame:
    """The status each role got from each operation (from the authorization test's log)."""
    path = artifacts / AUTHZ_FILE
    if not path.is_file():
        return pd.DataFrame()
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    frame = pd.DataFrame(rows)
    frame["operation"] = frame["method"] + " " + frame["path"].map(_short)
    table = frame.pivot_table(index="operation", columns="role", values="status", aggfunc="first")
    order = [c for c in ROLE_LABELS if c in table.columns]
    table = table[order].astype("Int64").astype(str).replace("<NA>", "")
    return table.rename(columns=ROLE_LABELS)


def fuzz_summary(artifacts: Path) -> dict[str, Any] | None:
    """What the fuzzing test found (``None`` if it did not run)."""
    path = artifacts / FUZZ_FILE
    return json.loads(path.read_text()) if path.is_file() else None
