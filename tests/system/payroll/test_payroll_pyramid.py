"""The pyramid runner runs a real level of tests in a child pytest and reads what happened."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploybook.payroll.report.pyramid import combined_coverage, run_level

pytestmark = pytest.mark.tooling  # the live pyramid does not test its own instruments


def test_acceptance_level_runs_with_coverage(tmp_path: Path) -> None:
    result = run_level("acceptance", tmp_path, extra=("-k", "never_paid_twice or bank_file"))
    assert (result.tests, result.passed, result.failed) == (2, 2, 0)
    assert 0 < result.coverage_percent < 100
    assert combined_coverage([result]) == result.coverage_percent
    assert {name for name, _ in result.cases} == {
        "test_a_fortnight_is_never_paid_twice",
        "test_the_bank_file_pays_every_net_amount",
    }
