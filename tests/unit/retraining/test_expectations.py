"""Expectations: rule names on quarantined rows, warnings kept, fail rules stop, constraints."""

from __future__ import annotations

import pytest
from pyspark.sql import SparkSession

from deploybook.retraining.expectations import (
    Expectation,
    check_constraints,
    check_events,
    rule_counts,
    rules_for,
)

pytestmark = pytest.mark.spark

COLUMNS = ["row_id", "op", "feat_1", "feat_4", "feat_5", "extra", "target"]
SCHEMA = (
    "row_id long, op string, feat_1 double, feat_4 double, feat_5 double, extra double, target int"
)


def _rules() -> tuple[Expectation, ...]:
    return rules_for(COLUMNS, ["feat_1", "feat_4", "feat_5"], optional=["extra"])


def test_rows_get_the_names_of_the_rules_they_break(spark: SparkSession) -> None:
    events = spark.createDataFrame(
        [
            (1, "UPSERT", 0.5, 0.1, 0.1, None, 1),  # fine; optional column may be null
            (2, "UPSERT", 1.5, 0.1, 0.1, 0.2, 2),  # out of range and bad label
            (3, "UPSERT", None, 0.1, 0.1, 0.2, 0),  # a null feature breaks its range rule
            (4, "UPSERT", 0.5, 0.003467, 0.422915, 2.0, 0),  # placeholder (warn) + extra range
            (5, "DELETE", None, None, None, None, None),  # deletes carry only a key
        ],
        SCHEMA,
    )
    checked = {r["row_id"]: r for r in check_events(events, _rules()).collect()}
    assert checked[1]["failed_rules"] == []
    assert sorted(checked[2]["failed_rules"]) == ["feat_1_in_range", "label_is_binary"]
    assert checked[3]["failed_rules"] == ["feat_1_in_range"]
    assert checked[4]["failed_rules"] == ["extra_in_range"]
    assert checked[4]["warned_rules"] == ["victoria_reported"]
    assert checked[5]["failed_rules"] == []


def test_a_fail_rule_stops_the_query_with_its_name(spark: SparkSession) -> None:
    events = spark.createDataFrame([(None, "UPSERT", 0.5, 0.1, 0.1, None, 1)], SCHEMA)
    with pytest.raises(Exception, match="expectation 'key_present' failed"):
        check_events(events, _rules()).collect()


def test_constraints_and_counts(spark: SparkSession) -> None:
    constraints = check_constraints(_rules())
    assert constraints["label_is_binary"] == "target IN (0, 1)"
    assert "known_operation" not in constraints  # the training table has no op column
    events = spark.createDataFrame([(2, "UPSERT", 1.5, 0.1, 0.1, 0.2, 1)], SCHEMA)
    checked = check_events(events, _rules())
    counts = rule_counts(
        _rules(), checked.where("size(failed_rules) > 0"), checked.where("size(failed_rules) = 0")
    ).set_index("rule")
    assert counts.loc["feat_1_in_range", "rows"] == 1
    assert counts.loc["label_is_binary", "rows"] == 0


def test_a_rule_needs_a_known_action_and_an_identifier_name() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        Expectation("x", "true", "ignore")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="identifier"):
        Expectation("not a name", "true", "warn")
