"""The report's helpers: CI comparison, schedules, timeline, what the live slot's probes saw."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from deploybook.cicd.charts import (
    critical_path_figure,
    schedule,
    timeline_figure,
)
from deploybook.cicd.emulator.gh import GitHubStore
from deploybook.cicd.emulator.results import JobResult, RunResult, StepResult
from deploybook.cicd.emulator.runner import LocalRunner
from deploybook.cicd.environment import Environment
from deploybook.cicd.params import CicdParams
from deploybook.cicd.pipeline import (
    Releases,
    by_hand_verdict,
    ci_verdict,
    compare_by_hand,
    failed_probes,
    head_commit,
    history_table,
    refused_entry,
    run_folder,
    served_by_broken,
    staging_rejection,
    steps_table,
    this_python,
    where_jobs_ran,
)
from deploybook.cicd.probes import Probe
from deploybook.cicd.tables import show
from deploybook.params import ParameterError
from deploybook.paths import project_root


def _step(name: str, seconds: float) -> StepResult:
    return StepResult(name, name, "run", "success", "success", 0.0, seconds)


def _run(repo: Path, workflow: str) -> RunResult:
    """Write ``workflow`` as the repository's only workflow and run it locally."""
    (repo / ".github" / "workflows").mkdir(parents=True, exist_ok=True)
    (repo / ".github" / "workflows" / "w.yml").write_text(workflow)
    return LocalRunner(repo, work_dir=repo / "work").run("w.yml")


def test_compare_by_hand_and_steps_table(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-24.04\n    env:\n      WHO: world\n"
        '    steps:\n      - run: echo "hello $WHO"\n'
        "      - run: exit 4\n        continue-on-error: true\n",
    )
    table = compare_by_hand(tmp_path, result)
    assert list(table["runner exit"]) == list(table["by hand exit"]) == [0, 4]
    assert table["same output"].all()
    assert list(table["first difference"]) == ["", ""]
    assert by_hand_verdict(table).startswith("all 2 gave the same exit status")
    steps = steps_table(result)
    assert list(steps["conclusion"]) == ["success", "success"]
    assert str(steps["exit code"].dtype) == "Int64"  # whole numbers, not 0.0 and 4.0
    assert ci_verdict(result) == "all 1 jobs passed"
    # a command whose output changed between the two runs is reported, with the line
    result = _run(
        tmp_path,
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: date +%N\n"
        "      - run: exit 3\n",
    )
    table = compare_by_hand(tmp_path, result)
    assert by_hand_verdict(table) == (
        "1 of 2 differed (the last column shows the first differing line)"
    )
    assert table["first difference"][0].startswith("runner: '")
    assert ci_verdict(result) == "t failed at its step 'Run exit 3' (exit code 3)"


def test_tables_show_no_index_and_readable_values() -> None:
    frame = pd.DataFrame({"n": [1200, None], "ok": [True, False], "s": [0.5, None]})
    frame["n"] = frame["n"].astype("Int64")
    html = show(frame).to_html()
    for shown in ("1,200", "0.50", "yes", "no", "\N{EN DASH}"):
        assert f">{shown}</td>" in html
    assert "row_heading" not in html  # no index column


def test_where_jobs_ran_counts_each_jobs_steps(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8\n"
        "      - run: 'true'\n      - if: runner.environment == 'github-hosted'\n"
        "        run: 'false'\n",
    )
    planned = pd.DataFrame({"job": ["w: a", "w: never"]})
    table = where_jobs_ran(planned, {"w": [result, result]}).set_index("job")
    assert table.loc["w: a"].tolist() == [2, 1, 1, 1]
    assert table.loc["w: never", "runs here"] == 0
    assert pd.isna(table.loc["w: never", "shell steps"])


def test_the_other_python_of_the_unit_matrix_is_refused(tmp_path: Path) -> None:
    python, reason = refused_entry(project_root(), tmp_path)
    assert python != this_python()
    assert f"setup-python asks for Python {python}" in reason


def _result(jobs: list[JobResult]) -> RunResult:
    return RunResult("w", None, jobs, 10.0, Path("."))  # type: ignore[arg-type]


def test_schedule_starts_jobs_when_their_needs_finish() -> None:
    jobs = [
        JobResult("build", "build", "success", 0, 4.0, [], steps=[_step("s", 4.0)]),
        JobResult("lint", "lint", "success", 4, 1.0, [], steps=[_step("s", 1.0)]),
        JobResult(
            "deploy", "deploy", "success", 5, 2.0, ["build", "lint"], steps=[_step("s", 2.0)]
        ),
    ]
    plan = schedule(_result(jobs)).set_index("job")
    assert plan.loc["deploy", "start"] == pytest.approx(4.0)
    assert list(plan[plan["critical"]].index) == ["build", "deploy"]
    assert len(critical_path_figure(plan.reset_index(), "t", "s").data) == 2


