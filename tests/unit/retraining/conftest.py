"""Small lakehouses for the retraining tests: ELEC2 rows applied batch by batch, no pipeline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from pyspark.ml.classification import RandomForestClassifier
from pyspark.sql import SparkSession

from deploybook.retraining.delivery import events_for
from deploybook.retraining.elec2 import FEATURES, load_elec2
from deploybook.retraining.feed import event_schema
from deploybook.retraining.job import JobConfig, RetrainingJob
from deploybook.retraining.lakehouse import Lakehouse, create_lakehouse, merge_batch
from deploybook.retraining.strategies import make_strategy

Apply = Callable[[pd.DataFrame], None]


class SmallLake:
    """A lakehouse whose training table is written directly with :func:`merge_batch`."""

    def __init__(self, spark: SparkSession, root: Path) -> None:
        self.spark = spark
        self.root = root
        self.lake: Lakehouse = create_lakehouse(spark, str(root), f"rt_{abs(hash(root)) % 10**8}")
        self.elec2 = load_elec2()
        self.seq = 0
        self.batch = 0

    def apply(self, events: pd.DataFrame) -> None:
        """Apply events (all columns given) as the next batch."""
        features = [
            c for c in events.columns if c not in ("row_id", "batch", "seq", "op", "target")
        ]
        schema = event_schema(features)
        events = events.assign(batch=self.batch)
        records = [
            tuple(None if pd.isna(row[f.name]) else row[f.name] for f in schema.fields)
            for _, row in events.iterrows()
        ]
        typed = [
            tuple(
                int(v) if v is not None and f.dataType.typeName() in ("long", "integer") else v
                for v, f in zip(record, schema.fields, strict=True)
            )
            for record in records
        ]
        frame = self.spark.createDataFrame(typed, schema)
        txn = ("deploybook-tests", self.batch)  # a replayed batch is skipped
        merge_batch(self.spark, self.lake.training, frame, self.batch, txn=txn)
        self.batch += 1

    def insert(self, start: int, count: int, **extra: object) -> list[int]:
        """Insert ELEC2 rows ``start`` .. ``start + count`` (optionally with extra columns)."""
        rows = self.elec2.iloc[start : start + count][["row_id", *FEATURES, "target"]]
        events = events_for(rows.assign(**extra), self.batch, self.seq + 1)
        self.seq += len(events)
        self.apply(events)
        return rows["row_id"].tolist()

    def change(self, updates: dict[int, dict[str, float]], deletes: list[int]) -> None:
        """Correct some rows and delete others, in one batch."""
        rows = self.elec2.set_index("row_id")
        events = []
        for key, values in updates.items():
            base = rows.loc[key, [*FEATURES, "target"]].to_dict()
            events.append({"row_id": key, **base, **values, "op": "UPSERT"})
        for key in deletes:
            events.append(
                {"row_id": key, **{f: None for f in FEATURES}, "target": None, "op": "DELETE"}
            )
        frame = pd.DataFrame(events)
        frame["seq"] = range(self.seq + 1, self.seq + 1 + len(frame))
        self.seq += len(frame)
        self.apply(frame)

    def job(
        self, name: str = "forest", mode: str = "incremental", max_trees: int = 6, **config: object
    ) -> RetrainingJob:
        """A small forest pipeline (3 trees a version) over the training table."""
        strategy = make_strategy(
            RandomForestClassifier(maxDepth=4),
            mode,
            trees_per_update=3,
            max_trees=max_trees,
            seed=1,  # type: ignore[arg-type]
        )
        settings = {
            "pipeline": name,
            "registry_path": self.lake.registry(name),
            "checkpoint": self.lake.checkpoint(name),
            **config,
        }
        return RetrainingJob(self.spark, self.lake.training, strategy, JobConfig(**settings))  # type: ignore[arg-type]


@pytest.fixture
def small_lake(spark: SparkSession, tmp_path: Path) -> SmallLake:
    """An empty lakehouse under a temporary folder."""
    return SmallLake(spark, tmp_path / "lake")
