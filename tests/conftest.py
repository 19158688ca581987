"""Shared fixtures: a Spark session for the whole run (one per machine is all 2 cores take).

``make test`` runs the tests in two pytest-xdist workers (``--dist loadscope``), each scope
run whole, in order, by one worker: every test that starts Spark in the scope ``spark`` (one
Spark session at a time), the report runs in ``reports`` (each default run executed once, as
``report_run`` caches per worker), every other module on its own. The two long scopes are
queued first. (xdist's own ``loadgroup`` marks are lost under pytest 9.2's node ids,
pytest-xdist issue 1386, so the scope is read from the node id here.)
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from deploybook.spark import get_spark, stop_spark

SPARK_MARK = "pytest.mark.spark"
_FIRST = ("spark", "reports")


@cache
def _marks_spark(module: str) -> bool:
    path = Path(__file__).parent.parent / module
    return path.suffix == ".py" and SPARK_MARK in path.read_text()


def worker_scope(nodeid: str) -> str:
    """The scope a test runs in: ``spark``, ``reports``, or its module."""
    module = nodeid.split("::")[0]
    if "dlt_retraining" in nodeid or _marks_spark(module):
        return "spark"
    return "reports" if module.startswith("tests/notebooks/") else module


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, if installed
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``--dist loadscope``, the scopes of :func:`worker_scope`."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scopes(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return worker_scope(nodeid)

    return Scopes(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long scopes first; a test that starts Spark outside the ``spark`` scope is refused."""
    for item in items:
        starts_spark = item.get_closest_marker("spark") or "spark" in getattr(
            item, "fixturenames", ()
        )
        if starts_spark and worker_scope(item.nodeid) != "spark":
            raise pytest.UsageError(
                f"{item.nodeid} starts Spark: mark it with {SPARK_MARK} in its module"
            )
    rank = {name: position for position, name in enumerate(_FIRST)}
    items.sort(key=lambda item: rank.get(worker_scope(item.nodeid), len(rank)))


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
