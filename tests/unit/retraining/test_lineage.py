"""Which cohorts learned an erased or corrected key: by their row lineage and age, or by
age alone when they have none."""

from __future__ import annotations

from deploybook.retraining.lineage import Cohort


def _cohort(
    data_version: int, row_ids: tuple[int, ...] | None, trained_at: int | None = None
) -> Cohort:
    trained = data_version if trained_at is None else trained_at
    return Cohort("c", data_version, trained, "new", ("x",), 1, row_ids)


def test_a_cohort_with_lineage_learned_only_the_keys_it_lists() -> None:
    """Reference: the cohort's own list of row ids, written by hand here."""
    assert _cohort(3, (1, 2, 3)).learned_any([3, 9], changed_by=4)
    assert not _cohort(3, (1, 2, 3)).learned_any([9], changed_by=4)


def test_a_cohort_fitted_after_the_change_learned_the_new_value() -> None:
    """Reference: Delta time travel semantics; a fit at table version v reads the value a
    correction at version c wrote exactly when v >= c (a repair refits old rows later)."""
    assert not _cohort(3, (1, 2, 3), trained_at=4).learned_any([3], changed_by=4)
    assert _cohort(3, (1, 2, 3), trained_at=3).learned_any([3], changed_by=4)


def test_a_whole_table_cohort_learned_the_keys_if_fitted_before_their_delete() -> None:
    """Reference: Delta time travel semantics; the table at version v holds a row deleted
    at version d exactly when v < d."""
    assert _cohort(3, None).learned_any([7], changed_by=4)
    assert not _cohort(4, None).learned_any([7], changed_by=4)
    assert not _cohort(3, None).learned_any([], changed_by=4)