def _releases(tmp_path: Path, probes: list[Probe]) -> Releases:
    """Staging's history of a blue/green series: r1 live, r2 staged at 3.0 and rejected at
    5.0, probes of the live URL as given."""
    staging = Environment(tmp_path / "staging")
    events = [
        {"t": 1.0, "event": "staged", "release": "r1"},
        {"t": 1.5, "event": "healthy", "release": "r1"},
        {"t": 2.0, "event": "switched", "release": "r1"},
        {"t": 3.0, "event": "staged", "release": "r2", "live": "r1"},
        {
            "t": 5.0,
            "event": "failed",
            "release": "r2",
            "failures": ["page.html: broken link"],
            "live": "r1",
        },
    ]
    staging.history_file.write_text("".join(json.dumps(e) + "\n" for e in events))
    prod = Environment(tmp_path / "prod")
    return Releases([], staging, prod, probes, [], GitHubStore(tmp_path / "github"), None)


def test_a_rejection_is_seen_from_the_live_slots_probes(tmp_path: Path) -> None:
    good = [Probe(t, 200, "r1", 0.001, releases=("r1",)) for t in (2.5, 3.5, 4.5, 5.5)]
    rejection = staging_rejection(_releases(tmp_path / "a", good))
    assert rejection is not None
    assert (rejection.release, rejection.live, rejection.seconds) == ("r2", "r1", 2.0)
    assert rejection.probes == 2  # 3.5 and 4.5 fall between staging and verdict
    assert rejection.answered_by == ("r1",)
    assert rejection.reasons == ["page.html: broken link"]
    assert served_by_broken(_releases(tmp_path / "b", good)) == []
    leaked = [*good, Probe(4.0, 200, "r2", 0.001, releases=("r2",))]
    assert len(served_by_broken(_releases(tmp_path / "c", leaked))) == 1
    mixed = Probe(4.2, 200, "r1", 0.001, releases=("r1", "r2"))
    assert mixed.mixed
    assert staging_rejection(_releases(tmp_path / "d", [*good, mixed])).answered_by == ("r1", "r2")
    nothing = Releases(
        [],
        Environment(tmp_path / "e"),
        Environment(tmp_path / "f"),
        [],
        [],
        GitHubStore(tmp_path),
        None,
    )
    assert staging_rejection(nothing) is None


def test_timeline_figure_and_history(tmp_path: Path) -> None:
    releases = _releases(tmp_path, [Probe(3.5, 200, "r2", 0.001), Probe(4.0, 0, None, 2.0)])
    events = history_table(releases.staging, releases.production)
    assert list(events["event"])[:3] == ["staged", "healthy", "switched"]
    fig = timeline_figure({"staging": releases.staging_probes}, events, 0.0, "s")
    names = {trace.name for trace in fig.data}
    assert {"served r2", "probe not answered 200", "staged", "switched", "failed"} <= names
    zoomed = timeline_figure(
        {"staging": releases.staging_probes}, events, 0.0, "s", zoom=("staging", 3.0, 3.9)
    )
    lower = [t for t in zoomed.data if t.xaxis == "x2"]
    assert [list(t.x) for t in lower if t.name == "served r2"] == [[3.5]]
    assert not any(t.name == "probe not answered 200" for t in lower)  # 4.0 is outside


def test_failed_probes_name_the_nearest_deployment_event(tmp_path: Path) -> None:
    probes = [
        Probe(2.5, 200, "r1", 0.01),
        Probe(3.1, 0, "r2", 5.0, "TimeoutError: timed out"),
        Probe(0.5, 404, None, 0.0),
        Probe(0.9, 404, "r1", 0.2),  # sent before the first switch, answered after it
    ]
    table = failed_probes(_releases(tmp_path, probes))
    assert table.to_dict("records") == [
        {
            "environment": "staging",
            "sent at s": 2.6,  # since the first probe, at 0.5
            "HTTP status": "no answer (TimeoutError: timed out)",
            "probe took s": 5.0,
            "nearest event": "staged",  # r2, in the idle slot at 3.0
            "s from it": 0.1,
        }
    ]


def test_head_commit() -> None:
    assert len(head_commit(project_root())) == 40
    assert head_commit(Path("/")) == ""


def test_params_name_what_they_accept() -> None:
    good = {
        "ci_jobs": ["lint"],
        "unit_tests": "tests/unit",
        "releases": 3,
        "broken_release": "dead-link",
        "keep_releases": 2,
        "probe_interval_ms": 20,
    }
    assert CicdParams.validate_values(good).releases == 3
    with pytest.raises(ParameterError, match=r"'ci_jobs\.0'.*'lint', 'unit', 'test' or 'book'"):
        CicdParams.validate_values({**good, "ci_jobs": ["deploy"]})
    with pytest.raises(ParameterError, match="keep_releases"):
        CicdParams.validate_values({**good, "keep_releases": 1})


def test_run_folder_keeps_live_runs_and_drops_finished_ones(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = tmp_path / f"run-{finished.stdout.strip()}"
    alive = tmp_path / "run-1"  # init: always alive
    for folder in (dead, alive):
        folder.mkdir()
    mine = run_folder(tmp_path)
    assert mine == tmp_path / f"run-{os.getpid()}"
    assert mine.is_dir()
    assert not dead.exists()
    assert alive.exists()
