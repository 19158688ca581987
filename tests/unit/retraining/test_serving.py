"""Serving while an update runs: every read is a complete, committed model."""

from __future__ import annotations

import dataclasses

import pytest

from deploybook.retraining.serving import (
    latest_model,
    model_as_of,
    predictions_digest,
    serve_during,
    verify_reads,
)
from deploybook.retraining.synthetic import synthetic_rows

from .conftest import SmallLake

pytestmark = pytest.mark.spark


def test_reads_during_an_update_see_whole_models(small_lake: SmallLake) -> None:
    spark = small_lake.spark
    small_lake.insert(0, 60)
    job = small_lake.job(tolerance=1.0)  # every challenger serves
    job.run()
    probe = (
        spark.read.format("delta")
        .option("versionAsOf", 1)
        .load(small_lake.lake.training)
        .orderBy("row_id")
        .limit(20)
    )

    def update() -> int:
        small_lake.insert(60, 60)
        return len(job.run())

    processed, reads = serve_during(spark, job.registry.path, probe, update, pause=0.1)
    assert processed == 1
    assert reads
    table = verify_reads(spark, job.registry.path, probe, reads)
    assert table[["bytes_intact", "all_trees", "same_predictions"]].all().all()
    # the reference is the version loaded afresh from its folder: a read whose predictions
    # differ from it (a torn or stale model) is caught
    torn = dataclasses.replace(reads[-1], digest="0" * 64)
    assert not verify_reads(spark, job.registry.path, probe, [torn])["same_predictions"].any()
    served = latest_model(spark, job.registry.path)
    assert served.record.data_version == 2
    assert model_as_of(spark, job.registry.path, 1).record.data_version == 1
    scored = served.predict(probe)
    assert set(scored.columns) >= {"prediction", "probability", "model_version"}
    assert predictions_digest(scored) == predictions_digest(served.predict(probe))


def test_synthetic_rows_are_seeded_and_drift(spark) -> None:
    first = synthetic_rows(spark, 0, 2000, seed=3, drift_period=4000).toPandas()
    again = synthetic_rows(spark, 0, 2000, seed=3, drift_period=4000).toPandas()
    assert first.equals(again)
    assert first[[f"feat_{i}" for i in range(1, 7)]].stack().between(0, 1).all()
    early = first.iloc[:200]
    late = first.iloc[1000:1200]  # a quarter turn later: the first two features trade roles
    corr_early = early["feat_1"].corr(early["target"])
    corr_late = late["feat_1"].corr(late["target"])
    assert corr_early > corr_late + 0.2
    with pytest.raises(ValueError, match="noise"):
        synthetic_rows(spark, 0, 10, seed=1, noise=0.7)
