"""Step execution: one job instance's steps on this machine, as GitHub's runner runs them.

:class:`StepRunner` is the executor the :mod:`~deploybook.cicd.emulator.scheduler` hands
each job instance to. For every step, as ``actions/runner`` does: the step's own ``env:`` is
evaluated first and merged into the ``env`` context, then its ``if:`` (implicitly
``success() &&``), then the step runs: a ``run:`` script in its ``shell`` and
``working-directory``, or a ``uses:`` action (a well-known action's local equivalent, or a
local composite action ``./path`` whose steps run here in turn). Outputs, ``$GITHUB_ENV``
and ``$GITHUB_PATH`` flow to later steps, ``continue-on-error`` and ``timeout-minutes``
apply, every log line is masked. After the steps, the post steps of the actions that
declared one run in reverse order, each when its ``post-if`` holds. A ``pip install`` step
runs too: it is skipped only with a proof that the lock is already satisfied
(:mod:`~deploybook.cicd.emulator.installs`), otherwise it installs into a throwaway virtual
environment. ``gh`` on every step's ``PATH`` is the local stand-in
(:mod:`~deploybook.cicd.emulator.gh`).
"""

from __future__ import annotations

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
from deploybook.cicd.emulator.expressions import (
    ExpressionError,
    Scope,
    evaluate_condition,
    interpolate,
    interpolate_all,
    to_string,
)
from deploybook.cicd.emulator.gh import ROOT_ENV
from deploybook.cicd.emulator.hashing import hash_files
from deploybook.cicd.emulator.installs import install_command, prove_satisfied
from deploybook.cicd.emulator.masking import Masker
from deploybook.cicd.emulator.results import JobResult, StepResult
from deploybook.cicd.emulator.scheduler import JobCall, RunnerError, RunState
from deploybook.cicd.emulator.shell import read_file_commands, shell_template
from deploybook.cicd.emulator.workflow import load_yaml

_LINUX_LABELS = ("ubuntu", "linux", "self-hosted", "x64")
Log = Callable[[str], None]


@dataclass
class _Job:
    """What the steps of one job instance share."""

    result: JobResult
    env: dict[str, str]  # the process environment every step starts from
    exported: dict[str, str] = field(default_factory=dict)  # $GITHUB_ENV
    path: list[str] = field(default_factory=list)  # $GITHUB_PATH
    cancelled: bool = False
    deadline: float = float("inf")
    posts: list[tuple[str, ActionCall]] = field(default_factory=list)


@dataclass
class _Frame:
    """Where a list of steps runs: the job itself, or a composite action inside it."""

    scope: Scope
    env_ctx: dict[str, str]  # env: values of the levels around the steps
    defaults: list[dict[str, Any]]  # defaults.run of the job and the workflow
    action_path: Path | None = None  # a composite action's folder
    failed: bool = False


