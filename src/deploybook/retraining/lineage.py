"""What a model was trained on: cohorts of trees and the training-table rows behind each.

A *cohort* is one fit: the trees (or the single model) it produced, the training-table
version it was fitted at, its feature list and the keys of the rows it saw. A deleted or
corrected row touches every cohort that saw it; those cohorts must be retired or refitted.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pyspark.ml import Model
from pyspark.sql import DataFrame

from deploybook.retraining.features import KEY, assemble


@dataclass(frozen=True)
class Cohort:
    """The output of one fit, and what it saw."""

    cohort_id: str
    data_version: int  # the table version whose rows it learned (its age)
    trained_at: int  # the table version at which it was fitted (later for a refit)
    kind: str  # new | repair | full | window | rebuild
    features: tuple[str, ...]
    n_trees: int
    row_ids: tuple[int, ...] | None  # None: every row of the table at ``data_version``

    def saw_any(self, keys: Collection[int]) -> bool:
        """Whether any of ``keys`` was among this cohort's training rows."""
        if not keys:
            return False
        if self.row_ids is None:
            return True
        return not set(keys).isdisjoint(self.row_ids)

    def learned_any(self, keys: Collection[int], changed_by: int) -> bool:
        """Whether this cohort learned any of ``keys`` with the values they had before table
        version ``changed_by`` deleted or corrected them: a cohort fitted at that version or
        later learned the new values (or none); one without row lineage learned every row
        of its table version.
        """
        if self.row_ids is None:
            return bool(keys) and self.data_version < changed_by
        return self.trained_at < changed_by and self.saw_any(keys)

    def as_row(self) -> dict[str, Any]:
        """The cohort as a registry struct."""
        return {
            "cohort_id": self.cohort_id,
            "data_version": self.data_version,
            "trained_at": self.trained_at,
            "kind": self.kind,
            "features": list(self.features),
            "n_trees": self.n_trees,
            "row_ids": None if self.row_ids is None else list(self.row_ids),
        }

    @classmethod
    def from_row(cls, row: Any) -> Cohort:
        """A cohort read back from a registry struct."""
        return cls(
            cohort_id=row["cohort_id"],
            data_version=int(row["data_version"]),
            trained_at=int(row["trained_at"]),
            kind=row["kind"],
            features=tuple(row["features"]),
            n_trees=int(row["n_trees"]),
            row_ids=None if row["row_ids"] is None else tuple(int(k) for k in row["row_ids"]),
        )


@dataclass
class Candidate:
    """A fitted model with its lineage: a challenger, or the champion it may replace."""

    model: Model
    features: tuple[str, ...]
    cohorts: tuple[Cohort, ...]
    tree_cohorts: tuple[str, ...] = field(default=())  # cohort of each tree (forests)
    fit_seconds: float = 0.0  # time spent fitting to build it
    path: str | None = None  # the folder holding the model in MLlib's format, once saved

    def predictions(self, rows: DataFrame) -> pd.DataFrame:
        """The key, label and this model's prediction of each of ``rows``."""
        scored = self.model.transform(assemble(rows, self.features))
        return scored.select(KEY, "label", "prediction").toPandas()

    def touched_by(self, keys: Collection[int]) -> list[Cohort]:
        """The cohorts that saw any of ``keys``."""
        return [cohort for cohort in self.cohorts if cohort.saw_any(keys)]

    def rows_seen(self) -> set[int] | None:
        """Every training key behind the model, or None if a cohort saw a whole table."""
        seen: set[int] = set()
        for cohort in self.cohorts:
            if cohort.row_ids is None:
                return None
            seen.update(cohort.row_ids)
        return seen
