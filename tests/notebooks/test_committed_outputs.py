"""Each report's default run reproduces the outputs its committed notebook checks.

The committed notebook is the reference: its cells marked ``# NBVAL_CHECK_OUTPUT`` keep the
outputs of a default run that was read and frozen (``deploybook freeze``). The default run of
the session (shared with the report's own tests) must reproduce them, volatile text masked.
"""

from __future__ import annotations

import configparser
from collections.abc import Callable

import pytest

from deploybook.notebooks import output_differences
from deploybook.paths import project_root
from deploybook.reports import report_path

pytestmark = pytest.mark.notebook


def _masks() -> dict[str, str]:
    config = configparser.ConfigParser()
    config.read(project_root() / "tests" / "notebooks" / "output_masks.cfg")
    return {config[s]["regex"]: config[s]["replace"] for s in config.sections()}


def test_default_run_reproduces_the_checked_outputs(report: str, report_run: Callable) -> None:
    default = report_run(report, {})
    assert output_differences(report_path(report), default.notebook, _masks()) == []
