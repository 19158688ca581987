"""Fixtures shared by the unit tests of the top-level modules."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest


@pytest.fixture(scope="session")
def glued_notebook() -> Callable[..., Path]:
    """``glued_notebook(path, prose="", **figures)``: a notebook as papermill leaves it, with a
    Markdown cell of ``prose`` and a code cell whose outputs glued ``figures`` the way myst-nb's
    ``glue`` stores them."""

    def _write(path: Path, prose: str = "", **figures: object) -> Path:
        prefix = "application/papermill.record/"
        cell = nbformat.v4.new_code_cell("record_all(...)")
        cell.outputs = [
            nbformat.v4.new_output(
                "display_data",
                data={f"{prefix}text/plain": repr(value)},
                metadata={"scrapbook": {"name": name, "mime_prefix": prefix}},
            )
            for name, value in figures.items()
        ]
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(prose), cell])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}  # fmt: skip
        nbformat.write(nb, str(path))
        return path

    return _write
