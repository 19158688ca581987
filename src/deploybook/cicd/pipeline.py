"""The report's runs of the real workflows on this machine.

- :func:`run_ci`: jobs of ``ci.yml`` through the local runner, and the same ``run:``
  commands again by hand (a plain ``bash`` in the project), to compare;
- :func:`run_releases`: ``deploy.yml`` for a series of release tags of the small book
  (:mod:`deploybook.cicd.minibook`), then a rollback dispatched by hand, its staging and
  GitHub Pages environments served on loopback and probed every few milliseconds the whole
  time;
- :func:`cached_builds`: the book built twice as CI builds it, the second time with the
  cache store the first one filled.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from deploybook.cicd.emulator.gh import GitHubStore
from deploybook.cicd.emulator.masking import load_env_file
from deploybook.cicd.emulator.results import Event, JobResult, RunResult
from deploybook.cicd.emulator.runner import LocalRunner
from deploybook.cicd.emulator.workflow import Workflow, load_workflow
from deploybook.cicd.environment import Environment
from deploybook.cicd.minibook import build_source
from deploybook.cicd.policy import external_uses, runtime_of
from deploybook.cicd.probes import Probe, Prober, during
from deploybook.cicd.server import SiteServer

_VOLATILE = re.compile(r"\b\d+(\.\d+)?s\b|\bin \d+(\.\d+)?s\b|0x[0-9a-f]+")


def _normalise(text: str) -> str:
    return _VOLATILE.sub("<t>", text).strip()


def this_python() -> str:
    """This interpreter's ``major.minor``: the one matrix entry a local run can honour."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def run_ci(
    root: Path,
    work_dir: Path,
    jobs: Sequence[str],
    unit_tests: str,
    secrets: dict[str, str],
    workflow: str | Path = "ci.yml",
    python: str = "",
) -> RunResult:
    """Run ``ci.yml`` jobs here on the matrix entry for ``python`` (default: this
    interpreter's), dispatched with ``unit_tests`` as the unit job's input (``work_dir``
    is emptied first)."""
    shutil.rmtree(work_dir, ignore_errors=True)
    runner = LocalRunner(root, work_dir=work_dir, secrets=secrets)
    event = Event("workflow_dispatch", inputs={"unit-tests": unit_tests})
    return runner.run(workflow, event, jobs=list(jobs), matrix={"python": python or this_python()})


def ci_verdict(result: RunResult) -> str:
    """One sentence on how a CI run ended: every job passed, or where each failure was."""
    failed = [
        f"{job.name} failed at its step '{step.label}'"
        + (f" (exit code {step.exit_code})" if step.exit_code is not None else "")
        for job in result.jobs
        if job.result != "success"
        for step in job.steps
        if step.conclusion == "failure"
    ]
    if result.result == "success":
        return f"all {len(result.jobs)} jobs passed"
    return "; ".join(failed) or "a job failed before any step ran"


def secrets_demo(root: Path, work_dir: Path, workflow: Path, secret: str) -> RunResult:
    """The unit job of a workflow that prints a secret, run with ``secret`` as
    ``CODECOV_TOKEN`` read from an env file, as a developer would keep it."""
    secrets_file = work_dir / "secrets.env"
    work_dir.mkdir(parents=True, exist_ok=True)
    secrets_file.write_text(f"CODECOV_TOKEN={secret}\n")
    tests = "tests/unit/cicd/emulator/test_masking.py"
    return run_ci(root, work_dir / "runs", ["unit"], tests, load_env_file(secrets_file), workflow)


def log_lines(result: RunResult, job: str, containing: str) -> str:
    """The lines of a job's log that contain ``containing``."""
    return "\n".join(line for line in result.job(job).log().splitlines() if containing in line)


def pins_table(workflows: Sequence[Workflow]) -> pd.DataFrame:
    """Every pinned action version: its commit, the version its comment names, and the Node
    runtime it runs on (recorded from its tag, :func:`deploybook.cicd.policy.runtime_of`)."""
    pins = {(uses, comment) for wf in workflows for _, uses, comment in external_uses(wf)}
    rows = []
    for uses, comment in sorted(pins):
        action, _, commit = uses.partition("@")
        runtime = runtime_of(action, commit)
        rows.append(
            {"action": action, "commit": commit, "version": comment, "runs on": runtime or "?"}
        )
    return pd.DataFrame(rows)


