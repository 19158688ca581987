"""The book's reports: the notebooks in ``notebooks/``, their parameters, and running them.

A report's parameters are the annotated assignments of its ``parameters`` cell, each with a
help comment. They are read with :mod:`ast` and :mod:`tokenize` rather than papermill's
line parser, which stops at an ``=`` inside a comment.
"""

from __future__ import annotations

import ast
import io
import tokenize
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill
import yaml
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_runtime_dir

from deploybook.figures import Figure, read_figures
from deploybook.params import ParameterError, check_names
from deploybook.paths import project_root


@dataclass(frozen=True)
class Parameter:
    """One entry of a report's ``parameters`` cell."""

    name: str
    type: str
    default: str
    help: str

    @property
    def value(self) -> Any:
        """The default as a Python value."""
        return ast.literal_eval(self.default)


def notebooks_dir() -> Path:
    """The folder of report notebooks."""
    return project_root() / "notebooks"


def report_names() -> list[str]:
    """Every report, by notebook name."""
    return sorted(path.stem for path in notebooks_dir().glob("*.ipynb"))


def report_path(name: str) -> Path:
    """The notebook of report ``name`` (with or without ``.ipynb``); a clear error if unknown."""
    stem = Path(name).stem if name.endswith(".ipynb") else name
    path = notebooks_dir() / f"{stem}.ipynb"
    if not path.is_file():
        raise ParameterError(
            f"unknown report {name!r}; the reports are: {', '.join(report_names())}"
        )
    return path


def parameters_source(notebook: Path) -> str:
    """The source of the notebook's cell tagged ``parameters``."""
    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            return str(cell.source)
    raise ParameterError(f"{notebook} has no cell tagged 'parameters'")


def parse_parameters(source: str) -> list[Parameter]:
    """The annotated assignments of a parameters cell, with their trailing ``#`` comments."""
    comments = {
        token.start[0]: token.string.lstrip("#").strip()
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    found = []
    for node in ast.parse(source).body:
        if not (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
        ):
            raise ParameterError(
                f"line {node.lineno} of the parameters cell is not 'name: type = default  # help'"
            )
        found.append(
            Parameter(
                node.target.id,
                ast.unparse(node.annotation),
                ast.get_source_segment(source, node.value) or ast.unparse(node.value),
                comments.get(node.end_lineno or node.lineno, ""),
            )
        )
    return found


def parameters(name: str) -> list[Parameter]:
    """The parameters of a report with type, default and help, read from its notebook."""
    return parse_parameters(parameters_source(report_path(name)))


def defaults(name: str) -> dict[str, Any]:
    """The report's default parameter values, by name."""
    return {p.name: p.value for p in parameters(name)}


def parse_values(name: str, raw: list[tuple[str, str]]) -> dict[str, Any]:
    """Turn ``-p NAME VALUE`` strings into Python values (YAML scalars, lists and maps)."""
    check_names(name, (key for key, _ in raw), (p.name for p in parameters(name)))
    return {key: yaml.safe_load(text) if text.strip() else text for key, text in raw}


class IpcKernelManager(AsyncKernelManager):
    """A kernel on Unix sockets in Jupyter's runtime folder.

    With no TCP port on the network, ipykernel has no plain-text transport to warn about.
    """

    def __init__(self, **kwargs: Any) -> None:
        sockets = Path(jupyter_runtime_dir()) / f"kernel-{uuid.uuid4().hex[:12]}-ipc"
        sockets.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(transport="ipc", ip=str(sockets), **kwargs)


def execute(source: Path, target: Path, values: Mapping[str, Any], *, kernel: str) -> None:
    """Execute a report notebook with papermill into ``target``."""
    papermill.execute_notebook(
        str(source),
        str(target),
        parameters=dict(values),
        kernel_name=kernel,
        cwd=str(source.parent),
        progress_bar=False,
        kernel_manager_class=IpcKernelManager,
    )


def run_report(
    name: str, values: Mapping[str, Any], out_dir: Path, *, kernel: str = "python3"
) -> tuple[Path, dict[str, Figure]]:
    """Execute a report with papermill into ``out_dir``; return the notebook and its figures."""
    source = report_path(name)
    check_names(name, values, (p.name for p in parameters(name)))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / source.name
    execute(source, target, values, kernel=kernel)
    return target, read_figures(target)
