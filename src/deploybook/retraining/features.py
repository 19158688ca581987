"""Which columns of the training table are features, and how rows become MLlib vectors.

The training table has a key (``row_id``), a label (``target``), bookkeeping columns
(``batch``, ``seq``) and features: every other numeric column, in table order. A column
added later (Delta ``mergeSchema`` appends it) becomes the last feature, so a model trained
before it existed still reads its own features at the same vector positions.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from pyspark.ml.feature import VectorAssembler
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import NumericType, StructType

KEY = "row_id"
LABEL = "target"
BOOKKEEPING = ("batch", "seq")
VECTOR = "features"
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


def holdout_keys(inserted: pd.DataFrame, fraction: float) -> set[int]:
    """The keys of the newest ``fraction`` of a version's inserted rows (by event ``seq``).

    The gate scores models on them; the challenger does not train on them. Taking the newest
    rows rather than a random share matters for time series: a model trained on a row's
    half-hourly neighbours would score as if it could see the future.
    """
    if not 0 <= fraction < 1:
        raise ValueError(f"holdout fraction must be in [0, 1), got {fraction}")
    count = int(fraction * len(inserted))
    if count == 0:
        return set()
    newest = inserted.sort_values("seq").tail(count)
    return {int(k) for k in newest[KEY]}


def is_prefix(old: Sequence[str], new: Sequence[str]) -> bool:
    """Whether a model on ``old`` features stays valid on ``new`` ones (columns only appended)."""
    return tuple(new[: len(old)]) == tuple(old)
