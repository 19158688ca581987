"""The deploybook command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploybook.cli import main
from deploybook.reports import parameters, parse_values


def test_list_shows_parameters_with_types_and_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "dlt_retraining" in out
    assert "batch_rows: int = 336" in out


def test_parameters_are_read_from_the_notebook() -> None:
    names = [p.name for p in parameters("dlt_retraining")]
    assert names[:2] == ["batch_rows", "batches"]


def test_values_are_parsed_as_yaml() -> None:
    values = parse_values("dlt_retraining", [("batches", "8"), ("spark_master", "local[1]")])
    assert values == {"batches": 8, "spark_master": "local[1]"}


def test_unknown_parameter_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "dlt_retraining", "-p", "colour", "red"]) == 2
    assert "no parameter 'colour'" in capsys.readouterr().err


def test_unknown_report_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "no_such_report"]) == 2
    assert "unknown report 'no_such_report'" in capsys.readouterr().err


def test_summary_prints_figures_as_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"text/plain": "7"},
            metadata={"scrapbook": {"name": "answer", "mime_prefix": ""}},
        )
    ]
    nb.cells = [cell]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, str(path))
    assert main(["summary", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == {"answer": 7}


def test_setup_builds_actionlint_or_says_why_not(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Without Go, `deploybook setup --actionlint` fails naming the package to install;
    plain `deploybook setup` warns and still sets up the rest."""
    from deploybook import cli
    from deploybook.cicd import tools

    monkeypatch.setattr(tools.shutil, "which", lambda name: None)
    monkeypatch.setattr(tools.sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(cli, "resolve_delta_jars", lambda force: [])
    assert cli.main(["setup", "--actionlint"]) == 2
    assert "apt-get install golang-go" in capsys.readouterr().err
    assert cli.main(["setup"]) == 0
    assert "warning: actionlint v1.7.12 is not installed" in capsys.readouterr().err
