"""Data expectations in the spirit of Delta Live Tables' ``expect`` / ``expect_or_drop`` /
``expect_or_fail``: named rules over the incoming change events.

- ``warn``: the row is kept; the rule's name is recorded in ``warned_rules``;
- ``drop``: the row goes to the quarantine table with the rule's name in ``failed_rules``
  (never silently lost);
- ``fail``: the pipeline update stops with an error naming the rule.

A rule's SQL condition must be *true* for a good row: a NULL result counts as a violation.
Delete events carry only a key, so only rules marked ``on_deletes`` apply to them. The same
drop and fail rules become Delta ``CHECK`` constraints on the training table, so a writer that
bypasses the pipeline cannot add a row the pipeline would have rejected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

Action = Literal["warn", "drop", "fail"]
OP = "op"
UPSERT = "UPSERT"
DELETE = "DELETE"
FEATURE_RANGE = (0.0, 1.0)
# ELEC2's Victorian price and demand are a constant placeholder until the Victorian market's
# data start (the first 17,424 half-hours, 363 days): real rows, flagged but kept.
VIC_PLACEHOLDER = {"feat_4": 0.003467, "feat_5": 0.422915}


@dataclass(frozen=True)
class Expectation:
    """A named rule over event rows and what to do with a row that breaks it."""

    name: str
    condition: str
    action: Action
    on_deletes: bool = False

    def __post_init__(self) -> None:
        if self.action not in ("warn", "drop", "fail"):
            raise ValueError(f"expectation {self.name!r}: unknown action {self.action!r}")
        if not self.name.isidentifier():
            raise ValueError(f"expectation name {self.name!r} must be an identifier")

    def holds(self) -> Column:
        """True where the row meets the rule (NULL counts as not met)."""
        return F.coalesce(F.expr(self.condition), F.lit(False))


def rules_for(
    columns: Iterable[str], features: Sequence[str], optional: Sequence[str] = ()
) -> tuple[Expectation, ...]:
    """The rules for an event table with ``columns``: key, label, each feature's range.

    ``features`` must be present and in range; ``optional`` ones (columns added after rows
    were first sent) may be NULL, but not out of range.
    """
    present = set(columns)
    low, high = FEATURE_RANGE
    rules = [
        Expectation("key_present", "row_id IS NOT NULL", "fail", on_deletes=True),
        Expectation(
            "known_operation", f"{OP} IN ('{UPSERT}', '{DELETE}')", "fail", on_deletes=True
        ),
        Expectation("label_is_binary", "target IN (0, 1)", "drop"),
    ]
    rules += [
        Expectation(f"{name}_in_range", f"{name} BETWEEN {low} AND {high}", "drop")
        for name in features
        if name in present
    ]
    rules += [
        Expectation(
            f"{name}_in_range", f"{name} IS NULL OR {name} BETWEEN {low} AND {high}", "drop"
        )
        for name in optional
        if name in present
    ]
    if set(VIC_PLACEHOLDER) <= present:
        placeholder = " AND ".join(f"{k} = {v}" for k, v in VIC_PLACEHOLDER.items())
        rules.append(Expectation("victoria_reported", f"NOT ({placeholder})", "warn"))
    return tuple(rules)


def _applies(rule: Expectation) -> Column:
    return F.lit(True) if rule.on_deletes else F.col(OP) != F.lit(DELETE)


def broken(rules: Sequence[Expectation], action: Action) -> Column:
    """The names of the ``action`` rules a row breaks, as an array (empty: none)."""
    names = [
        F.when(_applies(rule) & ~rule.holds(), F.lit(rule.name))
        for rule in rules
        if rule.action == action
    ]
    if not names:
        return F.array().cast("array<string>")
    return F.filter(F.array(*names), lambda name: name.isNotNull())


def stop_on_failure(rules: Sequence[Expectation]) -> Column:
    """A filter that is true for every row, or stops the query at a row breaking a fail rule."""
    check = F.lit(True)
    for rule in (r for r in rules if r.action == "fail"):
        check = F.when(
            _applies(rule) & ~rule.holds(),
            F.raise_error(F.lit(f"expectation '{rule.name}' failed: {rule.condition}")),
        ).otherwise(check)
    return check


def check_events(events: DataFrame, rules: Sequence[Expectation]) -> DataFrame:
    """Events with ``failed_rules`` (drop) and ``warned_rules`` (warn); fail rules stop it."""
    return (
        events.where(stop_on_failure(rules))
        .withColumn("failed_rules", broken(rules, "drop"))
        .withColumn("warned_rules", broken(rules, "warn"))
    )


def check_constraints(rules: Sequence[Expectation]) -> dict[str, str]:
    """Delta CHECK constraints for the training table: the row-level drop and fail rules."""
    return {
        rule.name: rule.condition
        for rule in rules
        if rule.action in ("drop", "fail") and not re.search(rf"\b{OP}\b", rule.condition)
    }


def rule_counts(
    rules: Sequence[Expectation], quarantined: DataFrame, accepted: DataFrame
) -> pd.DataFrame:
    """Rows per rule: quarantined by drop rules, flagged by warn rules (fail rules: 0 or stop)."""
    dropped = quarantined.select(F.explode("failed_rules").alias("rule")).groupBy("rule").count()
    warned = accepted.select(F.explode("warned_rules").alias("rule")).groupBy("rule").count()
    counts = {r["rule"]: int(r["count"]) for r in dropped.union(warned).collect()}
    return pd.DataFrame(
        [
            {
                "rule": rule.name,
                "action": rule.action,
                "condition": rule.condition,
                "rows": counts.get(rule.name, 0),
            }
            for rule in rules
        ]
    )
