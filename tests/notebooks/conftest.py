"""Run report notebooks with papermill into ``_build/test-notebooks/`` (kept for inspection)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deploybook.figures import Figure
from deploybook.paths import project_root
from deploybook.reports import run_report

RunReport = Callable[..., dict[str, Figure]]


@pytest.fixture
def run(request: pytest.FixtureRequest) -> RunReport:
    """``run(report, **parameters)`` executes the report and returns its glued figures."""

    def _run(report: str, **parameters: Any) -> dict[str, Figure]:
        out = project_root() / "_build" / "test-notebooks" / request.node.name
        _, figures = run_report(report, parameters, Path(out))
        return figures

    return _run
