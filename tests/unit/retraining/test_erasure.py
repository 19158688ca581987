"""An erasure request carried out physically: no file under the lake keeps an erased row,
and no model version that learned one serves, is restored or is promoted again."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pyspark.ml.classification import RandomForestClassifier
from pyspark.ml.feature import VectorAssembler
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from deploybook.reports import defaults
from deploybook.retraining.backfill import backfill, challenge
from deploybook.retraining.erasure import erase
from deploybook.retraining.lake_root import lake_uri
from deploybook.retraining.lineage import Candidate, Cohort
from deploybook.retraining.mirror import sqlite_uri
from deploybook.retraining.params import RetrainingParams
from deploybook.retraining.registry import RegistryError, RevokedModel
from deploybook.retraining.scenario import Scenario
from deploybook.retraining.serving import latest_model, model_as_of
from deploybook.retraining.strategies import cohort_seed

from .conftest import SmallLake

pytestmark = pytest.mark.spark

SMALL = {
    "batch_rows": 200,  # batch 2 settles: round(0.002 * 200 * 4) = 2 erasure requests
    "batches": 4,
    "trees_per_update": 3,
    "max_trees": 6,
    "max_depth": 4,
    "fail_at_batch": -1,
    "new_feature_at": -1,
}


def _rows_with(folder: Path, keys: set[int]) -> dict[str, int]:
    """Every Parquet file under ``folder`` read with pyarrow alone (no Spark, no Delta log):
    file to the number of its rows whose ``row_id`` is one of ``keys``."""
    found = {}
    for path in folder.rglob("*.parquet"):
        table = pq.read_table(path)
        if "row_id" in table.column_names:
            hits = sum(1 for k in table.column("row_id").to_pylist() if k in keys)
            if hits:
                found[str(path.relative_to(folder))] = hits
    return found


@pytest.fixture(scope="module")
def erased(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("erasure")
    params = RetrainingParams.validate_values({**defaults("dlt_retraining"), **SMALL})
    root = work / "lake"
    scenario = Scenario(
        spark, params, lake_uri("", root), work, sqlite_uri(work / "mlflow"), shadow=False
    )
    scenario.cycle(3)
    keys = scenario.erasure_requests()
    before = _rows_with(root, keys)
    record = scenario.erase(retain_hours=0)
    return scenario, root, keys, before, record


def test_no_parquet_file_under_the_lake_keeps_an_erased_row(erased) -> None:
    """Reference: pyarrow reading every Parquet file under the lake root directly, so old
    files and ``_change_data`` count even though no Delta snapshot lists them. Before the
    purge the same scan finds the rows (the training table's DELETE alone removed none)."""
    _scenario, root, keys, before, record = erased
    assert keys
    assert record.keys == tuple(sorted(keys))
    assert sum(before.values()) > len(keys)  # landing, clean_events, old training files, CDF
    assert _rows_with(root, keys) == {}
    assert record.deleted["landing"] > 0
    assert record.purge_commits["landing"] is not None
    assert sum(record.files_vacuumed.values()) > 0


def test_the_deployment_keeps_running_after_a_purge(erased, spark: SparkSession) -> None:
    """Reference: the training table Spark reads back against the rows the landed feed
    should produce (pandas, :meth:`Scenario.expected_training`), and the erased keys."""
    scenario, root, keys, _, record = erased
    report = scenario.cycle(4)  # the streams skip the purge commits upstream
    assert report.applied == [3]
    training = scenario.training()
    expected = scenario.expected_training()
    assert sorted(training["row_id"]) == sorted(expected["row_id"])
    assert not keys & set(training["row_id"])
    served = latest_model(spark, scenario.registry().path)
    pipeline = scenario.jobs[scenario.serving_mode].config.pipeline
    assert served.version not in record.revoked[pipeline]
    again = scenario.erase(retain_hours=0)  # the change feed before the first purge is gone
    assert _rows_with(root, keys) == {}
    assert set(again.revoked[pipeline]) >= set(record.revoked[pipeline])


def test_an_unknown_key_is_named_and_nothing_changes(erased, spark: SparkSession) -> None:
    """Reference: the lake's Delta histories, which must gain no commit, and the key itself,
    which no ELEC2 row has (its ids stop at 45,311)."""
    scenario, _root, keys, _, _ = erased
    tables = (scenario.lake.landing, scenario.lake.training)
    before = [spark.sql(f"DESCRIBE HISTORY delta.`{t}`").count() for t in tables]
    registries = {"serving": scenario.registry()}
    with pytest.raises(ValueError, match="no earlier delete or erasure removed: 99999999;"):
        erase(spark, scenario.lake, {*keys, 99_999_999}, registries,
              erasure_id="bad", retain_hours=0)  # fmt: skip
    assert [spark.sql(f"DESCRIBE HISTORY delta.`{t}`").count() for t in tables] == before


def test_a_revoked_version_is_refused_everywhere(erased, spark: SparkSession) -> None:
    """Reference: each model version's own recorded row lineage against the erased keys,
    read from the models table afresh (a version that saw a key must be among the revoked)."""
    scenario, _, keys, _, record = erased
    registry = scenario.registry()
    revoked = record.revoked[scenario.jobs[scenario.serving_mode].config.pipeline]
    saw = [r.model_version for r in registry.records() if any(c.saw_any(keys) for c in r.cohorts)]
    assert revoked
    assert set(saw) <= set(revoked)
    for version in revoked:
        with pytest.raises(RevokedModel, match=f"model version {version}"):
            registry.rollback(version)
    first = registry.record(revoked[0])
    if first.status == "champion":
        with pytest.raises(RevokedModel):
            model_as_of(spark, registry.path, first.data_version)
    tainted = Candidate(
        registry.model(first), first.features,
        (Cohort("handmade", 0, 0, "new", first.features, 1, tuple(sorted(keys))),),
    )  # fmt: skip
    rows = spark.read.format("delta").load(scenario.lake.training)
    with pytest.raises(RevokedModel, match="handmade"):
        challenge(registry, tainted, rows, tolerance=0.02, reason="test")
    with pytest.raises(RegistryError, match="as of version 1"):  # its files are vacuumed
        backfill(spark, scenario.lake.training, 1, RandomForestClassifier(maxDepth=2))


def _tree_shapes(model) -> list[str]:
    """Each tree's splits and leaves (its debug text without the uid line)."""
    return [tree.toDebugString.split("\n", 1)[1] for tree in model.trees]


def test_a_cohort_refitted_from_its_recorded_keys_and_seed_has_the_same_trees(
    spark: SparkSession, small_lake: SmallLake
) -> None:
    """Reference: the training table itself, read at the cohort's version for the keys its
    lineage records, fitted here with MLlib's own VectorAssembler and RandomForestClassifier
    (the rows hash-partitioned by key and sorted, as the pipeline promises). The trees come
    out the same as the stored model's trees of that cohort, so the lineage names the rows
    a model learned, which is what revoking a model after an erasure relies on."""
    small_lake.insert(0, 120)
    job = small_lake.job()
    job.run()
    small_lake.insert(120, 60)
    job.run()
    record = job.registry.champion()
    cohort = next(c for c in record.cohorts if c.kind == "new" and c.row_ids)
    rows = (
        spark.read.format("delta").option("versionAsOf", cohort.trained_at)
        .load(small_lake.lake.training).where(F.col("row_id").isin(list(cohort.row_ids)))
    )  # fmt: skip
    data = (
        VectorAssembler(inputCols=list(cohort.features), outputCol="features")
        .transform(rows.withColumn("label", F.col("target").cast("double")))
        .repartition(int(spark.conf.get("spark.sql.shuffle.partitions")), "row_id")
        .sortWithinPartitions("row_id")
        .select("features", "label")
    )
    refit = RandomForestClassifier(
        maxDepth=4, numTrees=cohort.n_trees, seed=cohort_seed(1, cohort.cohort_id)
    ).fit(data)
    stored = job.registry.model(record)
    mine = [i for i, c in enumerate(record.tree_cohorts) if c == cohort.cohort_id]
    assert len(mine) == cohort.n_trees
    assert _tree_shapes(refit) == [_tree_shapes(stored)[i] for i in mine]
