"""What a local run of a workflow reports: the event, and each job's and step's result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Event:
    """The event that starts a run (what ``github.event_name``, ``github.ref``... report)."""

    name: str = "push"
    ref: str = "refs/heads/main"
    sha: str = ""
    inputs: Mapping[str, Any] = field(default_factory=dict)
    payload: Mapping[str, Any] = field(default_factory=dict)
    base_ref: str = ""
    head_ref: str = ""
    actor: str = "local"
    repository: str = "local/deploybook"


@dataclass
class StepResult:
    """One step: outcome (before ``continue-on-error``), conclusion, log, outputs, timing."""

    name: str
    id: str
    kind: str  # run | uses | post | proven (an install step the lock proves needless here)
    outcome: str
    conclusion: str
    started: float
    seconds: float
    exit_code: int | None = None
    script: str = ""  # a run step's script as it ran (expressions expanded, secrets masked)
    env: dict[str, str] = field(default_factory=dict)  # the workflow's env: values (masked)
    log: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""  # what the step appended to $GITHUB_STEP_SUMMARY (masked)

    @property
    def label(self) -> str:
        """The name without an action's commit (``Run actions/cache`` for ``...@0057852...``)."""
        return self.name.split("@")[0] if self.kind != "run" else self.name


@dataclass
class JobResult:
    """One job instance (a matrix combination, or a job of a called workflow)."""

    id: str
    name: str
    result: str  # success | failure | skipped | cancelled
    started: float
    seconds: float
    needs: list[str] = field(default_factory=list)
    matrix: dict[str, Any] = field(default_factory=dict)
    steps: list[StepResult] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    environment: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    continue_on_error: bool = False  # a failure that neither fails the run nor its dependents

    @property
    def conclusion(self) -> str:
        """What the ``needs`` context and the run see: a failure under job-level
        ``continue-on-error`` counts as ``success`` (the job itself still shows failure)."""
        return "success" if self.result == "failure" and self.continue_on_error else self.result

    def step(self, name: str) -> StepResult:
        """A step by name (or id)."""
        for step in self.steps:
            if name in (step.name, step.id):
                return step
        raise KeyError(f"job {self.id!r} has no step {name!r}")

    def log(self) -> str:
        """Every step's log, with step headers."""
        lines: list[str] = []
        for step in self.steps:
            lines.append(f"== {step.name} [{step.conclusion}, {step.seconds:.2f} s]")
            lines.extend(step.log)
        lines.extend(f"Warning: {warning}" for warning in self.warnings)
        if self.error:
            lines.append(f"== job {self.result}: {self.error}")
        return "\n".join(lines)

    def summary(self) -> str:
        """The job summary: every step's ``$GITHUB_STEP_SUMMARY`` markdown, in order."""
        return "\n".join(step.summary for step in self.steps if step.summary)


@dataclass
class RunResult:
    """A whole run: every job instance in the order it ran."""

    workflow: str
    event: Event
    jobs: list[JobResult]
    seconds: float
    artifacts: Path

    @property
    def result(self) -> str:
        """``failure`` if any job failed (``continue-on-error`` aside), else ``success``."""
        failed = any(j.conclusion in ("failure", "cancelled") for j in self.jobs)
        return "failure" if failed else "success"

    def job(self, job_id: str) -> JobResult:
        """The first instance of a job, by id (``build/build`` for a called workflow's job)."""
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise KeyError(
            f"no job {job_id!r} in this run; it ran: {', '.join(j.id for j in self.jobs)}"
        )

    def durations(self) -> dict[str, float]:
        """Seconds per job id that ran (matrix instances run side by side: the longest)."""
        out: dict[str, float] = {}
        for job in self.jobs:
            if job.result != "skipped" and job.steps:
                out[job.id] = max(out.get(job.id, 0.0), job.seconds)
        return out

    def needs(self) -> dict[str, list[str]]:
        """``needs`` per job id; a need on a reusable-workflow call means its jobs."""
        ids = [job.id for job in self.jobs]

        def expand(need: str) -> list[str]:
            inner = [i for i in ids if i.startswith(need + "/")]
            return inner or [need]

        return {job.id: [n for need in job.needs for n in expand(need)] for job in self.jobs}
