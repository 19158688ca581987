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


def _parse(text: str) -> Figure:
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
                figures[meta["name"]] = _parse(text if isinstance(text, str) else "".join(text))
    return figures


def figures_json(notebook: str | Path) -> str:
    """:func:`read_figures` as indented JSON."""
    return json.dumps(read_figures(notebook), indent=2, sort_keys=True)
