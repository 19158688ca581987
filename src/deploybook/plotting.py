"""Plotly figures that render in the built book with no network and in JupyterLab.

plotly 7's default renderer emits only the ``application/vnd.plotly.v1+json`` mimetype,
which myst-nb drops, and its ``notebook`` renderer pulls MathJax from a CDN. The
``deploybook`` renderer emits both the plotly mimetype (JupyterLab uses it) and a plain
HTML ``<div>`` whose script calls ``Plotly.newPlot`` with no ``<script src>`` at all: the
book loads its own copy of ``plotly.min.js`` (see :mod:`deploybook.book`).
"""

from __future__ import annotations

import json
from typing import Any

import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer

RENDERER = "deploybook"
TEMPLATE = "plotly_white"


class OfflineHtmlRenderer(MimetypeRenderer):  # type: ignore[misc]  # plotly has no types
    """Plotly mimetype plus self-contained HTML that relies on a page-level ``Plotly``."""

    def to_mimebundle(self, fig_dict: dict[str, Any]) -> dict[str, Any]:
        """Both representations of one figure, keyed by mimetype."""
        html = pio.to_html(
            fig_dict,
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            config={"displaylogo": False, "responsive": True},
            validate=False,
        )
        plotly_json = json.loads(pio.to_json(fig_dict, validate=False))
        return {"application/vnd.plotly.v1+json": plotly_json, "text/html": html}


def use_offline_renderer() -> None:
    """Make ``fig.show()`` use the offline renderer and the book's template."""
    pio.renderers[RENDERER] = OfflineHtmlRenderer()
    pio.renderers.default = RENDERER
    pio.templates.default = TEMPLATE


def source_note(text: str) -> dict[str, Any]:
    """An annotation that prints a figure's data source under the plot area."""
    return {
        "text": f"Source: {text}",
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": -0.22,
        "showarrow": False,
        "xanchor": "left",
        "font": {"size": 10, "color": "#666"},
    }
