"""The retraining report's figures: outcomes chosen by the results, for every case."""

from __future__ import annotations

import pandas as pd
import pytest

from deploybook.reports import defaults
from deploybook.retraining.backfill import ChallengeResult
from deploybook.retraining.elec2 import load_elec2
from deploybook.retraining.environments import (
    CLUSTER,
    CONNECT,
    LOCAL,
    EnvironmentRun,
    Fingerprint,
    Step,
)
from deploybook.retraining.erasure import ErasureRecord
from deploybook.retraining.feed import FeedConfig, build_feed
from deploybook.retraining.figures import (
    accuracy_claims,
    arf_sentence,
    backfill_sentence,
    check_lines,
    cost_figures,
    crash_figures,
    delivery_figures,
    drift_sentence,
    environment_figures,
    environment_table,
    erasure_figures,
    erasure_sentence,
    evolution_figures,
    feed_figures,
    first_job_figures,
    forgetting_figures,
    gate_sentence,
    logistic_figures,
    middle_version,
    quarantine_figures,
    registry_figures,
    restart_checks,
    seeds_sentences,
    serving_figures,
    steps_table,
    time_travel_figures,
    window_sentence,
)
from deploybook.retraining.gate import GateDecision
from deploybook.retraining.job import VersionReport
from deploybook.retraining.params import RetrainingParams
from deploybook.retraining.scenario import CycleReport
from deploybook.retraining.sdp import PipelineRun

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
    assert "; on Spark Connect it wrote" in str(figures["environments_sentence"])  # its name
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


# Outcome sentences: each branch is chosen by the numbers, so a rerun cannot print an
# outcome that did not happen. The expected branch follows from the inputs' signs alone.


def test_the_drift_sentence_claims_only_what_the_intervals_support() -> None:
    ahead = drift_sentence(static=(8.0, 15.0), full=(0.2, 1.1))
    assert "the frozen model fell behind (95% interval +8.0 to +15.0 points)" in ahead
    assert "did better than the forest refitted on all history" in ahead
    behind = drift_sentence(static=(-3.0, -0.5), full=(-2.5, -0.4))
    assert "the frozen model did better than the incremental forest" in behind
    assert "the forest refitted on all history did better" in behind
    unsure = drift_sentence(static=(-1.0, 2.0), full=(-1.2, 0.8))
    assert "cannot be told from the incremental forest" in unsure
    assert "cannot be told apart: the 95% interval -1.2 to +0.8 points holds 0" in unsure
    assert "fell behind" not in unsure
    assert "did better" not in unsure
    assert "no claim" in drift_sentence(static=None, full=None)


def test_the_arf_sentence_claims_only_what_the_interval_supports() -> None:
    assert "the incremental forest beat ARF" in arf_sentence((0.5, 3.0))
    assert "ARF beat the incremental forest" in arf_sentence((-3.0, -0.5))
    assert "cannot be told apart" in arf_sentence((-1.0, 1.0))
    assert "no interval" in arf_sentence(None)


def _forgetting(stale: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "data_version": range(3, 3 + len(stale)),
            "erased": [2] * len(stale),
            "corrected": [1] * len(stale),
            "cohorts that had learned them": [3] * len(stale),
            "cohorts still depending on them": stale,
        }
    )


def test_forgetting_is_claimed_only_when_every_update_forgot() -> None:
    clean = forgetting_figures(_forgetting([0, 0]))
    assert clean["deletions_propagated"] is True
    assert "was 0 in every case" in str(clean["forgetting_sentence"])
    assert (clean["erased_rows"], clean["corrected_rows"], clean["cohorts_hit"]) == (4, 2, 6)
    stale = forgetting_figures(_forgetting([0, 2, 1]))
    assert stale["deletions_propagated"] is False
    assert "after 2 of the 3 updates, cohorts still depended" in str(stale["forgetting_sentence"])
    assert "0 in every case" not in str(stale["forgetting_sentence"])
    none = forgetting_figures(_forgetting([]))
    assert none["deletions_propagated"] is True
    assert "no update of this run erased or corrected" in str(none["forgetting_sentence"])


