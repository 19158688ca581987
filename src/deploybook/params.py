"""Report parameters: declared in a notebook's ``parameters`` cell, validated by a typed model.

Each report defines a :class:`ReportParams` subclass. The notebook's first code cell after
``parameters`` calls ``Model.from_notebook(globals())`` (or :meth:`ReportParams.validate_values`),
so a bad value from papermill, ``deploybook run -p`` or a user's edit stops the report at
once with an error that names the parameter and what it accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError


class ParameterError(ValueError):
    """A report parameter has a value the report cannot use."""


def _describe(error: Mapping[str, Any]) -> str:
    name = ".".join(str(part) for part in error["loc"]) or "parameters"
    got = error.get("input")
    return f"parameter {name!r}: {error['msg']} (got {got!r})"


class ReportParams(BaseModel):
    """Base class for a report's parameter model: strict names, immutable values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def validate_values(cls, values: Mapping[str, Any]) -> Self:
        """Build the model from ``values``; raise :class:`ParameterError` naming each bad one."""
        try:
            return cls.model_validate(dict(values))
        except ValidationError as exc:
            problems = "; ".join(_describe(err) for err in exc.errors())
            raise ParameterError(f"{cls.__name__}: {problems}") from None

    @classmethod
    def from_notebook(cls, namespace: Mapping[str, Any]) -> Self:
        """Pick this model's fields out of a notebook's ``globals()`` and validate them."""
        return cls.validate_values(
            {name: namespace[name] for name in cls.model_fields if name in namespace}
        )
