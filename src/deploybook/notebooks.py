"""Committed notebooks: outputs cleared, except the cells whose output is checked.

A report is committed without outputs (the book executes it), except the cells whose
source contains ``# NBVAL_CHECK_OUTPUT`` (nbval's marker, kept): the notebook tests execute
each report's default run once and compare those cells' outputs with the committed ones
(:func:`output_differences`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat

CHECK_MARKER = "# NBVAL_CHECK_OUTPUT"


def freeze(executed: Path, target: Path) -> int:
    """Write ``executed`` to ``target`` keeping only checked cells' outputs; return their count.

    ``executed`` must be a run with default parameters (no papermill-injected cell), so
    the kept outputs are those the committed notebook reproduces.
    """
    nb = nbformat.read(str(executed), as_version=4)
    if any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells):
        raise ValueError(f"{executed} was run with injected parameters; freeze a default run")
    kept = 0
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        if CHECK_MARKER in cell.source:
            kept += 1
        else:
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("papermill", None)
    nbformat.write(nb, str(target))
    return kept


def _output_text(output: Mapping[str, Any]) -> str:
    """What a reader sees of one output: stream text or each mimetype's plain text."""
    if output.get("output_type") == "stream":
        return _joined(output.get("text", ""))
    if output.get("output_type") == "error":
        return f"{output.get('ename')}: {output.get('evalue')}"
    data = output.get("data", {})
    return "\n".join(_joined(data[k]) for k in sorted(data) if k.endswith("text/plain"))


def _joined(text: str | list[str]) -> str:
    return text if isinstance(text, str) else "".join(text)


def checked_outputs(notebook: Path) -> list[str]:
    """The outputs of the cells marked ``# NBVAL_CHECK_OUTPUT``, as text, in order."""
    nb = nbformat.read(str(notebook), as_version=4)
    return [
        "\n".join(_output_text(output) for output in cell.outputs)
        for cell in nb.cells
        if cell.cell_type == "code" and CHECK_MARKER in cell.source
    ]


def output_differences(
    committed: Path, executed: Path, masks: Mapping[str, str] | None = None
) -> list[str]:
    """Where ``executed`` does not reproduce the checked outputs ``committed`` holds.

    ``masks`` maps regular expressions of volatile text (durations, paths, timestamps) to
    their replacement, applied to both sides before they are compared.
    """

    def masked(text: str) -> str:
        for pattern, replacement in (masks or {}).items():
            text = re.sub(pattern, replacement, text)
        return text

    expected, got = checked_outputs(committed), checked_outputs(executed)
    if len(expected) != len(got):
        return [f"{len(expected)} checked cells committed, {len(got)} executed"]
    return [
        f"checked cell {i + 1}:\n--- committed\n{masked(a)}\n--- executed\n{masked(b)}"
        for i, (a, b) in enumerate(zip(expected, got, strict=True))
        if masked(a) != masked(b)
    ]
