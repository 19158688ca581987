"""Job scheduling as GitHub does it: ``needs`` order, job ``if:``, matrices, reusable workflows.

The scheduler decides *which* jobs run and with what; running a job's steps is someone
else's work, an executor passed in (:class:`~deploybook.cicd.emulator.steps.StepRunner` on
this machine, a stand-in that only plans for a dry run, or the model checker's chooser of
outcomes). The rules, each as GitHub documents or behaves:

- a job runs when its ``if:`` holds; a condition without a status function is
  ``success() && (condition)``;
- at job level ``success()`` is true when every *ancestor* (not only the direct needs)
  succeeded, ``failure()`` when any ancestor failed, ``cancelled()`` when the run was
  cancelled: a job below an ``always()`` job whose own need failed or was skipped is
  skipped;
- a job with ``continue-on-error`` that fails shows ``failure`` but counts as ``success``
  for the ``needs`` context and the run;
- a ``strategy.matrix`` expands into one instance per combination, ``fail-fast``
  cancelling the instances after a failure; on a job that calls a reusable workflow, each
  combination calls it once with its own ``with:`` values;
- a reusable workflow (``uses: ./.github/workflows/x.yml``) runs its jobs under the
  caller's key (``caller/job``); its result is its worst job's, its outputs are evaluated
  from its ``jobs`` context.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from deploybook.cicd.emulator.expressions import (
    ExpressionError,
    Scope,
    evaluate_condition,
    interpolate_all,
    to_string,
)
from deploybook.cicd.emulator.matrix import describe, expand_matrix, select
from deploybook.cicd.emulator.results import JobResult
from deploybook.cicd.emulator.workflow import Workflow


class RunnerError(RuntimeError):
    """A workflow the local runner cannot run: not triggered, bad inputs, unsupported feature."""


@dataclass
class RunState:
    """What every job of one run shares."""

    results: list[JobResult]
    start: float
    matrix: Mapping[str, Any] | None = None  # run only the combinations matching this
    cancelled: bool = False  # the run was cancelled: cancelled() is true from now on

    def now(self) -> float:
        """Seconds since the run started."""
        return time.monotonic() - self.start


@dataclass(frozen=True)
class Spot:
    """Where a job sits: its id, its key in the results (``caller/job``), its needs' keys."""

    id: str
    key: str
    needs: list[str]


@dataclass
class JobCall:
    """One job instance to run: the job, its contexts, its matrix combination."""

    workflow: Workflow
    spot: Spot
    job: Mapping[str, Any]
    scope: Scope  # github, needs, vars, inputs, secrets, matrix, strategy
    combo: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    environment: str | None = None


JobExecutor = Callable[[JobCall, RunState], JobResult]
WorkflowLoader = Callable[[str, Spot], Workflow]


def job_status(
    wf: Workflow, job_id: str, done: Mapping[str, Mapping[str, Any]], run: RunState
) -> Callable[[str], bool]:
    """The job-level status functions: over every ancestor of ``job_id`` in ``wf``."""
    results = [done[a]["result"] for a in wf.ancestors(job_id) if a in done]
    flags = {
        "success": not run.cancelled and all(r == "success" for r in results),
        "failure": any(r == "failure" for r in results),
        "cancelled": run.cancelled,
    }
    return flags.__getitem__


def call_result(results: set[str]) -> str:
    """A reusable-workflow call's result from its jobs' results."""
    for worst in ("failure", "cancelled"):
        if worst in results:
            return worst
    return "skipped" if results == {"skipped"} else "success"


def job_name(job_id: str, job: Mapping[str, Any], combo: Mapping[str, Any], scope: Scope) -> str:
    """The name GitHub shows: ``name:`` evaluated, or the id with the matrix values."""
    if job.get("name"):
        return to_string(interpolate_all(job["name"], Scope({**scope.contexts, "matrix": combo})))
    return f"{job_id} ({describe(combo)})" if combo else job_id


def _environment(job: Mapping[str, Any], scope: Scope) -> str | None:
    environment = job.get("environment")
    if not environment:
        return None
    name = environment.get("name") if isinstance(environment, Mapping) else environment
    return to_string(interpolate_all(name, scope))


