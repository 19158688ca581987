"""deploybook.plotting: figures that render offline in the book."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from deploybook.plotting import OfflineHtmlRenderer, source_note, use_offline_renderer


def test_bundle_has_plotly_json_and_html_without_any_cdn() -> None:
    fig = go.Figure(go.Bar(x=[1, 2], y=[3, 4]))
    bundle = OfflineHtmlRenderer().to_mimebundle(fig.to_dict())
    assert set(bundle) == {"application/vnd.plotly.v1+json", "text/html"}
    html = bundle["text/html"]
    assert "Plotly.newPlot" in html
    assert "<script src" not in html
    assert "cdn" not in html.lower()
    assert bundle["application/vnd.plotly.v1+json"]["data"][0]["y"] == [3, 4]


def test_use_offline_renderer_sets_defaults() -> None:
    use_offline_renderer()
    assert pio.renderers.default == "deploybook"
    assert pio.templates.default == "plotly_white"


def test_source_note_is_a_paper_annotation() -> None:
    note = source_note("EEA (2025)")
    assert note["text"] == "Source: EEA (2025)"
    assert note["xref"] == note["yref"] == "paper"
