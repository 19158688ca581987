"""Models for past table versions, and putting a hand-made challenger through the gate.

``backfill`` fits a model on the training table *as of* any earlier version (Delta time
travel), e.g. to rebuild what a pipeline would have served then, or to try an estimator on
history. ``challenge`` submits any candidate to the same gate the pipeline uses, scored
against the current champion on the newest labelled rows neither has trained on.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from pyspark.ml import Estimator
from pyspark.sql import DataFrame, SparkSession

from deploybook.retraining.features import KEY, feature_columns, without_keys
from deploybook.retraining.gate import GateDecision, PairedScores, decide
from deploybook.retraining.lineage import Candidate, Cohort
from deploybook.retraining.registry import (
    CHALLENGE,
    CHAMPION,
    ModelRegistry,
    NewVersion,
    RegistryError,
)
from deploybook.retraining.strategies import REBUILD_LINEAGE_ROWS, TrainingTable, fit
from deploybook.spark import short_error


def backfill(
    spark: SparkSession,
    training_path: str,
    data_version: int,
    estimator: Estimator,
    *,
    num_trees: int | None = None,
    seed: int = 42,
    exclude: Collection[int] = (),
) -> Candidate:
    """A model fitted from scratch on the training table as of ``data_version``, without the
    rows of ``exclude`` (the keys erased or corrected since,
    :meth:`~deploybook.retraining.registry.ModelRegistry.changed_since`). Its lineage lists
    the rows it learned, so that :func:`challenge` can tell whether it learned any of them.
    """
    table = TrainingTable(spark, training_path)
    rows = without_keys(table.at(data_version), exclude)
    try:
        # read the version's files (a count would come from the log): VACUUM, as an
        # erasure's purge runs it, removes the files of every version before it
        keys = tuple(sorted(int(r[KEY]) for r in rows.select(KEY).collect()))
    except Exception as exc:
        raise RegistryError(
            f"cannot read {training_path} as of version {data_version}: {short_error(exc)}"
        ) from None
    features = feature_columns(rows.schema)
    params: dict[str, Any] = {"numTrees": num_trees} if num_trees else {}
    model, seconds = fit(estimator, rows, features, seed, **params)
    cohort = Cohort(
        cohort_id=f"backfill-v{data_version}",
        data_version=data_version,
        trained_at=data_version,
        kind="backfill",
        features=features,
        n_trees=num_trees or 0,
        row_ids=keys if len(keys) <= REBUILD_LINEAGE_ROWS else None,
    )
    trees = (cohort.cohort_id,) * (num_trees or 0)
    return Candidate(model, features, (cohort,), trees, seconds)


@dataclass(frozen=True)
class ChallengeResult:
    """The gate's verdict on a submitted candidate, and the model version it was stored as."""

    decision: GateDecision
    challenger_accuracy: float
    champion_accuracy: float
    model_version: int


def challenge(
    registry: ModelRegistry,
    candidate: Candidate,
    newest: DataFrame,
    *,
    tolerance: float,
    reason: str,
) -> ChallengeResult:
    """Score ``candidate`` and the champion on the rows of ``newest`` the champion has not
    learned (all of them if its lineage does not list its rows); store the candidate as
    champion or rejected. A candidate that learned a row erased or corrected since is refused.
    """
    registry.check_learned(candidate)
    champion = registry.champion()
    if champion is None:
        raise RegistryError(f"no champion in {registry.path} to challenge")
    serving = registry.candidate(champion)
    learned = serving.rows_seen()
    if learned:
        newest = without_keys(newest, learned)
    mine = candidate.predictions(newest)
    if mine.empty:
        raise ValueError("no labelled rows the champion has not learned to judge the challenger on")
    scores = PairedScores.of_predictions(mine, serving.predictions(newest))
    decision = decide(
        has_champion=True, has_challenger=True, must_forget=False, scores=scores,
        tolerance=tolerance,
    )  # fmt: skip
    mine_accuracy, theirs_accuracy = scores.challenger_accuracy, scores.champion_accuracy
    note = f"{reason}: {decision.reason}"
    entry = NewVersion(
        candidate, champion.pipeline, CHALLENGE, champion.data_version, decision.status, note,
        {"challenger_accuracy": mine_accuracy, "reference_accuracy": theirs_accuracy},
    )  # fmt: skip
    if decision.status == CHAMPION:  # only over the champion it was judged against
        version = registry.promote(entry, expected=champion.model_version)
    else:
        registry.append(entry)
        version = int(registry.summary()["model_version"].max())
    return ChallengeResult(decision, mine_accuracy, theirs_accuracy, version)
