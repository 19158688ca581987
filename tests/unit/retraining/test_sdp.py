"""The declarative pipeline on Delta: bad rows to quarantine with rule names, fail rules stop."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pyspark.sql import SparkSession

from deploybook.retraining.elec2 import load_elec2
from deploybook.retraining.feed import FeedConfig, build_feed, land
from deploybook.retraining.lakehouse import apply_changes, create_lakehouse
from deploybook.retraining.sdp import PipelineError, run_pipeline, write_project

pytestmark = pytest.mark.spark


def test_pipeline_quarantines_bad_rows_and_stops_on_a_fail_rule(
    spark: SparkSession, tmp_path: Path
) -> None:
    lake = create_lakehouse(spark, str(tmp_path / "lake"), "sdp_unit")
    feed = build_feed(load_elec2(), FeedConfig(batch_rows=100, batches=3, seed=5, fault_rate=0.05))
    for events in feed:
        land(spark, lake.landing, events)
    spec = write_project(tmp_path / "project", lake)
    run = run_pipeline(spark, spec)
    assert run.flows == {"quarantine": "COMPLETED", "clean_events": "COMPLETED"}
    quarantined = spark.table(lake.quarantine).toPandas()
    assert len(quarantined) == 15  # 5 % of each batch of 100, broken on purpose
    assert quarantined["failed_rules"].map(len).ge(1).all()
    assert spark.table(lake.clean_events).count() == sum(len(e) for e in feed) - 15
    assert apply_changes(spark, lake) == [0, 1, 2]

    bad = feed[0].head(1).assign(row_id=pd.NA, batch=3, seq=10_000)
    land(spark, lake.landing, bad)
    with pytest.raises(PipelineError, match="expectation 'key_present' failed"):
        run_pipeline(spark, spec)
    with pytest.raises(FileNotFoundError, match="no pipeline spec"):
        run_pipeline(spark, tmp_path / "missing.yml")
