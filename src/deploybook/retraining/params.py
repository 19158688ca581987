"""Parameters of the retraining report, validated before any Spark work starts."""

from __future__ import annotations

from typing import ClassVar, Literal, Self

from pydantic import Field, model_validator

from deploybook.params import ReportParams


class RetrainingParams(ReportParams):
    """What a run of ``notebooks/dlt_retraining.ipynb`` may change."""

    report: ClassVar[str] = "dlt_retraining"

    batch_rows: int = Field(ge=48, le=45_312, description="rows per batch (336 = one week)")
    batches: int = Field(ge=4, le=134, description="number of batches streamed into the table")
    history_batches: int = Field(
        ge=0, le=130, description="batches' worth of history the first batch also loads"
    )
    first_row: int = Field(ge=0, le=45_311, description="ELEC2 row position the feed starts at")
    trees_per_update: int = Field(ge=1, le=100, description="new trees trained per update")
    max_trees: int = Field(ge=1, le=500, description="trees kept in the forest")
    max_depth: int = Field(ge=1, le=30, description="maximum depth of every tree")
    mode: Literal["incremental", "full"] = Field(description="how the served model is updated")
    tolerance: float = Field(ge=0, le=1, description="accuracy a challenger may lose and pass")
    fail_at_batch: int = Field(ge=-1, description="batch after which a crash is injected; -1: none")
    new_feature_at: int = Field(ge=-1, description="batch that adds a feature column; -1: never")
    seed: int = Field(ge=0, description="random seed")
    seeds: int = Field(
        ge=1, le=10, description="seeds the accuracy comparison runs (seed, seed + 1, ...)"
    )
    spark_master: str = Field(
        description="Spark master URL (local[n], spark://, or sc:// for Spark Connect); empty "
        "for the default"
    )
    lake_root: str = Field(description="location (path or URI) of every table; empty: default")
    mlflow_tracking_uri: str = Field(description="MLflow registry URI; empty: SQLite default")
    erasure_retain_hours: float = Field(
        ge=0, le=8760, description="hours of history VACUUM keeps after an erasure's purge"
    )
    compare_environments: bool = Field(
        description="also run a small job on a standalone cluster and on Spark Connect"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        master = self.spark_master
        if master and not master.startswith(("local", "spark://", "sc://", "yarn", "k8s://")):
            raise ValueError(
                f"spark_master {master!r} must be local[n], spark://HOST:PORT, sc://HOST:PORT, "
                "yarn or k8s://..."
            )
        if self.trees_per_update > self.max_trees:
            raise ValueError(
                f"trees_per_update ({self.trees_per_update}) cannot exceed "
                f"max_trees ({self.max_trees})"
            )
        rows = self.first_row + self.batch_rows * (self.history_batches + self.batches)
        if rows > 45_312:
            raise ValueError(
                f"{self.batches} batches of {self.batch_rows} rows after a history of "
                f"{self.history_batches} batches from row {self.first_row} need rows up to "
                f"{rows}; ELEC2 has 45312"
            )
        for name in ("fail_at_batch", "new_feature_at"):
            value = getattr(self, name)
            if value >= self.batches:
                raise ValueError(f"{name} ({value}) must be below batches ({self.batches})")
        if self.new_feature_at == 0:
            raise ValueError("new_feature_at must be -1 or a later batch than the first (0)")
        first = self.first_cycle_batches
        if self.fail_at_batch >= first:
            raise ValueError(
                f"fail_at_batch ({self.fail_at_batch}) must be -1 or below {first}: the crash "
                f"is injected in the first hourly job, which lands batches 0 to {first - 1}"
            )
        if 0 < self.new_feature_at < first:
            raise ValueError(
                f"new_feature_at ({self.new_feature_at}) must be -1 or at least {first}: the "
                f"first hourly job lands batches 0 to {first - 1} in one commit, so a column "
                "arriving among them would be in the table before any model"
            )
        return self

    @property
    def first_cycle_batches(self) -> int:
        """Batches the first hourly job lands (the second lands the rest)."""
        return max(1, self.batches // 2)
