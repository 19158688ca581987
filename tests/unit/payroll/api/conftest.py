"""What the service's unit tests share."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _cheap_hashing(fast_password_hashing: None) -> None:
    """Every test here logs in with cheap hashing (see ``tests/conftest.py``)."""
