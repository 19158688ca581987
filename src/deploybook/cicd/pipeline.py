"""The report's runs of the real workflows on this machine.

- :func:`run_ci`: jobs of ``ci.yml`` through the local runner, and the same ``run:``
  commands again by hand (a plain ``bash`` in the project), to compare;
- :func:`run_releases`: ``deploy.yml`` for a series of release tags of the small book
  (:mod:`deploybook.cicd.minibook`), its staging and GitHub Pages environments served on
  loopback and probed every few milliseconds the whole time, with one shared cache store,
  so the first build runs with a cold cache and the next with a warm one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from deploybook.cicd.deployment import rollback
from deploybook.cicd.environment import Environment
from deploybook.cicd.minibook import build_source
from deploybook.cicd.probes import Probe, Prober
from deploybook.cicd.runner import Event, JobResult, LocalRunner, RunResult
from deploybook.cicd.server import SiteServer

_VOLATILE = re.compile(r"\b\d+(\.\d+)?s\b|\bin \d+(\.\d+)?s\b|0x[0-9a-f]+")


def _normalise(text: str) -> str:
    return _VOLATILE.sub("<t>", text).strip()


def run_ci(
    root: Path,
    work_dir: Path,
    jobs: Sequence[str],
    unit_tests: str,
    secrets: dict[str, str],
    workflow: str | Path = "ci.yml",
) -> RunResult:
    """Run ``ci.yml`` jobs here on this interpreter's matrix entry, dispatched with
    ``unit_tests`` as the unit job's input (``work_dir`` is emptied first)."""
    shutil.rmtree(work_dir, ignore_errors=True)
    runner = LocalRunner(root, work_dir=work_dir, secrets=secrets)
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    event = Event("workflow_dispatch", inputs={"unit-tests": unit_tests})
    return runner.run(workflow, event, jobs=list(jobs), matrix={"python": here})


