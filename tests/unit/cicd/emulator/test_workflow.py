"""Workflow loading as GitHub reads it, trigger filters, needs order and the critical path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from deploybook.cicd.emulator.expressions import Scope, interpolate
from deploybook.cicd.emulator.workflow import (
    WorkflowError,
    critical_path,
    finish_times,
    is_triggered,
    load_workflow,
    load_workflows,
    load_yaml,
    matches_filters,
)
from deploybook.paths import project_root

WORKFLOW = """\
name: demo
on:
  push:
    branches: [main, "release/**"]
    tags: ["v*"]
  pull_request:
    branches: [main]
  workflow_dispatch:
permissions: {}
jobs:
  lint:
    runs-on: ubuntu-24.04
    steps: [{run: "true"}]
  test:
    needs: lint
    runs-on: ubuntu-24.04
    steps: [{run: "true"}]
  deploy:
    needs: [lint, test]
    runs-on: ubuntu-24.04
    steps: [{run: "true"}]
"""


def _write(tmp_path: Path, text: str, name: str = "w.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_on_is_a_key_and_yes_is_a_string() -> None:
    data = load_yaml("on: push\nflag: yes\nreal: true\n")
    assert data == {"on": "push", "flag": "yes", "real": True}


def test_mappings_know_their_line(tmp_path: Path) -> None:
    wf = load_workflow(_write(tmp_path, WORKFLOW))
    assert wf.line_of("lint") == 11
    assert wf.line_of("deploy") == 18
    assert wf.line_of("nope") == 0
    assert wf.name == "demo"


def test_triggers_are_normalised(tmp_path: Path) -> None:
    assert load_workflow(
        _write(tmp_path, "on: push\njobs: {a: {runs-on: x, steps: []}}")
    ).triggers == {"push": {}}
    wf = load_workflow(
        _write(tmp_path, "on: [push, pull_request]\njobs: {a: {runs-on: x, steps: []}}")
    )
    assert wf.triggers == {"push": {}, "pull_request": {}}


@pytest.mark.parametrize(
    ("event", "ref", "base", "expected"),
    [
        ("push", "refs/heads/main", "", True),
        ("push", "refs/heads/release/1.0/fix", "", True),
        ("push", "refs/heads/feature", "", False),
        ("push", "refs/tags/v1.2.0", "", True),
        ("push", "refs/tags/nightly", "", False),
        ("pull_request", "refs/pull/3/merge", "main", True),
        ("pull_request", "refs/pull/3/merge", "dev", False),
        ("workflow_dispatch", "refs/heads/anything", "", True),
        ("schedule", "refs/heads/main", "", False),
    ],
)
def test_trigger_filters(tmp_path: Path, event: str, ref: str, base: str, expected: bool) -> None:
    wf = load_workflow(_write(tmp_path, WORKFLOW))
    assert is_triggered(wf, event, ref, base) is expected


def test_branches_only_filter_ignores_tags(tmp_path: Path) -> None:
    wf = load_workflow(
        _write(tmp_path, "on:\n  push:\n    branches: [main]\njobs: {a: {runs-on: x, steps: []}}")
    )
    assert not is_triggered(wf, "push", "refs/tags/v1")
    ignoring = load_workflow(
        _write(
            tmp_path,
            "on:\n  push:\n    branches-ignore: [wip/*]\njobs: {a: {runs-on: x, steps: []}}",
        )
    )
    assert is_triggered(ignoring, "push", "refs/heads/main")
    assert not is_triggered(ignoring, "push", "refs/heads/wip/x")


@pytest.mark.parametrize(
    ("name", "patterns", "expected"),
    [
        ("main", ["main"], True),
        ("feature/a", ["feature/*"], True),
        ("feature/a/b", ["feature/*"], False),
        ("feature/a/b", ["feature/**"], True),
        ("v1.2.3", ["v[0-9]+.*"], True),
        ("release/old", ["release/**", "!release/old"], False),
        ("mains", ["main"], False),
    ],
)
def test_filter_patterns(name: str, patterns: list[str], expected: bool) -> None:
    assert matches_filters(name, patterns) is expected


def test_unclosed_bracket_pattern_is_an_error() -> None:
    with pytest.raises(WorkflowError, match="unclosed"):
        matches_filters("x", ["[abc"])


def test_job_order_respects_needs(tmp_path: Path) -> None:
    wf = load_workflow(_write(tmp_path, WORKFLOW))
    assert wf.job_order() == ["lint", "test", "deploy"]
    assert wf.job_order(["deploy"]) == ["lint", "test", "deploy"]
    assert wf.needs("deploy") == ["lint", "test"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (WORKFLOW.replace("needs: lint", "needs: deploy"), "cycle: test -> deploy -> test"),
        (
            WORKFLOW.replace("needs: lint", "needs: lnit"),
            "job 'test' needs 'lnit', which does not exist",
        ),
    ],
)
def test_bad_needs_are_named(tmp_path: Path, text: str, message: str) -> None:
    wf = load_workflow(_write(tmp_path, text))
    with pytest.raises(WorkflowError, match=message):
        wf.job_order()


def test_unknown_job_lists_the_jobs(tmp_path: Path) -> None:
    wf = load_workflow(_write(tmp_path, WORKFLOW))
    with pytest.raises(WorkflowError, match="no job 'tset'; its jobs are: lint, test, deploy"):
        wf.job_order(["tset"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("on: push\njobs: [1, 2", "w.yml:2:.*invalid YAML"),
        ("- a\n- b\n", "must be a YAML mapping"),
        ("on: push\n", "needs a 'jobs' mapping"),
    ],
)
def test_bad_files_are_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(WorkflowError, match=message):
        load_workflow(_write(tmp_path, text))


def test_missing_file_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(WorkflowError, match="not found"):
        load_workflow(tmp_path / "nope.yml")
    with pytest.raises(WorkflowError, match="no workflow files"):
        load_workflows(tmp_path)


def test_the_books_workflows_load() -> None:
    workflows = {
        wf.path.name: wf for wf in load_workflows(project_root() / ".github" / "workflows")
    }
    assert {"ci.yml", "deploy.yml", "book.yml", "pages.yml"} <= set(workflows)
    assert workflows["book.yml"].is_reusable
    assert workflows["pages.yml"].is_reusable
    assert not workflows["ci.yml"].is_reusable


def test_critical_path_takes_the_longest_chain() -> None:
    durations = {"lint": 2.0, "unit": 5.0, "book": 10.0, "test": 1.0, "deploy": 3.0}
    needs = {"book": ["lint"], "test": ["lint", "unit"], "deploy": ["book", "test"], "unit": []}
    seconds, path = critical_path(durations, needs)
    assert path == ["lint", "book", "deploy"]
    assert seconds == pytest.approx(15.0)
    finish, waited_for = finish_times(durations, needs)
    assert finish == {"lint": 2.0, "unit": 5.0, "book": 12.0, "test": 6.0, "deploy": 15.0}
    assert waited_for["test"] == "unit"  # test starts when the later of its needs ends
    assert waited_for["lint"] is None


def test_critical_path_ignores_jobs_that_did_not_run() -> None:
    assert critical_path({"a": 1.0}, {"a": ["skipped"]}) == (1.0, ["a"])
    assert critical_path({}, {}) == (0.0, [])


def _concurrency(event: str, number: int | None, run_id: str) -> tuple[str, bool]:
    """ci.yml's concurrency group and cancel-in-progress for one event, as GitHub evaluates them."""
    wf = load_workflow(project_root() / ".github" / "workflows" / "ci.yml")
    payload = {"pull_request": {"number": number}} if number else {}
    github = {"event_name": event, "event": payload, "run_id": run_id, "workflow": "ci"}
    scope = Scope({"github": github, "inputs": {}, "vars": {}})
    spec = wf.data["concurrency"]
    return interpolate(spec["group"], scope), interpolate(spec["cancel-in-progress"], scope)