def _verdict(
    status: str, challenger: float, champion: float, *, judged: bool = True
) -> ChallengeResult:
    decision = GateDecision(
        status == "champion", False, status, "12 holdout rows", status == "rejected", judged
    )
    return ChallengeResult(decision, challenger, champion, 9)


def test_the_backfill_verdict_follows_the_gate_and_the_scores() -> None:
    assert backfill_sentence(_verdict("rejected", 0.6, 0.8)).startswith("rejected it")
    assert "at least as well" in backfill_sentence(_verdict("champion", 0.81, 0.8))
    assert "scored lower, but not clearly" in backfill_sentence(_verdict("champion", 0.79, 0.8))
    unjudged = backfill_sentence(_verdict("champion", 0.5, 0.8, judged=False))
    assert unjudged == "promoted it without a verdict: 12 holdout rows"


def _report(rows: float, challenger: float, champion: float, upper: float) -> VersionReport:
    metrics = {"gate_rows": rows, "challenger_accuracy": challenger,
               "reference_accuracy": champion, "gate_upper_bound": upper}  # fmt: skip
    return VersionReport(1, 1, "champion", True, "", metrics, upper < -0.02)


def test_the_gate_sentence_counts_judged_and_unjudged_weeks() -> None:
    """Reference: the weekly metrics written by hand: two weeks judged (60 and 80 rows,
    one clearly worse) and one of 12 rows."""
    reports = [
        _report(60, 0.80, 0.80, 0.05),
        _report(80, 0.60, 0.80, -0.10),
        _report(12, 0.50, 0.90, 0.0),
    ]
    sentence = gate_sentence(reports)
    assert "judged 2 weekly challengers on a median of 60 holdout rows" in sentence
    assert "a median of 7.5 points above" in sentence  # 5 and 10 points
    assert "rejected 1 of them" in sentence
    assert "1 weeks had fewer than 30 holdout rows" in sentence
    assert gate_sentence([]) == "No weekly challenger met a champion on holdout rows in this run."


def test_settlement_costs_are_none_without_settlement_weeks() -> None:
    growth = pd.DataFrame({"rows": [336, 672]})
    costs = pd.DataFrame(
        {
            "method": ["incremental forest", "full retrain"] * 2,
            "update_seconds": [1.0, 4.0, 3.0, 8.0],
            "note": ["", "", "", ""],
        }
    )
    plain = cost_figures(costs, growth)
    assert plain["settlement_weeks_seen"] is False
    assert plain["update_seconds_settlement"] is None
    assert plain["speedup_vs_full"] == pytest.approx(6.0 / 2.0)
    costs["note"] = ["", "", "(with erasures or corrections)", "(with erasures or corrections)"]
    settled = cost_figures(costs, growth)
    assert settled["settlement_weeks_seen"] is True
    assert settled["settlement_weeks"] == 1
    assert settled["update_seconds_settlement"] == pytest.approx(3.0)
    assert settled["full_retrain_seconds_settlement"] == pytest.approx(8.0)


def test_the_crash_is_stated_only_when_one_is_injected() -> None:
    from .test_params import GOOD

    first = CycleReport([0, 1], PipelineRun(3.04, {}, ""), [0, 1], 0.1, 0.2, crash="boom")
    crashed = first_job_figures(RetrainingParams.validate_values(GOOD), first)
    assert crashed["crashed"] is True
    assert "crash right after writing the model for week 4" in str(crashed["crash_sentence"])
    calm = RetrainingParams.validate_values({**GOOD, "fail_at_batch": -1})
    quiet = first_job_figures(calm, CycleReport([0], PipelineRun(1.0, {}, ""), [0], 0.1, 0.2))
    assert quiet["crashed"] is False
    assert quiet["crash_sentence"] == "No crash is injected in this run (its fail_at_batch is -1)."


def test_a_run_without_a_new_column_claims_no_tree_read_it() -> None:
    never = {
        "model_version": None,
        "features": [],
        "trees_without_new_feature": 0,
        "trees_with_new_feature": 0,
        "old_trees_splitting_on_it": 0,
        "new_feature_importance": 0.0,
    }
    assert evolution_figures(never, 5)["new_feature_learned"] is False
    wide = {**never, "model_version": 7, "features": ["nswprice", "day_of_week"]}
    figures = evolution_figures(wide, 9)
    assert figures["new_feature_learned"] is True
    assert figures["features_final"] == "nswprice, day_of_week"


