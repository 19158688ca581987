"""Run a workflow's jobs on this machine, the way GitHub Actions would, without Docker.

``LocalRunner.run`` reads a workflow, checks that the event triggers it, and runs the
selected jobs (and the jobs they need) in ``needs`` order: job and step ``if:``
conditions, matrix expansion (``include``/``exclude``, a selection like ``act --matrix``),
reusable workflows called with ``uses: ./.github/workflows/x.yml``, ``run:`` steps with
their ``shell``, ``working-directory`` and ``env``, step outputs and environment through
``$GITHUB_OUTPUT``/``$GITHUB_ENV``/``$GITHUB_PATH``, job outputs, ``continue-on-error``
and ``timeout-minutes``. Well-known actions run as their local equivalents
(:mod:`deploybook.cicd.emulator.actions`). Secrets come from a mapping (read from an env file with
:func:`deploybook.cicd.emulator.masking.load_env_file`) and every log line is masked.
"""

from __future__ import annotations

import itertools
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploybook.cicd.emulator.actions import (
    ActionCall,
    ActionError,
    Services,
    local_action,
    split_uses,
)
from deploybook.cicd.emulator.artifact_store import ArtifactStore
from deploybook.cicd.emulator.cache_store import CacheStore
from deploybook.cicd.emulator.expressions import (
    ExpressionError,
    Scope,
    evaluate_condition,
    interpolate,
    interpolate_all,
    to_string,
)
from deploybook.cicd.emulator.hashing import hash_files
from deploybook.cicd.emulator.masking import Masker
from deploybook.cicd.emulator.matrix import describe, expand_matrix, select
from deploybook.cicd.emulator.results import Event, JobResult, RunResult, StepResult
from deploybook.cicd.emulator.shell import read_file_commands, shell_template
from deploybook.cicd.emulator.workflow import Workflow, is_triggered, load_workflow
from deploybook.cicd.environment import Environment

_LINUX_LABELS = ("ubuntu", "linux", "self-hosted", "x64")


class RunnerError(RuntimeError):
    """A workflow the local runner cannot run: not triggered, bad inputs, unsupported feature."""


@dataclass
class _Run:
    """What every job of one run shares."""

    services: Services
    results: list[JobResult]
    start: float
    matrix: Mapping[str, Any] | None
    dry_run: bool = False


@dataclass(frozen=True)
class _Spot:
    """Where a job sits: its id, its key in the results (``caller/job``), its needs' keys."""

    id: str
    key: str
    needs: list[str]


@dataclass
class _Job:
    """Mutable state of one running job instance."""

    result: JobResult
    scope: Scope
    env: dict[str, str]
    env_ctx: dict[str, str] = field(default_factory=dict)
    exported: dict[str, str] = field(default_factory=dict)
    path: list[str] = field(default_factory=list)
    failed: bool = False
    cancelled: bool = False
    deadline: float = float("inf")
    posts: list[tuple[str, ActionCall]] = field(default_factory=list)


