"""deploybook.figures and deploybook.notebooks: glued figures read back from notebooks."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pytest

from deploybook.figures import figures_json, read_figures, record
from deploybook.notebooks import CHECK_MARKER, freeze, output_differences


def _glue_output(name: str, text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output(
        "display_data",
        data={"application/papermill.record/text/plain": text},
        metadata={"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}},
    )


def _notebook(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("record(...)")
    cell.outputs = [
        _glue_output("count", "12"),
        _glue_output("share", "0.25"),
        _glue_output("ok", "True"),
        _glue_output("label", "'champion'"),
        _glue_output("table", "<pandas.DataFrame object>"),
        nbformat.v4.new_output("stream", name="stdout", text="noise"),
    ]
    checked = nbformat.v4.new_code_cell(f"{CHECK_MARKER}\nprint(1)")
    checked.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nb.cells = [cell, checked]
    path = tmp_path / "report.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_read_figures_parses_literals(tmp_path: Path) -> None:
    figures = read_figures(_notebook(tmp_path))
    assert figures == {
        "count": 12,
        "share": 0.25,
        "ok": True,
        "label": "champion",
        "table": "<pandas.DataFrame object>",
    }
    assert json.loads(figures_json(_notebook(tmp_path)))["count"] == 12


def test_record_turns_numpy_scalars_into_python(capsys: pytest.CaptureFixture[str]) -> None:
    assert type(record("x", np.float64(0.5))) is float
    assert type(record("n", np.int64(3))) is int


def test_freeze_keeps_only_checked_outputs(tmp_path: Path) -> None:
    target = tmp_path / "committed.ipynb"
    assert freeze(_notebook(tmp_path), target) == 1
    cells = nbformat.read(str(target), as_version=4).cells
    assert cells[0].outputs == []
    assert cells[1].outputs[0]["text"] == "1\n"


def test_freeze_refuses_a_run_with_injected_parameters(tmp_path: Path) -> None:
    path = _notebook(tmp_path)
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[0].metadata["tags"] = ["injected-parameters"]
    nbformat.write(nb, str(path))
    with pytest.raises(ValueError, match="injected parameters"):
        freeze(path, tmp_path / "out.ipynb")


def _checked(path: Path, *texts: str) -> Path:
    nb = nbformat.v4.new_notebook()
    for text in texts:
        cell = nbformat.v4.new_code_cell(f"{CHECK_MARKER}\nprint(...)")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text),
                        _glue_output("n", "3")]  # fmt: skip
        nb.cells.append(cell)
    nb.cells.append(nbformat.v4.new_code_cell("unchecked"))
    nbformat.write(nb, str(path))
    return path


def test_checked_outputs_are_compared_with_volatile_text_masked(tmp_path: Path) -> None:
    committed = _checked(tmp_path / "a.ipynb", "PASS exactly once\n", "took 1.2 s\n")
    same = _checked(tmp_path / "b.ipynb", "PASS exactly once\n", "took 3.4 s\n")
    masks = {r"\d+(\.\d+)? s\b": "DURATION"}
    assert output_differences(committed, same, masks) == []
    changed = _checked(tmp_path / "c.ipynb", "FAIL exactly once\n", "took 3.4 s\n")
    [difference] = output_differences(committed, changed, masks)
    assert difference.startswith("checked cell 1:")
    assert "FAIL exactly once" in difference
    fewer = _checked(tmp_path / "d.ipynb", "PASS exactly once\n")
    assert output_differences(committed, fewer, masks) == ["2 checked cells committed, 1 executed"]
