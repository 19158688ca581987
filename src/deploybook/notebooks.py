"""Committed notebooks: outputs cleared, except cells that nbval checks.

A report is committed without outputs (the book executes it), except the cells whose
source contains ``# NBVAL_CHECK_OUTPUT``: ``pytest --nbval-lax`` re-runs the notebook and
compares those cells' outputs with the committed ones.
"""

from __future__ import annotations

from pathlib import Path

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
