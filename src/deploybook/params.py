"""Report parameters: declared in a notebook's ``parameters`` cell, validated by a typed model.

Each report defines a :class:`ReportParams` subclass. The notebook's first code cell after
``parameters`` calls ``Model.from_notebook(globals())`` (or :meth:`ReportParams.validate_values`),
so a bad value from papermill, ``deploybook run -p`` or a user's edit stops the report at
once with an error that names the parameter and what it accepts. A name the report does not
declare is refused on every path with the same message: ``deploybook run`` checks it before
running, and :meth:`ReportParams.from_notebook` finds the names papermill injected (its
``# Parameters`` cell, in the kernel's input history) and checks them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError


class ParameterError(ValueError):
    """A report parameter has a value the report cannot use."""


def _describe(error: Mapping[str, Any]) -> str:
    name = ".".join(str(part) for part in error["loc"]) or "parameters"
    got = error.get("input")
    return f"parameter {name!r}: {error['msg']} (got {got!r})"


INJECTED_HEADER = "# Parameters"
"""The first line of the cell papermill injects (its ``PythonTranslator`` comment)."""


def check_names(report: str, names: Iterable[str], known: Iterable[str]) -> None:
    """Refuse a parameter name that report ``report`` does not declare."""
    accepted = sorted(known)
    for key in names:
        if key not in accepted:
            raise ParameterError(
                f"report {report!r} has no parameter {key!r}; it accepts: {', '.join(accepted)}"
            )


def injected_names(history: Iterable[Any]) -> list[str]:
    """The names assigned by papermill's injected cells among a kernel's executed inputs."""
    names: list[str] = []
    for source in history:
        if isinstance(source, str) and source.partition("\n")[0].strip() == INJECTED_HEADER:
            for node in ast.parse(source).body:
                if isinstance(node, ast.Assign):
                    names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return names


class ReportParams(BaseModel):
    """Base class for a report's parameter model: strict names, immutable values."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    report: ClassVar[str]
    """The report's notebook name, for messages."""

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
        """Validate this model's fields from a notebook's ``globals()``.

        A name papermill injected that is not a field is refused (IPython keeps the executed
        cells in ``In``).
        """
        check_names(cls.report, injected_names(namespace.get("In", [])), cls.model_fields)
        return cls.validate_values(
            {name: namespace[name] for name in cls.model_fields if name in namespace}
        )