def environments_table(releases: Releases) -> pd.DataFrame:
    """Each environment at the end: the live release and the releases kept on disk."""
    return pd.DataFrame(
        [
            {
                "environment": env.name,
                "live": env.current(),
                "releases kept": ", ".join(env.releases()),
            }
            for env in (releases.staging, releases.production)
        ]
    )


def refused_entry(root: Path, work_dir: Path) -> tuple[str, str]:
    """The unit job's matrix entry for a Python other than this one, and why it cannot run
    here (the error the local runner gives it)."""
    ci = load_workflow(root / ".github" / "workflows" / "ci.yml")
    versions = [str(v) for v in ci.jobs["unit"]["strategy"]["matrix"]["python"]]
    python = next(v for v in versions if v != this_python())
    result = run_ci(
        root, work_dir, ["unit"], "tests/unit/cicd/emulator/test_matrix.py", {}, python=python
    )
    job = result.job("unit")
    errors = [line for step in job.steps for line in step.log if line.startswith("Error: ")]
    return python, errors[0].removeprefix("Error: ") if errors else f"it ended with {job.result}"


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
    """One row per step of every job of a run (how it ran here: a shell, or the local
    equivalent of an action)."""
    rows = [
        {
            "job": job.name,
            "step": step.label,
            "ran as": "shell" if step.kind == "run" else "local equivalent",
            "conclusion": step.conclusion,
            "exit code": step.exit_code,
            "seconds": round(step.seconds, 2),
        }
        for job in result.jobs
        for step in job.steps
    ]
    table = pd.DataFrame(rows)
    table["exit code"] = table["exit code"].astype("Int64")
    return table


def _first_difference(ours: str, theirs: str) -> str:
    """The first line where two outputs differ ('' when they are the same)."""
    for a, b in itertools.zip_longest(ours.splitlines(), theirs.splitlines(), fillvalue=""):
        if a != b:
            return f"runner: {a[:60]!r} / by hand: {b[:60]!r}"
    return ""


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
                    "first difference": _first_difference(runner_out, hand_out),
                }
            )
    return pd.DataFrame(rows)


@dataclass
class ReleaseRun:
    """One run of ``deploy.yml``: a tag push, or a rollback dispatched by hand."""

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
    github: GitHubStore
    dispatch: ReleaseRun | None  # the rollback by workflow_dispatch (None: nothing to go to)


REPOSITORY = Event().repository
PROBED_PAGE = "book/intro.html"  # a page with scripts and stylesheets, so a mixed load shows


def _runner(
    workspace: Path, work_dir: Path, servers: dict[str, str], keep: int, production: Environment
) -> LocalRunner:
    return LocalRunner(
        workspace,
        work_dir=work_dir / "runs",
        cache_dir=work_dir / "cache",
        github_root=work_dir / "github",
        variables={
            "STAGING_ROOT": str(work_dir / "environments" / "staging"),
            "STAGING_URL": servers["staging"],
            "STAGING_CANDIDATE_URL": servers["candidate"],
            "KEEP_RELEASES": str(keep),
        },
        pages_root=production.root,
        pages_url=servers["pages"],
    )


