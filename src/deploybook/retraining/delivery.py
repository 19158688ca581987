"""Two deliveries that once lost rows, replayed on small lakes beside the report's own.

- **A split commit**: one week committed to ``clean_events`` as several files and streamed
  one file per micro-batch (Delta's ``maxFilesPerTrigger``), so one commit reaches the
  training table in several micro-batches.
- **A late event**: a row of week 0 that arrives after weeks 0-2 were applied, still tagged
  with its old batch number.

Each is applied with :func:`~deploybook.retraining.lakehouse.apply_changes` and the training
table is compared with :func:`~deploybook.retraining.feed.expected_rows`, the last valid
event per key computed in pandas from the events themselves. When the ``MERGE`` was keyed on
the producer's batch number, the split week lost 20 of its 30 rows and the late event was
dropped.
"""

from __future__ import annotations

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from deploybook.retraining.elec2 import FEATURES, load_elec2
from deploybook.retraining.expectations import OP
from deploybook.retraining.features import KEY, LABEL
from deploybook.retraining.feed import event_schema, expected_rows
from deploybook.retraining.lake_root import prepare
from deploybook.retraining.lakehouse import Lakehouse, apply_changes, create_lakehouse
from deploybook.spark import to_pandas

SPLIT_FILES = 3  # files the split week is committed as (one micro-batch each)


def events_for(rows: pd.DataFrame, batch: int, first_seq: int, op: str = "UPSERT") -> pd.DataFrame:
    """Rows (key, features, label) as change events of one feed batch, numbered from
    ``first_seq``.
    """
    events = rows.copy()
    events["batch"] = batch
    events[OP] = op
    events["seq"] = range(first_seq, first_seq + len(events))
    return events


def clean_events(spark: SparkSession, events: pd.DataFrame, files: int = 1) -> DataFrame:
    """Events as rows of ``clean_events`` (no rule broken), in ``files`` partitions."""
    schema = event_schema(list(FEATURES))
    frame = spark.createDataFrame(
        [tuple(r[f.name] for f in schema.fields) for _, r in events.iterrows()], schema
    )
    return (
        frame.repartition(files)
        .withColumn("failed_rules", F.array().cast("array<string>"))
        .withColumn("warned_rules", F.array().cast("array<string>"))
    )


def rows_lost(spark: SparkSession, lake: Lakehouse, sent: list[pd.DataFrame]) -> int:
    """Rows of :func:`expected_rows` over the events ``sent`` that the training table lacks
    or holds with other values.
    """
    columns = [KEY, *FEATURES, LABEL]
    expected = expected_rows(sent)[columns].set_index(KEY)
    table = spark.read.format("delta").load(lake.training).select(*columns)
    actual = to_pandas(table).set_index(KEY).reindex(expected.index)
    same = (actual.sub(expected).abs() < 1e-12).all(axis=1)
    return int((~same).sum())


def _lake(spark: SparkSession, root: str, database: str) -> Lakehouse:
    prepare(spark, root, database)
    return create_lakehouse(spark, root, database)


def split_commit_rows_lost(spark: SparkSession, root: str, rows: pd.DataFrame) -> int:
    """A week of 30 ``rows`` committed as :data:`SPLIT_FILES` files and applied one file per
    micro-batch, in a new lake at ``root``: the rows lost.
    """
    lake = _lake(spark, root, "delivery_split_commit")
    week = events_for(rows.iloc[0:30], 0, 1)
    clean_events(spark, week, files=SPLIT_FILES).write.format("delta").saveAsTable(
        lake.clean_events
    )
    apply_changes(spark, lake, max_files_per_trigger=1)
    return rows_lost(spark, lake, [week])


def late_event_rows_lost(spark: SparkSession, root: str, rows: pd.DataFrame) -> int:
    """Weeks 0-2 (5 ``rows`` each) applied, then a row tagged week 0 arriving late, in a new
    lake at ``root``: the rows lost.
    """
    lake = _lake(spark, root, "delivery_late_event")
    weeks = [events_for(rows.iloc[b * 5 : b * 5 + 5], b, b * 5 + 1) for b in range(3)]
    clean_events(spark, pd.concat(weeks)).write.format("delta").saveAsTable(lake.clean_events)
    apply_changes(spark, lake)
    late = events_for(rows.iloc[100:101], 0, 16)
    clean_events(spark, late).write.format("delta").mode("append").saveAsTable(lake.clean_events)
    apply_changes(spark, lake)
    return rows_lost(spark, lake, [*weeks, late])


def replay(spark: SparkSession, root: str) -> tuple[int, int]:
    """Both deliveries on ELEC2's first rows, in lakes under ``root``: the rows each lost
    (split commit, late event). The two lakes are dropped afterwards (files and all), so
    that no copy of these rows outlives the count.
    """
    rows = load_elec2()[[KEY, *FEATURES, LABEL]]
    try:
        return (
            split_commit_rows_lost(spark, f"{root}/split-commit", rows),
            late_event_rows_lost(spark, f"{root}/late-event", rows),
        )
    finally:
        for database in ("delivery_split_commit", "delivery_late_event"):
            spark.sql(f"DROP DATABASE IF EXISTS {database} CASCADE")
