"""Key figures of a report: recorded with myst-nb's ``glue``, read back from executed notebooks.

The prose of a report cites figures with ``{glue:text}`name``` so that no number in the
text is typed by hand; tests and ``deploybook summary`` read the same figures back.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
from myst_nb import glue

Figure = bool | int | float | str | None


def record(name: str, value: Any, *, display: bool = False) -> Any:
    """Glue ``value`` under ``name`` (numbers as plain Python numbers) and return it."""
    if hasattr(value, "item"):  # numpy scalar -> Python scalar, so its repr is a plain number
        value = value.item()
    glue(name, value, display=display)
    return value


def record_all(figures: Mapping[str, Any]) -> None:
    """Glue every figure of a mapping."""
    for name, value in figures.items():
        record(name, value)


def parse_figure(text: str) -> Figure:
    """A glued figure's ``text/plain`` form as the Python literal it shows, else the text."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return value if isinstance(value, bool | int | float | str) or value is None else text


def read_figures(notebook: str | Path) -> dict[str, Figure]:
    """The glued figures of an executed notebook, by name (text values parsed as literals)."""
    nb = nbformat.read(str(notebook), as_version=4)
    figures: dict[str, Figure] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if not meta:
                continue
            data = output.get("data", {})
            text = data.get(meta.get("mime_prefix", "") + "text/plain")
            if text is not None:
                joined = text if isinstance(text, str) else "".join(text)
                figures[meta["name"]] = parse_figure(joined)
    return figures


def figures_json(notebook: str | Path) -> str:
    """:func:`read_figures` as indented JSON."""
    return json.dumps(read_figures(notebook), indent=2, sort_keys=True)


def _shown(figures: Mapping[str, Figure], name: str) -> str:
    return repr(figures[name]) if name in figures else "(not glued)"


def diff_table(first: Mapping[str, Figure], second: Mapping[str, Figure]) -> str:
    """The figures that differ between two runs, one row each, as an aligned text table."""
    rows = [
        (name, _shown(first, name), _shown(second, name))
        for name in sorted(set(first) | set(second))
        if _shown(first, name) != _shown(second, name)
    ]
    if not rows:
        return "no glued figure differs"
    table = [("figure", "first", "second"), *rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in table]
    return "\n".join(line.rstrip() for line in lines)