def test_exactly_once_needs_a_survived_crash_and_every_check() -> None:
    """Reference: the report's rule (issue 11): exactly_once is claimed only after a crash."""
    crashed = CycleReport([0], PipelineRun(1.0, {}, ""), [0], 0.1, 0.2, crash="boom",
                          rows_after_crash=3, commits_after_crash=2)  # fmt: skip
    checks = restart_checks({"table equals the feed": True}, replayed_rows=0)
    assert checks == {"table equals the feed": True, "a replayed model write adds no row": True}
    assert crash_figures(crashed, 0, checks)["exactly_once"] is True
    assert crash_figures(crashed, 1, restart_checks(checks, 1))["exactly_once"] is False
    calm = CycleReport([0], PipelineRun(1.0, {}, ""), [0], 0.1, 0.2)
    quiet = crash_figures(calm, None, restart_checks({"x": True}, None))
    assert quiet == {"replayed_rows_added": None, "rows_after_crash": 0,
                     "commits_after_crash": 0, "exactly_once": False}  # fmt: skip
    assert check_lines({"a": True, "b": False}) == "PASS  a\nFAIL  b"


def test_the_delivery_sentence_follows_the_rows_lost() -> None:
    """Reference: the two counts themselves; any row lost turns the sentence."""
    clean = delivery_figures(0, 0)
    assert clean["split_commit_rows_lost"] == 0
    assert clean["delivery_outcome"].startswith("Neither lost a row")
    lossy = delivery_figures(20, 0)["delivery_outcome"]
    assert lossy.startswith("Rows were lost: 20 of the split week and 0")


def test_no_downtime_needs_a_whole_model_on_every_read() -> None:
    """Reference: the three properties of a whole read listed in the report's prose."""
    served = pd.DataFrame({"bytes_intact": [True, True], "all_trees": [True, True],
                           "same_predictions": [True, False]})  # fmt: skip
    assert serving_figures([], [1, 2, 3], served)["no_downtime"] is False
    assert serving_figures([], [], served.iloc[:0])["no_downtime"] is False
    whole = served.assign(same_predictions=True)
    assert serving_figures([], [1, 2], whole)["no_downtime"] is True


def test_no_downtime_needs_a_second_version_served_during_the_update() -> None:
    """Reference: the claim itself, that readers keep being served *while* the model changes.
    Reads that all saw the version from before the update never met a change of model."""
    one = pd.DataFrame({"bytes_intact": [True], "all_trees": [True], "same_predictions": [True]})
    figures = serving_figures([], [1, 2, 3], one)
    assert figures["no_downtime"] is False
    assert figures["serving_versions"] == 1


def test_quarantine_and_warned_rows_are_counted_by_action() -> None:
    rules = pd.DataFrame({"action": ["warn", "drop", "warn"], "rows": [2, 5, 3]})
    assert quarantine_figures(5, rules) == {"quarantined_rows": 5, "warned_rows": 5}


def test_accuracy_claims_follow_the_intervals() -> None:
    """Reference: weekly scores built by hand, where the incremental forest is 10 points
    better than the never-retrained model every week and level with the others."""
    scores = pd.DataFrame(
        [
            {"data_version": v, "method": m, "seed": 1, "rows": 100, "correct": c + (v % 2)}
            for v in range(1, 7)
            for m, c in (
                ("incremental forest", 80),
                ("full retrain", 80 + (1 if v % 3 else -2)),
                ("never retrained", 70),
                ("ARF (batch)", 80 + (-1 if v % 2 else 1)),
            )
        ]
    )
    assert accuracy_claims(scores, seed=1).splitlines() == [
        "incremental forest vs full retrain: not told apart (the interval holds 0)",
        "incremental forest vs never retrained: the incremental forest is better",
        "incremental forest vs ARF (batch): not told apart (the interval holds 0)",
    ]


