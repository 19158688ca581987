"""A tiny real site for the deployment tests: a redirect, two pages, one plotly figure."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from deploybook.book import plotly_js_path

INDEX = '<html><head><meta http-equiv="Refresh" content="0; url=page.html" /></head></html>'
PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><script src="plotly.min.js"></script></head>
<body>
<h1 id="top">A page</h1>
<p><a href="other.html#section">other</a> <a href="#top">top</a></p>
<div id="fig" class="plotly-graph-div" style="height:200px;width:300px"></div>
<script>Plotly.newPlot("fig", [{"type": "bar", "x": [1, 2], "y": [3, 1]}], {});</script>
</body></html>
"""
OTHER = '<html><body><h2 id="section">Other</h2><a href="page.html">back</a></body></html>'
TOC = "format: jb-book\nroot: page\nchapters:\n  - file: other\n"
SiteMaker = Callable[..., Path]


@pytest.fixture
def make_site(tmp_path: Path) -> SiteMaker:
    """``make_site(name, defect=None)`` writes a site folder; defects: no-plotly, dead-link."""

    def make(name: str, defect: str | None = None) -> Path:
        site = tmp_path / name
        site.mkdir()
        (site / "index.html").write_text(INDEX)
        page = PAGE.replace("other.html#section", "gone.html") if defect == "dead-link" else PAGE
        (site / "page.html").write_text(page)
        (site / "other.html").write_text(OTHER)
        if defect != "no-plotly":
            shutil.copyfile(plotly_js_path(), site / "plotly.min.js")
        return site

    return make


@pytest.fixture
def toc(tmp_path: Path) -> Path:
    """A Jupyter Book TOC listing the tiny site's pages."""
    path = tmp_path / "_toc.yml"
    path.write_text(TOC)
    return path
