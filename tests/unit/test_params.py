"""deploybook.params: typed report parameters with errors that name the parameter."""

from __future__ import annotations

import pytest
from pydantic import Field

from deploybook.params import ParameterError, ReportParams


class Example(ReportParams):
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
