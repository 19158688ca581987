"""A small, real book to deploy: the project's own prose pages plus a one-figure report.

The whole book executes every report (Spark included) when it builds, which is more than a
report about deploying it can afford. This folder is a complete Jupyter Book repository in
miniature: the project's ``_config.yml`` and workflows, its introduction, data and
bibliography pages, and a notebook that reads the ELEC2 data (``data/retraining``, with its
provenance) and draws a plotly figure with the book's offline renderer;
``jupyter-book build`` builds it for real and its notebook really executes.

``defect`` builds a broken variant instead, each one a mistake that passes the build
(``-W -n``) but not a browser:

- ``no-offline-extension``: ``_config.yml`` without ``deploybook.book``, so no page ships
  ``plotly.min.js`` (figures cannot draw) and MathJax comes from a CDN;
- ``dead-link``: the introduction links to a page that does not exist (raw HTML, which
  Sphinx does not check);
- ``absolute-link``: the introduction links to ``/book/data.html``, root-absolute: it works
  where the site is served at a domain's root (staging) and breaks where it is served under
  a path, as GitHub Pages serves a project site (``/<repository>/``), so only the smoke test
  of the published site catches it.

Besides the project's workflows the folder has ``ci-book.yml``: ``ci.yml``'s ``book`` job on
its own (``book.yml`` with its caches), because ``ci.yml``'s lint job checks the whole
project, which the small book is not.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from deploybook.paths import project_root

DEFECTS = ("none", "no-offline-extension", "dead-link", "absolute-link")
PAGES = (
    "book/intro.md",
    "book/data.md",
    "book/execution.md",
    "book/bibliography.md",
    "book/references.bib",
    "book/_static/favicon.svg",
    "data/retraining/elec2.csv",
    "data/retraining/SOURCES.md",
    "pyproject.toml",  # what `pip install -e .` would install (the install steps' lock check)
)
CI_BOOK = """\
# ci.yml's book job on its own: the book built with its caches, as in CI
name: ci-book
on:
  push:
    branches: [main]
permissions: {}
jobs:
  book:
    uses: ./.github/workflows/book.yml
    with:
      caches: true
    permissions:
      contents: read
"""
TOC = """\
format: jb-book
root: book/intro
parts:
  - caption: Reports
    chapters:
      - file: notebooks/figure
  - caption: About
    chapters:
      - file: book/data
      - file: book/execution
      - file: book/bibliography
"""
FIGURE_CODE = """\
import pandas as pd
import plotly.express as px

from deploybook.plotting import source_note, use_offline_renderer

use_offline_renderer()
elec2 = pd.read_csv("../data/retraining/elec2.csv")
weeks = elec2.groupby(elec2.index // 336).agg(price=("feat_2", "mean"), up=("target", "mean"))
fig = px.line(weeks, y=["price", "up"], labels={"index": "week", "value": "weekly mean"},
              title="New South Wales electricity, May 1996 to December 1998, week by week")
fig.add_annotation(source_note("ELEC2 (Harries 1999), normalised price and share of rising prices"))
fig.show()
"""


def build_source(dest: str | Path, defect: str = "none") -> Path:
    """Write the small book's sources into ``dest`` (which must not exist); return it."""
    if defect not in DEFECTS:
        raise ValueError(f"unknown defect {defect!r}; choose one of {', '.join(DEFECTS)}")
    root, dest = project_root(), Path(dest)
    dest.mkdir(parents=True)
    for page in PAGES:
        (dest / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / page, dest / page)
    shutil.copytree(root / ".github", dest / ".github")
    (dest / ".github" / "workflows" / "ci-book.yml").write_text(CI_BOOK)
    shutil.copy2(root / "requirements.lock", dest / "requirements.lock")
    config = (root / "_config.yml").read_text()
    if defect == "no-offline-extension":
        without = config.replace("  extra_extensions:\n    - deploybook.book\n", "")
        if without == config:
            raise RuntimeError(
                "_config.yml no longer lists deploybook.book as shown; update the defect"
            )
        config = without
    (dest / "_config.yml").write_text(config)
    (dest / "_toc.yml").write_text(TOC)
    links = {
        "dead-link": '<a href="retired-page.html">The retired page</a>',
        "absolute-link": '<a href="/book/data.html">The data</a>',
    }
    if defect in links:  # in a prose page, so the notebook (and its cache key) is unchanged
        intro_page = dest / "book" / "intro.md"
        intro_page.write_text(intro_page.read_text() + f"\n{links[defect]}\n")
    intro = "# A figure\n\nOne plotly figure from real data, drawn by the book's offline renderer."
    notebook = nbformat.v4.new_notebook()
    # fixed cell ids: nbformat draws random ones, which would change the file (and every
    # cache key hashed from it) on each build of identical content
    notebook.cells = [
        nbformat.v4.new_markdown_cell(intro, id="figure-intro"),
        nbformat.v4.new_code_cell(FIGURE_CODE, id="figure-code"),
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    (dest / "notebooks").mkdir()
    nbformat.write(notebook, str(dest / "notebooks" / "figure.ipynb"))
    return dest
