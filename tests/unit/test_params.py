"""deploybook.params: typed report parameters with errors that name the parameter."""

from __future__ import annotations

import pytest
from pydantic import Field

from deploybook.params import ParameterError, ReportParams, injected_names


class Example(ReportParams):
    report = "example"
    rows: int = Field(ge=1)
    mode: str = Field(pattern="^(full|incremental)$")


def test_valid_values_build_the_model() -> None:
    params = Example.validate_values({"rows": 3, "mode": "full"})
    assert (params.rows, params.mode) == (3, "full")


def test_error_names_parameter_and_constraint() -> None:
    with pytest.raises(ParameterError, match=r"parameter 'rows': .*greater than or equal to 1"):
        Example.validate_values({"rows": 0, "mode": "full"})


def test_every_bad_parameter_is_reported() -> None:
    with pytest.raises(ParameterError, match=r"'rows'.*'mode'"):
        Example.validate_values({"rows": "many", "mode": "sometimes"})


def test_unknown_parameter_is_refused() -> None:
    with pytest.raises(ParameterError, match="'colour'"):
        Example.validate_values({"rows": 1, "mode": "full", "colour": "red"})


def test_from_notebook_picks_fields_from_globals() -> None:
    namespace = {"rows": 2, "mode": "incremental", "pd": object(), "__name__": "__main__"}
    assert Example.from_notebook(namespace).rows == 2


def test_missing_parameter_is_named() -> None:
    with pytest.raises(ParameterError, match=r"'mode'.*Field required"):
        Example.from_notebook({"rows": 2})


def test_a_name_papermill_injected_that_the_report_lacks_is_refused() -> None:
    """papermill only warns about an unknown ``-p`` name (papermill/execute.py: "Passed unknown
    parameter") and injects it anyway; the report must stop, naming it."""
    history = ["", "rows: int = 1\nmode: str = 'full'", "# Parameters\nrows = 3\nno_such = 1\n"]
    namespace = {"rows": 3, "mode": "full", "no_such": 1, "In": history}
    with pytest.raises(ParameterError) as error:
        Example.from_notebook(namespace)
    assert str(error.value) == "report 'example' has no parameter 'no_such'; it accepts: mode, rows"


def test_injected_names_are_read_from_papermills_cell_only() -> None:
    history = ["x = 1", "# Parameters\nrows = 3\nmode = 'full'\n", "# Parameters?\ny = 2"]
    assert injected_names(history) == ["rows", "mode"]


@pytest.mark.parametrize(
    "report", ["dlt_retraining", "cicd_pipeline", "payroll_rollout", "ets_renewables"]
)
def test_papermill_reads_every_parameter_without_a_warning(
    report: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Reference: papermill's own parser (``inspect_notebook``), which ``papermill -p`` uses;
    a ``=`` in a comment made it skip the parameter with "Unable to parse line"."""
    import papermill

    from deploybook.paths import project_root
    from deploybook.reports import defaults

    with caplog.at_level("WARNING"):
        found = papermill.inspect_notebook(str(project_root() / "notebooks" / f"{report}.ipynb"))
    assert [r.getMessage() for r in caplog.records if "Unable to parse" in r.getMessage()] == []
    assert set(found) == set(defaults(report))
