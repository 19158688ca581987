"""The retraining report's figures: outcomes chosen by the results, for every case."""

from __future__ import annotations

import pandas as pd

from deploybook.retraining.environments import (
    CLUSTER,
    CONNECT,
    LOCAL,
    EnvironmentRun,
    Fingerprint,
    Step,
)
from deploybook.retraining.figures import (
    environment_figures,
    environment_table,
    registry_figures,
    steps_table,
)

PRINT = Fingerprint(5, 383, "1:1:champion 2:2:champion", 2, "ab" * 32, 2)
STEPS = (Step("fit a random forest", True), Step("count Spark jobs", False, "cannot see jobs"))


def _runs(cluster: Fingerprint | None, connect: Fingerprint | None) -> list[EnvironmentRun]:
    return [
        EnvironmentRun(LOCAL, "local[2]", 60.0, PRINT, STEPS[:1]),
        EnvironmentRun(CLUSTER, "spark://x:1", 90.0, cluster, error=None if cluster else "boom"),
        EnvironmentRun(CONNECT, "local[2]", 80.0, connect, STEPS),
    ]


def test_matching_runs_are_said_to_match() -> None:
    figures = environment_figures(_runs(PRINT, PRINT))
    assert figures["cluster_matches_local"] is True
    assert figures["connect_matches_local"] is True
    assert "same table versions" in str(figures["environments_sentence"])
    assert "count Spark jobs (cannot see jobs)" in str(figures["connect_ml_sentence"])
    assert figures["connect_run_seconds"] == 80.0


def test_a_difference_and_a_failure_are_named() -> None:
    other = Fingerprint(5, 383, "1:1:champion 2:2:rejected", 1, "cd" * 32, 1)
    figures = environment_figures(_runs(None, other))
    assert figures["cluster_matches_local"] is False
    assert figures["connect_matches_local"] is False
    sentence = str(figures["environments_sentence"])
    assert "did not finish (boom)" in sentence
    assert "differ in: models table" in sentence
    assert "training table: rows" not in sentence  # rows agree: not listed
    table = environment_table(_runs(None, other))
    assert list(table.columns) == [LOCAL, CLUSTER, CONNECT]
    assert table.loc["error", CLUSTER] == "boom"
    assert steps_table(_runs(None, other)).loc["count Spark jobs", CONNECT].startswith("no: ")


def test_no_comparison_claims_nothing() -> None:
    figures = environment_figures(None)
    assert figures["environments_compared"] is False
    assert figures["cluster_matches_local"] is False
    assert all(value not in (None, "") for value in figures.values())


def _summary(restored: float | None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model_version": [1, 2, 3],
            "status": ["champion", "rejected", "champion"],
            "data_version": [1, 2, 2],
            "model_sha256": ["a", "b", "a"],
            "restored_from": [None, None, restored],
        }
    )


def _readback(sha: str = "a") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "registered_version": [1, 2],
            "aliases": ["", "champion"],
            "delta_model_version": [1, 3],
            "data_version": [1, 2],
            "input_table_version": [1, 2],
            "model_sha256": ["a", sha],
            "restored_from": [None, "1"],
        }
    )


def test_the_registry_read_back_matches_and_the_alias_follows_a_rollback() -> None:
    figures = registry_figures(_readback(), _summary(1.0), "forest", "sqlite:////x/mlflow.db")
    assert figures["mlflow_matches_delta"] is True
    assert figures["mlflow_alias_on_newest"] is True
    assert "serves model version 1 again" in str(figures["mlflow_alias_sentence"])
    assert str(figures["mlflow_store"]).startswith("a SQLite file")


def test_a_registry_that_drifted_is_said_to_differ() -> None:
    figures = registry_figures(_readback("z"), _summary(None), "forest", "http://mlflow:5000")
    assert figures["mlflow_matches_delta"] is False
    assert "do not all carry" in str(figures["mlflow_matches_sentence"])
    assert "rollback" not in str(figures["mlflow_alias_sentence"])
    assert figures["mlflow_store"] == "the tracking server at http://mlflow:5000"
