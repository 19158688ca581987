"""The CI/CD report, run end to end on small parameter sets (no Spark)."""

from __future__ import annotations

import pytest
from papermill.exceptions import PapermillExecutionError

pytestmark = pytest.mark.notebook


def _always(figures: dict) -> None:
    assert figures["workflow_jobs"] == 14
    assert figures["validation_findings"] == 0
    assert figures["actions_unpinned"] == 0
    assert figures["broken_variants_caught"] == figures["broken_variants"] == 4
    assert figures["rollback_jobs"] == "fetch-release, rollback/publish, verify"
    assert figures["ci_matches_by_hand"] is True
    assert figures["ci_by_hand_verdict"].startswith("all ")
    assert figures["secret_in_log"] is False
    assert figures["cache_restored_on_second_build"] is True
    assert figures["notebooks_executed_cold"] == 1
    assert figures["notebooks_executed_warm"] == 0
    assert figures["notebooks_from_cache_warm"] == 1
    assert figures["cache_speedup"] > 0  # timings are measured, not asserted (benchmarks/)
    assert figures["critical_path_jobs"] == "build/build → staging → production/publish → verify"
    assert figures["critical_path_seconds"] > 0
    assert 0 < figures["smoke_share"] < 1
    assert figures["probes_total"] > 50
    # a switch never serves an error page; a probe the busy loopback server did not answer
    # in time is listed in the report, not hidden
    assert figures["probes_http_errors"] == 0
    assert "setup-python asks for Python" in figures["other_python_refused"]


def test_a_broken_release_is_caught_and_rolled_back_without_downtime(run) -> None:
    figures = run(
        "cicd_pipeline",
        ci_jobs=["lint"],
        releases=2,
        broken_release="dead-link",
        probe_interval_ms=40,
    )
    _always(figures)
    assert figures["cache_hit_on_second_build"] is False  # the defect is in a prose page
    assert figures["served_during_rollback"] is True
    assert figures["probes_during_rollback"] >= 10
    assert figures["probe_max_gap_seconds"] < 5
    assert figures["rollback_seconds"] >= 0
    assert figures["rolled_back_release"].startswith("v0.2.0-")
    assert figures["restored_release"].startswith("v0.1.0-")
    assert figures["broken_release_promoted"] is False
    assert figures["jobs_run_here"] == 6  # lint, the secrets demo's unit job, four of deploy.yml


def test_good_releases_only(run) -> None:
    figures = run(
        "cicd_pipeline",
        ci_jobs=["unit"],
        unit_tests="tests/unit/cicd/test_matrix.py",
        releases=2,
        broken_release="none",
        keep_releases=3,
        probe_interval_ms=40,
    )
    _always(figures)
    assert figures["cache_hit_on_second_build"] is True
    assert figures["ci_result"] == "success"
    assert figures["ci_verdict"] == "all 1 jobs passed"
    assert figures["rollback_seconds"] is None
    assert figures["served_during_rollback"] is None
    assert figures["manual_rollback_seconds"] >= 0
    assert figures["jobs_run_here"] == 5  # unit and four of deploy.yml; lint is not chosen


def test_bad_parameter_names_it(run) -> None:
    with pytest.raises(PapermillExecutionError, match="releases"):
        run("cicd_pipeline", releases=1)