def test_ci_cancels_superseded_pull_request_runs_and_keeps_every_main_run() -> None:
    first, second = _concurrency("pull_request", 7, "101"), _concurrency("pull_request", 7, "102")
    assert first == second == ("ci-pr-7", True)  # a new push to PR 7 cancels the running one
    assert _concurrency("pull_request", 8, "103")[0] != first[0]
    main_a, main_b = _concurrency("push", None, "104"), _concurrency("push", None, "105")
    # distinct groups: in a shared one GitHub would cancel a queued main run
    assert main_a[0] != main_b[0]
    assert main_a[1] is main_b[1] is False


def test_jobs_that_smoke_test_install_playwright() -> None:
    """deploy/smoke import Playwright, a dev extra: every job (or the local smoke action)
    that runs them must install it first. Here the runner skips the install when the lock is
    proven satisfied, so this test is what catches a job that forgot it."""
    github = project_root() / ".github"
    smoke_action = load_yaml((github / "actions" / "smoke" / "action.yml").read_text())
    checked = 0
    for name in ("deploy.yml", "rollback.yml"):
        wf = load_workflow(github / "workflows" / name)
        for job_id, job in wf.jobs.items():
            steps = list(job.get("steps") or [])
            expanded = [
                inner
                for step in steps
                for inner in (
                    smoke_action["runs"]["steps"]
                    if step.get("uses") == "./.github/actions/smoke"
                    else [step]
                )
            ]
            runs = [str(step.get("run", "")) for step in expanded]
            browser = [i for i, r in enumerate(runs) if re.search(r"cicd (deploy|smoke)", r)]
            if not browser:
                continue
            installs = [
                r
                for r in runs[: browser[0]]
                if "pip install" in r and ("playwright" in r or "[dev]" in r)
            ]
            assert installs, f"{name} job {job_id!r} smoke-tests without installing playwright"
            checked += 1
    assert checked == 3  # staging, verify, rollback's verify