class Scheduler:
    """Schedules a workflow's jobs; ``execute`` runs one job instance, ``load`` reads a
    called workflow, ``variables`` is the ``vars`` context."""

    def __init__(
        self, execute: JobExecutor, load: WorkflowLoader, variables: Mapping[str, str]
    ) -> None:
        self.execute = execute
        self.load = load
        self.variables = dict(variables)

    def run_workflow(
        self,
        wf: Workflow,
        github: Mapping[str, Any],
        inputs: Mapping[str, Any],
        secrets: Mapping[str, str],
        run: RunState,
        selected: Sequence[str] | None = None,
        prefix: str = "",
    ) -> dict[str, dict[str, Any]]:
        """Run a workflow's jobs; return its ``jobs`` context (result and outputs per id)."""
        done: dict[str, dict[str, Any]] = {}
        for job_id in wf.job_order(selected):
            job = wf.jobs[job_id]
            needs = wf.needs(job_id)
            scope = Scope(
                {
                    "github": {**github, "job": job_id},
                    "needs": {n: done[n] for n in needs},
                    "vars": self.variables,
                    "inputs": dict(inputs),
                    "secrets": dict(secrets),
                },
                status=job_status(wf, job_id, done, run),
            )
            spot = Spot(job_id, f"{prefix}{job_id}", [f"{prefix}{n}" for n in needs])
            try:
                runs = evaluate_condition(job.get("if", "success()"), scope)
            except ExpressionError as exc:
                raise RunnerError(f"{wf.path.name}: job {job_id!r} if: {exc}") from None
            if not runs:
                run.results.append(
                    JobResult(spot.key, job_id, "skipped", run.now(), 0.0, spot.needs)
                )
                done[job_id] = {"result": "skipped", "outputs": {}}
            else:
                done[job_id] = self._matrix(wf, job, scope, secrets, run, spot)
        return done

    def _matrix(
        self,
        wf: Workflow,
        job: Mapping[str, Any],
        scope: Scope,
        secrets: Mapping[str, str],
        run: RunState,
        spot: Spot,
    ) -> dict[str, Any]:
        """Every matrix instance of a job (one, without a matrix), ``fail-fast`` applied."""
        strategy = interpolate_all(dict(job.get("strategy") or {}), scope)
        combos = expand_matrix(strategy.get("matrix"))
        keys = set(combos[0]) if combos and combos[0] else set()
        if run.matrix and keys and set(run.matrix) <= keys:
            combos = select(combos, run.matrix)
        fail_fast = strategy.get("fail-fast", True) is not False
        conclusions: list[str] = []
        outputs: dict[str, str] = {}
        for index, combo in enumerate(combos):
            context = {"fail-fast": fail_fast, "job-index": index, "job-total": len(combos)}
            instance = Scope(
                {**scope.contexts, "matrix": dict(combo), "strategy": context}, status=scope.status
            )
            call = JobCall(
                wf, spot, job, instance, dict(combo), job_name(spot.id, job, combo, instance)
            )
            if fail_fast and "failure" in conclusions:
                error = "cancelled by fail-fast"
                run.results.append(
                    JobResult(
                        spot.key,
                        call.name,
                        "cancelled",
                        run.now(),
                        0.0,
                        spot.needs,
                        dict(combo),
                        error=error,
                    )
                )
                conclusions.append("cancelled")
                continue
            if "uses" in job:
                result = self._call(call, secrets, run, len(combos) > 1)
            else:
                call.environment = _environment(job, instance)
                result = self.execute(call, run)
                result.continue_on_error = (
                    to_string(interpolate_all(job.get("continue-on-error", False), instance))
                    == "true"
                )
                run.results.append(result)
            conclusions.append(result.conclusion)
            outputs.update(result.outputs)
        verdict = "failure" if {"failure", "cancelled"} & set(conclusions) else "success"
        return {"result": verdict, "outputs": outputs}

    def _call(
        self, call: JobCall, secrets: Mapping[str, str], run: RunState, several: bool
    ) -> JobResult:
        """Run a reusable workflow (``uses: ./.github/workflows/x.yml``) as one job."""
        job, spot, scope = call.job, call.spot, call.scope
        called = self.load(str(job["uses"]), spot)
        with_values = interpolate_all(dict(job.get("with") or {}), scope)
        inputs = declared_inputs(called, "workflow_call", with_values)
        passed = job.get("secrets")
        called_secrets = (
            dict(secrets)
            if passed == "inherit"
            else {k: to_string(v) for k, v in interpolate_all(dict(passed or {}), scope).items()}
        )
        key = f"{spot.key} ({describe(call.combo)})" if several else spot.key
        first = len(run.results)
        began = run.now()
        jobs_ctx = self.run_workflow(
            called, scope.contexts["github"], inputs, called_secrets, run, None, f"{key}/"
        )
        for result in run.results[first:]:
            result.needs = result.needs or list(spot.needs)
        outputs_spec = called.triggers["workflow_call"].get("outputs") or {}
        out_scope = Scope({**scope.contexts, "jobs": jobs_ctx, "inputs": inputs})
        outputs = {
            name: to_string(interpolate_all(spec.get("value", ""), out_scope))
            for name, spec in outputs_spec.items()
        }
        verdict = call_result({j["result"] for j in jobs_ctx.values()})
        name = str(job.get("name") or spot.id) if not several else call.name
        result = JobResult(
            key, name, verdict, began, run.now() - began, spot.needs, call.combo, outputs=outputs
        )
        run.results.append(result)
        return result


def declared_inputs(wf: Workflow, trigger: str, given: Mapping[str, Any]) -> dict[str, Any]:
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
            value = to_string(value)
        values[name] = value
    return values
