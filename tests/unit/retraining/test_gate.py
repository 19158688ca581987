"""The quality gate's decisions, on paired scores."""

from __future__ import annotations

import math
from statistics import NormalDist, pvariance

import pandas as pd
import pytest

from deploybook.retraining.gate import MIN_ROWS, PairedScores, decide


def _scores(rows: int, challenger_only: int, champion_only: int) -> PairedScores:
    """``rows`` rows, both right on the rest but ten, both wrong on those ten."""
    both = rows - challenger_only - champion_only - 10
    return PairedScores(rows, challenger_only, champion_only, both)


def _decide(scores: PairedScores | None, **overrides: object):
    args = {
        "has_champion": True,
        "has_challenger": True,
        "must_forget": False,
        "scores": scores,
        "tolerance": 0.02,
    }
    return decide(**{**args, **overrides})  # type: ignore[arg-type]


def test_paired_scores_count_the_four_cases() -> None:
    """Reference: the four cases counted by hand on five rows."""
    scores = PairedScores.of([True, True, False, False, True], [True, False, True, False, False])
    assert (scores.rows, scores.challenger_only, scores.champion_only, scores.both) == (5, 2, 1, 1)
    assert scores.challenger_accuracy == 3 / 5
    assert scores.champion_accuracy == 2 / 5
    with pytest.raises(ValueError, match="same rows: 2 against 1"):
        PairedScores.of([True, False], [True])


def test_the_upper_bound_is_the_mean_difference_plus_z_standard_errors() -> None:
    """Reference: the per-row differences written out (+1, -1, 0) and their population
    variance from Python's statistics module, with the normal 95 % quantile."""
    scores = _scores(100, challenger_only=5, champion_only=15)
    per_row = [1] * 5 + [-1] * 15 + [0] * 80
    expected = sum(per_row) / 100 + NormalDist().inv_cdf(0.95) * math.sqrt(pvariance(per_row) / 100)
    assert scores.difference == pytest.approx(-0.10)
    assert scores.upper_bound() == pytest.approx(expected)
    assert scores.upper_bound() == pytest.approx(-0.0283, abs=1e-4)


def test_one_wrong_row_in_ten_is_not_judged() -> None:
    """The old gate rejected this (0.900 against 1.000 on 10 rows: "more than 0.020
    worse"); 10 rows cannot tell a 2-point loss from chance."""
    decision = _decide(PairedScores(10, 0, 1, 9))
    assert decision.promote
    assert not decision.judged
    assert f"fewer than the {MIN_ROWS} needed" in decision.reason


def test_a_three_point_loss_on_a_week_of_holdout_rows_is_within_noise() -> None:
    """The old gate rejected this (0.925 against 0.955 on 67 rows). Reference: two rows
    of 67 differ; the upper bound of the difference is about +0.6 points."""
    decision = _decide(_scores(67, challenger_only=0, champion_only=2))
    assert decision.promote
    assert decision.judged
    assert not decision.worse
    assert "on 67 rows" in decision.reason


def test_a_clearly_worse_challenger_is_rejected() -> None:
    decision = _decide(_scores(100, challenger_only=5, champion_only=15))
    assert not decision.promote
    assert decision.status == "rejected"
    assert decision.worse
    assert decision.judged
    assert not decision.needs_repair
    assert "more than 0.020 worse" in decision.reason


def test_rejection_of_a_champion_that_must_forget_asks_for_repair() -> None:
    decision = _decide(_scores(100, 5, 15), must_forget=True)
    assert not decision.promote
    assert decision.needs_repair


def test_first_model_no_holdout_and_no_challenger() -> None:
    assert _decide(None, has_champion=False).promote
    assert _decide(None).promote
    kept = _decide(None, has_challenger=False, must_forget=True)
    assert not kept.promote
    assert kept.needs_repair


def test_tolerance_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="tolerance"):
        _decide(None, tolerance=2.0)


def test_paired_scores_join_two_models_predictions_on_the_key() -> None:
    """Reference: three rows written by hand, in a different order on each side."""
    new = pd.DataFrame(
        {"row_id": [1, 2, 3], "label": [1.0, 0.0, 1.0], "prediction": [1.0, 1.0, 1.0]}
    )
    old = pd.DataFrame(
        {"row_id": [3, 1, 2], "label": [1.0, 1.0, 0.0], "prediction": [0.0, 1.0, 0.0]}
    )
    scores = PairedScores.of_predictions(new, old)
    assert (scores.rows, scores.challenger_only, scores.champion_only, scores.both) == (3, 1, 1, 1)
