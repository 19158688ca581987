"""A model checker for the pipeline: every trigger and every job outcome, every property.

GitHub runs one path through a workflow per run; act and the local runner run the path this
machine takes. The checker runs them all: for each trigger, it drives the local runner's own
scheduler (the real ``if:``, ``needs``, status-function and reusable-workflow semantics of
:mod:`deploybook.cicd.emulator.scheduler`) with an executor that, instead of running a job,
chooses its outcome (success, failure, or the run cancelled during it), and explores every
sequence of choices depth first. Skipped jobs follow from the ``if:`` conditions. For a job
that succeeds it also evaluates each step's ``if:`` as a GitHub-hosted runner would, to know
which steps ran (a cache restored, Pages written, a smoke test, a release created).

Each :class:`Property` is checked on every path; a path that breaks one is printed as a
trace of job outcomes, its counterexample.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploybook.cicd.emulator.expressions import (
    ExpressionError,
    Scope,
    evaluate_condition,
    interpolate_all,
    to_string,
)
from deploybook.cicd.emulator.results import Event, JobResult
from deploybook.cicd.emulator.runner import LocalRunner
from deploybook.cicd.emulator.scheduler import JobCall, RunState
from deploybook.cicd.emulator.workflow import Workflow, load_workflow

OUTCOMES = ("success", "failure", "cancelled")
_CACHES = ("actions/cache", "actions/cache/restore")
_GITHUB_HOSTED = {"os": "Linux", "arch": "X64", "environment": "github-hosted", "name": "GitHub"}


@dataclass(frozen=True)
class Trigger:
    """A labelled event."""

    label: str
    event: Event


TRIGGERS = (
    Trigger("tag v*", Event("push", "refs/tags/v1.0.0")),
    Trigger("manual run", Event("workflow_dispatch")),
    Trigger("manual roll back", Event("workflow_dispatch", inputs={"rollback-to": "v1.0.0"})),
)


@dataclass(frozen=True)
class JobOutcome:
    """One job on a path: its key, result, and what its steps do (``writes_pages`` and
    ``creates_release`` count only when the job succeeded)."""

    key: str
    result: str
    writes_pages: bool = False
    smoke_tests: bool = False
    restores_cache: bool = False
    creates_release: bool = False
    artifacts: tuple[str, ...] = ()  # names of the artifacts its steps upload


@dataclass
class RunPath:
    """One way a run can go: the trigger and every job's outcome, in the order they ran."""

    trigger: str
    jobs: list[JobOutcome] = field(default_factory=list)
    cancelled: bool = False

    def result(self, key: str) -> str:
        """A job's result on this path ('' if it was never reached)."""
        return next((j.result for j in self.jobs if j.key == key), "")

    def after(self, job: JobOutcome) -> list[JobOutcome]:
        """The jobs that ran after ``job``."""
        return self.jobs[self.jobs.index(job) + 1 :]

    def trace(self) -> str:
        """The path as a counterexample trace."""
        marks = {
            "writes_pages": "writes Pages",
            "smoke_tests": "smoke test",
            "restores_cache": "restores a cache",
            "creates_release": "creates the GitHub release",
        }
        lines = [f"trigger: {self.trigger}"]
        for job in self.jobs:
            did = [text for attr, text in marks.items() if getattr(job, attr)]
            lines.append(f"  {job.key}: {job.result}" + (f" ({', '.join(did)})" if did else ""))
        return "\n".join(lines)


@dataclass(frozen=True)
class Property:
    """A statement every path must satisfy."""

    name: str
    text: str
    holds: Callable[[RunPath], bool]


def _writers(path: RunPath) -> list[JobOutcome]:
    return [j for j in path.jobs if j.writes_pages and j.result == "success"]


def _pages_after_staging(path: RunPath) -> bool:
    """A build reaches Pages only after staging's smoke test passed."""
    return all(
        path.result("staging") == "success"
        for j in _writers(path)
        if j.key.startswith("production/")
    )


def _rollbacks_fetch_a_release(path: RunPath) -> bool:
    """A rollback publishes only a GitHub release it fetched and checked."""
    for j in _writers(path):
        caller = j.key.split("/")[0]
        if caller != "production" and path.result(f"{caller}/fetch") != "success":
            return False
    return True


