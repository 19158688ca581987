"""Which cohorts learned an erased key: by their row lineage, or by age when they have none."""

from __future__ import annotations

from deploybook.retraining.lineage import Cohort


def _cohort(data_version: int, row_ids: tuple[int, ...] | None) -> Cohort:
    return Cohort("c", data_version, data_version, "new", ("x",), 1, row_ids)


def test_a_cohort_with_lineage_learned_only_the_keys_it_lists() -> None:
    """Reference: the cohort's own list of row ids, written by hand here."""
    assert _cohort(5, (1, 2, 3)).learned_any([3, 9], deleted_by=4)
    assert not _cohort(5, (1, 2, 3)).learned_any([9], deleted_by=4)


def test_a_whole_table_cohort_learned_the_keys_if_fitted_before_their_delete() -> None:
    """Reference: Delta time travel semantics; the table at version v holds a row deleted
    at version d exactly when v < d."""
    assert _cohort(3, None).learned_any([7], deleted_by=4)
    assert not _cohort(4, None).learned_any([7], deleted_by=4)
    assert not _cohort(3, None).learned_any([], deleted_by=4)
