"""The gate's holdout: a block of the week that moves with the version, and its embargo."""

from __future__ import annotations

import pandas as pd
import pytest
from pyspark.sql import SparkSession

from deploybook.retraining.features import (
    ISIN_KEYS,
    KEY,
    holdout_keys,
    key_frame,
    with_keys,
    without_keys,
)


def _week(rows: int = 336) -> pd.DataFrame:
    """A week of half-hours whose keys are 1000 + their position, shuffled (seq gives order)."""
    week = pd.DataFrame({"row_id": range(1000, 1000 + rows), "seq": range(rows)})
    return week.sample(frac=1, random_state=3)


def test_the_block_moves_through_the_week_with_the_version() -> None:
    """Reference: arithmetic on a week of 336 half-hours (48 a day): a fifth is 67 rows, so
    version v holds out positions 67 v to 67 v + 66, days 67 v // 48 to (67 v + 66) // 48.
    The newest-rows holdout it replaces judged days 5 and 6 every week."""
    week = _week()
    blocks = [holdout_keys(week, 0.2, version=v, embargo=0).scored for v in range(5)]
    for version, block in enumerate(blocks):
        assert block == set(range(1000 + 67 * version, 1000 + 67 * version + 67))
    days = [{(k - 1000) // 48 for k in block} for block in blocks]
    assert days[0] == {0, 1}
    assert days[4] == {5, 6}
    assert len(set().union(*blocks)) == 335  # five versions cover all but the last row
    assert holdout_keys(week, 0.2, version=5, embargo=0).scored == blocks[0]


def test_the_embargo_keeps_the_neighbours_of_the_block_out() -> None:
    """Reference: the positions written out by hand, clipped at the ends of the week."""
    week = _week()
    middle = holdout_keys(week, 0.2, version=2, embargo=12)
    assert middle.embargoed == set(range(1000 + 122, 1000 + 134)) | set(
        range(1000 + 201, 1000 + 213)
    )
    assert not middle.embargoed & middle.scored
    first = holdout_keys(week, 0.2, version=0, embargo=12)
    assert first.embargoed == set(range(1000 + 67, 1000 + 79))  # nothing before the week


def test_no_holdout_and_bad_settings() -> None:
    assert holdout_keys(_week(4), 0.2, version=1).scored == set()
    with pytest.raises(ValueError, match=r"holdout fraction must be in \[0, 1\), got 1.5"):
        holdout_keys(_week(), 1.5, version=0)
    with pytest.raises(ValueError, match="embargo must be 0 rows or more, got -1"):
        holdout_keys(_week(), 0.2, version=0, embargo=-1)


@pytest.mark.spark
def test_key_filters_match_python_set_membership(spark: SparkSession) -> None:
    """``with_keys`` and ``without_keys`` split a frame exactly as Python's ``in`` does on a
    plain list of keys (the reference): few keys (a list of literals) and more than
    ``ISIN_KEYS`` (a join), keys absent from the frame, a single key, none, and keys at both
    ends of the range, which the range filter must not lose.
    """
    rows = list(range(-5, 1400, 3))
    frame = spark.createDataFrame([(k, k % 2) for k in rows], f"{KEY} long, target int")
    many = set(range(-5, 1400, 2))
    assert len(many & set(rows)) > ISIN_KEYS
    for keys in ({-5}, {1396, -5, 4}, {1, 2, 3, 100_000}, set(), many, set(rows)):
        kept = sorted(r[KEY] for r in with_keys(frame, keys).collect())
        dropped = sorted(r[KEY] for r in without_keys(frame, keys).collect())
        assert kept == [k for k in rows if k in keys]
        assert dropped == [k for k in rows if k not in keys]
    assert key_frame(spark, [3, 1, 2]).schema.simpleString() == f"struct<{KEY}:bigint>"
