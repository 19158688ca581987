"""The pipeline's model checker: every trigger x job outcome, its properties, counterexamples."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deploybook.cicd.emulator.results import Event
from deploybook.cicd.modelcheck import (
    PROPERTIES,
    Trigger,
    check,
    check_edited,
    properties_table,
)
from deploybook.paths import project_root

WORKFLOWS = project_root() / ".github"
OLD_WORKFLOWS = Path(__file__).parent / "old_workflows"
PUSH = (Trigger("push", Event("push")),)


def test_every_property_holds_on_every_path_of_the_deploy_workflow(tmp_path: Path) -> None:
    result = check(WORKFLOWS / "workflows" / "deploy.yml", tmp_path)
    assert result.ok, result.counterexamples
    assert set(result.paths_per_trigger) == {"tag v*", "manual run", "manual roll back"}
    assert result.paths == sum(result.paths_per_trigger.values()) > 20
    assert all(row["held on every path"] for row in properties_table(result))


def test_removing_staging_from_productions_needs_yields_a_counterexample(
    tmp_path: Path,
) -> None:
    """Issue 14's test: production no longer waits for staging, so a build that failed its
    staging smoke test can still be published to Pages."""
    result = check_edited(
        WORKFLOWS, tmp_path, "deploy.yml", "    needs: [build, staging]\n", "    needs: [build]\n"
    )
    path = result.counterexamples["pages-after-staging"]
    assert path.result("staging") in ("failure", "skipped")  # its smoke test never passed
    assert path.result("production/publish") == "success"
    assert "production/publish: success (writes Pages)" in path.trace()


def test_a_pages_artifact_named_once_per_run_breaks_the_restore(tmp_path: Path) -> None:
    """A restore calls pages.yml a second time in the same run: with the default artifact
    name (github-pages) its upload is refused (artifact names are unique per run since
    upload-artifact v4). The local runner found it in a run; the checker proves it for
    every path, and the counterexample is the restore path."""
    result = check_edited(
        WORKFLOWS,
        tmp_path,
        "pages.yml",
        "          name: github-pages-${{ inputs.artifact }}\n",
        "",
    )
    path = result.counterexamples["unique-artifacts"]
    assert path.result("production/publish") == "success"
    assert path.result("restore/publish/publish") not in ("", "skipped")


def test_the_old_workflows_published_a_cached_build(tmp_path: Path) -> None:
    """The old book.yml restored caches on GitHub-hosted runners (``if: runner.environment
    == 'github-hosted'``), and deploy.yml published that build on a tag."""
    repo = tmp_path / "old"
    (repo / ".github" / "workflows").mkdir(parents=True)
    for path in OLD_WORKFLOWS.glob("*.yml"):
        shutil.copy(path, repo / ".github" / "workflows" / path.name)
    result = check(repo / ".github" / "workflows" / "deploy.yml", tmp_path / "work")
    trace = result.counterexamples["no-cached-release"].trace()
    assert "build/build: success (restores a cache)" in trace


@pytest.mark.parametrize(
    ("jobs", "paths"),
    [
        # a and b independent: a success or failure leaves b 3 ways; a cancelled skips b
        ("  a: {runs-on: x, steps: []}\n  b: {runs-on: x, steps: []}\n", 3 + 3 + 1),
        # b needs a: only a success leaves b 3 ways
        ("  a: {runs-on: x, steps: []}\n  b: {needs: a, runs-on: x, steps: []}\n", 3 + 1 + 1),
        # c runs always() after b: a failure or success, c still chooses
        (
            "  a: {runs-on: x, steps: []}\n  b: {needs: a, if: always(), runs-on: x, steps: []}\n",
            3 + 3 + 3,
        ),
    ],
)
def test_paths_are_counted_as_worked_out_by_hand(tmp_path: Path, jobs: str, paths: int) -> None:
    """Each job that runs succeeds, fails, or is where the run is cancelled (cancelled()
    true from then on); the counts are worked out by hand from GitHub's job-if rules."""
    folder = tmp_path / "repo" / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "w.yml").write_text(f"on: push\njobs:\n{jobs}")
    assert check(folder / "w.yml", tmp_path / "work", triggers=PUSH).paths == paths


def test_every_property_says_what_it_checks() -> None:
    assert len({p.name for p in PROPERTIES}) == len(PROPERTIES)
    assert all(p.text and p.holds.__doc__ for p in PROPERTIES)
