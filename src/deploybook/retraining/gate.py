"""The quality gate: a challenger replaces the champion unless it is clearly worse.

Both are scored on the same rows: the newest labelled rows that neither has trained on (the
holdout of the version being processed). Scores on the same rows are *paired*, so the gate
judges the per-row differences rather than two separate accuracies: the challenger is
rejected only if even the upper end of a one-sided 95 % interval for its accuracy minus the
champion's lies below ``-tolerance``. A week's holdout is small (about 67 rows at the
report's defaults: one standard error of a difference is some 3 to 5 points), so a 2-point
tolerance alone would reject on noise. Below :data:`MIN_ROWS` rows the gate does not judge
at all: the challenger, which learned the newest rows, is promoted and the verdict says so.

One exception: if the champion learned from rows that this version deleted or corrected, it
may not keep serving as it is. A rejected challenger then gives way to the champion
*repaired* (its affected trees refitted without those rows), or, when no repair is possible,
is promoted anyway, because a deleted row must stop influencing the served model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import pandas as pd

from deploybook.retraining.features import KEY
from deploybook.retraining.registry import CHAMPION, REJECTED

MIN_ROWS = 30  # holdout rows the gate needs before it judges
CONFIDENCE = 0.95  # one-sided: how sure the gate must be that the challenger is worse


@dataclass(frozen=True)
class PairedScores:
    """A challenger and a champion scored on the same holdout rows."""

    rows: int
    challenger_only: int  # rows the challenger got right and the champion wrong
    champion_only: int  # rows the champion got right and the challenger wrong
    both: int  # rows both got right

    @classmethod
    def of(cls, challenger_right: Sequence[bool], champion_right: Sequence[bool]) -> PairedScores:
        """Count the four cases from per-row correctness (the same rows, in the same order)."""
        if len(challenger_right) != len(champion_right):
            raise ValueError(
                f"paired scores need the same rows: {len(challenger_right)} against "
                f"{len(champion_right)}"
            )
        pairs = list(zip(challenger_right, champion_right, strict=True))
        return cls(
            rows=len(pairs),
            challenger_only=sum(1 for a, b in pairs if a and not b),
            champion_only=sum(1 for a, b in pairs if b and not a),
            both=sum(1 for a, b in pairs if a and b),
        )

    @classmethod
    def of_predictions(cls, challenger: pd.DataFrame, champion: pd.DataFrame) -> PairedScores:
        """Paired scores from two models' predictions (key, label, prediction), joined on
        the key: each row once on either side.
        """
        both = challenger.merge(champion, on=KEY, suffixes=("_new", "_old"), validate="one_to_one")
        return cls.of(
            list(both["prediction_new"] == both["label_new"]),
            list(both["prediction_old"] == both["label_old"]),
        )

    @property
    def challenger_accuracy(self) -> float:
        """The challenger's accuracy on these rows."""
        return (self.both + self.challenger_only) / self.rows

    @property
    def champion_accuracy(self) -> float:
        """The champion's accuracy on these rows."""
        return (self.both + self.champion_only) / self.rows

    @property
    def difference(self) -> float:
        """Challenger's accuracy minus the champion's."""
        return (self.challenger_only - self.champion_only) / self.rows

    def upper_bound(self, confidence: float = CONFIDENCE) -> float:
        """The upper end of a one-sided interval for :attr:`difference` (normal
        approximation to the mean of the per-row differences, each -1, 0 or 1).
        """
        n = self.rows
        variance = (self.challenger_only + self.champion_only) / n - self.difference**2
        z = NormalDist().inv_cdf(confidence)
        return self.difference + z * math.sqrt(max(variance, 0.0) / n)


@dataclass(frozen=True)
class GateDecision:
    """Whether the challenger serves next, the status of its stored row, and why."""

    promote: bool
    needs_repair: bool  # the champion must forget rows: repair it if the challenger is out
    status: str
    reason: str
    worse: bool = False  # the challenger was judged clearly worse than the champion
    judged: bool = False  # the two were compared on enough rows to judge


def decide(
    *,
    has_champion: bool,
    has_challenger: bool,
    must_forget: bool,
    scores: PairedScores | None,
    tolerance: float,
    min_rows: int = MIN_ROWS,
) -> GateDecision:
    """The gate's decision from the paired holdout scores (None: no holdout rows)."""
    if not 0 <= tolerance <= 1:
        raise ValueError(f"tolerance must be in [0, 1], got {tolerance}")
    if not has_challenger:
        return GateDecision(False, must_forget, REJECTED, "no new rows to learn from")
    if not has_champion:
        return GateDecision(True, False, CHAMPION, "first model")
    if scores is None or scores.rows == 0:
        return GateDecision(True, False, CHAMPION, "no holdout rows to compare on")
    if scores.rows < min_rows:
        reason = f"{scores.rows} holdout rows, fewer than the {min_rows} needed to judge"
        return GateDecision(True, False, CHAMPION, reason)
    upper = scores.upper_bound()
    text = (
        f"holdout accuracy {scores.challenger_accuracy:.3f} vs champion "
        f"{scores.champion_accuracy:.3f} on {scores.rows} rows (difference at most "
        f"{upper:+.3f} at {CONFIDENCE:.0%})"
    )
    if upper >= -tolerance:
        return GateDecision(True, False, CHAMPION, text, judged=True)
    reason = f"{text}: more than {tolerance:.3f} worse"
    return GateDecision(False, must_forget, REJECTED, reason, worse=True, judged=True)
