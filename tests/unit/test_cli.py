"""The deploybook command line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from deploybook.cli import main
from deploybook.reports import parameters, parse_parameters, parse_values, report_names


def test_list_shows_parameters_with_types_and_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "dlt_retraining" in out
    assert "batch_rows: int = 336" in out


def test_parameters_are_read_from_the_notebook() -> None:
    names = [p.name for p in parameters("dlt_retraining")]
    assert names[:2] == ["batch_rows", "batches"]


def test_list_shows_every_parameter_of_every_report(capsys: pytest.CaptureFixture[str]) -> None:
    """The independent reference is each report's typed model: its fields are the parameters
    the report validates, so `list` must show exactly those, whatever the comments hold."""
    from deploybook.cicd.params import CicdParams
    from deploybook.ets.params import EtsParams
    from deploybook.payroll.params import PayrollParams
    from deploybook.retraining.params import RetrainingParams

    models = [CicdParams, EtsParams, PayrollParams, RetrainingParams]
    assert sorted(m.report for m in models) == report_names()
    assert main(["list"]) == 0
    captured = capsys.readouterr()
    assert "Unable to parse" not in captured.out + captured.err
    assert "tolerance: float = 0.02  # holdout accuracy" in captured.out
    for model in models:
        assert [p.name for p in parameters(model.report)] == list(model.model_fields), model


def test_a_comment_with_an_equals_sign_is_help_not_a_parse_error() -> None:
    source = 'tolerance: float = 0.02  # gap (0.02 = 2 points)\nname: str = "a # b"  # text\n'
    first, second = parse_parameters(source)
    assert (first.name, first.type, first.default) == ("tolerance", "float", "0.02")
    assert first.help == "gap (0.02 = 2 points)"
    assert (second.default, second.help, second.value) == ('"a # b"', "text", "a # b")


def test_a_parameters_cell_with_other_code_is_refused() -> None:
    with pytest.raises(ValueError, match="line 2 of the parameters cell"):
        parse_parameters("rows: int = 1\nprint(rows)\n")


def test_values_are_parsed_as_yaml() -> None:
    values = parse_values("dlt_retraining", [("batches", "8"), ("spark_master", "local[1]")])
    assert values == {"batches": 8, "spark_master": "local[1]"}


def test_unknown_parameter_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "dlt_retraining", "-p", "colour", "red"]) == 2
    assert "no parameter 'colour'" in capsys.readouterr().err


def test_unknown_report_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "no_such_report"]) == 2
    assert "unknown report 'no_such_report'" in capsys.readouterr().err


def test_summary_prints_figures_as_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, glued_notebook: Callable[..., Path]
) -> None:
    path = glued_notebook(tmp_path / "x.ipynb", answer=7)
    assert main(["summary", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == {"answer": 7}


def test_diff_lists_the_figures_that_changed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, glued_notebook: Callable[..., Path]
) -> None:
    first = glued_notebook(
        tmp_path / "a.ipynb", same=1, rmse=21.1, verdict="promoted it", gone=True
    )
    second = glued_notebook(tmp_path / "b.ipynb", same=1, rmse=59.6, verdict="rejected it", new=0)
    assert main(["diff", str(first), str(second)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["figure", "first", "second"]
    assert [line.split()[0] for line in lines[1:]] == ["gone", "new", "rmse", "verdict"]
    assert lines[3].split() == ["rmse", "21.1", "59.6"]
    assert "(not glued)" in lines[1]
    assert main(["diff", str(first), str(first)]) == 0
    assert capsys.readouterr().out.strip() == "no glued figure differs"


def test_a_closed_pipe_ends_quietly(tmp_path: Path, glued_notebook: Callable[..., Path]) -> None:
    path = glued_notebook(tmp_path / "x.ipynb", **{f"figure_{i}": "x" * 2000 for i in range(200)})
    code = "import sys; from deploybook.cli import main; sys.exit(main(sys.argv[1:]))"
    reader = subprocess.Popen([sys.executable, "-c", code, "summary", str(path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert reader.stdout is not None
    reader.stdout.readline()
    reader.stdout.close()  # what `| head -1` does
    _, err = reader.communicate()
    assert reader.returncode == 0
    assert err == b""


def test_setup_builds_actionlint_or_says_why_not(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Without Go, `deploybook setup --actionlint` fails naming the package to install;
    plain `deploybook setup` warns and still sets up the rest."""
    from deploybook import cli
    from deploybook.cicd import tools

    monkeypatch.setattr(tools.shutil, "which", lambda name: None)
    monkeypatch.setattr(tools.sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr("deploybook.spark.resolve_delta_jars", lambda force: [])
    assert cli.main(["setup", "--actionlint"]) == 2
    assert "apt-get install golang-go" in capsys.readouterr().err
    assert cli.main(["setup"]) == 0
    assert "warning: actionlint v1.7.12 is not installed" in capsys.readouterr().err
