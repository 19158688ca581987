"""Prequential (test-then-train) accuracy of every method, on the same rows.

Each table version's inserted rows are predicted by the model serving *before* that version
was learned, then learned. The pipelines record their own scores in the models table; this
module scores the peers on exactly the same rows:

- a never-retrained forest, fitted once on the first version;
- a forest refitted from scratch every version on the few versions before it (a window);
- River's ``ARFClassifier`` (Adaptive Random Forest, an online learner): with the same batch
  protocol (predict a whole version, then learn it), and row by row (predict each row, then
  learn it), which no batch pipeline can match and is reported separately.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pyspark.ml import Estimator, Model
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from river import forest

from deploybook.retraining.classic import spark_jobs
from deploybook.retraining.features import KEY, LABEL, MISSING, assemble, feature_columns
from deploybook.retraining.registry import ModelRegistry
from deploybook.retraining.strategies import fit
from deploybook.spark import to_pandas

# one row per method, seed and version
SCORE_COLUMNS = ["data_version", "method", "seed", "rows", "correct"]
PIPELINE_METHODS = {"incremental": "incremental forest", "full": "full retrain"}


def inserted_rows(
    spark: SparkSession, training_path: str, starting_version: int = 0
) -> pd.DataFrame:
    """Every inserted row of the training table with the version that inserted it."""
    changes = (
        spark.read.format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", starting_version)
        .load(training_path)
        .where(F.col("_change_type") == "insert")
        .drop("_change_type", "_commit_timestamp")
        .withColumnRenamed("_commit_version", "data_version")
    )
    return to_pandas(changes).sort_values("seq").reset_index(drop=True)


def version_metrics(registry: ModelRegistry) -> list[tuple[int, dict[str, float]]]:
    """(table version, metrics) of every weekly model in a models table."""
    written = registry.stream_written(registry.summary())
    return [(int(r.data_version), dict(r.metrics)) for r in written.itertuples()]


def pipeline_scores(
    records: Sequence[tuple[int, Mapping[str, float]]], method: str, *, seed: int
) -> pd.DataFrame:
    """Per-version prequential scores a pipeline run with ``seed`` recorded (models table or
    shadow run).
    """
    rows = [
        {
            "data_version": version,
            "method": method,
            "seed": seed,
            "rows": int(metrics["prequential_rows"]),
            "correct": round(metrics["prequential_accuracy"] * metrics["prequential_rows"]),
        }
        for version, metrics in records
        if "prequential_rows" in metrics
    ]
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def _scores(
    model: Model, rows: DataFrame, features: Sequence[str], method: str, seed: int
) -> pd.DataFrame:
    """Rows and correct predictions of ``model`` (fitted with ``seed``) per table version."""
    per_version = to_pandas(
        model.transform(assemble(rows, features))
        .groupBy("data_version")
        .agg(
            F.count("*").alias("rows"),
            F.sum((F.col("prediction") == F.col("label")).cast("int")).alias("correct"),
        )
    )
    per_version["method"] = method
    per_version["seed"] = seed
    return per_version[SCORE_COLUMNS]


def static_scores(
    spark: SparkSession,
    inserted: pd.DataFrame,
    estimator: Estimator,
    *,
    num_trees: int | None,
    seed: int,
) -> pd.DataFrame:
    """A model fitted on the first version only, scored on every later version."""
    first = int(inserted["data_version"].min())
    frame = spark.createDataFrame(inserted)
    features = feature_columns(frame.schema)
    params: dict[str, Any] = {"numTrees": num_trees} if num_trees else {}
    model, _ = fit(estimator, frame.where(F.col("data_version") == first), features, seed, **params)
    later = frame.where(F.col("data_version") > first)
    return _scores(model, later, features, "never retrained", seed)


def window_scores(
    spark: SparkSession,
    inserted: pd.DataFrame,
    estimator: Estimator,
    *,
    versions: int,
    num_trees: int | None,
    seed: int,
) -> pd.DataFrame:
    """A model refitted from scratch for every version on the ``versions`` before it."""
    if versions < 1:
        raise ValueError(f"a window needs at least one version, got {versions}")
    frame = spark.createDataFrame(inserted).cache()
    features = feature_columns(frame.schema)
    params: dict[str, Any] = {"numTrees": num_trees} if num_trees else {}
    order = sorted(int(v) for v in inserted["data_version"].unique())
    parts = []
    for position in range(1, len(order)):
        window = order[max(0, position - versions) : position]
        train = frame.where(F.col("data_version").isin(window))
        model, _ = fit(estimator, train, features, seed + position, **params)
        test = frame.where(F.col("data_version") == order[position])
        parts.append(_scores(model, test, features, "window refit", seed))
    frame.unpersist()
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SCORE_COLUMNS)


def _row_dicts(frame: pd.DataFrame, features: Sequence[str]) -> list[dict[Hashable, Any]]:
    values = frame.reindex(columns=list(features)).astype(float).fillna(MISSING)
    return values.to_dict("records")


def arf_scores(inserted: pd.DataFrame, *, seed: int, n_models: int = 10) -> pd.DataFrame:
    """River ARF on the same rows: batch protocol and row-by-row protocol."""
    features = [
        c for c in inserted.columns if c not in (KEY, LABEL, "batch", "seq", "data_version")
    ]
    rows = []
    batch_model = forest.ARFClassifier(n_models=n_models, seed=seed)
    row_model = forest.ARFClassifier(n_models=n_models, seed=seed)
    for position, (version, part) in enumerate(inserted.groupby("data_version", sort=True)):
        x = _row_dicts(part, features)
        y = part[LABEL].astype(int).tolist()
        if position > 0:
            predicted = [batch_model.predict_one(xi) for xi in x]
            rows.append(
                {
                    "data_version": int(version),
                    "method": "ARF (batch)",
                    "seed": seed,
                    "rows": len(y),
                    "correct": sum(int(p == t) for p, t in zip(predicted, y, strict=True)),
                }
            )
        correct = 0
        for xi, yi in zip(x, y, strict=True):
            correct += int(row_model.predict_one(xi) == yi)
            row_model.learn_one(xi, yi)
            batch_model.learn_one(xi, yi)
        if position > 0:
            rows.append(
                {
                    "data_version": int(version),
                    "method": "ARF (row by row)",
                    "seed": seed,
                    "rows": len(y),
                    "correct": correct,
                }
            )
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def _common_versions(scores: pd.DataFrame) -> list[int]:
    """The versions every method scored, in order."""
    counts = scores.groupby("data_version")["method"].nunique()
    return sorted(counts[counts == scores["method"].nunique()].index)


def accuracy_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Accuracy per method over the versions every method scored (rows pooled, over every
    seed a method ran with: the mean of its seeds' accuracies).
    """
    common = _common_versions(scores)
    shared = scores[scores["data_version"].isin(common)]
    grouped = shared.groupby("method", sort=False)
    table = grouped[["rows", "correct"]].sum()
    table["accuracy"] = table["correct"] / table["rows"]
    table["versions"] = len(common)
    table["seeds"] = grouped["seed"].nunique()
    return table.reset_index()


