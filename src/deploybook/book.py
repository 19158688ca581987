"""A Sphinx extension that makes the book work offline.

``_config.yml`` lists it under ``sphinx.extra_extensions``. It

- ships ``plotly.min.js`` from the installed plotly package (so it matches the version that
  made the figures) and loads it in every page's ``<head>``, before the figures' inline
  scripts run;
- adds a style sheet (``book.css``) that keeps wide tables and long code lines inside the
  content column;
- ships MathJax 3 (``tex-svg.js``, one self-contained file from the ``django-static-mathjax``
  wheel, which has no dependencies) instead of Sphinx's CDN default;
- drops page scripts that point at the internet: Jupyter Book always adds sphinx-thebe,
  whose launcher names a CDN copy of thebe (the book has no live kernels);
- renders plotly's JSON mimetype as nothing in the book, because every figure also carries
  its offline HTML twin (:mod:`deploybook.plotting`);
- adds the ``when`` directive, which renders its content only when a glued boolean has the
  stated value, so a rerun with other parameters never prints an outcome that did not happen::

      :::{when} not broken_release_rolled_back
      No release failed its smoke test in this run.
      :::
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, ClassVar

import mathjax
import plotly
from docutils import nodes
from myst_nb.core.variables import RetrievalError
from myst_nb.ext.glue.utils import retrieve_glue_data
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from deploybook.figures import parse_figure

PLOTLY_JS = "plotly.min.js"
BOOK_CSS = "deploybook.css"
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
        shutil.copyfile(Path(__file__).with_name("book.css"), static / BOOK_CSS)


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


WHEN_CLASS = "when"


def glued_bool(document: nodes.document, name: str) -> bool:
    """The glued figure ``name`` of the page being read; an error unless it is a bool."""
    try:
        data = retrieve_glue_data(document, name).data
    except RetrievalError as exc:
        raise ValueError(f"no glued figure {name!r} on this page") from exc
    text = data.get("text/plain", "")
    value = parse_figure(text if isinstance(text, str) else "".join(text))
    if not isinstance(value, bool):
        raise ValueError(f"glued figure {name!r} is {value!r}, not True or False")
    return value


class WhenDirective(SphinxDirective):
    """``{when} [not] name``: the content, only if glued boolean ``name`` is True (False)."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True

    def run(self) -> list[nodes.Node]:
        """Parse the content when the condition holds; render nothing otherwise."""
        words = self.arguments[0].split()
        negated = words[0] == "not"
        if len(words) != 1 + negated:
            raise self.error(f"expected 'NAME' or 'not NAME', got {self.arguments[0]!r}")
        name = words[-1]
        try:
            value = glued_bool(self.state.document, name)
        except ValueError as exc:
            raise self.error(str(exc)) from None
        if value == negated:
            return []
        block = nodes.container(classes=[WHEN_CLASS])
        # the figure and its value, for tests that check the page against the notebook
        block["classes"].append(f"when-{name}-{'false' if negated else 'true'}")
        block.extend(self.parse_content_to_nodes())
        return [block]


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the script with every HTML page and copy it into ``_static`` after the build."""
    app.add_js_file(PLOTLY_JS, priority=100)
    app.add_css_file(BOOK_CSS)
    app.config.mathjax_path = MATHJAX_JS
    app.connect("html-page-context", _drop_network_scripts)
    app.connect("build-finished", _copy_scripts)
    app.add_directive("when", WhenDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
