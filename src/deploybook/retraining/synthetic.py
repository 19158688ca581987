"""A seeded, drifting synthetic stream for scale runs (millions of rows), generated in Spark.

Six features are uniform on [0, 1], drawn from a hash of the row key and the seed (so a
row's values do not depend on partitioning). The label is a rotating hyperplane: the
weights of the first two features turn by a full circle every ``drift_period`` rows, and
``noise`` of the labels are flipped. Rows carry the same columns as ELEC2's training table.
"""

from __future__ import annotations

import math

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from deploybook.retraining.elec2 import FEATURES, LABEL
from deploybook.retraining.features import KEY

_SCALE = float(2**31)


def _uniform(key: Column, seed: int, stream: int) -> Column:
    return F.pmod(F.xxhash64(key, F.lit(seed), F.lit(stream)), F.lit(2**31)).cast("double") / _SCALE


def synthetic_rows(
    spark: SparkSession,
    start: int,
    count: int,
    *,
    seed: int,
    batch: int = 0,
    drift_period: int = 2_000_000,
    noise: float = 0.05,
) -> DataFrame:
    """``count`` rows with keys ``start`` .. ``start + count - 1`` (``seq`` = key + 1)."""
    if count < 1 or start < 0:
        raise ValueError(f"need count >= 1 and start >= 0, got count={count}, start={start}")
    if not 0 <= noise < 0.5:
        raise ValueError(f"noise must be in [0, 0.5), got {noise}")
    key = F.col("id")
    frame = spark.range(start, start + count).select(
        key.alias(KEY),
        F.lit(batch).cast("int").alias("batch"),
        (key + 1).alias("seq"),
        *(_uniform(key, seed, i).alias(name) for i, name in enumerate(FEATURES)),
    )
    angle = F.col(KEY).cast("double") * (2 * math.pi / drift_period)
    score = (
        F.cos(angle) * (F.col(FEATURES[0]) - 0.5)
        + F.sin(angle) * (F.col(FEATURES[1]) - 0.5)
        + 0.5 * (F.col(FEATURES[2]) - F.col(FEATURES[3]))
    )
    flip = _uniform(F.col(KEY), seed, 99) < noise
    label = (score > 0) != flip
    return frame.withColumn(LABEL, label.cast("int"))
