"""The MLflow mirror of a models table, read back through MLflow's own client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mlflow import MlflowClient
from mlflow.artifacts import download_artifacts
from pyspark.ml.classification import RandomForestClassificationModel

from deploybook.retraining.features import assemble
from deploybook.retraining.job import JobConfig
from deploybook.retraining.mirror import ALIAS, VERSION_TAG, MlflowMirror, sqlite_uri
from deploybook.retraining.registry import ModelRegistry

from .conftest import SmallLake

pytestmark = pytest.mark.spark


def _mirrored_job(small_lake: SmallLake, uri: str):
    mirror = MlflowMirror(uri, "forest", small_lake.lake.training)
    job = small_lake.job()
    config = JobConfig(**{**job.config.__dict__, "mirror": mirror})
    return type(job)(small_lake.spark, small_lake.lake.training, job.strategy, config)


def test_the_registry_holds_what_the_models_table_holds(
    small_lake: SmallLake, tmp_path: Path
) -> None:
    """Reference: MLflow's own client reading the SQLite store back, and MLlib loading the
    registered model files; against the Delta models table."""
    uri = sqlite_uri(tmp_path / "mlflow")
    small_lake.insert(0, 60)
    small_lake.insert(60, 60)
    job = _mirrored_job(small_lake, uri)
    job.run()
    registry = job.registry
    first = int(registry.summary()["model_version"].iloc[0])  # identity values may skip
    restored = registry.rollback(first)  # a rollback appends a champion: the alias must follow

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    summary = registry.summary()
    champions = summary.loc[summary["status"] == "champion", "model_version"].tolist()
    versions = client.search_model_versions("name='forest'")
    assert sorted(int(v.tags[VERSION_TAG]) for v in versions) == champions
    alias = client.get_model_version_by_alias("forest", ALIAS)
    assert int(alias.tags[VERSION_TAG]) == restored
    readback = job.config.mirror.readback().set_index("delta_model_version")
    assert readback.loc[restored, "aliases"] == ALIAS
    assert (readback["aliases"] == ALIAS).sum() == 1
    assert alias.tags["restored_from"] == str(first)

    for version in versions:
        record = registry.record(int(version.tags[VERSION_TAG]))
        assert version.tags["model_sha256"] == record.model_sha256
        run = client.get_run(version.run_id)
        (dataset,) = run.inputs.dataset_inputs
        assert dataset.dataset.source_type == "delta_table"
        source = json.loads(dataset.dataset.source)
        assert source["delta_table_version"] == record.data_version
        assert source["path"] == small_lake.lake.training
        assert run.data.metrics["learned_rows"] == record.metrics["learned_rows"]
        lineage = json.loads(
            Path(
                download_artifacts(f"runs:/{version.run_id}/lineage.json", tracking_uri=uri)
            ).read_text()
        )
        assert lineage["tree_cohorts"] == list(record.tree_cohorts)

    newest = registry.record(restored)
    files = download_artifacts(alias.source, tracking_uri=uri)
    rows = assemble(
        small_lake.spark.read.format("delta").load(small_lake.lake.training), newest.features
    )
    from_mlflow = RandomForestClassificationModel.load(files).transform(rows)
    from_delta = registry.model(newest).transform(rows)
    assert [r[0] for r in from_mlflow.select("probability").collect()] == [
        r[0] for r in from_delta.select("probability").collect()
    ]


def test_a_sync_catches_up_after_a_crash_between_delta_and_mlflow(
    small_lake: SmallLake, tmp_path: Path
) -> None:
    uri = sqlite_uri(tmp_path / "mlflow")
    small_lake.insert(0, 60)
    small_lake.insert(60, 60)
    job = small_lake.job()  # no mirror: the Delta commits happen, the registrations do not
    job.run()
    mirror = MlflowMirror(uri, "forest", small_lake.lake.training)
    assert mirror.registered() == {}
    mirror.sync(job.registry)
    mirror.sync(job.registry)  # idempotent: nothing registered twice
    assert sorted(mirror.registered()) == job.registry.summary()["model_version"].tolist()


def test_reset_refuses_a_registered_model_of_another_table(
    small_lake: SmallLake, tmp_path: Path
) -> None:
    uri = sqlite_uri(tmp_path / "mlflow")
    small_lake.insert(0, 60)
    job = small_lake.job()
    job.run()
    mirror = MlflowMirror(uri, "forest", small_lake.lake.training)
    mirror.sync(job.registry)
    with pytest.raises(ValueError, match=r"mirrors .* not /elsewhere"):
        mirror.reset("/elsewhere")
    mirror.reset(job.registry.path)  # its own table starts afresh: the mirror forgets it
    assert mirror.registered() == {}
    assert ModelRegistry(small_lake.spark, job.registry.path).exists()  # Delta is untouched