class LocalRunner:
    """Runs workflows in ``workspace`` (the repository's working tree).

    ``work_dir`` receives each run's temp files and artifacts; ``cache_dir`` is the cache
    store (kept between runs). ``pages_root`` is the local environment ``deploy-pages``
    publishes into, served at ``pages_url``. ``echo`` receives every (masked) log line live.
    """

    def __init__(
        self,
        workspace: str | Path,
        *,
        work_dir: str | Path,
        cache_dir: str | Path | None = None,
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
        self.secrets = dict(secrets or {})
        self.variables = dict(variables or {})
        self.skip_unknown = skip_unknown
        self.pages = Environment(pages_root) if pages_root else None
        self.pages_url = pages_url
        self.echo = echo
        self.masker = Masker(self.secrets.values())
        self._runs = itertools.count(1)

    # ------------------------------------------------------------------ runs

    def run(
        self,
        workflow: Workflow | str | Path,
        event: Event | None = None,
        *,
        jobs: Sequence[str] | None = None,
        matrix: Mapping[str, Any] | None = None,
        dry_run: bool = False,
    ) -> RunResult:
        """Run ``jobs`` (default: all) for ``event``; ``matrix`` picks matrix combinations.

        ``dry_run`` plans instead: the jobs the event would start (their ``if:`` evaluated,
        needs assumed to succeed), with no step run.
        """
        wf = workflow if isinstance(workflow, Workflow) else load_workflow(self._path(workflow))
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
        )
        services.temp.mkdir(parents=True)
        inputs = (
            _inputs(wf, "workflow_dispatch", event.inputs)
            if event.name == "workflow_dispatch"
            else {}
        )
        github = self._github(wf, event, run_id, inputs)
        run = _Run(services, [], time.monotonic(), matrix, dry_run)
        self._run_workflow(wf, github, inputs, self.secrets, run, jobs, "")
        seconds = time.monotonic() - run.start
        return RunResult(wf.name, event, run.results, seconds, services.artifacts.root)

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
            "run_id": run_id,
            "run_number": "1",
            "run_attempt": "1",
            "server_url": "https://github.com",
            "api_url": "https://api.github.com",
            "workspace": str(self.workspace),
            "token": self.secrets.get("GITHUB_TOKEN", ""),
        }

    def _run_workflow(
        self,
        wf: Workflow,
        github: dict,
        inputs: Mapping[str, Any],
        secrets: Mapping[str, str],
        run: _Run,
        selected: Sequence[str] | None,
        prefix: str,
    ) -> dict[str, dict[str, Any]]:
        """Run a workflow's jobs; return the ``jobs`` context (result and outputs per id)."""
        done: dict[str, dict[str, Any]] = {}
        for job_id in wf.job_order(selected):
            job = wf.jobs[job_id]
            needs = wf.needs(job_id)
            needs_ctx = {n: done[n] for n in needs}
            ancestors_failed = _ancestors_failed(wf, job_id, done)
            scope = Scope(
                {
                    "github": {**github, "job": job_id},
                    "needs": needs_ctx,
                    "vars": self.variables,
                    "inputs": dict(inputs),
                    "secrets": dict(secrets),
                    "env": {},
                },
                status=lambda name, needs_ctx=needs_ctx, failed=ancestors_failed: {
                    "success": all(n["result"] == "success" for n in needs_ctx.values()),
                    "failure": failed,
                    "cancelled": False,
                }[name],
            )
            spot = _Spot(job_id, f"{prefix}{job_id}", [f"{prefix}{n}" for n in needs])
            try:
                runs = evaluate_condition(job.get("if", "success()"), scope)
            except ExpressionError as exc:
                raise RunnerError(f"{wf.path.name}: job {job_id!r} if: {exc}") from None
            if not runs:
                now = time.monotonic() - run.start
                run.results.append(JobResult(spot.key, job_id, "skipped", now, 0.0, spot.needs))
                done[job_id] = {"result": "skipped", "outputs": {}}
            elif "uses" in job:
                done[job_id] = self._call(job, scope, secrets, run, spot)
            else:
                done[job_id] = self._run_matrix(wf, job, scope, run, spot)
        return done

    def _call(
        self,
        job: Mapping[str, Any],
        scope: Scope,
        secrets: Mapping[str, str],
        run: _Run,
        spot: _Spot,
    ) -> dict[str, Any]:
        """Run a reusable workflow (``uses: ./.github/workflows/x.yml``) as one job."""
        uses = str(job["uses"])
        if not uses.startswith("./"):
            raise RunnerError(
                f"job {spot.id!r} calls {uses}: only reusable workflows in this repository "
                "(uses: ./.github/workflows/...) run locally"
            )
        called = load_workflow(self.workspace / uses)
        if not called.is_reusable:
            raise RunnerError(f"job {spot.id!r} calls {uses}, which has no 'on: workflow_call'")
        inputs = _inputs(
            called, "workflow_call", interpolate_all(dict(job.get("with") or {}), scope)
        )
        passed = job.get("secrets")
        called_secrets = (
            dict(secrets)
            if passed == "inherit"
            else {k: to_string(v) for k, v in interpolate_all(dict(passed or {}), scope).items()}
        )
        first = len(run.results)
        began = time.monotonic() - run.start
        github = scope.contexts["github"]
        jobs_ctx = self._run_workflow(
            called, github, inputs, called_secrets, run, None, f"{spot.key}/"
        )
        for result in run.results[first:]:
            result.needs = result.needs or list(spot.needs)
        outputs_spec = called.triggers["workflow_call"].get("outputs") or {}
        out_scope = Scope({**scope.contexts, "jobs": jobs_ctx, "inputs": inputs})
        outputs = {
            name: to_string(interpolate_all(spec.get("value", ""), out_scope))
            for name, spec in outputs_spec.items()
        }
        verdict = _call_result({j["result"] for j in jobs_ctx.values()})
        seconds = time.monotonic() - run.start - began
        name = str(job.get("name") or spot.id)
        run.results.append(
            JobResult(spot.key, name, verdict, began, seconds, spot.needs, outputs=outputs)
        )
        return {"result": verdict, "outputs": outputs}

    def _run_matrix(
        self, wf: Workflow, job: Mapping[str, Any], scope: Scope, run: _Run, spot: _Spot
    ) -> dict[str, Any]:
        strategy = interpolate_all(dict(job.get("strategy") or {}), scope)
        combos = expand_matrix(strategy.get("matrix"))
        keys = set(combos[0]) if combos and combos[0] else set()
        if run.matrix and keys and set(run.matrix) <= keys:
            combos = select(combos, run.matrix)
        fail_fast = strategy.get("fail-fast", True) is not False
        outcomes: list[str] = []
        outputs: dict[str, str] = {}
        for index, combo in enumerate(combos):
            if fail_fast and "failure" in outcomes:
                name = _job_name(spot.id, job, combo, scope)
                now = time.monotonic() - run.start
                error = "cancelled by fail-fast"
                run.results.append(
                    JobResult(spot.key, name, "cancelled", now, 0.0, spot.needs, combo, error=error)
                )
                outcomes.append("cancelled")
                continue
            strategy_ctx = {"fail-fast": fail_fast, "job-index": index, "job-total": len(combos)}
            instance = self._run_job(wf, job, scope, combo, strategy_ctx, run, spot)
            run.results.append(instance)
            outcomes.append(instance.result)
            outputs.update(instance.outputs)
        result = "failure" if {"failure", "cancelled"} & set(outcomes) else "success"
        return {"result": result, "outputs": outputs}

    # ------------------------------------------------------------------ one job

    def _run_job(
        self,
        wf: Workflow,
        job: Mapping[str, Any],
        base: Scope,
        combo: Mapping[str, Any],
        strategy: Mapping[str, Any],
        run: _Run,
        spot: _Spot,
    ) -> JobResult:
        began = time.monotonic()
        contexts = {
            **base.contexts,
            "matrix": dict(combo),
            "strategy": dict(strategy),
            "runner": self._runner_context(run.services),
            "job": {"status": "success"},
            "steps": {},
        }
        scope = Scope(contexts, hash_files=lambda patterns: hash_files(self.workspace, patterns))
        name = _job_name(spot.id, job, combo, scope)
        result = JobResult(
            spot.key, name, "success", began - run.start, 0.0, spot.needs, dict(combo)
        )
        environment = job.get("environment")
        if environment:
            result.environment = str(
                environment.get("name") if isinstance(environment, Mapping) else environment
            )
        if run.dry_run:
            return result
        state = _Job(result, scope, {})
        scope.status = lambda name: {
            "success": not state.failed and not state.cancelled,
            "failure": state.failed,
            "cancelled": state.cancelled,
        }[name]
        try:
            self._prepare(wf, spot.id, job, state, run.services)
            for index, step in enumerate(job.get("steps") or []):
                self._step(wf, job, index, step, state, run)
        except (RunnerError, ExpressionError, ActionError, ValueError) as exc:
            state.failed = True
            result.error = self.masker.mask(str(exc))
        for post_name, call in reversed(state.posts):
            if not state.failed and not state.cancelled:
                self._post_step(post_name, call, state, run.start)
        try:
            self._job_outputs(job, scope, result)
        except ExpressionError as exc:
            state.failed, result.error = True, self.masker.mask(str(exc))
        result.result = "cancelled" if state.cancelled else "failure" if state.failed else "success"
        result.seconds = time.monotonic() - began
        return result

    def _job_outputs(self, job: Mapping[str, Any], scope: Scope, result: JobResult) -> None:
        """Evaluate ``outputs:`` (after failed steps too); like GitHub, drop any that
        holds a secret, with a warning, rather than pass it to other jobs."""
        for name, spec in dict(job.get("outputs") or {}).items():
            value = to_string(interpolate_all(spec, scope))
            if self.masker.mask(value) != value:
                result.warnings.append(f"Skip output '{name}' since it may contain secret.")
            else:
                result.outputs[name] = value

    def _runner_context(self, services: Services) -> dict[str, str]:
        return {
            "os": "Linux" if sys.platform.startswith("linux") else platform.system(),
            "arch": "ARM64" if platform.machine() in ("aarch64", "arm64") else "X64",
            "name": "deploybook-local",
            "environment": "self-hosted",
            "temp": str(services.temp),
            "tool_cache": str(services.temp / "tool-cache"),
            "debug": "",
        }

    def _prepare(
        self, wf: Workflow, job_id: str, job: Mapping[str, Any], state: _Job, services: Services
    ) -> None:
        scope = state.scope
        labels = interpolate_all(job.get("runs-on", ""), scope)
        labels = [labels] if isinstance(labels, str) else list(labels or [])
        if not labels or not all(
            any(str(label).lower().startswith(p) for p in _LINUX_LABELS) for label in labels
        ):
            raise RunnerError(
                f"job {job_id!r} runs on {labels or 'nothing'}; the local runner is a Linux machine"
            )
        for unsupported in ("container", "services"):
            if job.get(unsupported):
                raise RunnerError(
                    f"job {job_id!r} uses {unsupported!r}, which needs Docker (not available here)"
                )
        minutes = float(to_string(interpolate_all(job.get("timeout-minutes", 360), scope)) or 360)
        state.deadline = time.monotonic() + minutes * 60
        github = scope.contexts["github"]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
        env.update(
            {
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_WORKSPACE": str(self.workspace),
                "GITHUB_EVENT_NAME": github["event_name"],
                "GITHUB_REF": github["ref"],
                "GITHUB_REF_NAME": github["ref_name"],
                "GITHUB_REF_TYPE": github["ref_type"],
                "GITHUB_SHA": github["sha"],
                "GITHUB_REPOSITORY": github["repository"],
                "GITHUB_RUN_ID": github["run_id"],
                "GITHUB_JOB": job_id,
                "GITHUB_WORKFLOW": github["workflow"],
                "GITHUB_ACTOR": github["actor"],
                "RUNNER_OS": scope.contexts["runner"]["os"],
                "RUNNER_TEMP": str(services.temp),
                "RUNNER_ENVIRONMENT": "self-hosted",
            }
        )
        env_ctx: dict[str, str] = {}
        for level in (wf.data.get("env"), job.get("env")):
            for key, value in (level or {}).items():
                scope.contexts["env"] = dict(env_ctx)
                env_ctx[key] = to_string(interpolate_all(value, scope))
        scope.contexts["env"] = dict(env_ctx)
        state.env_ctx = env_ctx
        env.update(env_ctx)
        state.env = env

    # ------------------------------------------------------------------ steps

    def _step(
        self,
        wf: Workflow,
        job: Mapping[str, Any],
        index: int,
        step: Mapping[str, Any],
        state: _Job,
        run: _Run,
    ) -> None:
        scope = state.scope
        step_id = str(step.get("id") or f"__step{index + 1}")
        name = _step_name(step, scope)
        kind = "run" if "run" in step else "uses"
        began = time.monotonic()
        record = StepResult(name, step_id, kind, "skipped", "skipped", began - run.start, 0.0)
        state.result.steps.append(record)
        if time.monotonic() > state.deadline:
            state.cancelled = True
        scope.contexts["env"] = {**state.env_ctx, **state.exported}
        if not evaluate_condition(step.get("if", "success()"), scope):
            scope.contexts["steps"][step_id] = {
                "outputs": {},
                "outcome": "skipped",
                "conclusion": "skipped",
            }
            return
        step_env = {
            key: to_string(interpolate_all(value, scope))
            for key, value in (step.get("env") or {}).items()
        }
        env = {**state.env, **state.exported, **step_env}
        record.env = {
            k: self.masker.mask(v)
            for k, v in {**state.env_ctx, **state.exported, **step_env}.items()
        }
        if state.path:
            env["PATH"] = os.pathsep.join([*reversed(state.path), env.get("PATH", "")])
        log = self._logger(record)
        limit = step.get("timeout-minutes")
        timeout = state.deadline - time.monotonic()
        if limit is not None:
            timeout = min(timeout, float(to_string(interpolate_all(limit, scope))) * 60)
        try:
            if kind == "run":
                ok = self._script(wf, job, step, state, env, log, record, timeout)
            else:
                ok = self._action(step, state, log, record, run.services)
        except (ActionError, ExpressionError, ValueError, OSError) as exc:
            log(f"Error: {exc}")
            ok = False
        record.outcome = "success" if ok else "failure"
        continue_on_error = (
            to_string(interpolate_all(step.get("continue-on-error", False), scope)) == "true"
        )
        record.conclusion = "success" if ok or continue_on_error else "failure"
        record.seconds = time.monotonic() - began
        if record.conclusion == "failure":
            state.failed = True
        scope.contexts["steps"][step_id] = {
            "outputs": dict(record.outputs),
            "outcome": record.outcome,
            "conclusion": record.conclusion,
        }
        scope.contexts["job"]["status"] = "failure" if state.failed else "success"

    def _logger(self, record: StepResult) -> Callable[[str], None]:
        def log(line: str) -> None:
            masked = self.masker.mask(line)
            record.log.append(masked)
            if self.echo:
                self.echo(f"[{record.name}] {masked}")

        return log

    def _action(
        self,
        step: Mapping[str, Any],
        state: _Job,
        log: Callable[[str], None],
        record: StepResult,
        services: Services,
    ) -> bool:
        uses = str(step["uses"])
        try:
            handler = local_action(uses)
        except ActionError:
            if self.skip_unknown:
                log(f"skipped: no local equivalent for {uses} (skip_unknown is set)")
                record.kind = "skipped-action"
                return True
            raise
        inputs = interpolate_all(dict(step.get("with") or {}), state.scope)
        call = ActionCall(uses, inputs, self.workspace, services, log)
        log(f"Run {uses} (local equivalent)")
        handler(call)
        record.outputs.update(call.outputs)
        state.exported.update(call.env)
        state.path.extend(call.path)
        if call.post is not None:
            state.posts.append((f"Post {split_uses(uses)[0]}", call))
        return True

    def _post_step(self, name: str, call: ActionCall, state: _Job, start: float) -> None:
        began = time.monotonic()
        record = StepResult(
            name, f"post{len(state.result.steps)}", "post", "success", "success", began - start, 0.0
        )
        call.log = self._logger(record)
        try:
            if call.post is not None:
                call.post()
        except (ActionError, OSError) as exc:
            call.log(f"Error: {exc}")
            record.outcome = record.conclusion = "failure"
            state.failed = True
        record.seconds = time.monotonic() - began
        state.result.steps.append(record)

    def _script(
        self,
        wf: Workflow,
        job: Mapping[str, Any],
        step: Mapping[str, Any],
        state: _Job,
        env: dict[str, str],
        log: Callable[[str], None],
        record: StepResult,
        timeout: float,
    ) -> bool:
        scope = state.scope
        script = to_string(interpolate(str(step["run"]), scope))
        defaults = [
            dict((d or {}).get("run") or {}) for d in (job.get("defaults"), wf.data.get("defaults"))
        ]
        shell = step.get("shell") or next((d["shell"] for d in defaults if d.get("shell")), None)
        workdir = step.get("working-directory") or next(
            (d["working-directory"] for d in defaults if d.get("working-directory")), None
        )
        cwd = (
            self.workspace / to_string(interpolate_all(workdir, scope))
            if workdir
            else self.workspace
        )
        if not cwd.is_dir():
            raise RunnerError(f"working-directory {cwd} does not exist")
        template = shell_template(str(shell) if shell else None)
        temp = Path(env["RUNNER_TEMP"])
        files = {
            name: temp / f"{name.lower()}-{uuid.uuid4().hex[:8]}"
            for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")
        }
        for path in files.values():
            path.touch()
        suffix = ".py" if template.startswith("python") else ".sh"
        script_file = temp / f"step-{uuid.uuid4().hex[:8]}{suffix}"
        script_file.write_text(script + "\n")
        command = template.replace("{0}", str(script_file)).split()
        record.script = self.masker.mask(script)
        log(f"Run {script.strip().splitlines()[0] if script.strip() else ''}")
        for line in script.rstrip().splitlines():
            log(f"  | {line}")
        proc_env = {**env, **{k: str(v) for k, v in files.items()}}
        code = self._execute(command, cwd, proc_env, log, timeout, state)
        record.exit_code = code
        record.outputs.update(read_file_commands(files["GITHUB_OUTPUT"], "$GITHUB_OUTPUT"))
        state.exported.update(read_file_commands(files["GITHUB_ENV"], "$GITHUB_ENV"))
        state.path.extend(
            line for line in files["GITHUB_PATH"].read_text().splitlines() if line.strip()
        )
        record.summary = self.masker.mask(files["GITHUB_STEP_SUMMARY"].read_text())
        if code != 0:
            log(f"Error: Process completed with exit code {code}.")
        return code == 0

    def _execute(
        self,
        command: list[str],
        cwd: Path,
        env: dict[str, str],
        log: Callable[[str], None],
        timeout: float,
        state: _Job,
    ) -> int:
        if shutil.which(command[0], path=env.get("PATH")) is None:
            raise RunnerError(f"shell {command[0]!r} not found on PATH")
        with subprocess.Popen(  # noqa: S603 - the workflow's own script
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        ) as proc:
            reader = threading.Thread(target=self._pump, args=(proc, log), daemon=True)
            reader.start()
            try:
                code = proc.wait(timeout=max(timeout, 0.001))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                code = -signal.SIGKILL
            reader.join(timeout=5)
        if code == -signal.SIGKILL:
            log(f"Error: the step exceeded its time limit ({timeout / 60:.2f} min) and was stopped")
            state.cancelled = time.monotonic() >= state.deadline
        return code

    def _pump(self, proc: subprocess.Popen[str], log: Callable[[str], None]) -> None:
        for raw in proc.stdout or ():
            line = raw.rstrip("\n")
            if line.startswith("::add-mask::"):
                self.masker.add(line.removeprefix("::add-mask::"))
                continue
            for level in ("error", "warning", "notice"):
                if line.startswith(f"::{level}"):
                    line = f"{level.capitalize()}: {line.split('::', 2)[-1]}"
            log(line)


