"""The retraining report, run end to end: its default run and small parameter sets.

Each set of ``MATRIX`` is executed and rendered once a session (``report_run``); together
they flip the outcomes the prose states: a crash or none, a new column or none, the
incremental or the full pipeline serving, a gate with or without tolerance. The default run
is the one the committed outputs are checked against.
make test runs the default; the three small sets run in CI's matrix job (``make test-matrix``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from papermill.exceptions import PapermillExecutionError

from deploybook.prose import prose_problems

pytestmark = [pytest.mark.notebook, pytest.mark.spark]

SMALL = {"max_depth": 10, "compare_environments": False, "seeds": 1}
MATRIX: dict[str, dict[str, Any]] = {
    "default": {},
    # a crash after batch 1's model, and a column from batch 3
    "crash-and-column": {
        **SMALL,
        "batch_rows": 96,
        "batches": 4,
        "trees_per_update": 5,
        "max_trees": 15,
        "fail_at_batch": 1,
        "new_feature_at": 3,
    },
    # the full retrain serves, from two weeks of history; no crash, no new column
    "full-no-crash": {
        **SMALL,
        "batch_rows": 168,
        "batches": 4,
        "history_batches": 2,
        "mode": "full",
        "seeds": 2,
        "fail_at_batch": -1,
        "new_feature_at": -1,
    },
    # a gate with no tolerance, on weeks of 168 rows (a fifth held out: every week judged)
    "strict-gate": {
        **SMALL,
        "batch_rows": 168,
        "batches": 4,
        "tolerance": 0.0,
        "fail_at_batch": -1,
        "new_feature_at": -1,
    },
}
RunOf = Callable[[str], Any]


@pytest.fixture
def run_of(report_run: Callable[..., Any]) -> RunOf:
    return lambda name: report_run("dlt_retraining", MATRIX[name])


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
    # replayed on lakes of their own, checked against pandas' expected rows (delivery.py)
    assert figures["split_commit_rows_lost"] == 0
    assert figures["late_event_rows_lost"] == 0
    assert figures["serving_versions"] >= 2  # no_downtime: a change of model was served
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
    # pyarrow's scan of every Parquet file under the lake after the purge (erasure.py), and
    # rollback tried on each revoked model version
    assert figures["erased_rows_remaining"] == 0
    assert figures["tainted_versions_refused"] == figures["revoked_versions"]
    assert figures["environments_compared"] is False
    assert figures["cluster_matches_local"] is False  # not compared: never claimed


def _check_prose(run: Any) -> None:
    """No None/nan in the prose, and each outcome sentence agrees with its figure."""
    assert prose_problems(run.html, run.figures) == []
    f, prose = run.figures, run.prose.replace("\u2019", "'")  # the page's typographic quotes
    changed = f["erased_rows"] + f["corrected_rows"] > 0
    assert ("was 0 in every case" in prose) is (f["deletions_propagated"] and changed)
    assert ("fell behind" in prose) is (f["accuracy_gap_static_ci_low"] > 0)
    assert ("did better than the forest refitted" in prose) is (f["accuracy_gap_full_ci_low"] > 0)
    assert ("forest refitted on all history did better" in prose) is (
        f["accuracy_gap_full_ci_high"] < 0
    )
    assert ("the incremental forest beat ARF" in prose) is (f["accuracy_gap_arf_ci_low"] > 0)
    assert ("ARF beat the incremental forest" in prose) is (f["accuracy_gap_arf_ci_high"] < 0)
    assert ("leaves that comparison out" in prose) is (not f["environments_compared"])
    assert ("No crash was injected" in prose) is (not f["crashed"])
    lost = f["split_commit_rows_lost"] + f["late_event_rows_lost"]
    assert ("Neither lost a row" in prose) is (lost == 0)
    assert f"the gate {f['backfill_verdict']}" in prose
    purged = f["erased_keys"] > 0 and f["erased_rows_remaining"] == 0
    assert ("found no row of an erased key" in prose) is purged
    assert ("ends time travel and the change feed before the purge at once" in prose) is purged
    assert ("a revoked model could serve again" in prose) is (not f["all_tainted_refused"])
    assert ("model_as_of refuses to serve it" in run.prose) is f["as_of_refused"]
    several = f["seeds_used"] > 1
    assert (f"ran with {f['seeds_used']} seeds" in prose) is several
    assert ("the seeds too" in prose) is several


def test_the_default_run(run_of: RunOf) -> None:
    run = run_of("default")
    _check_prose(run)
    f = run.figures
    _check_common(f, 10)
    assert f["crashed"] is True
    assert f["exactly_once"] is True
    assert f["settlement_weeks_seen"] is True
    assert f["seeds_used"] == 5  # the intervals cover five seeds of both pipelines
    # the rows every method predicted: at most the weeks' inserts, however many seeds ran
    assert f["accuracy_rows"] <= f["accuracy_versions"] * f["batch_rows"]
    assert f["features_final"].endswith("day_of_week")
    # the default run's prose says the model never retrained fell behind: its interval
    # excludes 0 (the verdict for each peer is the accuracy cell's checked output)
    assert f["accuracy_gap_static_ci_low"] > 0
    assert f["first_row"] >= f["varying_from_row"]  # every ELEC2 column varies
    assert f["warned_rows"] == 0  # so no row carries the Victorian placeholder


@pytest.mark.matrix  # about 4 min each here: CI's matrix job
def test_incremental_with_a_crash_and_a_new_column(run_of: RunOf) -> None:
    run = run_of("crash-and-column")
    _check_prose(run)
    figures = run.figures
    _check_common(figures, 4)
    assert figures["crashed"] is True
    assert figures["rows_after_crash"] >= 1
    assert figures["replayed_rows_added"] == 0
    assert figures["features_final"].endswith("day_of_week")
    assert figures["old_trees_splitting_on_it"] == 0
    assert figures["trees_with_new_feature"] > 0


@pytest.mark.matrix  # about 4 min each here: CI's matrix job
def test_full_mode_without_a_crash(run_of: RunOf) -> None:
    run = run_of("full-no-crash")
    _check_prose(run)
    assert "No new column arrives in this run" in run.prose
    figures = run.figures
    _check_common(figures, 4)
    assert figures["crashed"] is False
    assert figures["replayed_rows_added"] is None
    assert figures["features_final"] == ""
    assert figures["initial_rows"] == 3 * 168  # two weeks of history with batch 0's own


@pytest.mark.matrix  # about 4 min here: CI's matrix job
def test_a_gate_without_tolerance(run_of: RunOf) -> None:
    run = run_of("strict-gate")
    _check_prose(run)
    figures = run.figures
    _check_common(figures, 4)
    assert figures["tolerance_points"] == 0
    assert figures["gate_sentence"].startswith("The gate judged 3 weekly challengers")
    assert figures["gate_sentence"] in run.prose
    assert f"rejected {figures['rejected_challengers']} of them." in figures["gate_sentence"]


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
    refused = r"new_feature_at .3. must be -1 or at least 5"
    with pytest.raises(PapermillExecutionError, match=refused):
        run("dlt_retraining", new_feature_at=3)
