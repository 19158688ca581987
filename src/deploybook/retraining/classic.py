"""What only a classic Spark session offers: a ``SparkContext`` in this process.

This is the one module of the retraining package that touches ``sparkContext``; everything
else runs unchanged over Spark Connect, where there is no ``SparkContext`` and no py4j. It
is entered only when :func:`deploybook.spark.is_connect` is false: on Spark Connect the
figures it gives are reported as not available.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pyspark.sql import SparkSession

from deploybook.spark import is_connect


@contextmanager
def spark_jobs(spark: SparkSession) -> Iterator[Callable[[], int | None]]:
    """Count the Spark jobs the block starts: yields a function that returns the count so
    far (None on Spark Connect, whose clients cannot see jobs).
    """
    if is_connect(spark):
        yield lambda: None
        return
    context = spark.sparkContext
    group = f"deploybook-{uuid.uuid4().hex[:8]}"
    context.setJobGroup(group, "jobs counted by deploybook")
    try:
        yield lambda: len(context.statusTracker().getJobIdsForGroup(group))
    finally:
        context.setLocalProperty("spark.jobGroup.id", None)  # type: ignore[arg-type]
