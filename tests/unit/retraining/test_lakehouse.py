"""The training table: CHECK constraints, ordered idempotent MERGEs, streaming apply."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from deploybook.retraining.delivery import (
    SPLIT_FILES,
    clean_events,
    late_event_rows_lost,
    rows_lost,
    split_commit_rows_lost,
)
from deploybook.retraining.elec2 import FEATURES
from deploybook.retraining.lakehouse import Lakehouse, apply_changes, table_versions

from .conftest import SmallLake, events_for

pytestmark = pytest.mark.spark


def test_check_constraints_reject_a_write_that_bypasses_the_pipeline(small_lake: SmallLake) -> None:
    spark = small_lake.spark
    bad = spark.createDataFrame(
        [(1, 0, 1, *([0.5] * 6), 2)],
        "row_id long, batch int, seq long, "
        + ", ".join(f"{f} double" for f in FEATURES)
        + ", target int",
    )
    with pytest.raises(Exception, match="label_is_binary"):
        bad.write.format("delta").mode("append").save(small_lake.lake.training)


def test_merge_applies_changes_in_sequence_order_once(small_lake: SmallLake) -> None:
    spark = small_lake.spark
    keys = small_lake.insert(0, 3)
    small_lake.change({keys[1]: {"feat_3": 0.123}}, deletes=[keys[2]])
    commits = len(table_versions(spark, small_lake.lake.training))
    # the same batch again: Delta skips it (txnAppId/txnVersion), no new commit
    small_lake.batch -= 1
    small_lake.seq -= 2
    small_lake.change({keys[1]: {"feat_3": 0.999}}, deletes=[keys[2]])
    assert len(table_versions(spark, small_lake.lake.training)) == commits
    table = spark.read.format("delta").load(small_lake.lake.training).toPandas().set_index("row_id")
    assert sorted(table.index) == keys[:2]
    assert table.loc[keys[1], "feat_3"] == pytest.approx(0.123)
    changes = (
        spark.read.format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", 0)
        .load(small_lake.lake.training)
        .groupBy("_change_type")
        .count()
        .toPandas()
        .set_index("_change_type")["count"]
    )
    assert changes["insert"] == 3
    assert changes["update_postimage"] == 1
    assert changes["delete"] == 1


def test_an_older_event_does_not_overwrite_a_newer_one(small_lake: SmallLake) -> None:
    spark = small_lake.spark
    keys = small_lake.insert(0, 2)
    stale = events_for(small_lake.elec2.iloc[0:1][["row_id", *FEATURES, "target"]], 1, 1)
    stale["feat_1"] = 0.77
    small_lake.apply(stale)  # seq 1 is not newer than the stored seq 1
    table = spark.read.format("delta").load(small_lake.lake.training).toPandas().set_index("row_id")
    assert table.loc[keys[0], "feat_1"] != pytest.approx(0.77)


def test_apply_changes_streams_clean_events_batch_by_batch(
    spark: SparkSession, small_lake: SmallLake
) -> None:
    lake = small_lake.lake
    frames = []
    for batch in range(3):
        rows = small_lake.elec2.iloc[batch * 5 : batch * 5 + 5][["row_id", *FEATURES, "target"]]
        frames.append(events_for(rows, batch, batch * 5 + 1))
    clean_events(spark, pd.concat(frames)).write.format("delta").saveAsTable(lake.clean_events)
    assert apply_changes(spark, lake) == [0, 1, 2]
    assert apply_changes(spark, lake) == []
    merges = [op for _, op in table_versions(spark, lake.training) if op == "MERGE"]
    assert len(merges) == 3
    assert spark.read.format("delta").load(lake.training).count() == 15


def test_a_database_name_must_be_an_identifier() -> None:
    with pytest.raises(ValueError, match="identifier"):
        Lakehouse("lake", "no-dashes")


def test_a_week_split_across_micro_batches_loses_no_row(
    spark: SparkSession, small_lake: SmallLake, tmp_path: Path
) -> None:
    """A week committed to clean_events as three files, streamed one file per micro-batch
    (it lost 20 of its 30 rows when the MERGE was keyed on the producer's batch number).

    Reference: :func:`deploybook.retraining.feed.expected_rows`, the last valid event per
    key computed in pandas from the events themselves.
    """
    rows = small_lake.elec2[["row_id", *FEATURES, "target"]]
    assert split_commit_rows_lost(spark, str(tmp_path / "split"), rows) == 0
    table = spark.table("delivery_split_commit.clean_events")
    assert len(table.inputFiles()) == SPLIT_FILES  # in one commit
    merges = spark.sql(f"DESCRIBE HISTORY delta.`{tmp_path / 'split' / 'training'}`")
    assert merges.where("operation = 'MERGE'").count() == SPLIT_FILES  # one per micro-batch


def test_a_late_event_with_an_old_batch_number_is_applied(
    spark: SparkSession, small_lake: SmallLake, tmp_path: Path
) -> None:
    """A row of week 0 that arrives after week 2 was applied, still tagged batch 0 (Delta
    skipped it when the MERGE was keyed on the producer's batch number).

    Reference: :func:`deploybook.retraining.feed.expected_rows` over every event sent; a row
    deleted behind the pipeline's back is counted as lost, so the count can fail.
    """
    rows = small_lake.elec2[["row_id", *FEATURES, "target"]]
    root = tmp_path / "late"
    assert late_event_rows_lost(spark, str(root), rows) == 0
    lake = Lakehouse(str(root), "delivery_late_event")
    sent = [events_for(rows.iloc[0:15], 0, 1), events_for(rows.iloc[100:101], 0, 16)]
    assert rows_lost(spark, lake, sent) == 0
    late_key = int(rows.iloc[100]["row_id"])
    DeltaTable.forPath(spark, lake.training).delete(F.col("row_id") == late_key)
    assert rows_lost(spark, lake, sent) == 1
