"""The trigger -> job -> environment graph, planned from the real workflows."""

from __future__ import annotations

from pathlib import Path

from deploybook.cicd.graph import count_jobs, pipeline_figure, plan
from deploybook.paths import project_root


def test_plan_of_the_books_workflows(tmp_path: Path) -> None:
    planned = plan(project_root(), tmp_path)
    by_trigger = {t: set(rows["job"]) for t, rows in planned.groupby("trigger")}
    assert by_trigger["tag v*"] == {
        "deploy: build/build",
        "deploy: attest",
        "deploy: staging",
        "deploy: production/publish",
        "deploy: verify",
        "deploy: release",
    }
    # a rollback is smoke-tested too: rollback.yml fetches, publishes (pages.yml), verifies
    assert by_trigger["manual roll back"] == {
        "deploy: rollback/fetch",
        "deploy: rollback/publish/publish",
        "deploy: rollback/verify",
    }
    assert by_trigger["manual run"] >= {"deploy: build/build", "deploy: staging"}
    assert "deploy: production/publish" not in by_trigger["manual run"]
    assert by_trigger["pull request"] == {
        "ci: lint",
        "ci: unit",
        "ci: test",
        "ci: types",
        "ci: matrix",
        "ci: environments",
        "ci: book/build",
    }
    environments = dict(zip(planned["job"], planned["environment"], strict=True))
    assert environments["deploy: staging"] == "staging"
    assert environments["deploy: production/publish"] == "github-pages"
    staging = planned[(planned["trigger"] == "tag v*") & (planned["job"] == "deploy: staging")]
    assert staging.iloc[0]["needs"] == ["deploy: build/build", "deploy: attest"]


def test_figure_draws_triggers_jobs_and_environments(tmp_path: Path) -> None:
    planned = plan(project_root(), tmp_path)
    fig = pipeline_figure(planned, "t")
    names = [trace.name for trace in fig.data]
    assert {"tag v*", "pull request", "trigger", "job", "environment"} <= set(names)
    environments = next(trace for trace in fig.data if trace.name == "environment")
    assert set(environments.text) == {"staging", "github-pages"}


def test_count_jobs() -> None:
    table = count_jobs(project_root()).set_index("workflow")
    assert table.loc["ci.yml", "jobs"] == 7
    assert bool(table.loc["book.yml", "reusable"])
