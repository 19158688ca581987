"""What the payroll system tests share: a folder for what they leave for the report, and a
PostgreSQL database (the tests FAIL, never skip, without PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploybook.payroll.report.pyramid import ARTIFACTS_ENV
from payroll_postgres import (
    PostgresUnavailable,
    drop_database,
    fresh_database,
    throwaway_postgres,
)


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    """``$DEPLOYBOOK_TEST_ARTIFACTS`` (set by the report's test pyramid), else a temporary one."""
    folder = Path(os.environ.get(ARTIFACTS_ENV) or tmp_path / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """An empty database on a running PostgreSQL server."""
    try:
        with throwaway_postgres() as server:
            url = fresh_database(server)
            yield url
            drop_database(url)
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL is needed for the payroll system tests: {exc}", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def _cheap_hashing(fast_password_hashing: None) -> None:
    """Every test here logs in with cheap hashing (see ``tests/conftest.py``)."""
