"""Tree merging at the forest's saved format (checked against the JVM constructor through
py4j), and the models table: model files, idempotent writes, rollback."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from pyspark.ml.classification import (
    RandomForestClassificationModel,
    RandomForestClassifier,
)
from pyspark.sql import SparkSession

from deploybook.retraining.elec2 import FEATURES, load_elec2
from deploybook.retraining.features import assemble
from deploybook.retraining.forest import Tree, merge_trees, save_forest, tree_accuracies
from deploybook.retraining.lineage import Candidate, Cohort
from deploybook.retraining.registry import (
    MODELS,
    ModelRecord,
    ModelRegistry,
    NewVersion,
    RegistryError,
    RevokedModel,
    model_files,
    python_class,
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


@pytest.fixture(scope="module")
def saved(forests, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Tree], list[Tree]]:
    folder = tmp_path_factory.mktemp("forests")
    return (
        save_forest(forests[0], str(folder / "first")),
        save_forest(forests[1], str(folder / "second")),
    )


def _probabilities(model, data) -> np.ndarray:
    return np.array([r["probability"].toArray() for r in model.transform(data).collect()])


def test_a_merged_forest_averages_its_trees_votes(spark, data, forests, saved, tmp_path) -> None:
    """Reference: MLlib's own forest prediction, the tree-weighted mean of its trees' votes."""
    first, second = forests
    merged = merge_trees(spark, [*saved[0], *saved[1]], len(FEATURES), str(tmp_path / "m"))
    assert merged.getNumTrees == 5
    expected = (_probabilities(first, data) * 3 + _probabilities(second, data) * 2) / 5
    assert np.allclose(_probabilities(merged, data), expected)


def _jvm_merge(spark: SparkSession, forests, picks, num_features: int):
    """The merge through py4j, for reference: MLlib's JVM forest constructor
    ``(uid, trees, numFeatures, numClasses)`` over the chosen JVM tree objects."""
    jvm = spark.sparkContext._jvm
    tree_class = jvm.org.apache.spark.ml.classification.DecisionTreeClassificationModel
    chosen = [forests[f]._java_obj.trees()[i] for f, i in picks]
    array = spark.sparkContext._gateway.new_array(tree_class, len(chosen))
    for index, tree in enumerate(chosen):
        array[index] = tree
    forest = jvm.org.apache.spark.ml.classification.RandomForestClassificationModel
    return RandomForestClassificationModel(forest("rfc_jvm", array, num_features, 2))


def test_the_format_merge_predicts_exactly_what_the_py4j_merge_predicts(
    spark, data, forests, saved, tmp_path
) -> None:
    """Reference: the py4j merge (the JVM constructor over tree objects) on the same rows;
    a selection across both forests, out of order, with one tree left out."""
    picks = [(1, 1), (0, 2), (0, 0), (1, 0)]
    trees = [saved[f][i] for f, i in picks]
    by_format = merge_trees(spark, trees, len(FEATURES), str(tmp_path / "m"))
    by_jvm = _jvm_merge(spark, forests, picks, len(FEATURES))
    mine, theirs = by_format.transform(data), by_jvm.transform(data)
    for column in ("prediction", "probability", "rawPrediction"):
        assert [r[0] for r in mine.select(column).collect()] == [
            r[0] for r in theirs.select(column).collect()
        ], column
    assert by_format.totalNumNodes == by_jvm.totalNumNodes


def test_model_files_are_the_same_bytes_each_time_and_load_back(spark, saved) -> None:
    folder = saved[0][0].forest
    model_class, payload = model_files(spark, folder)
    assert model_files(spark, folder)[1] == payload  # a fixed zip: the SHA-256 is stable
    assert model_class == "org.apache.spark.ml.classification.RandomForestClassificationModel"
    assert python_class(model_class) is RandomForestClassificationModel
    with pytest.raises(RegistryError, match="not an MLlib model class"):
        python_class("java.lang.String")


def test_merge_refuses_nothing_and_trees_wider_than_the_forest(spark, saved, tmp_path) -> None:
    with pytest.raises(ValueError, match="at least one tree"):
        merge_trees(spark, [], 6, str(tmp_path / "m"))
    with pytest.raises(ValueError, match=r"reads 6 features; the forest has 5"):
        merge_trees(spark, saved[0], 5, str(tmp_path / "m"))


def test_tree_accuracies_score_each_tree(spark, data, forests, saved) -> None:
    """Reference: each tree's own predictions through MLlib's tree model (py4j)."""
    scores = tree_accuracies(spark, saved[0], data)
    assert len(scores) == 3
    labels = [r[0] for r in data.select("label").collect()]
    for index, tree in enumerate(forests[0].trees):
        predicted = [r[0] for r in tree.transform(data).select("prediction").collect()]
        expected = np.mean([p == y for p, y in zip(predicted, labels, strict=True)])
        assert scores[index] == pytest.approx(expected)


def _candidate(model, keys=(1, 2)) -> Candidate:
    cohort = Cohort("v1", 1, 1, "new", tuple(FEATURES), model.getNumTrees, tuple(keys))
    return Candidate(model, tuple(FEATURES), (cohort,), ("v1",) * model.getNumTrees)


def _entry(candidate: Candidate, data_version: int, **more) -> NewVersion:
    fields = {"status": "champion", "reason": None, "metrics": {}, **more}
    return NewVersion(candidate, "p", "s", data_version, **fields)


def test_a_replayed_write_adds_no_second_version(spark, tmp_path: Path, forests) -> None:
    registry = ModelRegistry(spark, str(tmp_path / "models")).create()
    for _ in range(2):
        registry.append(_entry(_candidate(forests[0]), 3, txn_version=3))
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
        registry.append(_entry(_candidate(model, keys=(version,)), version, txn_version=version))
    new = registry.rollback(1)
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
    # table version 9 corrects key 1: version 1 and its restored copy learned the old value
    assert registry.revoke("table version 9", {1}, 9) == [1, new]
    for version in (1, new):
        with pytest.raises(RevokedModel, match=f"model version {version} .* table version 9"):
            registry.rollback(version)


def test_revoke_names_the_versions_that_learned_the_old_values(
    spark, tmp_path: Path, forests
) -> None:
    """The expected versions are worked out by hand from the rule (a cohort fitted before
    the change that saw a changed key, or one without row lineage on an older table
    version), not from :meth:`Cohort.learned_any`.
    """
    model = forests[0]
    n = model.getNumTrees

    def cohort(cid: str, data_version: int, trained_at: int, keys, trees: int = n) -> Cohort:
        return Cohort(cid, data_version, trained_at, "new", tuple(FEATURES), trees, keys)

    lineages = [
        [cohort("a", 1, 1, (1, 2))],  # saw key 2 before version 5: revoked
        [cohort("b", 2, 2, (3, 4))],  # never saw 2 or 7
        [cohort("c", 3, 5, (2,))],  # refitted at version 5: learned the new value
        [cohort("d", 4, 4, None)],  # every row of table version 4: revoked
        [cohort("e", 5, 5, None)],  # the table as of version 5: the new values
        [cohort("f", 4, 4, (3,), 1), cohort("g", 4, 4, (10, 7, 11), n - 1)],  # g saw key 7
    ]
    registry = ModelRegistry(spark, str(tmp_path / "models")).create()
    for version, cohorts in enumerate(lineages, start=1):
        trees = tuple(c.cohort_id for c in cohorts for _ in range(c.n_trees))
        candidate = Candidate(model, tuple(FEATURES), tuple(cohorts), trees)
        registry.append(_entry(candidate, version, txn_version=version))
    assert registry.revoke("table version 5", {2, 7}, 5) == [1, 4, 6]
    many = {2, 7, *range(1000, 1300)}  # beyond ISIN_KEYS: a join, not a list of literals
    assert registry.revoke("table version 5", many, 5) == [1, 4, 6]
    assert registry.revoke("table version 6", set(), 6) == []


def test_registry_errors_are_clear(spark, tmp_path: Path, forests) -> None:
    missing = ModelRegistry(spark, str(tmp_path / "nothing"))
    with pytest.raises(RegistryError, match="no models table"):
        missing.summary()
    registry = ModelRegistry(spark, str(tmp_path / "models")).create()
    with pytest.raises(RegistryError, match="no model version 9"):
        registry.record(9)
    with pytest.raises(ValueError, match="status"):
        _entry(_candidate(forests[0]), 1, status="maybe")
    with pytest.raises(ValueError, match="only a champion is promoted"):
        registry.promote(_entry(_candidate(forests[0]), 1, status="rejected"), expected=None)
    registry.append(_entry(_candidate(forests[0]), 1))
    record = registry.record(1)
    corrupt = ModelRecord(**{**record.__dict__, "payload": b"junk", "model_sha256": "0" * 64})
    with pytest.raises(RegistryError, match="corrupt"):
        registry.model(corrupt)
    junk = hashlib.sha256(b"junk").hexdigest()
    moved = ModelRecord(**{**record.__dict__, "payload": b"junk", "model_sha256": junk})
    with pytest.raises(RegistryError, match="not the ones stored with it"):
        registry.model(moved)  # the folder holds other files than the table says
    old = ModelRecord(**{**record.__dict__, "spark_version": "3.5.0"})
    MODELS.clear()
    with pytest.raises(RegistryError, match=r"written by Spark 3\.5\.0"):
        registry.model(old)


def test_listing_a_forests_params_does_not_build_its_trees(spark, forests, saved) -> None:
    """PySpark 4 made ``trees`` a ``cached_property`` (SPARK-50843), which ``Params.params``
    did not skip: every fit and load built a wrapper per tree through py4j. The reference for
    the param list is the JVM model's own (``params()`` of the Java object), not the walk.
    """
    fitted = RandomForestClassifier(numTrees=2, maxDepth=2, seed=3).fit(
        assemble(spark.createDataFrame(load_elec2().head(50)), FEATURES)
    )
    loaded = RandomForestClassificationModel.load(saved[0][0].forest)
    for model in (fitted, loaded):
        assert "trees" not in vars(model)
        assert {p.name for p in model.params} == {p.name() for p in model._java_obj.params()}
    assert len(loaded.trees) == len(forests[0].trees) == 3
