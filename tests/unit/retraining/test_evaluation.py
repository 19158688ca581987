"""Scoring helpers: pooled accuracy, window and static peers, ARF's two protocols, costs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyspark.ml.classification import RandomForestClassifier
from scipy import stats

from deploybook.retraining.elec2 import load_elec2
from deploybook.retraining.evaluation import (
    accuracy_split,
    accuracy_table,
    arf_scores,
    gap_interval,
    pipeline_scores,
    static_scores,
    update_costs,
    window_scores,
)


def test_accuracy_is_pooled_over_versions_every_method_scored() -> None:
    scores = pd.DataFrame(
        [
            {"data_version": 1, "method": "a", "seed": 1, "rows": 10, "correct": 5},
            {"data_version": 1, "method": "b", "seed": 1, "rows": 10, "correct": 10},
            {"data_version": 2, "method": "a", "seed": 1, "rows": 30, "correct": 30},
            {"data_version": 2, "method": "b", "seed": 1, "rows": 30, "correct": 0},
            {"data_version": 1, "method": "b", "seed": 2, "rows": 10, "correct": 0},
            {"data_version": 2, "method": "b", "seed": 2, "rows": 30, "correct": 30},
            {"data_version": 3, "method": "a", "seed": 1, "rows": 99, "correct": 0},  # no b
        ]
    )
    table = accuracy_table(scores).set_index("method")
    assert table.loc["a", "accuracy"] == pytest.approx(35 / 40)
    assert table.loc["b", "accuracy"] == pytest.approx((10 / 40 + 30 / 40) / 2)  # two seeds
    assert (table["versions"] == 2).all()
    assert table["seeds"].to_dict() == {"a": 1, "b": 2}


def test_accuracy_split_pools_early_and_later_versions_apart() -> None:
    scores = pd.DataFrame(
        [
            {"data_version": v, "method": m, "seed": 0, "rows": 10, "correct": c}
            for v, m, c in [(1, "a", 10), (1, "b", 0), (2, "a", 5), (2, "b", 5), (3, "a", 0)]
        ]
    )
    early, later = accuracy_split(scores, 1)
    assert early.to_dict() == {"a": 1.0, "b": 0.0}
    assert later.to_dict() == {"a": 0.5, "b": 0.5}  # version 3 lacks b: left out
    with pytest.raises(ValueError, match="between 1 and 1"):
        accuracy_split(scores, 2)


def test_pipeline_scores_skip_versions_without_a_champion() -> None:
    records = [
        (1, {"update_seconds": 1.0}),
        (2, {"prequential_rows": 4.0, "prequential_accuracy": 0.75}),
    ]
    scores = pipeline_scores(records, "m", seed=5)
    assert scores.to_dict("records") == [
        {"data_version": 2, "method": "m", "seed": 5, "rows": 4, "correct": 3}
    ]


def test_arf_protocols_score_the_same_rows() -> None:
    rows = (
        load_elec2().head(300).assign(data_version=[v // 100 for v in range(300)], seq=range(300))
    )
    rows["batch"] = rows["data_version"]
    scores = arf_scores(rows, seed=1, n_models=3)
    by_method = scores.groupby("method")["rows"].sum()
    assert by_method["ARF (batch)"] == by_method["ARF (row by row)"] == 200
    assert scores["correct"].between(0, 100).all()


def test_update_costs_mark_versions_with_erasures_or_corrections() -> None:
    growth = pd.DataFrame(
        {
            "data_version": [1, 2],
            "inserted": [5, 5],
            "deleted": [0, 1],
            "updated": [0, 0],
            "rows": [5, 9],
        }
    )
    costs = update_costs(
        {"inc": [(1, {"update_seconds": 0.5}), (2, {"update_seconds": 0.7})]}, growth
    )
    assert costs["table_rows"].tolist() == [5, 9]
    assert costs["note"].tolist() == ["", "(with erasures or corrections)"]


def _flipping(rows_per_version: int = 80) -> pd.DataFrame:
    """Four versions of one feature; the label rule flips after version 1."""
    x = np.random.default_rng(0).uniform(0, 1, 4 * rows_per_version)
    version = np.repeat(np.arange(4), rows_per_version)
    label = np.where(version < 2, x > 0.5, x <= 0.5).astype(int)
    return pd.DataFrame(
        {"row_id": range(len(x)), "feat_1": x, "target": label, "data_version": version}
    )


def _accuracy(scores: pd.DataFrame) -> dict[int, float]:
    return {int(r.data_version): r.correct / r.rows for r in scores.itertuples()}


@pytest.mark.spark
def test_window_refit_follows_the_drift_and_the_static_model_does_not(spark) -> None:
    rows = _flipping()
    forest = RandomForestClassifier(maxDepth=3)
    window = _accuracy(window_scores(spark, rows, forest, versions=1, num_trees=5, seed=1))
    static = _accuracy(static_scores(spark, rows, forest, num_trees=5, seed=1))
    assert sorted(window) == sorted(static) == [1, 2, 3]
    # the window learns the flip one version late; the static model never does
    assert [window[1] > 0.9, window[2] < 0.1, window[3] > 0.9] == [True, True, True]
    assert [static[1] > 0.9, static[3] < 0.1] == [True, True]


@pytest.mark.spark
def test_a_window_needs_a_version_and_a_later_one_to_score(spark) -> None:
    forest = RandomForestClassifier()
    with pytest.raises(ValueError, match="at least one version"):
        window_scores(spark, _flipping(), forest, versions=0, num_trees=5, seed=1)
    first = _flipping().query("data_version == 0")
    assert window_scores(spark, first, forest, versions=2, num_trees=5, seed=1).empty


def _paired(gaps: list[float], rows: int = 1000) -> pd.DataFrame:
    """Scores of methods a and b whose accuracy differs by ``gaps[i]`` points in week i."""
    return pd.DataFrame(
        [
            {"data_version": v, "method": m, "seed": 0, "rows": rows, "correct": c}
            for v, gap in enumerate(gaps)
            for m, c in (("a", 500 + round(gap * rows / 100)), ("b", 500))
        ]
    )


def _seeded(gaps: list[float], weeks: int = 4, rows: int = 1000) -> pd.DataFrame:
    """Method a run with one seed per entry of ``gaps``, ``gaps[s]`` points above method b
    (one seed) in every week.
    """
    return pd.DataFrame(
        [
            {"data_version": v, "method": m, "seed": s, "rows": rows, "correct": c}
            for v in range(weeks)
            for m, s, c in [
                ("b", 0, 500),
                *(("a", s, 500 + round(gap * rows / 100)) for s, gap in enumerate(gaps)),
            ]
        ]
    )


def test_a_gap_the_same_every_week_has_no_spread() -> None:
    """Reference: arithmetic (every resample of identical weeks has the same pooled gap)."""
    low, high = gap_interval(_paired([2.0] * 6), "a", "b", seed=1)
    assert low == pytest.approx(2.0)
    assert high == pytest.approx(2.0)


def test_the_interval_matches_the_t_interval_of_the_weekly_gaps() -> None:
    """Reference: Student's t interval for the mean of independent weekly gaps (equal rows),
    mean +- t(0.975, n-1) s / sqrt(n), which the bootstrap approximates for many weeks."""
    gaps = list(np.random.default_rng(7).normal(1.0, 3.0, size=60).round(1))
    low, high = gap_interval(_paired(gaps), "a", "b", seed=3)
    weekly = np.array(gaps)
    half = stats.t.ppf(0.975, len(gaps) - 1) * weekly.std(ddof=1) / np.sqrt(len(gaps))
    assert low == pytest.approx(weekly.mean() - half, abs=0.2 * half)
    assert high == pytest.approx(weekly.mean() + half, abs=0.2 * half)
    assert gap_interval(_paired(gaps), "b", "a", seed=3) == pytest.approx((-high, -low))


def test_the_interval_covers_the_spread_between_seeds() -> None:
    """Reference: Student's t interval for the mean of independent per-seed gaps (the same in
    every week, so weeks add no spread), mean +- t(0.975, n-1) s / sqrt(n)."""
    gaps = list(np.random.default_rng(11).normal(-1.0, 2.0, size=60).round(1))
    low, high = gap_interval(_seeded(gaps), "a", "b", seed=5)
    per_seed = np.array(gaps)
    half = stats.t.ppf(0.975, len(gaps) - 1) * per_seed.std(ddof=1) / np.sqrt(len(gaps))
    assert low == pytest.approx(per_seed.mean() - half, abs=0.2 * half)
    assert high == pytest.approx(per_seed.mean() + half, abs=0.2 * half)


def test_a_seed_missing_a_week_is_named() -> None:
    scores = _seeded([1.0, 2.0])
    scores = scores[~((scores["seed"] == 1) & (scores["data_version"] == 2))]
    with pytest.raises(ValueError, match="a: some seed did not score every version"):
        gap_interval(scores, "a", "b", seed=1)


def test_one_week_gives_no_interval() -> None:
    assert gap_interval(_paired([1.0]), "a", "b", seed=1) is None
