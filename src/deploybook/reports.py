"""The book's reports: the notebooks in ``notebooks/``, their parameters, and running them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import papermill
import yaml

from deploybook.figures import Figure, read_figures
from deploybook.params import ParameterError
from deploybook.paths import project_root


@dataclass(frozen=True)
class Parameter:
    """One entry of a report's ``parameters`` cell."""

    name: str
    type: str
    default: str
    help: str


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


def parameters(name: str) -> list[Parameter]:
    """The parameters of a report with type, default and help, read from its notebook."""
    found = papermill.inspect_notebook(str(report_path(name)))
    return [
        Parameter(p["name"], p["inferred_type_name"], p["default"], p["help"])
        for p in found.values()
    ]


def parse_values(name: str, raw: list[tuple[str, str]]) -> dict[str, Any]:
    """Turn ``-p NAME VALUE`` strings into Python values (YAML scalars, lists and maps)."""
    known = {p.name for p in parameters(name)}
    values: dict[str, Any] = {}
    for key, text in raw:
        if key not in known:
            raise ParameterError(
                f"report {name!r} has no parameter {key!r}; it accepts: {', '.join(sorted(known))}"
            )
        values[key] = yaml.safe_load(text) if text.strip() else text
    return values


def run_report(
    name: str, values: dict[str, Any], out_dir: Path, *, kernel: str = "python3"
) -> tuple[Path, dict[str, Figure]]:
    """Execute a report with papermill into ``out_dir``; return the notebook and its figures."""
    source = report_path(name)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / source.name
    papermill.execute_notebook(
        str(source),
        str(target),
        parameters=values,
        kernel_name=kernel,
        cwd=str(source.parent),
        progress_bar=False,
    )
    return target, read_figures(target)