def _pages_writes_are_verified(path: RunPath) -> bool:
    """Every write to Pages is followed by a smoke test of Pages, unless the run is cancelled."""
    if path.cancelled:
        return True
    return all(any(later.smoke_tests for later in path.after(j)) for j in _writers(path))


def _no_cached_release(path: RunPath) -> bool:
    """A tag never publishes a build that restored a cache."""
    if not any(j.key.startswith("production/") for j in _writers(path)):
        return True
    return not any(j.restores_cache for j in path.jobs if j.key.startswith("build/"))


def _release_after_verify(path: RunPath) -> bool:
    """A GitHub release is created only after the published site passed its smoke test."""
    return all(
        path.result("verify") == "success"
        for j in path.jobs
        if j.creates_release and j.result == "success"
    )


def _artifact_names_unique(path: RunPath) -> bool:
    """No two uploads of a run use the same artifact name (GitHub refuses the second)."""
    names = [name for j in path.jobs if j.result != "skipped" for name in j.artifacts]
    return len(names) == len(set(names))


def _failed_verify_restores(path: RunPath) -> bool:
    """A release that fails its smoke test on Pages is replaced by the latest GitHub release."""
    if path.cancelled or path.result("verify") != "failure":
        return True
    return path.result("restore/fetch") not in ("", "skipped")


PROPERTIES = (
    Property(
        "pages-after-staging",
        "Pages is written with a build only after staging's smoke test passed",
        _pages_after_staging,
    ),
    Property(
        "rollback-from-release",
        "a rollback writes Pages only with a GitHub release it fetched and checked",
        _rollbacks_fetch_a_release,
    ),
    Property(
        "pages-verified",
        "every write to Pages is followed by a smoke test of Pages (unless the run is cancelled)",
        _pages_writes_are_verified,
    ),
    Property(
        "no-cached-release",
        "a release tag is never published from a build that restored a cache",
        _no_cached_release,
    ),
    Property(
        "release-after-verify",
        "a GitHub release is created only after the published site passed its smoke test",
        _release_after_verify,
    ),
    Property(
        "unique-artifacts",
        "no artifact name is uploaded twice in a run (GitHub refuses the second upload)",
        _artifact_names_unique,
    ),
    Property(
        "failed-verify-restores",
        "a release failing its smoke test on Pages is followed by a restore of the latest "
        "GitHub release (unless the run is cancelled)",
        _failed_verify_restores,
    ),
)


class _Chooser:
    """The executor of one path: the outcome of the i-th job is ``choices[i]`` (success
    past the end), recorded with what the job's steps would do."""

    def __init__(self, prefix: Sequence[str]):
        self.prefix = list(prefix)
        self.made: list[str] = []
        self.path: list[JobOutcome] = []

    def __call__(self, call: JobCall, run: RunState) -> JobResult:
        index = len(self.made)
        outcome = self.prefix[index] if index < len(self.prefix) else OUTCOMES[0]
        self.made.append(outcome)
        did = _what_steps_do(call)
        if outcome == "cancelled":
            run.cancelled = True
        self.path.append(JobOutcome(call.spot.key, outcome, **did))
        outputs = {name: f"<{call.spot.key}.{name}>" for name in call.job.get("outputs") or {}}
        return JobResult(
            call.spot.key,
            call.name,
            outcome,
            run.now(),
            0.0,
            call.spot.needs,
            dict(call.combo),
            outputs=outputs if outcome == "success" else {},
        )


_ARTIFACT_DEFAULTS = {
    "actions/upload-artifact": "artifact",
    "actions/upload-pages-artifact": "github-pages",
}


def _what_steps_do(call: JobCall) -> dict[str, Any]:
    """What a job's steps do when they run on a GitHub-hosted runner (each step's ``if:``
    evaluated as if the steps before it succeeded)."""
    scope = Scope(
        {
            **call.scope.contexts,
            "runner": _GITHUB_HOSTED,
            "steps": {},
            "env": {},
            "job": {"status": "success"},
        },
        status=lambda name: name == "success",
    )
    did: dict[str, Any] = dict.fromkeys(
        ("writes_pages", "smoke_tests", "restores_cache", "creates_release"), False
    )
    artifacts: list[str] = []
    for step in call.job.get("steps") or []:
        try:
            runs = evaluate_condition(step.get("if", "success()"), scope)
        except ExpressionError:
            runs = True  # unknown: it may run
        if not runs:
            continue
        uses = str(step.get("uses", "")).split("@")[0].lower()
        script = str(step.get("run", ""))
        did["writes_pages"] |= uses == "actions/deploy-pages"
        did["smoke_tests"] |= uses == "./.github/actions/smoke" or "deploybook.cicd smoke" in script
        did["restores_cache"] |= uses in _CACHES or bool(
            uses.startswith("actions/setup-") and (step.get("with") or {}).get("cache")
        )
        did["creates_release"] |= "gh release create" in script
        if uses in _ARTIFACT_DEFAULTS:
            try:
                inputs = interpolate_all(dict(step.get("with") or {}), scope)
            except ExpressionError:
                inputs = {}
            artifacts.append(to_string(inputs.get("name")) or _ARTIFACT_DEFAULTS[uses])
    did["artifacts"] = tuple(artifacts)
    return did


