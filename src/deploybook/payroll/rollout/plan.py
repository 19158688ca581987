"""Rollout plans: phases (dev, staging, production), their populations and the go/no-go.

A rollout plan (YAML, :func:`load_plan`) lists phases: ``dev`` and ``staging`` replay the
last paid period on copies of production's master data; ``production`` phases each pay the
next period, with the new engine paying the phase's employees (and every earlier phase's).
A malformed plan is a :class:`RuleFileError` naming the file and the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from deploybook.paths import data_dir
from deploybook.payroll.engine.rules import RuleFileError, line_for, read_yaml


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Population(_Model):
    """Who a phase covers: departments and/or locations (all listed must match), or all."""

    departments: list[str] | None = None
    locations: list[str] | None = None
    sample: int | None = Field(default=None, ge=1)  # dev/staging: at most this many
    all: bool = False

    @model_validator(mode="after")
    def _says_who(self) -> Population:
        if self.all and (self.departments or self.locations):
            raise ValueError("'all' covers everyone: leave out departments and locations")
        if not (self.all or self.departments or self.locations):
            raise ValueError("name departments, locations, or all: true")
        return self

    def scope_filter(self) -> dict[str, Any]:
        """The population as an engine-scope filter (see :class:`EngineScope`)."""
        if self.all:
            return {"all": True}
        found: dict[str, Any] = {}
        if self.departments:
            found["department"] = list(self.departments)
        if self.locations:
            found["location"] = list(self.locations)
        return found


class Phase(_Model):
    """One step of the rollout."""

    name: str = Field(min_length=1)
    environment: Literal["dev", "staging", "production"]
    population: Population
    tolerance_cents: int | None = Field(default=None, ge=0)


class GoNoGo(_Model):
    """What a parallel run must show for the rollout to go on."""

    max_mismatched_employees: int = Field(default=0, ge=0)
    max_errors: int = Field(default=0, ge=0)


class RolloutPlan(_Model):
    """A rollout plan file."""

    name: str = Field(min_length=1)
    from_version: Literal["1.0"] = "1.0"
    to_version: Literal["2.0"] = "2.0"
    tolerance_cents: int = Field(default=0, ge=0)
    go_no_go: GoNoGo = GoNoGo()
    phases: list[Phase] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> RolloutPlan:
        order = {"dev": 0, "staging": 1, "production": 2}
        ranks = [order[p.environment] for p in self.phases]
        if ranks != sorted(ranks):
            raise ValueError("phases must go dev, then staging, then production")
        names = [p.name for p in self.phases]
        if len(set(names)) != len(names):
            raise ValueError("phase names must be unique")
        production = [p for p in self.phases if p.environment == "production"]
        if not production or not production[-1].population.all:
            raise ValueError("the last phase must be production with population all: true")
        return self


def default_plan_path() -> Path:
    """``data/payroll/rollout_plan.yaml``."""
    return data_dir() / "payroll" / "rollout_plan.yaml"


def load_plan(path: Path | str | None = None) -> RolloutPlan:
    """Read and validate a rollout plan; a malformed one is an error naming the line.

    A relative ``path`` is looked up in ``data/payroll/``.
    """
    path = Path(path) if path else default_plan_path()
    if not path.is_absolute() and not path.exists():
        path = data_dir() / "payroll" / path
    if not path.is_file():
        raise FileNotFoundError(f"rollout plan {path} not found")
    data, lines = read_yaml(path)
    try:
        return RolloutPlan.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "plan"
        raise RuleFileError(
            f"{path}:{line_for(lines, err['loc'])}: {where}: {err['msg']}"
        ) from None
