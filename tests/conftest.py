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


@pytest.fixture(scope="session")
def fast_password_hashing() -> Iterator[None]:
    """argon2id at its lowest cost for the payroll service's logins. Its real cost (slow on
    purpose) is checked in tests/unit/payroll/api/test_accounts.py; elsewhere it would only
    slow the tests down. The payroll conftests use this for every test."""
    from argon2 import PasswordHasher

    from deploybook.payroll.service.api import accounts

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "HASHER", cheap)
        yield