def run_releases(
    root: Path,
    work_dir: Path,
    count: int,
    defect: str,
    keep: int,
    probe_interval: float,
    sha: str,
) -> Releases:
    """Push ``count`` tags through deploy.yml (the last release carries ``defect``), then
    roll GitHub Pages back by dispatching deploy.yml with ``rollback-to`` the release before
    the latest GitHub release, all while both environments are probed.

    Staging is served at a domain's root with its idle slot beside it; the local GitHub
    Pages under ``/deploybook/``, as GitHub serves a project site; the local GitHub store
    keeps the tags, releases and attestations between runs.
    """
    shutil.rmtree(work_dir, ignore_errors=True)
    staging = Environment(work_dir / "environments" / "staging")
    production = Environment(work_dir / "environments" / "github-pages")
    runs: list[ReleaseRun] = []
    with (
        SiteServer(staging.current_link) as staging_server,
        SiteServer(staging.candidate_link) as candidate_server,
        SiteServer(production.current_link, prefix="/deploybook") as pages_server,
        Prober(staging_server.url, probe_interval, "staging", PROBED_PAGE) as staging_prober,
        Prober(pages_server.url, probe_interval, "production", PROBED_PAGE) as pages_prober,
    ):
        servers = {
            "staging": staging_server.url,
            "candidate": candidate_server.url,
            "pages": pages_server.url,
        }
        for number in range(1, count + 1):
            tag = f"v0.{number}.0"
            this_defect = defect if number == count else "none"
            workspace = build_source(work_dir / f"checkout-{tag}", this_defect)
            runner = _runner(workspace, work_dir, servers, keep, production)
            result = runner.run("deploy.yml", Event("push", f"refs/tags/{tag}", sha=sha))
            runs.append(ReleaseRun(tag, this_defect, result))
        github = GitHubStore(work_dir / "github")
        published = [r["tag"] for r in github.releases(REPOSITORY)]
        dispatch = None
        if len(published) > 1:  # the release before the latest one, from a fresh checkout
            workspace = build_source(work_dir / "checkout-main")
            runner = _runner(workspace, work_dir, servers, keep, production)
            event = Event("workflow_dispatch", inputs={"rollback-to": published[1]}, sha=sha)
            dispatch = ReleaseRun(published[1], "none", runner.run("deploy.yml", event))
    return Releases(
        runs, staging, production, staging_prober.probes, pages_prober.probes, github, dispatch
    )


def deploy_runs(releases: Releases) -> list[RunResult]:
    """Every run of deploy.yml: each tag push, then the rollback dispatched by hand."""
    extra = [releases.dispatch.result] if releases.dispatch else []
    return [run.result for run in releases.runs] + extra


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


_STEP_COUNTS = ("shell steps", "actions run locally", "steps skipped here")


def _step_counts(job: JobResult) -> dict[str, int]:
    steps = [step for step in job.steps if step.kind != "post"]
    ran = [step for step in steps if step.conclusion != "skipped"]
    return dict(
        zip(
            _STEP_COUNTS,
            (
                sum(step.kind == "run" for step in ran),
                sum(step.kind == "uses" for step in ran),
                len(steps) - len(ran),
            ),
            strict=True,
        )
    )


def where_jobs_ran(planned: pd.DataFrame, runs: Mapping[str, Sequence[RunResult]]) -> pd.DataFrame:
    """Every job of the pipeline graph (``graph.plan``): how many times it ran here, and
    how the steps of its last run ran (a shell, an action's local equivalent, skipped).

    ``runs`` maps a workflow's file stem (``ci``, ``deploy``) to the runs of it.
    """
    last: dict[str, JobResult] = {}
    count: dict[str, int] = {}
    for stem, results in runs.items():
        for job in (job for result in results for job in result.jobs):
            if job.result != "skipped" and job.steps:
                key = f"{stem}: {job.id}"
                last[key] = job
                count[key] = count.get(key, 0) + 1
    rows = [
        {
            "job": key,
            "runs here": count.get(key, 0),
            **(_step_counts(last[key]) if key in last else dict.fromkeys(_STEP_COUNTS)),
        }
        for key in dict.fromkeys(planned["job"])
    ]
    return pd.DataFrame(rows).astype({column: "Int64" for column in _STEP_COUNTS})


def history_table(*environments: Environment) -> pd.DataFrame:
    """Every recorded deployment event of the environments, in time order."""
    rows: list[dict[str, Any]] = [
        {"t": e["t"], "environment": env.name, "event": e["event"], "release": e["release"]}
        for env in environments
        for e in env.history()
    ]
    return pd.DataFrame(rows).sort_values("t", kind="stable").reset_index(drop=True)


def live_probes(releases: Releases) -> list[tuple[str, Probe]]:
    """(environment, probe) for every probe sent after the environment's first switch to a
    release: what a reader could have seen (before it, nothing was deployed)."""
    events = history_table(releases.staging, releases.production)
    switches = events[events["event"] == "switched"].groupby("environment")["t"].min()
    return [
        (env.name, p)
        for env, probes in (
            (releases.staging, releases.staging_probes),
            (releases.production, releases.production_probes),
        )
        for p in probes
        if env.name in switches and p.t >= switches[env.name]
    ]


