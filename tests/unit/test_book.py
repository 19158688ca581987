"""deploybook.book: the Sphinx extension that keeps the book offline."""

from __future__ import annotations

from types import SimpleNamespace

from deploybook.book import (
    PlotlyJsonMime,
    _drop_network_scripts,
    mathjax_js_path,
    plotly_js_path,
)


def test_plotly_and_mathjax_ship_with_installed_packages() -> None:
    assert plotly_js_path().stat().st_size > 1_000_000
    assert mathjax_js_path().stat().st_size > 1_000_000


def test_scripts_pointing_at_the_internet_are_dropped() -> None:
    local = SimpleNamespace(filename="plotly.min.js", attributes={})
    thebe = SimpleNamespace(filename="sphinx-thebe.js", attributes={})
    inline_cdn = SimpleNamespace(filename=None, attributes={"body": 'const U = "https://x"'})
    remote = SimpleNamespace(filename="https://unpkg.com/x.js", attributes={})
    context = {"script_files": [local, thebe, inline_cdn, remote]}
    _drop_network_scripts(None, "page", "page.html", context, None)
    assert context["script_files"] == [local]


def test_plotly_json_renders_as_nothing_and_other_types_pass() -> None:
    plotly = SimpleNamespace(mime_type="application/vnd.plotly.v1+json")
    html = SimpleNamespace(mime_type="text/html")
    assert PlotlyJsonMime.handle_mime(None, plotly, inline=False) == []
    assert PlotlyJsonMime.handle_mime(None, html, inline=False) is None
