"""A Sphinx extension that makes the book work offline.

``_config.yml`` lists it under ``sphinx.extra_extensions``. It

- ships ``plotly.min.js`` from the installed plotly package (so it matches the version that
  made the figures) and loads it in every page's ``<head>``, before the figures' inline
  scripts run;
- ships MathJax 3 (``tex-svg.js``, one self-contained file from the ``django-static-mathjax``
  wheel, which has no dependencies) instead of Sphinx's CDN default;
- drops page scripts that point at the internet: Jupyter Book always adds sphinx-thebe,
  whose launcher names a CDN copy of thebe (the book has no live kernels);
- renders plotly's JSON mimetype as nothing in the book, because every figure also carries
  its offline HTML twin (:mod:`deploybook.plotting`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, ClassVar

import mathjax
import plotly
from sphinx.application import Sphinx

PLOTLY_JS = "plotly.min.js"
PLOTLY_MIME = "application/vnd.plotly.v1+json"
MATHJAX_JS = "tex-svg.js"


def plotly_js_path() -> Path:
    """The ``plotly.min.js`` bundled with the installed plotly package."""
    return Path(plotly.__file__).parent / "package_data" / PLOTLY_JS


def mathjax_js_path() -> Path:
    """MathJax 3's single-file TeX-to-SVG bundle from the installed wheel."""
    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / MATHJAX_JS


def _copy_scripts(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(plotly_js_path(), static / PLOTLY_JS)
        shutil.copyfile(mathjax_js_path(), static / MATHJAX_JS)


def _needs_network(script: Any) -> bool:
    src = str(getattr(script, "filename", None) or "")
    body = str(getattr(script, "attributes", {}).get("body", ""))
    return "sphinx-thebe" in src or "://" in src or "://" in body


def _drop_network_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not _needs_network(s)]


class PlotlyJsonMime:
    """myst-nb mime renderer plugin: plotly JSON renders as nothing (its HTML twin shows)."""

    mime_priority_overrides: ClassVar[list[tuple[str, str, int | None]]] = [
        ("*", PLOTLY_MIME, None)
    ]

    @staticmethod
    def handle_mime(renderer: Any, data: Any, inline: bool) -> list[Any] | None:
        """Accept the plotly mimetype with no output; leave every other type alone."""
        return [] if data.mime_type == PLOTLY_MIME else None


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the script with every HTML page and copy it into ``_static`` after the build."""
    app.add_js_file(PLOTLY_JS, priority=100)
    app.config.mathjax_path = MATHJAX_JS
    app.connect("html-page-context", _drop_network_scripts)
    app.connect("build-finished", _copy_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
