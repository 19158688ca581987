"""RetrainingParams: what the report accepts, and errors that name the parameter."""

from __future__ import annotations

import pytest

from deploybook.params import ParameterError
from deploybook.retraining.params import RetrainingParams

GOOD = {
    "batch_rows": 336,
    "batches": 12,
    "history_batches": 26,
    "first_row": 0,
    "trees_per_update": 10,
    "max_trees": 50,
    "max_depth": 20,
    "mode": "incremental",
    "tolerance": 0.02,
    "fail_at_batch": 4,
    "new_feature_at": 9,
    "seed": 42,
    "seeds": 5,
    "spark_master": "",
    "lake_root": "",
    "mlflow_tracking_uri": "",
    "erasure_retain_hours": 0.0,
    "compare_environments": False,
}


def test_a_master_url_of_no_known_kind_is_refused() -> None:
    with pytest.raises(ParameterError, match="spark_master 'mesos://x' must be local"):
        RetrainingParams.validate_values({**GOOD, "spark_master": "mesos://x"})
    assert RetrainingParams.validate_values({**GOOD, "spark_master": "sc://127.0.0.1:15002"})


def test_defaults_validate() -> None:
    params = RetrainingParams.validate_values(GOOD)
    assert params.mode == "incremental"
    assert params.batches == 12
    assert params.first_cycle_batches == 6


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("batches", -1, "batches"),
        ("mode", "sometimes", "mode"),
        ("tolerance", 1.5, "tolerance"),
        ("trees_per_update", 60, "trees_per_update .60. cannot exceed max_trees"),
        ("fail_at_batch", 12, "fail_at_batch .12. must be below batches"),
        ("new_feature_at", 0, "new_feature_at must be -1 or a later batch"),
        ("new_feature_at", 5, "new_feature_at .5. must be -1 or at least 6: the first hourly"),
        ("fail_at_batch", 6, "fail_at_batch .6. must be -1 or below 6: the crash"),
        ("batch_rows", 4000, "need rows up to 152000; ELEC2 has 45312"),
        ("history_batches", 130, "after a history of 130 batches from row 0 need rows up to 47712"),
        ("first_row", 40000, "from row 40000 need rows up to 52768"),
        ("first_row", -1, "first_row"),
        ("history_batches", -1, "history_batches"),
        ("colour", "red", "colour"),
    ],
)
def test_bad_values_are_named(name: str, value: object, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        RetrainingParams.validate_values({**GOOD, name: value})
