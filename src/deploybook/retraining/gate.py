"""The quality gate: a challenger replaces the champion only if it is not clearly worse.

Both are scored on the newest labelled rows that neither has trained on (the holdout of
the version being processed). A challenger within ``tolerance`` of the champion's accuracy
is promoted; otherwise it is stored as ``rejected`` and the champion keeps serving.

One exception: if the champion learned from rows that this version deleted or corrected, it
may not keep serving as it is. A rejected challenger then gives way to the champion
*repaired* (its affected trees refitted without those rows), or, when no repair is possible,
is promoted anyway, because a deleted row must stop influencing the served model.
"""

from __future__ import annotations

from dataclasses import dataclass

from deploybook.retraining.registry import CHAMPION, REJECTED


@dataclass(frozen=True)
class GateDecision:
    """Whether the challenger serves next, the status of its stored row, and why."""

    promote: bool
    needs_repair: bool  # the champion must forget rows: repair it if the challenger is out
    status: str
    reason: str
    worse: bool = False  # the challenger scored more than the tolerance below the champion


def decide(
    *,
    has_champion: bool,
    has_challenger: bool,
    must_forget: bool,
    challenger_accuracy: float | None,
    reference_accuracy: float | None,
    tolerance: float,
) -> GateDecision:
    """The gate's decision from the two holdout accuracies (None: no holdout rows)."""
    if not 0 <= tolerance <= 1:
        raise ValueError(f"tolerance must be in [0, 1], got {tolerance}")
    if not has_challenger:
        return GateDecision(False, must_forget, REJECTED, "no new rows to learn from")
    if not has_champion:
        return GateDecision(True, False, CHAMPION, "first model")
    if challenger_accuracy is None or reference_accuracy is None:
        return GateDecision(True, False, CHAMPION, "no holdout rows to compare on")
    margin = challenger_accuracy - reference_accuracy
    scores = f"holdout accuracy {challenger_accuracy:.3f} vs champion {reference_accuracy:.3f}"
    if margin >= -tolerance:
        return GateDecision(True, False, CHAMPION, scores)
    reason = f"{scores}: more than {tolerance:.3f} worse"
    return GateDecision(False, must_forget, REJECTED, reason, worse=True)
