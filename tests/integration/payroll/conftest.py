"""Databases for the payroll integration tests: a SQLite file and a real PostgreSQL server.

PostgreSQL comes from ``DEPLOYBOOK_PG_URL`` if set, otherwise a throwaway cluster is
started from the installed server binaries. If neither is possible the tests FAIL (they
never skip) with a message saying how to install or point at PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deploybook.payroll.service.store import PayrollStore, sqlite_url
from payroll_postgres import (
    PostgresUnavailable,
    drop_database,
    fresh_database,
    throwaway_postgres,
)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of a running PostgreSQL server for the whole test session."""
    try:
        with throwaway_postgres() as url:
            yield url
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL is needed for the payroll integration tests: {exc}", pytrace=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "payroll.db")
        return
    url = fresh_database(request.getfixturevalue("pg_server"))
    yield url
    drop_database(url)


@pytest.fixture
def store(db_url: str) -> Iterator[PayrollStore]:
    """A payroll store on an empty database (not migrated)."""
    payroll = PayrollStore(db_url)
    yield payroll
    payroll.close()


@pytest.fixture(scope="session", autouse=True)
def _cheap_hashing(fast_password_hashing: None) -> None:
    """Every test here logs in with cheap hashing (see ``tests/conftest.py``)."""
