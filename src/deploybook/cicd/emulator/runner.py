"""Run a workflow's jobs on this machine, the way GitHub Actions would, without Docker.

``LocalRunner.run`` reads a workflow, refuses it as GitHub would (an event that does not
trigger it, an expression using a context its key does not allow), builds the ``github``
context and hands the jobs to the :class:`~deploybook.cicd.emulator.scheduler.Scheduler`
(``needs``, ``if:``, matrices, reusable workflows), which hands each job instance to the
:class:`~deploybook.cicd.emulator.steps.StepRunner` (steps, actions, post steps). Secrets
come from a mapping (read from an env file with
:func:`deploybook.cicd.emulator.masking.load_env_file`) and every log line is masked.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from deploybook.cicd.emulator.actions import Services
from deploybook.cicd.emulator.artifact_store import ArtifactStore
from deploybook.cicd.emulator.cache_store import CacheStore
from deploybook.cicd.emulator.contexts import describe, expression_problems
from deploybook.cicd.emulator.expressions import to_string
from deploybook.cicd.emulator.gh import GitHubStore
from deploybook.cicd.emulator.masking import Masker
from deploybook.cicd.emulator.results import Event, RunResult
from deploybook.cicd.emulator.scheduler import (
    JobExecutor,
    RunnerError,
    RunState,
    Scheduler,
    Spot,
    declared_inputs,
)
from deploybook.cicd.emulator.steps import StepRunner, planned_job
from deploybook.cicd.emulator.workflow import Workflow, is_triggered, load_workflow
from deploybook.cicd.environment import Environment

__all__ = ["LocalRunner", "RunnerError"]


class LocalRunner:
    """Runs workflows in ``workspace`` (the repository's working tree).

    ``work_dir`` receives each run's temp files and artifacts; ``cache_dir`` is the cache
    store and ``github_root`` the local GitHub (releases, tags, attestations), both kept
    between runs. ``pages_root`` is the local environment ``deploy-pages`` publishes into,
    served at ``pages_url``. ``echo`` receives every (masked) log line live.
    """

    def __init__(
        self,
        workspace: str | Path,
        *,
        work_dir: str | Path,
        cache_dir: str | Path | None = None,
        github_root: str | Path | None = None,
        secrets: Mapping[str, str] | None = None,
        variables: Mapping[str, str] | None = None,
        skip_unknown: bool = False,
        pages_root: str | Path | None = None,
        pages_url: str = "",
        echo: Callable[[str], None] | None = None,
    ):
        self.workspace = Path(workspace).resolve()
        self.work_dir = Path(work_dir)
        self.cache = CacheStore(Path(cache_dir) if cache_dir else self.work_dir / "cache")
        self.github = GitHubStore(Path(github_root) if github_root else self.work_dir / "github")
        self.secrets = dict(secrets or {})
        self.variables = dict(variables or {})
        self.skip_unknown = skip_unknown
        self.pages = Environment(pages_root) if pages_root else None
        self.pages_url = pages_url
        self.echo = echo
        self.masker = Masker(self.secrets.values())
        self._runs = itertools.count(1)

    def run(
        self,
        workflow: Workflow | str | Path,
        event: Event | None = None,
        *,
        jobs: Sequence[str] | None = None,
        matrix: Mapping[str, Any] | None = None,
        dry_run: bool = False,
        executor: JobExecutor | None = None,
    ) -> RunResult:
        """Run ``jobs`` (default: all) for ``event``; ``matrix`` picks matrix combinations.

        ``dry_run`` plans instead: the jobs the event would start (their ``if:`` evaluated,
        needs assumed to succeed), with no step run. ``executor`` replaces the step runner
        (the model checker chooses each job's outcome with one).
        """
        wf = workflow if isinstance(workflow, Workflow) else load_workflow(self._path(workflow))
        self._check(wf)
        event = event or Event()
        if not is_triggered(wf, event.name, event.ref, event.base_ref):
            raise RunnerError(
                f"{wf.path.name} is not triggered by {event.name} on {event.ref}; "
                f"its triggers are: {', '.join(wf.triggers) or 'none'}"
            )
        run_id = f"{os.getpid()}{next(self._runs):03d}"
        run_dir = self.work_dir / f"run-{run_id}-{uuid.uuid4().hex[:6]}"
        services = Services(
            ArtifactStore(run_dir / "artifacts"),
            self.cache,
            run_dir / "temp",
            run_id,
            self.pages,
            self.pages_url,
            self.github,
        )
        services.temp.mkdir(parents=True)
        inputs = (
            declared_inputs(wf, "workflow_dispatch", event.inputs)
            if event.name == "workflow_dispatch"
            else {}
        )
        github = self._github(wf, event, run_id, inputs)
        if github["ref_type"] == "tag":
            self.github.add_tag(event.repository, github["ref_name"])
        if executor is None:
            executor = (
                planned_job
                if dry_run
                else StepRunner(
                    self.workspace,
                    services,
                    self.masker,
                    skip_unknown=self.skip_unknown,
                    echo=self.echo,
                )
            )
        run = RunState([], time.monotonic(), matrix)
        scheduler = Scheduler(executor, self._called, self.variables)
        scheduler.run_workflow(wf, github, inputs, self.secrets, run, jobs)
        seconds = time.monotonic() - run.start
        return RunResult(wf.name, event, run.results, seconds, services.artifacts.root)

    def _check(self, wf: Workflow) -> None:
        problems = expression_problems(wf)
        if problems:
            raise RunnerError(describe(wf, problems))

    def _called(self, uses: str, spot: Spot) -> Workflow:
        """The reusable workflow a job calls (only ``./.github/workflows/...`` runs here)."""
        if not uses.startswith("./"):
            raise RunnerError(
                f"job {spot.id!r} calls {uses}: only reusable workflows in this repository "
                "(uses: ./.github/workflows/...) run locally"
            )
        called = load_workflow(self.workspace / uses)
        if not called.is_reusable:
            raise RunnerError(f"job {spot.id!r} calls {uses}, which has no 'on: workflow_call'")
        self._check(called)
        return called

    def _path(self, workflow: str | Path) -> Path:
        path = Path(workflow)
        if path.is_file():
            return path
        return self.workspace / ".github" / "workflows" / path

    def _github(self, wf: Workflow, event: Event, run_id: str, inputs: Mapping[str, Any]) -> dict:
        sha = event.sha or _git_head(self.workspace) or "0" * 40
        is_tag = event.ref.startswith("refs/tags/")
        payload = dict(event.payload)
        if event.name == "workflow_dispatch":
            payload.setdefault("inputs", {k: to_string(v) for k, v in inputs.items()})
        try:
            relative = wf.path.resolve().relative_to(self.workspace)
        except ValueError:
            relative = Path(".github/workflows") / wf.path.name
        return {
            "event_name": event.name,
            "event": payload,
            "ref": event.ref,
            "ref_name": event.ref.removeprefix("refs/tags/").removeprefix("refs/heads/"),
            "ref_type": "tag" if is_tag else "branch",
            "sha": sha,
            "base_ref": event.base_ref,
            "head_ref": event.head_ref,
            "repository": event.repository,
            "repository_owner": event.repository.split("/")[0],
            "actor": event.actor,
            "triggering_actor": event.actor,
            "workflow": wf.name,
            "workflow_ref": f"{event.repository}/{relative}@{event.ref}",
            "run_id": run_id,
            "run_number": "1",
            "run_attempt": "1",
            "server_url": "https://github.com",
            "api_url": "https://api.github.com",
            "workspace": str(self.workspace),
            "token": self.secrets.get("GITHUB_TOKEN", ""),
        }


def _git_head(workspace: Path) -> str:
    git = shutil.which("git")
    if git is None:
        return ""
    proc = subprocess.run(  # noqa: S603 - fixed git arguments
        [git, "-C", str(workspace), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.strip() if proc.returncode == 0 else ""
