"""Merging decision trees into one MLlib random forest, at the forest's saved format.

MLlib has no ``RandomForestClassifier.addTo(existingModel)``: its forests are always trained
from scratch. But a fitted forest is just a list of trees whose class-probability votes are
averaged, and a saved forest (``model.write().save(folder)``) is a folder with:

- ``metadata/``: one JSON line (class, uid, ``paramMap`` with ``numTrees``, and the
  forest's ``numFeatures``, ``numClasses`` and ``numTrees``);
- ``data/``: Parquet, one row per node (``treeID`` int, ``nodeData`` struct);
- ``treesMetadata/``: Parquet, one row per tree (``_1`` tree id, ``_2`` the tree's own
  metadata JSON, ``_3`` its weight).

A forest voting with any selection of saved trees is then that selection's rows of
``data/`` and ``treesMetadata/`` with the tree ids renumbered, and metadata saying how many
trees and how many features. Spark does the rewrite on its own file system (which a Spark
Connect client may not see) and ``RandomForestClassificationModel.load`` reads the result:
no py4j, so it runs on Spark Connect as on a cluster or ``local[n]``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from pyspark.ml.classification import RandomForestClassificationModel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from deploybook.retraining.features import VECTOR

MERGED_UID = "rfc_merged"


@dataclass(frozen=True)
class Tree:
    """One tree of a saved forest."""

    forest: str  # the folder the forest was saved to
    tree_id: int  # its ``treeID`` there
    num_features: int  # the width of that forest's feature vector


def saved_trees(folder: str, count: int, num_features: int) -> list[Tree]:
    """The ``count`` trees of the forest of ``num_features`` saved at ``folder``, in order."""
    return [Tree(folder, index, num_features) for index in range(count)]


def save_forest(model: RandomForestClassificationModel, folder: str) -> list[Tree]:
    """Save a fitted forest at ``folder`` (MLlib's own format); its trees."""
    model.write().overwrite().save(folder)
    return saved_trees(folder, model.getNumTrees, model.numFeatures)


def read_metadata(spark: SparkSession, folder: str) -> dict[str, object]:
    """The metadata JSON of a saved MLlib model."""
    row = spark.read.text(f"{folder}/metadata").first()
    if row is None:
        raise ValueError(f"no model metadata in {folder}/metadata")
    return dict(json.loads(row[0]))


def _renumbered(spark: SparkSession, trees: Sequence[Tree], part: str, id_column: str) -> DataFrame:
    """Rows of ``part`` (``data`` or ``treesMetadata``) of the chosen trees, ids renumbered.

    The schema is inferred from the first forest only: inferring it runs a Spark job per
    folder read.
    """
    chosen = spark.createDataFrame(
        pd.DataFrame(
            {
                "_forest": [tree.forest for tree in trees],
                "_old": [tree.tree_id for tree in trees],
                "_new": range(len(trees)),
            }
        ),
        "_forest string, _old int, _new int",
    )
    forests = list(dict.fromkeys(tree.forest for tree in trees))
    schema = spark.read.parquet(f"{forests[0]}/{part}").schema  # the same in every forest
    sources = [
        spark.read.schema(schema).parquet(f"{forest}/{part}").withColumn("_forest", F.lit(forest))
        for forest in forests
    ]
    rows = sources[0]
    for more in sources[1:]:
        rows = rows.unionByName(more)
    columns = [c for c in rows.columns if c not in ("_forest", id_column)]
    joined = rows.join(
        F.broadcast(chosen),
        (rows["_forest"] == chosen["_forest"]) & (rows[id_column] == chosen["_old"]),
    )
    return joined.select(F.col("_new").cast("int").alias(id_column), *(rows[c] for c in columns))


def merge_trees(
    spark: SparkSession,
    trees: Sequence[Tree],
    num_features: int,
    folder: str,
    num_classes: int = 2,
) -> RandomForestClassificationModel:
    """One forest voting with ``trees``, saved at ``folder`` and loaded from there.

    ``num_features`` is the width of the feature vector the forest reads; a tree from a
    forest of fewer (leading) features is valid inside it because it never splits on the
    others.
    """
    if not trees:
        raise ValueError("a forest needs at least one tree")
    for index, tree in enumerate(trees):
        if tree.num_features > num_features:
            raise ValueError(
                f"tree {index} reads {tree.num_features} features; the forest has {num_features}"
            )
    merged = read_metadata(spark, trees[0].forest)  # params (depth, seed...) of the first
    merged.update(
        uid=MERGED_UID, numTrees=len(trees), numFeatures=num_features, numClasses=num_classes
    )
    merged["paramMap"] = {**merged["paramMap"], "numTrees": len(trees)}  # type: ignore[dict-item]
    _renumbered(spark, trees, "data", "treeID").write.mode("overwrite").parquet(f"{folder}/data")
    _renumbered(spark, trees, "treesMetadata", "_1").coalesce(1).write.mode("overwrite").parquet(
        f"{folder}/treesMetadata"
    )
    spark.createDataFrame([(json.dumps(merged),)], "value string").coalesce(1).write.mode(
        "overwrite"
    ).text(f"{folder}/metadata")
    return RandomForestClassificationModel.load(folder)


def tree_accuracies(
    spark: SparkSession, trees: Sequence[Tree], assembled: DataFrame
) -> list[float]:
    """Accuracy of each tree on ``assembled`` rows (with ``features`` and ``label``), one job."""
    if not trees:
        return []
    forests = {
        forest: RandomForestClassificationModel.load(forest).trees
        for forest in dict.fromkeys(t.forest for t in trees)
    }
    frame = assembled.select(VECTOR, "label")
    hits = []
    for index, tree in enumerate(trees):
        single = forests[tree.forest][tree.tree_id]
        single.setPredictionCol(f"_p{index}").setRawPredictionCol(f"_r{index}").setProbabilityCol(
            f"_q{index}"
        )
        frame = single.transform(frame).drop(f"_r{index}", f"_q{index}")
        hits.append(F.avg((F.col(f"_p{index}") == F.col("label")).cast("double")))
    row = frame.agg(*hits).collect()[0]
    if row[0] is None:
        raise ValueError("cannot rank trees on an empty data set")
    return [float(value) for value in row]
