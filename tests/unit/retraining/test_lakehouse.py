"""The training table: CHECK constraints, ordered idempotent MERGEs, streaming apply."""

from __future__ import annotations

import pandas as pd
import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from deploybook.retraining.elec2 import FEATURES
from deploybook.retraining.feed import event_schema, expected_rows
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
    _clean_events(spark, pd.concat(frames)).write.format("delta").saveAsTable(lake.clean_events)
    assert apply_changes(spark, lake) == [0, 1, 2]
    assert apply_changes(spark, lake) == []
    merges = [op for _, op in table_versions(spark, lake.training) if op == "MERGE"]
    assert len(merges) == 3
    assert spark.read.format("delta").load(lake.training).count() == 15


def test_a_database_name_must_be_an_identifier() -> None:
    with pytest.raises(ValueError, match="identifier"):
        Lakehouse("lake", "no-dashes")


@pytest.fixture
def one_file_per_trigger(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every stream of a Delta table reads one file per micro-batch (``maxFilesPerTrigger=1``),
    as a stream with a lower limit than a commit's files does (Delta's default is 1,000)."""
    from pyspark.sql.streaming.readwriter import DataStreamReader

    for name in ("load", "table"):
        original = getattr(DataStreamReader, name)

        def limited(self, *args, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            return _original(self.option("maxFilesPerTrigger", 1), *args, **kwargs)

        monkeypatch.setattr(DataStreamReader, name, limited)


def _clean_events(spark: SparkSession, events: pd.DataFrame, files: int = 1) -> DataFrame:
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


def _check_training(spark: SparkSession, lake: Lakehouse, expected: pd.DataFrame) -> None:
    """The training table holds exactly ``expected``'s rows and values; no row lost."""
    columns = ["row_id", *FEATURES, "target"]
    frame = spark.read.format("delta").load(lake.training).toPandas()
    actual = frame[columns].sort_values("row_id").reset_index(drop=True)
    lost = sorted(set(expected["row_id"]) - set(actual["row_id"]))
    assert lost == [], f"{len(lost)} of {len(expected)} rows lost"
    pd.testing.assert_frame_equal(actual, expected[columns], check_dtype=False)


def test_a_week_split_across_micro_batches_loses_no_row(
    spark: SparkSession, small_lake: SmallLake, one_file_per_trigger: None
) -> None:
    """A week committed to clean_events as three files, streamed one file per micro-batch.

    Reference: :func:`deploybook.retraining.feed.expected_rows`, the last valid event per
    key computed in pandas from the events themselves.
    """
    lake = small_lake.lake
    rows = small_lake.elec2.iloc[0:30][["row_id", *FEATURES, "target"]]
    week = events_for(rows, 0, 1)
    _clean_events(spark, week, files=3).write.format("delta").saveAsTable(lake.clean_events)
    assert spark.sql(f"DESCRIBE HISTORY {lake.clean_events}").count() == 1
    files = spark.sql(f"DESCRIBE DETAIL {lake.clean_events}").first()["numFiles"]
    assert files == 3  # one commit of three files: three micro-batches
    apply_changes(spark, lake)
    _check_training(spark, lake, expected_rows([week]))


def test_a_late_event_with_an_old_batch_number_is_applied(
    spark: SparkSession, small_lake: SmallLake
) -> None:
    """A row of week 0 that arrives after week 2 was applied, still tagged batch 0.

    Reference: :func:`deploybook.retraining.feed.expected_rows` over every event sent.
    """
    lake = small_lake.lake
    rows = small_lake.elec2[["row_id", *FEATURES, "target"]]
    weeks = [events_for(rows.iloc[b * 5 : b * 5 + 5], b, b * 5 + 1) for b in range(3)]
    _clean_events(spark, pd.concat(weeks)).write.format("delta").saveAsTable(lake.clean_events)
    assert apply_changes(spark, lake) == [0, 1, 2]
    late = events_for(rows.iloc[100:101], 0, 16)
    _clean_events(spark, late).write.format("delta").mode("append").saveAsTable(lake.clean_events)
    assert apply_changes(spark, lake) == [0]  # one more commit, labelled with its old batch
    _check_training(spark, lake, expected_rows([*weeks, late]))