def head_commit(root: Path) -> str:
    """The checked-out commit of ``root`` (empty outside a git checkout)."""
    proc = subprocess.run(  # noqa: S603
        ["git", "-C", str(root), "rev-parse", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.strip() if proc.returncode == 0 else ""


def steps_table(result: RunResult) -> pd.DataFrame:
    """One row per step of every job of a run."""
    rows = [
        {
            "job": job.name,
            "step": step.label,
            "conclusion": step.conclusion,
            "exit code": step.exit_code,
            "seconds": round(step.seconds, 2),
        }
        for job in result.jobs
        for step in job.steps
    ]
    return pd.DataFrame(rows)


def compare_by_hand(root: Path, result: RunResult) -> pd.DataFrame:
    """Run each ``run:`` step's script again in a plain shell; compare exit code and output.

    The shell gets this interpreter's folder first on PATH (what setup-python gives the
    job) and the job's ``env:`` values, the way a developer runs them in the activated
    virtual environment.
    """
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    rows = []
    for job in result.jobs:
        for step in job.steps:
            if step.kind != "run" or step.conclusion == "skipped":
                continue
            start = time.monotonic()
            proc = subprocess.run(  # noqa: S603 - the workflow's own command
                ["bash", "-e", "-c", step.script],  # noqa: S607
                cwd=root,
                env={**env, **step.env},
                capture_output=True,
                text=True,
                check=False,
            )
            runner_out = _normalise(
                "\n".join(
                    line
                    for line in step.log
                    if not line.startswith(("Run ", "  | ", "Error: Process"))
                )
            )
            hand_out = _normalise(proc.stdout + proc.stderr)
            rows.append(
                {
                    "job": job.name,
                    "command": step.script.strip().splitlines()[-1],
                    "runner exit": step.exit_code,
                    "by hand exit": proc.returncode,
                    "same output": runner_out == hand_out,
                    "runner s": round(step.seconds, 2),
                    "by hand s": round(time.monotonic() - start, 2),
                }
            )
    return pd.DataFrame(rows)


@dataclass
class ReleaseRun:
    """One tag pushed through ``deploy.yml``."""

    tag: str
    defect: str
    result: RunResult


@dataclass
class Releases:
    """Everything :func:`run_releases` observed."""

    runs: list[ReleaseRun]
    staging: Environment
    production: Environment
    staging_probes: list[Probe]
    production_probes: list[Probe]
    manual_rollback: tuple[str, str, float] | None  # (from, to, seconds) in production


def run_releases(
    root: Path,
    work_dir: Path,
    count: int,
    defect: str,
    keep: int,
    probe_interval: float,
    sha: str,
) -> Releases:
    """Push ``count`` tags through deploy.yml; the last release carries ``defect``."""
    shutil.rmtree(work_dir, ignore_errors=True)
    staging = Environment(work_dir / "environments" / "staging")
    production = Environment(work_dir / "environments" / "github-pages")
    runs: list[ReleaseRun] = []
    with (
        SiteServer(staging.current_link) as staging_server,
        SiteServer(production.current_link) as pages_server,
        Prober(staging_server.url, probe_interval, "staging") as staging_prober,
        Prober(pages_server.url, probe_interval, "production") as pages_prober,
    ):
        for number in range(1, count + 1):
            tag = f"v0.{number}.0"
            this_defect = defect if number == count else "none"
            workspace = build_source(work_dir / f"checkout-{tag}", this_defect)
            runner = LocalRunner(
                workspace,
                work_dir=work_dir / "runs",
                cache_dir=work_dir / "cache",
                variables={
                    "STAGING_ROOT": str(staging.root),
                    "STAGING_URL": staging_server.url,
                    "KEEP_RELEASES": str(keep),
                },
                pages_root=production.root,
                pages_url=pages_server.url,
            )
            event = Event("push", f"refs/tags/{tag}", sha=sha)
            result = runner.run("deploy.yml", event, jobs=["verify"])
            runs.append(ReleaseRun(tag, this_defect, result))
            if production.current():
                production.prune(keep)
        manual = None
        live = production.current()
        earlier = [r for r in production.releases() if r != live]
        if live and earlier:  # what deploy.yml's workflow_dispatch rollback does to Pages
            seconds = rollback(production, pages_server.url, to=earlier[-1])
            manual = (live, earlier[-1], seconds)
    return Releases(runs, staging, production, staging_prober.probes, pages_prober.probes, manual)


def jobs_table(releases: Releases) -> pd.DataFrame:
    """One row per job of every release run, a called workflow's job under its caller's id."""
    rows = []
    for run in releases.runs:
        ids = [job.id for job in run.result.jobs]
        for job in run.result.jobs:
            if any(other.startswith(job.id + "/") for other in ids):
                continue  # a reusable-workflow call: its jobs stand for it
            rows.append(
                {
                    "release": run.tag,
                    "defect": run.defect,
                    "job": job.id.split("/")[0],
                    "result": job.result,
                    "start s": round(job.started, 2),
                    "seconds": round(job.seconds, 2),
                    "environment": job.environment,
                }
            )
    return pd.DataFrame(rows)


def history_table(*environments: Environment) -> pd.DataFrame:
    """Every recorded deployment event of the environments, in time order."""
    rows: list[dict[str, Any]] = [
        {"t": e["t"], "environment": env.name, "event": e["event"], "release": e["release"]}
        for env in environments
        for e in env.history()
    ]
    return pd.DataFrame(rows).sort_values("t", kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class RollbackSummary:
    """The last automatic rollback in staging, seen from the environment and the probes."""

    release: str
    reasons: list[str]
    rollback_seconds: float
    live_seconds: float
    probes: int
    all_served: bool


def rollback_summary(releases: Releases) -> RollbackSummary | None:
    """What happened around the last failed release in staging (None if none failed).

    ``all_served`` is true only if at least one probe fell between the switch to the failed
    release and the moment the previous one was served again, and every such probe was
    answered 200.
    """
    history = releases.staging.history()
    failed = [e for e in history if e["event"] == "failed"]
    rolled = [e for e in history if e["event"] == "rolled-back"]
    if not failed or not rolled:
        return None
    bad = failed[-1]["release"]
    switched = max(e["t"] for e in history if e["event"] == "switched" and e["release"] == bad)
    restored = rolled[-1]["t"]
    window = [p for p in releases.staging_probes if switched <= p.t <= restored]
    return RollbackSummary(
        bad,
        list(failed[-1]["failures"]),
        rolled[-1]["seconds"],
        restored - switched,
        len(window),
        bool(window) and all(p.status == 200 for p in window),
    )


def notebooks_executed(build: JobResult) -> tuple[int, int]:
    """(executed, taken from the cache): the notebooks the build step's log (myst-nb) reports."""
    log = build.step("Build the book").log
    return (
        sum("Executing notebook using" in line for line in log),
        sum("Using cached notebook" in line for line in log),
    )


def run_folder(base: Path) -> Path:
    """A fresh ``base/run-<pid>`` for this process, after deleting those of finished processes.

    The book build and the notebook tests may run the report at the same time; each run
    keeps its environments, caches and artifacts to itself.
    """
    base.mkdir(parents=True, exist_ok=True)
    for old in base.glob("run-*"):
        pid = old.name.removeprefix("run-")
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    folder = base / f"run-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    return folder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
