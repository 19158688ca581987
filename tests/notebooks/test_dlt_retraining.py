"""The retraining report, run end to end on small parameter sets."""

from __future__ import annotations

import pytest
from papermill.exceptions import PapermillExecutionError

pytestmark = [pytest.mark.notebook, pytest.mark.spark]

GUARANTEES = ("no_downtime", "rollback_identical", "deletions_propagated")
ACCURACIES = (
    "accuracy_incremental",
    "accuracy_full",
    "accuracy_static",
    "accuracy_window",
    "accuracy_arf",
)


def _check_common(figures: dict, batches: int) -> None:
    assert figures["batches_processed"] == batches
    for name in GUARANTEES:
        assert figures[name] is True, name
    for name in ACCURACIES:
        assert 0.3 < figures[name] <= 1, name
    assert figures["addto_exists"] is False
    assert figures["quarantined_rows"] == figures["broken_rows"]
    assert figures["time_travel_ok"] is True
    assert figures["rollback_changed_predictions"] is True
    assert f"to {figures['rollback_to_version']}, stored as" in figures["rollback_story"]
    assert figures["update_seconds_median"] > 0
    assert figures["speedup_vs_full"] == pytest.approx(
        figures["full_retrain_seconds_median"] / figures["update_seconds_median"]
    )
    assert figures["model_versions"] >= batches
    assert figures["exactly_once"] is figures["crashed"]  # proven only by a crash
    # the MLflow registry, read back through MLflow's client, mirrors the models table
    assert figures["mlflow_matches_delta"] is True
    assert figures["mlflow_alias_on_newest"] is True
    assert figures["mlflow_registered_versions"] == figures["delta_champions"]
    assert figures["environments_compared"] is False
    assert figures["cluster_matches_local"] is False  # not compared: never claimed


def test_incremental_with_a_crash_and_a_new_column(run) -> None:
    figures = run(
        "dlt_retraining",
        batch_rows=96,
        batches=4,
        trees_per_update=5,
        max_trees=15,
        max_depth=10,
        fail_at_batch=1,
        new_feature_at=3,
        compare_environments=False,
    )
    _check_common(figures, 4)
    assert figures["crashed"] is True
    assert figures["rows_after_crash"] >= 1
    assert figures["replayed_rows_added"] == 0
    assert figures["features_final"].endswith("day_of_week")
    assert figures["old_trees_splitting_on_it"] == 0
    assert figures["trees_with_new_feature"] > 0


def test_full_mode_without_a_crash(run) -> None:
    figures = run(
        "dlt_retraining",
        batch_rows=168,
        batches=4,
        history_batches=2,
        mode="full",
        fail_at_batch=-1,
        new_feature_at=-1,
        max_depth=10,
        compare_environments=False,
    )
    _check_common(figures, 4)
    assert figures["crashed"] is False
    assert figures["replayed_rows_added"] is None
    assert figures["features_final"] == ""
    assert figures["initial_rows"] == 3 * 168  # two weeks of history with batch 0's own


def test_bad_parameter_names_it(run) -> None:
    with pytest.raises(PapermillExecutionError, match="trees_per_update"):
        run("dlt_retraining", trees_per_update=80, max_trees=50)


def test_an_unreachable_spark_connect_url_is_one_line_naming_it(run) -> None:
    from deploybook.spark_servers import free_port

    url = f"sc://127.0.0.1:{free_port()}"
    with pytest.raises(PapermillExecutionError) as caught:
        run("dlt_retraining", spark_master=url, compare_environments=False)
    assert caught.value.ename == "SparkSetupError"
    assert caught.value.evalue.startswith(f"Spark Connect server {url} is unreachable: tried a TCP")


def test_a_column_before_the_first_model_is_refused(run) -> None:
    with pytest.raises(PapermillExecutionError, match=r"new_feature_at .8. must be -1 or at least"):
        run("dlt_retraining", new_feature_at=8)
