"""Which columns of the training table are features, and how rows become MLlib vectors.

The training table has a key (``row_id``), a label (``target``), bookkeeping columns
(``batch``, ``seq``) and features: every other numeric column, in table order. A column
added later (Delta ``mergeSchema`` appends it) becomes the last feature, so a model trained
before it existed still reads its own features at the same vector positions.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyspark.ml.feature import VectorAssembler
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import NumericType, StructType

KEY = "row_id"
LABEL = "target"
BOOKKEEPING = ("batch", "seq")
VECTOR = "features"
EMBARGO_ROWS = 12  # six hours of half-hours on each side of a holdout block
MISSING = -1.0  # below every value a feature may take (CHECK constraints keep them in [0, 1])


def feature_columns(schema: StructType) -> tuple[str, ...]:
    """The feature columns of a training-table schema, in table order."""
    reserved = {KEY, LABEL, *BOOKKEEPING}
    return tuple(
        field.name
        for field in schema.fields
        if field.name not in reserved
        and not field.name.startswith("_")
        and isinstance(field.dataType, NumericType)
    )


def assemble(frame: DataFrame, features: Sequence[str]) -> DataFrame:
    """Add the ``features`` vector and a double ``label``; a missing or null feature is -1.

    Trees grown before a column existed have no split on its position, so they never read
    the stand-in; trees grown later can split "missing" off cleanly.
    """
    if not features:
        raise ValueError("a model needs at least one feature column")
    present = set(frame.columns)
    filled = frame
    for name in features:
        value = F.col(name).cast("double") if name in present else F.lit(None).cast("double")
        filled = filled.withColumn(name, F.coalesce(value, F.lit(MISSING)))
    if LABEL in present:
        filled = filled.withColumn("label", F.col(LABEL).cast("double"))
    assembler = VectorAssembler(inputCols=list(features), outputCol=VECTOR, handleInvalid="error")
    return assembler.transform(filled)


ISIN_KEYS = 200  # up to this many keys a list of literals filters faster than a join


def key_frame(spark: SparkSession, keys: Collection[int]) -> DataFrame:
    """``keys`` as a one-column DataFrame of longs, sent to Spark in one Arrow batch."""
    values = np.fromiter((int(k) for k in keys), dtype="int64", count=len(keys))
    return spark.createDataFrame(pd.DataFrame({KEY: np.sort(values)}), f"{KEY} long")


def _in_keys(frame: DataFrame, keys: Collection[int], how: str) -> DataFrame:
    """``frame`` joined ``how`` (``left_semi`` or ``left_anti``) with ``keys``.

    ``Column.isin`` costs a py4j call per key (about 0.35 s per thousand here), so beyond
    :data:`ISIN_KEYS` keys the filter is a broadcast join with :func:`key_frame`, which costs
    about 0.1 s whatever the number of keys.
    """
    if len(keys) <= ISIN_KEYS:
        wanted = F.col(KEY).isin(sorted(int(k) for k in keys))
        return frame.where(wanted if how == "left_semi" else ~wanted)
    return frame.join(F.broadcast(key_frame(frame.sparkSession, keys)), KEY, how)


def with_keys(frame: DataFrame, keys: Collection[int]) -> DataFrame:
    """The rows of ``frame`` whose key is one of ``keys``.

    The keys' range is a filter too: Delta skips the files whose key statistics lie outside
    it, so reading recent rows does not scan the whole table.
    """
    if not keys:
        return frame.where(F.lit(False))
    wanted = frame.where(F.col(KEY).between(min(keys), max(keys)))
    return _in_keys(wanted, keys, "left_semi")


def without_keys(frame: DataFrame, keys: Collection[int]) -> DataFrame:
    """The rows of ``frame`` whose key is none of ``keys``."""
    return _in_keys(frame, keys, "left_anti") if keys else frame


@dataclass(frozen=True)
class Holdout:
    """The inserted rows of one version that its challenger does not train on."""

    scored: frozenset[int]  # the block the gate scores the challenger and the champion on
    embargoed: frozenset[int]  # the rows on either side of the block, kept out of training


def holdout_keys(
    inserted: pd.DataFrame, fraction: float, *, version: int, embargo: int = EMBARGO_ROWS
) -> Holdout:
    """A block of ``fraction`` of a version's inserted rows, consecutive in event order
    (``seq``), and the ``embargo`` rows on each side of it.

    The block moves through the week with the version (block ``version`` modulo
    ``1 / fraction``), so the gate does not always judge the same days. Rows are not drawn at
    random: a model trained on a row's half-hourly neighbours would score as if it could see
    it. For the same reason the neighbours just before and after the block are kept out of
    training too (purging and an embargo, as in purged cross-validation). The next version
    learns both.
    """
    if not 0 <= fraction < 1:
        raise ValueError(f"holdout fraction must be in [0, 1), got {fraction}")
    if embargo < 0:
        raise ValueError(f"the embargo must be 0 rows or more, got {embargo}")
    count = int(fraction * len(inserted))
    if count == 0:
        return Holdout(frozenset(), frozenset())
    ordered = [int(k) for k in inserted.sort_values("seq")[KEY]]
    start = (version % (len(ordered) // count)) * count
    before = ordered[max(0, start - embargo) : start]
    after = ordered[start + count : start + count + embargo]
    return Holdout(frozenset(ordered[start : start + count]), frozenset(before + after))


def is_prefix(old: Sequence[str], new: Sequence[str]) -> bool:
    """Whether a model on ``old`` features stays valid on ``new`` ones (columns only appended)."""
    return tuple(new[: len(old)]) == tuple(old)