def test_the_seed_sentences_name_what_ran_with_which_seed() -> None:
    table, interval = seeds_sentences(range(42, 43))
    assert table == "Every method ran with the one seed 42."
    assert interval.endswith("for the single seed 42 of this run")
    table, interval = seeds_sentences(range(7, 12))
    assert table.startswith("Both pipelines and ARF ran with 5 seeds (7 to 11)")
    assert "seed 7 only" in table
    assert "the seeds too" in interval


def test_time_travel_and_the_middle_version() -> None:
    versions, middle = middle_version(pd.DataFrame({"data_version": [3, 1, 2, 0]}))
    assert (versions, middle) == ([0, 1, 2, 3], 2)
    travel = pd.DataFrame({"rows_read": [1, 2], "rows_from_change_feed": [1, 3]})
    assert time_travel_figures(2, 7, None, travel)["time_travel_ok"] is False
    served = time_travel_figures(2, 7, None, travel.iloc[:1])
    assert served["time_travel_ok"] is True
    assert served["as_of_sentence"] == "model_as_of serves it again."
    refused = time_travel_figures(2, 7, "table version 5", travel)["as_of_sentence"]
    assert "refuses to serve it: it learned rows that table version 5 erased or" in refused


def test_logistic_figures_read_the_pair() -> None:
    pair = pd.DataFrame({"versions": [3, 3], "accuracy": [0.7, 0.75]}, index=["logistic", "forest"])
    f = logistic_figures(pair, 61.6)
    assert f == {"logistic_versions": 3, "accuracy_logistic": 0.7,
                 "accuracy_forest_same_weeks": 0.75, "run_seconds": 62}  # fmt: skip


def _erasure(keys: tuple[int, ...], revoked: list[int]) -> ErasureRecord:
    return ErasureRecord(
        "e", keys, 0.0, {"landing": 2}, {"landing": 3}, {"landing": 1}, {"p": revoked}, (), 7
    )


def test_the_erasure_sentence_follows_the_scan() -> None:
    """Reference: the scan's result as given here by hand (none left, some left, no scan)."""
    clean = erasure_figures(_erasure((1, 2), [3, 4]), {}, refused=2)
    assert clean["erased_rows_remaining"] == 0
    assert "found no row of an erased key" in clean["erasure_sentence"]
    assert clean["all_tainted_refused"] is True
    left = erasure_figures(_erasure((1, 2), [3, 4]), {"a.parquet": 2}, refused=1)
    assert left["erased_rows_remaining"] == 2
    assert "still found 2 rows" in left["erasure_sentence"]
    assert left["all_tainted_refused"] is False
    assert "no erasure" in erasure_sentence(_erasure((), []), {})
    assert "did not scan" in erasure_sentence(_erasure((1,), []), None)
    assert clean["erasure_window_sentence"].startswith("This window ends time travel")
    assert left["erasure_window_sentence"].startswith("This window keeps the files")
    assert (
        "a longer one keeps them"
        in erasure_figures(_erasure((1,), []), None, 0)["erasure_window_sentence"]
    )


def test_the_window_sentence_counts_the_placeholder_rows() -> None:
    assert window_sentence(17_424, 20_784, 17_424) == "Every column varies in this run's rows."
    early = window_sentence(0, 3_360, 17_424)
    assert "3,360 of its rows carry the placeholder" in early
    assert "1,424 of its rows" in window_sentence(16_000, 20_000, 17_424)


def test_the_feed_window_is_read_from_the_rows_the_feed_delivers() -> None:
    """Reference: ELEC2's file, whose Victoria columns vary from row 17,424 (test_feed.py)."""
    elec2 = load_elec2()
    params = RetrainingParams.validate_values(
        {**defaults("dlt_retraining"), "batch_rows": 100, "batches": 10, "first_row": 17_000}
    )
    config = FeedConfig(batch_rows=100, batches=4, seed=1, first_row=17_000)  # rows 17,000-17,399
    figures = feed_figures(params, build_feed(elec2, config), elec2)
    assert figures["first_row"] == 17_000
    assert figures["varying_from_row"] == 17_424
    assert figures["first_row_date"] == "26 April 1997"  # 17,000 // 48 = 354 days after 7 May 1996
    assert "400 of its rows carry the placeholder" in figures["window_sentence"]
