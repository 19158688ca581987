"""Shared fixtures: a Spark session for the whole run (one per machine is all 2 cores take)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyspark.sql import SparkSession

from deploybook.spark import get_spark, stop_spark


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """A local Delta-enabled SparkSession, stopped at the end of the test run."""
    session = get_spark("local[2]", app_name="deploybook-tests")
    yield session
    stop_spark()
