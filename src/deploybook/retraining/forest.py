"""Merging decision trees into one MLlib random forest, through py4j.

MLlib has no ``RandomForestClassifier.addTo(existingModel)``: its forests are always trained
from scratch. But a fitted ``RandomForestClassificationModel`` is just an array of
``DecisionTreeClassificationModel`` objects whose class-probability votes are averaged, and
its JVM constructor ``(uid, trees, numFeatures, numClasses)`` (``private[ml]`` in Scala,
public in the bytecode) accepts any such array. This module takes the trees out of fitted
forests and builds a new forest from any selection of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyspark.ml.classification import (
    DecisionTreeClassificationModel,
    RandomForestClassificationModel,
)
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from deploybook.retraining.features import VECTOR
from deploybook.spark import jvm

_ML = "org.apache.spark.ml.classification"


class MergedForest(RandomForestClassificationModel):
    """A forest built by :func:`merge_trees`; behaves as MLlib's own.

    pyspark 4.2 lists a model's params with ``dir()`` when it wraps a JVM model, and that
    evaluates the ``trees`` cached property: one Python wrapper per tree, each filled with
    its params over py4j (about 3 ms a tree, 0.17 s for 50). As a plain property, ``trees``
    is skipped there and computed only when read.
    """

    trees = property(RandomForestClassificationModel.trees.func)  # type: ignore[attr-defined]


def trees_of(model: RandomForestClassificationModel) -> list[Any]:
    """The JVM tree objects of a fitted forest, in order."""
    return list(model._java_obj.trees())


def merge_trees(
    spark: SparkSession,
    trees: Sequence[Any],
    num_features: int,
    num_classes: int = 2,
    uid: str = "rfc_merged",
) -> MergedForest:
    """One forest voting with ``trees`` (JVM ``DecisionTreeClassificationModel`` objects).

    ``num_features`` is the width of the feature vector the forest reads; a tree trained on
    fewer (leading) features is valid inside it because it never splits on the others.
    """
    if not trees:
        raise ValueError("a forest needs at least one tree")
    view = jvm(spark)
    tree_class = getattr(view, f"{_ML}.DecisionTreeClassificationModel")
    array = spark.sparkContext._gateway.new_array(tree_class, len(trees))  # type: ignore[union-attr]
    for index, tree in enumerate(trees):
        if tree.numFeatures() > num_features:
            raise ValueError(
                f"tree {index} reads {tree.numFeatures()} features; the forest has {num_features}"
            )
        array[index] = tree
    forest_class = getattr(view, f"{_ML}.RandomForestClassificationModel")
    java_model = forest_class(uid, array, num_features, num_classes)
    # MLlib's reader checks the numTrees param against the trees it finds
    java_model.set(java_model.numTrees(), len(trees))
    return MergedForest(java_model)


def tree_accuracies(spark: SparkSession, trees: Sequence[Any], assembled: DataFrame) -> list[float]:
    """Accuracy of each tree on ``assembled`` rows (with ``features`` and ``label``), one job."""
    if not trees:
        return []
    frame = assembled.select(VECTOR, "label")
    hits = []
    for index, tree in enumerate(trees):
        single = DecisionTreeClassificationModel(tree)
        single.setPredictionCol(f"_p{index}").setRawPredictionCol(f"_r{index}").setProbabilityCol(
            f"_q{index}"
        )
        frame = single.transform(frame).drop(f"_r{index}", f"_q{index}")
        hits.append(F.avg((F.col(f"_p{index}") == F.col("label")).cast("double")))
    row = frame.agg(*hits).collect()[0]
    if row[0] is None:
        raise ValueError("cannot rank trees on an empty data set")
    return [float(value) for value in row]
