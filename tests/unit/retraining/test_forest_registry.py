"""Tree merging through py4j, and the models table: bytes, idempotent writes, rollback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pyspark.ml.classification import RandomForestClassifier
from pyspark.sql import SparkSession

from deploybook.retraining.elec2 import FEATURES, load_elec2
from deploybook.retraining.features import assemble
from deploybook.retraining.forest import merge_trees, tree_accuracies, trees_of
from deploybook.retraining.lineage import Candidate, Cohort
from deploybook.retraining.registry import (
    MODELS,
    ModelRecord,
    ModelRegistry,
    RegistryError,
    deserialize,
    serialize,
)

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def data(spark: SparkSession):
    return assemble(spark.createDataFrame(load_elec2().head(400)), FEATURES).cache()


@pytest.fixture(scope="module")
def forests(data):
    first = RandomForestClassifier(numTrees=3, maxDepth=4, seed=1).fit(data.limit(200))
    second = RandomForestClassifier(numTrees=2, maxDepth=4, seed=2).fit(data)
    return first, second


def _probabilities(model, data) -> np.ndarray:
    return np.array([r["probability"].toArray() for r in model.transform(data).collect()])


def test_a_merged_forest_averages_its_trees_votes(spark, data, forests) -> None:
    first, second = forests
    merged = merge_trees(spark, [*trees_of(first), *trees_of(second)], len(FEATURES))
    assert merged.getNumTrees == 5
    expected = (_probabilities(first, data) * 3 + _probabilities(second, data) * 2) / 5
    assert np.allclose(_probabilities(merged, data), expected)


def test_a_merged_forest_survives_mllibs_own_format(spark, data, forests) -> None:
    merged = merge_trees(spark, trees_of(forests[0]) + trees_of(forests[1]), len(FEATURES))
    model_class, payload = serialize(merged)
    back = deserialize(spark, model_class, payload)
    assert np.array_equal(_probabilities(back, data), _probabilities(merged, data))


def test_merge_refuses_nothing_and_trees_wider_than_the_forest(spark, forests) -> None:
    with pytest.raises(ValueError, match="at least one tree"):
        merge_trees(spark, [], 6)
    with pytest.raises(ValueError, match=r"reads 6 features; the forest has 5"):
        merge_trees(spark, trees_of(forests[0]), 5)


def test_tree_accuracies_score_each_tree(spark, data, forests) -> None:
    scores = tree_accuracies(spark, trees_of(forests[0]), data)
    assert len(scores) == 3
    assert all(0.4 < s <= 1 for s in scores)


def _candidate(model, keys=(1, 2)) -> Candidate:
    cohort = Cohort("v1", 1, 1, "new", tuple(FEATURES), model.getNumTrees, tuple(keys))
    return Candidate(model, tuple(FEATURES), (cohort,), ("v1",) * model.getNumTrees)


def test_a_replayed_write_adds_no_second_version(spark, tmp_path: Path, forests) -> None:
    registry = ModelRegistry(spark, str(tmp_path / "models")).create()
    for _ in range(2):
        registry.append(
            _candidate(forests[0]),
            pipeline="p",
            strategy="s",
            data_version=3,
            status="champion",
            reason=None,
            metrics={},
            txn_version=3,
        )
    assert registry.replay(int(registry.summary()["model_version"].iloc[0])) == 0
    assert len(registry.summary()) == 1
    assert registry.last_data_version("p") == 3
    commits = registry.commits()
    assert commits["operation"].tolist() == ["CREATE TABLE", "WRITE"]


def test_rollback_restores_the_exact_model_and_refuses_erased_rows(
    spark, tmp_path: Path, data, forests
) -> None:
    registry = ModelRegistry(spark, str(tmp_path / "models")).create()
    for version, model in enumerate(forests, start=1):
        registry.append(
            _candidate(model, keys=(version,)),
            pipeline="p",
            strategy="s",
            data_version=version,
            status="champion",
            reason=None,
            metrics={},
            txn_version=version,
        )
    with pytest.raises(RegistryError, match="learned rows erased since"):
        registry.rollback(1, erased={1})
    new = registry.rollback(1, erased={2})
    MODELS.clear()
    served = registry.champion()
    assert served is not None
    assert served.model_version == new
    assert served.restored_from == 1
    assert served.model_sha256 == registry.record(1).model_sha256
    assert np.array_equal(
        _probabilities(registry.model(served), data), _probabilities(forests[0], data)
    )
    assert registry.champion(data_version=1).model_version == 1


def test_registry_errors_are_clear(spark, tmp_path: Path, forests) -> None:
    missing = ModelRegistry(spark, str(tmp_path / "nothing"))
    with pytest.raises(RegistryError, match="no models table"):
        missing.summary()
    registry = ModelRegistry(spark, str(tmp_path / "models")).create()
    with pytest.raises(RegistryError, match="no model version 9"):
        registry.record(9)
    with pytest.raises(ValueError, match="status"):
        registry.append(
            _candidate(forests[0]),
            pipeline="p",
            strategy="s",
            data_version=1,
            status="maybe",
            reason=None,
            metrics={},
        )
    registry.append(
        _candidate(forests[0]),
        pipeline="p",
        strategy="s",
        data_version=1,
        status="champion",
        reason=None,
        metrics={},
    )
    record = registry.record(1)
    corrupt = ModelRecord(**{**record.__dict__, "payload": b"junk", "model_sha256": "0" * 64})
    with pytest.raises(RegistryError, match="corrupt"):
        registry.model(corrupt)
    old = ModelRecord(**{**record.__dict__, "spark_version": "3.5.0"})
    MODELS.clear()
    with pytest.raises(RegistryError, match=r"written by Spark 3\.5\.0"):
        registry.model(old)