def _by_seed_and_version(
    scores: pd.DataFrame, method: str, versions: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Correct predictions and rows of ``method``, one row per seed, one column per version."""
    part = scores[(scores["method"] == method) & scores["data_version"].isin(versions)]
    grid = part.pivot_table(
        index="seed", columns="data_version", values=["correct", "rows"], aggfunc="sum"
    )
    correct = grid["correct"].reindex(columns=versions)
    if correct.isna().to_numpy().any():
        raise ValueError(f"{method}: some seed did not score every version {list(versions)}")
    return correct.to_numpy(float), grid["rows"].reindex(columns=versions).to_numpy(float)


def gap_interval(
    scores: pd.DataFrame,
    method: str,
    other: str,
    *,
    seed: int,
    confidence: float = 0.95,
    resamples: int = 4999,
) -> tuple[float, float] | None:
    """Bootstrap percentile interval, in points, for ``method``'s accuracy minus ``other``'s.

    Over the versions every method scored (as :func:`accuracy_table`), each resample draws
    whole versions, the same for both methods (paired: both predicted the same rows, and
    half-hours within a week are too alike to count as independent), and, for a method run
    with several seeds, draws its seeds too (each method's own: seed 3 of one method shares
    nothing with seed 3 of another), so the interval covers both weeks and seeds. None with
    fewer than two versions (no spread to resample).
    """
    common = _common_versions(scores)
    if len(common) < 2:
        return None
    rng = np.random.default_rng(seed)
    weeks = _draw_counts(rng, len(common), resamples)
    accuracy = []
    for name in (method, other):
        correct, rows = _by_seed_and_version(scores, name, common)
        seeds = _draw_counts(rng, len(correct), resamples)
        accuracy.append(
            np.einsum("bs,sw,bw->b", seeds, correct, weeks)
            / np.einsum("bs,sw,bw->b", seeds, rows, weeks)
        )
    gaps = 100 * (accuracy[0] - accuracy[1])
    low, high = np.quantile(gaps, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(low), float(high)


def _draw_counts(rng: np.random.Generator, items: int, resamples: int) -> np.ndarray:
    """How often each of ``items`` is drawn in each resample of ``items`` draws (with
    replacement), one row per resample.
    """
    draws = rng.integers(0, items, size=(resamples, items))
    return np.apply_along_axis(np.bincount, 1, draws, minlength=items).astype(float)


def accuracy_split(scores: pd.DataFrame, first_versions: int) -> tuple[pd.Series, pd.Series]:
    """Accuracy per method over the first ``first_versions`` versions every method scored,
    and over the later ones (each pooled as in :func:`accuracy_table`).
    """
    common = _common_versions(scores)
    if not 0 < first_versions < len(common):
        raise ValueError(
            f"first_versions must be between 1 and {len(common) - 1}, got {first_versions}"
        )
    early = scores["data_version"].isin(common[:first_versions])
    later = scores["data_version"].isin(common[first_versions:])
    return tuple(
        accuracy_table(scores[part]).set_index("method")["accuracy"] for part in (early, later)
    )


def table_growth(spark: SparkSession, training_path: str) -> pd.DataFrame:
    """Rows inserted, deleted and present after every version (from the change feed)."""
    changes = to_pandas(
        spark.read.format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", 0)
        .load(training_path)
        .groupBy("_commit_version")
        .agg(
            F.sum((F.col("_change_type") == "insert").cast("int")).alias("inserted"),
            F.sum((F.col("_change_type") == "delete").cast("int")).alias("deleted"),
            F.sum((F.col("_change_type") == "update_postimage").cast("int")).alias("updated"),
        )
        .withColumnRenamed("_commit_version", "data_version")
    ).sort_values("data_version")
    changes["rows"] = (changes["inserted"] - changes["deleted"]).cumsum()
    return changes.reset_index(drop=True)


def update_costs(
    pipelines: Mapping[str, Sequence[tuple[int, Mapping[str, float]]]], growth: pd.DataFrame
) -> pd.DataFrame:
    """Seconds per update of each pipeline against the table's size at that version."""
    rows_at = dict(zip(growth["data_version"], growth["rows"], strict=True))
    changed = set(growth.loc[(growth["deleted"] + growth["updated"]) > 0, "data_version"])
    rows = [
        {
            "method": method,
            "data_version": version,
            "table_rows": rows_at.get(version),
            "update_seconds": metrics["update_seconds"],
            "note": "(with erasures or corrections)" if version in changed else "",
        }
        for method, records in pipelines.items()
        for version, metrics in records
        if "update_seconds" in metrics
    ]
    return pd.DataFrame(rows)


def fit_overhead(
    spark: SparkSession,
    estimator: Estimator,
    rows: pd.DataFrame,
    *,
    repeats: int = 3,
    **params: Any,
) -> tuple[float, int | None]:
    """Median seconds and Spark jobs of one fit on ``rows`` (tiny data: the fixed cost).

    Jobs are None on Spark Connect, whose clients cannot see them.
    """
    frame = spark.createDataFrame(rows).cache()
    frame.count()
    features = feature_columns(frame.schema)
    seconds = []
    jobs: int | None = None
    for attempt in range(repeats):
        with spark_jobs(spark) as counted:
            _, took = fit(estimator, frame, features, attempt, **params)
            jobs = counted()
        seconds.append(took)
    frame.unpersist()
    return float(pd.Series(seconds).median()), jobs
