"""Shared fixtures: a Spark session for the whole run (one per machine is all 2 cores take).

``make test`` runs the tests in two pytest-xdist workers (``--dist loadgroup``), in groups a
worker runs whole and in order: every test that starts Spark in the group ``spark`` (so one
worker holds the only Spark session), the report runs in ``reports`` (each default run
executed once: ``report_run`` caches per worker), and every other module on its own. The
two long groups are queued first.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyspark.sql import SparkSession

from deploybook.spark import get_spark, stop_spark

_FIRST = ("spark", "reports")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each test its worker group (see the module docstring); the long groups first."""

    def group(item: pytest.Item) -> str:
        if item.get_closest_marker("spark") or "spark" in getattr(item, "fixturenames", ()):
            return "spark"
        if item.get_closest_marker("notebook"):
            return "reports"
        return item.nodeid.split("::")[0]

    groups = {item.nodeid: group(item) for item in items}
    for item in items:
        item.add_marker(pytest.mark.xdist_group(groups[item.nodeid]))
    rank = {name: position for position, name in enumerate(_FIRST)}
    items.sort(key=lambda item: rank.get(groups[item.nodeid], len(rank)))  # stable otherwise


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