# ---------------------------------------------------------------------------- helpers


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


def _call_result(results: set[str]) -> str:
    """A reusable-workflow call's result from its jobs' results."""
    for worst in ("failure", "cancelled"):
        if worst in results:
            return worst
    return "skipped" if results == {"skipped"} else "success"


def _ancestors_failed(wf: Workflow, job_id: str, done: Mapping[str, Mapping[str, Any]]) -> bool:
    seen: set[str] = set()
    stack = list(wf.needs(job_id))
    while stack:
        job = stack.pop()
        if job in seen:
            continue
        seen.add(job)
        if done.get(job, {}).get("result") == "failure":
            return True
        stack.extend(wf.needs(job))
    return False


def _inputs(wf: Workflow, trigger: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """Validate event inputs against a workflow's declared ones; apply defaults and types."""
    declared = wf.triggers.get(trigger, {}).get("inputs") or {}
    unknown = set(given) - set(declared)
    if unknown:
        raise RunnerError(
            f"{wf.path.name} has no {trigger} input(s) {', '.join(sorted(unknown))}; "
            f"it declares: {', '.join(declared) or 'none'}"
        )
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        spec = spec or {}
        kind = spec.get("type", "string")
        if name in given:
            value = given[name]
        elif spec.get("required") and "default" not in spec:
            raise RunnerError(f"{wf.path.name}: required {trigger} input {name!r} is missing")
        else:
            value = spec.get("default", False if kind == "boolean" else "")
        if kind == "boolean":
            value = value if isinstance(value, bool) else to_string(value).lower() == "true"
        elif kind == "number":
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise RunnerError(
                    f"{trigger} input {name!r} must be a number, got {value!r}"
                ) from None
        elif kind == "choice" and to_string(value) not in [
            to_string(o) for o in spec.get("options", [])
        ]:
            raise RunnerError(
                f"{trigger} input {name!r} must be one of {spec.get('options')}, got {value!r}"
            )
        else:
            value = to_string(value) if kind != "boolean" else value
        values[name] = value
    return values


def _job_name(job_id: str, job: Mapping[str, Any], combo: Mapping[str, Any], scope: Scope) -> str:
    if job.get("name"):
        name = to_string(
            interpolate_all(job["name"], Scope({**scope.contexts, "matrix": dict(combo)}))
        )
        return name
    return f"{job_id} ({describe(combo)})" if combo else job_id


def _step_name(step: Mapping[str, Any], scope: Scope) -> str:
    if step.get("name"):
        try:
            return to_string(interpolate_all(step["name"], scope))
        except ExpressionError:
            return str(step["name"])
    if "run" in step:
        first = str(step["run"]).strip().splitlines()
        return f"Run {first[0] if first else ''}"
    return f"Run {step.get('uses', '?')}"
