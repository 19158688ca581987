"""A rerun of a report, rendered as a page of the book without executing it again.

``deploybook run`` executes a report with papermill. :func:`render_page` then builds the
executed notebook into HTML with the book's own stack: Jupyter Book's Sphinx build of one
page (as ``jupyter-book build page.ipynb`` does), the book's ``_config.yml`` (theme, the
:mod:`deploybook.book` extension with its offline plotly and the ``when`` directive) and
myst-nb with execution off, so every glued figure is resolved from the run's own outputs.
The page opens with the parameters that differ from the report's defaults and ends with the
references its citations point to.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
import yaml
from jupyter_book.sphinx import build_sphinx

from deploybook.paths import project_root
from deploybook.reports import defaults

REFERENCES = "## References\n\n```{bibliography}\n:filter: docname in docnames\n```"
BOOK_LINK = re.compile(r"\[([^\]]+)\]\(\.\./book/[^)]*\)")
"""A link to another page of the book, which a one-page build does not have."""


class RenderError(RuntimeError):
    """The book's stack could not render an executed report."""


def changed_parameters(report: str, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The entries of ``values`` that differ from the report's defaults, as (value, default)."""
    if not values:
        return {}
    default = defaults(report)
    return {name: (v, default[name]) for name, v in values.items() if v != default[name]}


def header_markdown(report: str, changed: Mapping[str, tuple[Any, Any]]) -> str:
    """The block that opens a rerun page: which parameters differ from the defaults."""
    if not changed:
        return f":::{{note}}\nA rerun of `{report}` with its default parameters.\n:::"
    rows = "\n".join(
        f"| `{name}` | `{value!r}` | `{default!r}` |" for name, (value, default) in changed.items()
    )
    return (
        f":::{{note}}\nA rerun of `{report}` with parameters that differ from the book's:\n\n"
        f"| parameter | this run | default |\n|---|---|---|\n{rows}\n:::"
    )


def _page_source(executed: Path, report: str, folder: Path) -> Path:
    nb = nbformat.read(str(executed), as_version=4)
    values = nb.metadata.get("papermill", {}).get("parameters", {})
    header = header_markdown(report, changed_parameters(report, values))
    for cell in nb.cells:  # the header lists the parameters that papermill injected
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.metadata["tags"].append("remove-cell")
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(header))
    nb.cells.append(nbformat.v4.new_markdown_cell(REFERENCES))
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = BOOK_LINK.sub(r"\1", cell.source)
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / f"{report}.ipynb"
    nbformat.write(nb, str(page))
    return page


def _copy_config_files(source: Path) -> None:
    """Copy the files ``_config.yml`` names (bibliography, favicon) to where it expects them."""
    root = project_root()
    config = yaml.safe_load((root / "_config.yml").read_text())
    for path in (*config["bibtex_bibfiles"], config["html"]["favicon"]):
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / path, source / path)


def render_page(executed: Path, out_dir: Path) -> Path:
    """Render the executed notebook of a report into ``out_dir/<report>.html`` (with ``_static/``).

    The report is the notebook's file name; the parameters it ran with are read from the
    metadata papermill wrote. The build treats warnings as errors, as the book's does, and
    raises :class:`RenderError` with Sphinx's messages if it fails.
    """
    report = executed.stem
    with tempfile.TemporaryDirectory(prefix="deploybook-page-") as tmp:
        source = Path(tmp) / "src"
        page = _page_source(executed, report, source)
        _copy_config_files(source)
        messages = io.StringIO()
        with contextlib.redirect_stderr(messages), warnings.catch_warnings():
            # the theme and extensions' own deprecation notices are not the page's problem
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            status = build_sphinx(
                source, out_dir, use_external_toc=False, noconfig=True,
                path_config=str(project_root() / "_config.yml"),
                confoverrides={"master_doc": page.stem, "nb_execution_mode": "off",
                               "exclude_patterns": ["_build", "**.ipynb_checkpoints"],
                               "latex_individualpages": True},
                doctreedir=Path(tmp) / "doctrees", quiet=True, freshenv=True,
                warningiserror=True, keep_going=True,
            )  # fmt: skip
    target = out_dir / f"{report}.html"
    if status != 0 or not target.is_file():
        raise RenderError(f"rendering {executed} failed ({status!r}):\n{messages.getvalue()}")
    return target