class StepRunner:
    """Runs job instances' steps in ``workspace`` with the run's ``services``."""

    def __init__(
        self,
        workspace: Path,
        services: Services,
        masker: Masker,
        *,
        skip_unknown: bool = False,
        echo: Log | None = None,
    ) -> None:
        self.workspace = workspace
        self.services = services
        self.masker = masker
        self.skip_unknown = skip_unknown
        self.echo = echo
        self.bin = services.temp / "bin"
        self._write_gh_shim()

    def _write_gh_shim(self) -> None:
        self.bin.mkdir(parents=True, exist_ok=True)
        shim = self.bin / "gh"
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m deploybook.cicd.emulator.gh "$@"\n')
        shim.chmod(0o755)

    # ------------------------------------------------------------------ a job

    def __call__(self, call: JobCall, run: RunState) -> JobResult:
        """Run one job instance's steps; its :class:`JobResult`."""
        began = time.monotonic()
        result = JobResult(
            call.spot.key,
            call.name,
            "success",
            began - run.start,
            0.0,
            call.spot.needs,
            dict(call.combo),
            environment=call.environment,
        )
        contexts = {
            **call.scope.contexts,
            "runner": self._runner_context(),
            "job": {"status": "success"},
            "steps": {},
        }
        state = _Job(result, {})
        wf = call.workflow
        defaults = [
            dict((d or {}).get("run") or {})
            for d in (call.job.get("defaults"), wf.data.get("defaults"))
        ]
        frame = _Frame(Scope(contexts), {}, defaults)
        frame.scope.hash_files = lambda patterns: hash_files(self.workspace, patterns)
        frame.scope.status = lambda name: {
            "success": not frame.failed and not state.cancelled,
            "failure": frame.failed,
            "cancelled": state.cancelled,
        }[name]
        try:
            self._prepare(call, frame, state)
            self._steps(list(call.job.get("steps") or []), frame, state, run, result.steps.append)
        except (RunnerError, ExpressionError, ActionError, ValueError) as exc:
            frame.failed = True
            result.error = self.masker.mask(str(exc))
        for name, action in reversed(state.posts):
            self._post_step(name, action, frame, state, run.start)
        try:
            self._job_outputs(call.job, frame.scope, result)
        except ExpressionError as exc:
            frame.failed, result.error = True, self.masker.mask(str(exc))
        result.result = "cancelled" if state.cancelled else "failure" if frame.failed else "success"
        result.seconds = time.monotonic() - began
        return result

    def _prepare(self, call: JobCall, frame: _Frame, state: _Job) -> None:
        job, job_id, scope = call.job, call.spot.id, frame.scope
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
                "GITHUB_WORKFLOW_REF": github["workflow_ref"],
                "GITHUB_ACTOR": github["actor"],
                "RUNNER_OS": scope.contexts["runner"]["os"],
                "RUNNER_TEMP": str(self.services.temp),
                "RUNNER_ENVIRONMENT": "self-hosted",
            }
        )
        if self.services.github is not None:
            env[ROOT_ENV] = str(self.services.github.root)
        for level in (call.workflow.data.get("env"), job.get("env")):
            for key, value in (level or {}).items():
                scope.contexts["env"] = dict(frame.env_ctx)
                frame.env_ctx[key] = to_string(interpolate_all(value, scope))
        scope.contexts["env"] = dict(frame.env_ctx)
        env.update(frame.env_ctx)
        state.env = env

    # ------------------------------------------------------------------ steps

    def _steps(
        self,
        steps: Sequence[Any],
        frame: _Frame,
        state: _Job,
        run: RunState,
        keep: Callable[[StepResult], None],
        log_prefix: Log | None = None,
    ) -> None:
        for index, step in enumerate(steps):
            if not isinstance(step, Mapping):
                raise RunnerError(f"step {index + 1} is not a mapping: {step!r}")
            self._step(index, step, frame, state, run, keep, log_prefix)

    def _step(
        self,
        index: int,
        step: Mapping[str, Any],
        frame: _Frame,
        state: _Job,
        run: RunState,
        keep: Callable[[StepResult], None],
        outer: Log | None,
    ) -> None:
        scope = frame.scope
        step_id = str(step.get("id") or f"__step{index + 1}")
        kind = "run" if "run" in step else "uses"
        began = time.monotonic()
        frame_env = {**frame.env_ctx, **state.exported}
        scope.contexts["env"] = frame_env
        name = _step_name(step, scope)
        record = StepResult(name, step_id, kind, "skipped", "skipped", began - run.start, 0.0)
        keep(record)
        log = self._logger(record, outer)
        if time.monotonic() > state.deadline:
            state.cancelled = True
        try:  # the step's env: first, and into its env context (actions/runner StepsRunner)
            step_env = {
                key: to_string(interpolate_all(value, scope))
                for key, value in (step.get("env") or {}).items()
            }
            scope.contexts["env"] = {**frame_env, **step_env}
            runs = evaluate_condition(step.get("if", "success()"), scope)
        except ExpressionError as exc:
            log(f"Error: {exc}")
            step_env, runs = {}, None
        if runs is False:
            scope.contexts["steps"][step_id] = {
                "outputs": {},
                "outcome": "skipped",
                "conclusion": "skipped",
            }
            return
        ok = False
        if runs:
            env = {**state.env, **state.exported, **step_env}
            if frame.action_path is not None:
                env["GITHUB_ACTION_PATH"] = str(frame.action_path)
            record.env = {k: self.masker.mask(v) for k, v in {**frame_env, **step_env}.items()}
            env["PATH"] = os.pathsep.join(
                [str(self.bin), *reversed(state.path), env.get("PATH", "")]
            )
            limit = step.get("timeout-minutes")
            timeout = state.deadline - time.monotonic()
            try:
                if limit is not None:
                    timeout = min(timeout, float(to_string(interpolate_all(limit, scope))) * 60)
                if kind == "run":
                    ok = self._script(step, frame, state, env, log, record, timeout)
                else:
                    ok = self._action(step, frame, state, run, env, log, record)
            except (ActionError, ExpressionError, ValueError, OSError) as exc:
                log(f"Error: {exc}")
        record.outcome = "success" if ok else "failure"
        continue_on_error = (
            to_string(interpolate_all(step.get("continue-on-error", False), scope)) == "true"
        )
        record.conclusion = "success" if ok or continue_on_error else "failure"
        record.seconds = time.monotonic() - began
        if record.conclusion == "failure":
            frame.failed = True
        scope.contexts["steps"][step_id] = {
            "outputs": dict(record.outputs),
            "outcome": record.outcome,
            "conclusion": record.conclusion,
        }
        scope.contexts["job"]["status"] = "failure" if frame.failed else "success"

    def _logger(self, record: StepResult, outer: Log | None = None) -> Log:
        def log(line: str) -> None:
            masked = self.masker.mask(line)
            record.log.append(masked)
            if outer is not None:
                outer(f"{record.name}: {masked}")
            elif self.echo:
                self.echo(f"[{record.name}] {masked}")

        return log

    # ------------------------------------------------------------------ actions

    def _action(
        self,
        step: Mapping[str, Any],
        frame: _Frame,
        state: _Job,
        run: RunState,
        env: dict[str, str],
        log: Log,
        record: StepResult,
    ) -> bool:
        uses = str(step["uses"])
        inputs = interpolate_all(dict(step.get("with") or {}), frame.scope)
        if uses.startswith("./"):
            return self._composite(uses, inputs, frame, state, run, env, log, record)
        try:
            handler = local_action(uses)
        except ActionError:
            if self.skip_unknown:
                log(f"skipped: no local equivalent for {uses} (skip_unknown is set)")
                record.kind = "skipped-action"
                return True
            raise
        github = frame.scope.contexts.get("github", {})
        call = ActionCall(uses, inputs, self.workspace, self.services, log, github=github)
        log(f"Run {uses} (local equivalent)")
        handler(call)
        record.outputs.update(call.outputs)
        state.exported.update(call.env)
        state.path.extend(call.path)
        if call.post is not None:
            state.posts.append((f"Post Run {split_uses(uses)[0]}", call))
        return True

    def _composite(
        self,
        uses: str,
        given: Mapping[str, Any],
        frame: _Frame,
        state: _Job,
        run: RunState,
        env: dict[str, str],
        log: Log,
        record: StepResult,
    ) -> bool:
        """A local action (``uses: ./path``): its ``action.yml`` steps, if it is composite."""
        folder = (self.workspace / uses).resolve()
        manifest = next(
            (folder / n for n in ("action.yml", "action.yaml") if (folder / n).is_file()), None
        )
        if manifest is None:
            raise ActionError(f"{uses}: no action.yml or action.yaml in {folder}")
        action = load_yaml(manifest.read_text(), str(manifest)) or {}
        runs = action.get("runs") or {}
        if runs.get("using") != "composite":
            raise ActionError(
                f"{uses} runs with {runs.get('using')!r}: only composite local actions run here "
                "(JavaScript and Docker actions need their own runtime)"
            )
        declared = action.get("inputs") or {}
        unknown = set(given) - set(declared)
        if unknown:
            shown = ", ".join(sorted(unknown))
            log(f"Warning: Unexpected input(s) {shown}, valid inputs are {list(declared)}")
        inputs = {
            name: to_string(given[name])
            if name in given
            else to_string(interpolate_all((spec or {}).get("default", ""), frame.scope))
            for name, spec in declared.items()
        }
        missing = [
            n for n, spec in declared.items() if (spec or {}).get("required") and not inputs[n]
        ]
        if missing:
            log(f"Warning: Input required and not supplied: {', '.join(missing)}")
        contexts = {k: v for k, v in frame.scope.contexts.items() if k not in ("secrets", "needs")}
        inner = _Frame(
            Scope({**contexts, "inputs": inputs, "steps": {}}, hash_files=frame.scope.hash_files),
            dict(frame.scope.contexts.get("env") or {}),
            [],
            folder,
        )
        inner.scope.status = lambda name: {
            "success": not inner.failed and not state.cancelled,
            "failure": inner.failed,
            "cancelled": state.cancelled,
        }[name]
        log(f"Run {uses} (composite action, {len(runs.get('steps') or [])} steps)")
        for index, step in enumerate(runs.get("steps") or []):
            if "run" in step and not step.get("shell"):
                raise ActionError(
                    f"{uses}: step {index + 1} has run: but no shell: (a composite action needs it)"
                )
        self._steps(list(runs.get("steps") or []), inner, state, run, lambda _: None, log)
        for name, spec in (action.get("outputs") or {}).items():
            record.outputs[name] = to_string(
                interpolate_all((spec or {}).get("value", ""), inner.scope)
            )
        return not inner.failed

    def _post_step(
        self, name: str, call: ActionCall, frame: _Frame, state: _Job, start: float
    ) -> None:
        began = time.monotonic()
        record = StepResult(
            name, f"post{len(state.result.steps)}", "post", "skipped", "skipped", began - start, 0.0
        )
        state.result.steps.append(record)
        if not evaluate_condition(call.post_if, frame.scope):
            return
        call.log = self._logger(record)
        try:
            if call.post is not None:
                call.post()
            record.outcome = record.conclusion = "success"
        except (ActionError, OSError) as exc:
            call.log(f"Error: {exc}")
            record.outcome = record.conclusion = "failure"
            frame.failed = True
        record.seconds = time.monotonic() - began

    # ------------------------------------------------------------------ scripts

    def _script(
        self,
        step: Mapping[str, Any],
        frame: _Frame,
        state: _Job,
        env: dict[str, str],
        log: Log,
        record: StepResult,
        timeout: float,
    ) -> bool:
        scope = frame.scope
        script = to_string(interpolate(str(step["run"]), scope))
        shell = step.get("shell") or next(
            (d["shell"] for d in frame.defaults if d.get("shell")), None
        )
        workdir = step.get("working-directory") or next(
            (d["working-directory"] for d in frame.defaults if d.get("working-directory")), None
        )
        cwd = (
            self.workspace / to_string(interpolate_all(workdir, scope))
            if workdir
            else self.workspace
        )
        if not cwd.is_dir():
            raise RunnerError(f"working-directory {cwd} does not exist")
        record.script = self.masker.mask(script)
        log(f"Run {script.strip().splitlines()[0] if script.strip() else ''}")
        for line in script.rstrip().splitlines():
            log(f"  | {line}")
        install = install_command(script)
        if install is not None and install.constraints:
            proof = prove_satisfied(install, cwd)
            python = shutil.which("python", path=env.get("PATH"))
            ours = python is not None and Path(python).resolve() == Path(sys.executable).resolve()
            if proof.satisfied and ours:
                log(proof.summary(", ".join(install.constraints)))
                record.kind = "proven"
                return True
            log(
                proof.summary(", ".join(install.constraints))
                if not proof.satisfied
                else "the job's python is not this one"
            )
            env = self._throwaway_venv(env, state, log)
        template = shell_template(str(shell) if shell else None)
        temp = self.services.temp
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

    def _throwaway_venv(self, env: dict[str, str], state: _Job, log: Log) -> dict[str, str]:
        """A fresh virtual environment first on PATH, for this step and the job's next ones."""
        venv = self.services.temp / f"venv-{uuid.uuid4().hex[:8]}"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)  # noqa: S603
        log(f"installing into a throwaway virtual environment {venv} (this one is left as it is)")
        state.path.append(str(venv / "bin"))
        return {**env, "VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}"}

    def _execute(
        self,
        command: list[str],
        cwd: Path,
        env: dict[str, str],
        log: Log,
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

    def _pump(self, proc: subprocess.Popen[str], log: Log) -> None:
        for raw in proc.stdout or ():
            line = raw.rstrip("\n")
            if line.startswith("::add-mask::"):
                self.masker.add(line.removeprefix("::add-mask::"))
                continue
            for level in ("error", "warning", "notice"):
                if line.startswith(f"::{level}"):
                    line = f"{level.capitalize()}: {line.split('::', 2)[-1]}"
            log(line)

    # ------------------------------------------------------------------ job end

    def _job_outputs(self, job: Mapping[str, Any], scope: Scope, result: JobResult) -> None:
        """Evaluate ``outputs:`` (after failed steps too); like GitHub, drop any that
        holds a secret, with a warning, rather than pass it to other jobs."""
        for name, spec in dict(job.get("outputs") or {}).items():
            value = to_string(interpolate_all(spec, scope))
            if self.masker.mask(value) != value:
                result.warnings.append(f"Skip output '{name}' since it may contain secret.")
            else:
                result.outputs[name] = value

    def _runner_context(self) -> dict[str, str]:
        return {
            "os": "Linux" if sys.platform.startswith("linux") else platform.system(),
            "arch": {"x86_64": "X64", "aarch64": "ARM64", "arm64": "ARM64"}.get(
                platform.machine().lower(), platform.machine()
            ),
            "name": f"deploybook-local-{platform.node()}",
            "environment": "self-hosted",
            "temp": str(self.services.temp),
            "tool_cache": str(self.services.temp / "tool_cache"),
            "debug": "",
        }


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


def planned_job(call: JobCall, run: RunState) -> JobResult:
    """The executor of a plan: every job instance that would run, succeeding, no step run."""
    return JobResult(
        call.spot.key,
        call.name,
        "success",
        run.now(),
        0.0,
        call.spot.needs,
        dict(call.combo),
        environment=call.environment,
    )