def failed_probes(releases: Releases) -> pd.DataFrame:
    """Every live probe (:func:`live_probes`) that did not answer 200, with the deployment
    event of its environment nearest in time."""
    events = history_table(releases.staging, releases.production)
    t0 = min((p.t for p in releases.staging_probes + releases.production_probes), default=0.0)
    rows = []
    for env, p in live_probes(releases):
        if p.status == 200:
            continue
        own = events[events["environment"] == env]
        nearest = own.iloc[(own["t"] - p.t).abs().argmin()]
        rows.append(
            {
                "environment": env,
                "sent at s": round(p.t - t0, 2),
                "HTTP status": p.status or f"no answer ({p.error})",
                "probe took s": round(p.seconds, 2),
                "nearest event": nearest["event"],
                "s from it": round(p.t - nearest["t"], 2),
            }
        )
    columns = ["environment", "sent at s", "HTTP status", "probe took s", "nearest event"]
    return pd.DataFrame(rows, columns=[*columns, "s from it"])


def cached_builds(root: Path, work_dir: Path, sha: str) -> tuple[JobResult, JobResult]:
    """The small book built twice by ``book.yml`` with its caches (as ``ci.yml`` builds it),
    on two identical checkouts sharing one cache store: (cold, warm) build jobs."""
    shutil.rmtree(work_dir, ignore_errors=True)
    jobs = []
    for name in ("cold", "warm"):
        workspace = build_source(work_dir / f"checkout-{name}")
        runner = LocalRunner(workspace, work_dir=work_dir / "runs", cache_dir=work_dir / "cache")
        result = runner.run("ci-book.yml", Event("push", "refs/heads/main", sha=sha))
        jobs.append(result.job("book/build"))
    return jobs[0], jobs[1]


def failed_releases(releases: Releases) -> dict[str, set[str]]:
    """Per environment, the releases that failed its smoke test: staging's in the idle slot,
    GitHub Pages' in ``verify`` after publishing."""
    staging = {e["release"] for e in releases.staging.history() if e["event"] == "failed"}
    pages = set()
    for run in releases.runs:
        verify = [j for j in run.result.jobs if j.id == "verify"]
        if verify and verify[0].result == "failure":
            pages.add(run.result.job("build/build").outputs.get("release-id", ""))
    return {releases.staging.name: staging, releases.production.name: pages - {""}}


def served_by_broken(releases: Releases) -> list[tuple[str, Probe]]:
    """Live probes (environment, probe) answered by a release that failed the smoke test of
    that environment: readers who got a release the pipeline had found broken."""
    broken = failed_releases(releases)
    return [(env, p) for env, p in live_probes(releases) if broken[env] & set(p.releases)]


@dataclass(frozen=True)
class Rejection:
    """The last release staging refused in its idle slot, seen from the live slot's probes."""

    release: str
    reasons: list[str]
    staged_at: float
    verdict_at: float
    live: str | None  # the release readers kept getting
    probes: int  # probes of staging's live URL while the release was tested
    probes_failed: int  # ... that did not answer 200
    answered_by: tuple[str, ...]  # every release that answered them

    @property
    def seconds(self) -> float:
        """How long the release was under test in the idle slot."""
        return self.verdict_at - self.staged_at


def staging_rejection(releases: Releases) -> Rejection | None:
    """What happened around the last release staging rejected (None if none was)."""
    history = releases.staging.history()
    failed = [e for e in history if e["event"] == "failed"]
    if not failed:
        return None
    last = failed[-1]
    staged = max(
        e["t"] for e in history if e["event"] == "staged" and e["release"] == last["release"]
    )
    window = during(releases.staging_probes, staged, last["t"])
    return Rejection(
        last["release"],
        list(last.get("failures", [])),
        staged,
        last["t"],
        last.get("live"),
        len(window),
        sum(p.status != 200 for p in window),
        tuple(sorted({r for p in window for r in p.releases})),
    )


def rejection_reasons(releases: Releases) -> pd.DataFrame:
    """What the smoke test found in the release staging rejected last (no rows if none)."""
    rejection = staging_rejection(releases)
    return pd.DataFrame({"what the smoke test found": rejection.reasons if rejection else []})


def by_hand_verdict(table: pd.DataFrame) -> str:
    """How the commands run by hand compared with the runner's run of them."""
    same = table["same output"] & (table["runner exit"] == table["by hand exit"])
    if same.all():
        return f"all {len(table)} gave the same exit status and the same output, timings aside"
    return (
        f"{int((~same).sum())} of {len(table)} differed (the last column shows the first "
        "differing line)"
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
