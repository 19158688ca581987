"""The acceptance scenarios' tags, registered as markers (``--strict-markers``)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "published: every amount is as the ATO published it")
    config.addinivalue_line(
        "markers", "computed: amounts computed by hand from published figures (shown)"
    )
