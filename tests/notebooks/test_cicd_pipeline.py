"""The CI/CD report, run end to end on a matrix of small parameter sets (no Spark).

Each set is executed and rendered once a session (``report_run``); together they flip every
outcome the prose states: a release rejected in staging's idle slot or none, one that passes
staging and fails on the published site (restored from the latest GitHub release), a
rollback dispatched by hand or none to go to, CI passing or failing. Each set pushes at
least two release tags through deploy.yml, real book builds and browser smoke tests (two to
three minutes a set here), so only the default runs in ``make test``; the others are marked
``matrix`` (``make test-matrix``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from papermill.exceptions import PapermillExecutionError

from deploybook.prose import prose_problems

pytestmark = pytest.mark.notebook

SMALL = {"releases": 2, "ci_jobs": ["unit"], "probe_interval_ms": 40}
MATRIX: dict[str, dict[str, Any]] = {
    "default": {},
    # every release good: none rejected, nothing restored, a rollback to the first one
    "none": {
        **SMALL,
        "broken_release": "none",
        "keep_releases": 3,
        "unit_tests": "tests/unit/cicd/emulator/test_matrix.py",
    },
    # a dead link caught in staging's idle slot; one GitHub release, so no rollback; CI
    # fails (its unit job is given a test file that does not exist)
    "dead-link": {
        **SMALL,
        "broken_release": "dead-link",
        "unit_tests": "tests/unit/cicd/no_such_test.py",
    },
    # a root-absolute link: passes staging (served at a domain's root), fails on Pages
    # (served under /deploybook/), and the previous release is published again
    "absolute-link": {
        **SMALL,
        "broken_release": "absolute-link",
        "unit_tests": "tests/unit/cicd/emulator/test_matrix.py",
    },
}
RunFor = Callable[[str], Any]


@pytest.fixture
def run_of(report_run: Callable[..., Any]) -> RunFor:
    return lambda name: report_run("cicd_pipeline", MATRIX[name])


SETS = [
    pytest.param(name, marks=[] if name == "default" else [pytest.mark.matrix], id=name)
    for name in MATRIX
]


@pytest.mark.parametrize("name", SETS)
def test_every_set_renders_prose_that_is_true(run_of: RunFor, name: str) -> None:
    run = run_of(name)
    assert prose_problems(run.html, run.figures) == []
    f = run.figures
    assert f["workflow_jobs"] == 20  # ci.yml: 7 jobs, with types, matrix and environments
    assert f["validation_findings"] == 0
    assert f["actions_unpinned"] == 0
    assert f["actions_on_node24"] == f["actions_pinned"] == 9
    assert f["broken_variants_caught"] == f["broken_variants"] == 6
    assert f["old_release_cache_findings"] == 3
    assert f["expression_cases_passed"] == f["expression_cases"] == 1020
    assert f["rollback_jobs"] == "rollback/fetch, rollback/publish/publish, rollback/verify"
    assert f["ci_matches_by_hand"] is True
    assert f["secret_in_log"] is False
    assert f["install_steps_proven"] >= 1
    assert f["critical_path_jobs"] == (
        "build/build → attest → staging → production/publish → verify → release"
    )
    assert f["model_check_passed"] is True
    assert f["model_checked_paths"] > 20
    assert f["without_staging_counterexample"] is True
    # a switch never serves an error page; a probe the busy loopback server did not answer
    # in time is listed in the report, not hidden
    assert f["probes_http_errors"] == 0
    assert "setup-python asks for Python" in f["other_python_refused"]
    assert "None" not in run.prose


def test_default_rejects_the_broken_release_and_rolls_back_by_hand(run_of: RunFor) -> None:
    f = run_of("default").figures
    assert f["broken_release_rejected"] is True
    assert f["rejected_release"].startswith("v0.3.0-")
    assert f["live_release_kept"] is True
    assert f["broken_release_served_probes"] == 0
    assert f["probes_during_rejection"] >= 5
    assert f["pages_restored"] is False
    assert f["rollback_dispatched"] is True
    assert f["dispatch_passed"] is True
    assert f["dispatch_target"] == "v0.1.0"
    assert f["dispatch_served"].startswith("v0.1.0-")
    assert f["ci_passed"] is True


@pytest.mark.matrix
def test_good_releases_only(run_of: RunFor) -> None:
    run = run_of("none")
    f = run.figures
    assert f["broken_release_rejected"] is False
    assert "No release failed its smoke test in staging in this run" in run.prose
    assert f["rejected_release"] == ""
    assert f["broken_release_served_probes"] == 0
    assert f["rollback_dispatched"] is True
    assert f["dispatch_served"].startswith("v0.1.0-")
    assert f["staging_releases_kept"] == 2


@pytest.mark.matrix
def test_a_dead_link_is_caught_in_staging_and_ci_fails(run_of: RunFor) -> None:
    run = run_of("dead-link")
    f = run.figures
    assert f["broken_release_rejected"] is True
    assert f["rejected_release"].startswith("v0.2.0-")
    assert f["ci_passed"] is False
    assert "failed" in f["ci_sentence"]
    assert f["rollback_dispatched"] is False
    assert "There was no earlier GitHub release to roll back to" in run.prose


@pytest.mark.matrix
def test_a_defect_only_the_published_site_shows_is_restored(run_of: RunFor) -> None:
    """The issue's test: a defect that passes staging but fails on the published site ends
    with the previous release served."""
    run = run_of("absolute-link")
    f = run.figures
    assert f["broken_release_rejected"] is False
    assert f["pages_restored"] is True
    assert f["pages_broken_release"].startswith("v0.2.0-")
    assert f["pages_restored_release"].startswith("v0.1.0-")
    assert f["broken_release_served"] is True  # readers got it until the restore
    assert f["github_releases"] == 1  # the broken release never became a GitHub release
    assert "the latest GitHub release again" in run.prose


def test_bad_parameter_names_it(run: Callable[..., Any]) -> None:
    with pytest.raises(PapermillExecutionError, match="releases"):
        run("cicd_pipeline", releases=1)
