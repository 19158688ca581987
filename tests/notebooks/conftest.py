"""Report runs for the notebook tests: each parameter set executed and rendered once a session.

``report_run(report, parameters)`` executes the report with papermill into
``_build/test-notebooks/`` (kept for inspection), renders the executed notebook to HTML with
the book's stack, and caches the result for the rest of the session, so the default run of a
report is executed once however many tests read it. ``run`` executes afresh, for the tests
of bad parameters. Both apply :data:`UNDER_TEST` first.

The report kernels run without coverage measurement: measured, a default run took 20 to 60 %
longer (here the payroll report 364 s against 294 s, CI/CD 180 s against 112 s), and the
library code they run has unit tests of its own.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from deploybook.figures import Figure
from deploybook.paths import project_root
from deploybook.prose import prose_text
from deploybook.reports import report_names, run_report
from deploybook.rerun import render_page

RunReport = Callable[..., dict[str, Figure]]
SPARK_REPORTS = {"dlt_retraining"}
# What every run here sets unless a test says otherwise: the retraining report without its
# three-environment comparison (about 4 minutes: three processes, a standalone cluster and a
# Spark Connect server), which ``make test-environments`` runs (CI's environments job).
UNDER_TEST: dict[str, dict[str, Any]] = {"dlt_retraining": {"compare_environments": False}}


def _values(report: str, parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    return {**UNDER_TEST.get(report, {}), **(parameters or {})}


@contextmanager
def _unmeasured() -> Iterator[None]:
    """Start no coverage in the kernels started inside (coverage's ``patch = subprocess`` passes
    its configuration to child processes in this variable)."""
    saved = os.environ.pop("COVERAGE_PROCESS_CONFIG", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["COVERAGE_PROCESS_CONFIG"] = saved


@dataclass(frozen=True)
class ReportRun:
    """One executed and rendered run of a report."""

    report: str
    parameters: Mapping[str, Any]
    notebook: Path
    figures: dict[str, Figure] = field(repr=False)
    html: Path

    @cached_property
    def prose(self) -> str:
        """The page's visible prose (code cells and their outputs left out)."""
        return prose_text(self.html)


@pytest.fixture(scope="session")
def report_run() -> Callable[..., ReportRun]:
    """``report_run(report, parameters)``: the run of that parameter set, executed once."""
    done: dict[str, ReportRun | BaseException] = {}

    def _run(report: str, parameters: Mapping[str, Any] | None = None) -> ReportRun:
        values = _values(report, parameters)
        key = f"{report}-{json.dumps(values, sort_keys=True)}"
        if key not in done:
            digest = hashlib.sha256(key.encode()).hexdigest()[:10]
            out = project_root() / "_build" / "test-notebooks" / "runs" / f"{report}-{digest}"
            try:
                with _unmeasured():
                    notebook, figures = run_report(report, values, out)
                done[key] = ReportRun(report, values, notebook, figures,
                                      render_page(notebook, out / "html"))  # fmt: skip
            except Exception as exc:  # a failed run fails every test that reads it, once
                done[key] = exc
        result = done[key]
        if isinstance(result, BaseException):
            raise result
        return result

    return _run


@pytest.fixture(
    params=[
        pytest.param(r, marks=[pytest.mark.spark] if r in SPARK_REPORTS else [], id=r)
        for r in report_names()
    ]
)
def report(request: pytest.FixtureRequest) -> str:
    """Each report in turn, by name (the Spark report marked ``spark``)."""
    return str(request.param)


@pytest.fixture
def run(request: pytest.FixtureRequest) -> RunReport:
    """``run(report, **parameters)`` executes the report afresh and returns its glued figures."""

    def _run(report: str, **parameters: Any) -> dict[str, Figure]:
        out = project_root() / "_build" / "test-notebooks" / request.node.name
        with _unmeasured():
            _, figures = run_report(report, _values(report, parameters), Path(out))
        return figures

    return _run
