"""The quality gate's decisions."""

from __future__ import annotations

import pytest

from deploybook.retraining.gate import decide


def _decide(**overrides: object):
    args = {
        "has_champion": True,
        "has_challenger": True,
        "must_forget": False,
        "challenger_accuracy": 0.80,
        "reference_accuracy": 0.80,
        "tolerance": 0.02,
    }
    return decide(**{**args, **overrides})  # type: ignore[arg-type]


def test_first_model_is_promoted() -> None:
    assert _decide(has_champion=False).promote


def test_within_tolerance_is_promoted() -> None:
    decision = _decide(challenger_accuracy=0.79)
    assert decision.promote
    assert decision.status == "champion"


def test_worse_than_tolerance_is_rejected() -> None:
    decision = _decide(challenger_accuracy=0.70)
    assert not decision.promote
    assert decision.status == "rejected"
    assert not decision.needs_repair
    assert "more than 0.020 worse" in decision.reason
    assert decision.worse is True
    assert _decide(challenger_accuracy=0.79).worse is False  # within tolerance


def test_rejection_of_a_champion_that_must_forget_asks_for_repair() -> None:
    decision = _decide(challenger_accuracy=0.70, must_forget=True)
    assert not decision.promote
    assert decision.needs_repair


def test_no_holdout_promotes_and_no_challenger_keeps_champion() -> None:
    assert _decide(challenger_accuracy=None).promote
    kept = _decide(has_challenger=False, must_forget=True)
    assert not kept.promote
    assert kept.needs_repair


def test_tolerance_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="tolerance"):
        _decide(tolerance=2.0)