def explore(runner: LocalRunner, wf: Workflow, trigger: Trigger) -> Iterator[RunPath]:
    """Every path of ``wf`` for ``trigger``, depth first over the jobs' outcomes."""
    pending: list[list[str]] = [[]]
    while pending:
        prefix = pending.pop()
        chooser = _Chooser(prefix)
        run = runner.run(wf, trigger.event, executor=chooser)
        chosen = {job.key: job for job in chooser.path}
        jobs = [chosen.get(job.id, JobOutcome(job.id, job.result)) for job in run.jobs]
        yield RunPath(trigger.label, jobs, any(j.result == "cancelled" for j in jobs))
        for position in range(len(chooser.made) - 1, len(prefix) - 1, -1):
            tried = OUTCOMES.index(chooser.made[position])
            for alternative in OUTCOMES[tried + 1 :]:
                pending.append([*chooser.made[:position], alternative])


@dataclass
class CheckResult:
    """The paths explored, and the first counterexample of each property that failed."""

    paths: int
    paths_per_trigger: dict[str, int]
    counterexamples: dict[str, RunPath]

    @property
    def ok(self) -> bool:
        """True if every property held on every path."""
        return not self.counterexamples


def check(
    workflow: str | Path,
    work_dir: str | Path,
    *,
    triggers: Sequence[Trigger] = TRIGGERS,
    properties: Sequence[Property] = PROPERTIES,
) -> CheckResult:
    """Explore every path of ``workflow`` for each trigger that starts it; the workflows it
    calls are read from its repository (``<repo>/.github/workflows/<file>``)."""
    wf = load_workflow(workflow)
    runner = LocalRunner(Path(workflow).resolve().parents[2], work_dir=work_dir)
    per_trigger: dict[str, int] = {}
    counterexamples: dict[str, RunPath] = {}
    for trigger in triggers:
        if trigger.event.name not in wf.triggers:
            continue
        for path in explore(runner, wf, trigger):
            per_trigger[trigger.label] = per_trigger.get(trigger.label, 0) + 1
            for prop in properties:
                if prop.name not in counterexamples and not prop.holds(path):
                    counterexamples[prop.name] = path
    return CheckResult(sum(per_trigger.values()), per_trigger, counterexamples)


def properties_table(
    result: CheckResult, properties: Sequence[Property] = PROPERTIES
) -> list[dict[str, Any]]:
    """One row per property: its statement and whether it held on every path."""
    return [
        {"property": p.text, "held on every path": p.name not in result.counterexamples}
        for p in properties
    ]


def describe(result: CheckResult) -> Mapping[str, str]:
    """Each failed property's counterexample trace, by property name."""
    return {name: path.trace() for name, path in result.counterexamples.items()}


def check_edited(
    github: Path,
    work_dir: Path,
    edited: str,
    old: str,
    new: str,
    workflow: str = "deploy.yml",
) -> CheckResult:
    """:func:`check` of ``workflow`` in a copy of a ``.github`` folder whose file ``edited``
    has ``old`` replaced by ``new`` (exactly once): what the checker says of a changed
    pipeline."""
    copy = work_dir / "repo" / ".github"
    shutil.rmtree(work_dir / "repo", ignore_errors=True)
    shutil.copytree(github, copy)
    path = copy / "workflows" / edited
    text = path.read_text()
    if text.count(old) != 1:
        raise ValueError(f"{edited} does not contain {old!r} exactly once")
    path.write_text(text.replace(old, new))
    return check(copy / "workflows" / workflow, work_dir / "runs")
