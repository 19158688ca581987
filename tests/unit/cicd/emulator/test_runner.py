"""The local runner: real shells, real files, real exit codes, in a temporary repository."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from deploybook.cicd.emulator.results import Event
from deploybook.cicd.emulator.runner import LocalRunner, RunnerError
from deploybook.cicd.emulator.scheduler import call_result
from deploybook.cicd.emulator.workflow import WorkflowError
from deploybook.paths import project_root

from .conftest import CACHE, CHECKOUT, DOWNLOAD, SETUP_PYTHON, UPLOAD, runner_for, write_workflow


def _step_log(result, job: str, step: int) -> str:
    return "\n".join(result.job(job).steps[step].log)


def test_step_outputs_env_and_path_flow_to_later_steps(repo: Path) -> None:
    (repo / "bin").mkdir()
    tool = repo / "bin" / "hello-tool"
    tool.write_text("#!/bin/sh\necho hello from the tool\n")
    tool.chmod(0o755)
    write_workflow(
        repo,
        """
on: push
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - id: first
        run: |
          echo "answer=42" >> "$GITHUB_OUTPUT"
          { echo "notes<<EOF"; echo "line one"; echo "line two"; echo "EOF"; } >> "$GITHUB_OUTPUT"
          echo "GREETING=hi there" >> "$GITHUB_ENV"
          echo "$GITHUB_WORKSPACE/bin" >> "$GITHUB_PATH"
      - run: |
          test "${{ steps.first.outputs.answer }}" = 42
          test "$GREETING" = "hi there"
          test "${{ env.GREETING }}" = "hi there"
          hello-tool
          echo "${{ steps.first.outputs.notes }}" | wc -l
""",
    )
    result = runner_for(repo).run("w.yml")
    assert result.result == "success", result.job("a").log()
    assert result.job("a").steps[0].outputs == {"answer": "42", "notes": "line one\nline two"}
    assert "hello from the tool" in _step_log(result, "a", 1)


def test_needs_order_and_job_outputs(repo: Path) -> None:
    write_workflow(
        repo,
        """
on: push
jobs:
  report:
    needs: [build, test]
    runs-on: ubuntu-24.04
    steps:
      - run: test "${{ needs.build.outputs.version }}-${{ needs.test.result }}" = "1.2-success"
  build:
    runs-on: ubuntu-24.04
    outputs:
      version: ${{ steps.v.outputs.version }}
    steps:
      - id: v
        run: echo "version=1.2" >> "$GITHUB_OUTPUT"
  test:
    needs: build
    runs-on: ubuntu-24.04
    steps:
      - run: echo testing ${{ needs.build.outputs.version }}
""",
    )
    result = runner_for(repo).run("w.yml")
    assert [j.id for j in result.jobs] == ["build", "test", "report"]
    assert result.result == "success", result.job("report").log()
    assert result.job("build").outputs == {"version": "1.2"}
    assert "testing 1.2" in _step_log(result, "test", 0)
    assert result.needs()["report"] == ["build", "test"]


def test_if_conditions_on_steps_and_jobs(repo: Path) -> None:
    write_workflow(
        repo,
        """
on: [push, pull_request]
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - name: only on pull requests
        if: github.event_name == 'pull_request'
        run: echo never
      - name: breaks
        run: exit 3
      - name: after a failure, skipped
        run: echo never
      - name: failure handler
        if: failure()
        run: echo handling
      - name: always
        if: ${{ always() }}
        run: echo cleanup
  b:
    needs: a
    runs-on: ubuntu-24.04
    steps:
      - run: echo never
  c:
    needs: a
    if: always() && needs.a.result == 'failure'
    runs-on: ubuntu-24.04
    steps:
      - run: echo notify
""",
    )
    result = runner_for(repo).run("w.yml")
    steps = result.job("a").steps
    assert [s.conclusion for s in steps] == ["skipped", "failure", "skipped", "success", "success"]
    assert steps[1].exit_code == 3
    assert "Process completed with exit code 3" in steps[1].log[-1]
    assert result.job("a").result == "failure"
    assert result.job("b").result == "skipped"
    assert result.job("c").result == "success"
    assert result.result == "failure"


def test_continue_on_error_keeps_the_job_green(repo: Path) -> None:
    write_workflow(
        repo,
        """
on: push
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - id: flaky
        continue-on-error: true
        run: exit 1
      - run: test "${{ steps.flaky.outcome }}/${{ steps.flaky.conclusion }}" = "failure/success"
""",
    )
    result = runner_for(repo).run("w.yml")
    assert result.result == "success", result.job("a").log()


def test_matrix_expansion_runs_every_combination(repo: Path) -> None:
    write_workflow(
        repo,
        """
on: push
jobs:
  t:
    name: t ${{ matrix.n }} ${{ matrix.flavour }}
    runs-on: ubuntu-24.04
    strategy:
      matrix:
        n: [1, 2]
        flavour: [a, b]
        exclude: [{n: 2, flavour: b}]
        include: [{n: 3, flavour: c}]
    steps:
      - run: echo "combo ${{ matrix.n }}${{ matrix.flavour }} index ${{ strategy.job-index }}"
""",
    )
    result = runner_for(repo).run("w.yml")
    assert [j.name for j in result.jobs] == ["t 1 a", "t 1 b", "t 2 a", "t 3 c"]
    assert [j.matrix for j in result.jobs][-1] == {"n": 3, "flavour": "c"}
    assert "combo 2a index 2" in "\n".join(result.jobs[2].steps[0].log)
    chosen = runner_for(repo).run("w.yml", matrix={"flavour": "a"})
    assert [j.name for j in chosen.jobs] == ["t 1 a", "t 2 a"]


def test_fail_fast_cancels_the_rest(repo: Path) -> None:
    write_workflow(
        repo,
        """
on: push
jobs:
  t:
    runs-on: ubuntu-24.04
    strategy:
      matrix:
        n: [1, 2, 3]
    steps:
      - run: test ${{ matrix.n }} != 2
""",
    )
    result = runner_for(repo).run("w.yml")
    assert [j.result for j in result.jobs] == ["success", "failure", "cancelled"]
    assert result.jobs[2].error == "cancelled by fail-fast"


def test_setup_python_maps_to_this_interpreter_only_for_its_version(repo: Path) -> None:
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    write_workflow(
        repo,
        f"""
on: push
jobs:
  t:
    runs-on: ubuntu-24.04
    strategy:
      fail-fast: false
      matrix:
        python: ["{here}", "3.99"]
    steps:
      - uses: {SETUP_PYTHON}
        with:
          python-version: ${{{{ matrix.python }}}}
      - run: python -c "import sys; print(sys.executable)"
""",
    )
    result = runner_for(repo).run("w.yml")
    ok, wrong = result.jobs
    assert ok.result == "success"
    assert str(Path(sys.executable)) in "\n".join(ok.steps[1].log)
    assert wrong.result == "failure"
    assert "asks for Python 3.99" in "\n".join(wrong.steps[0].log)


def test_unknown_action_is_an_error_naming_it(repo: Path) -> None:
    write_workflow(
        repo,
        f"""
on: push
jobs:
  t:
    runs-on: ubuntu-24.04
    steps:
      - uses: {CHECKOUT}
      - uses: someone/deploy-to-mars@v1
      - run: echo after
""",
    )
    failed = runner_for(repo).run("w.yml")
    assert failed.job("t").result == "failure"
    log = "\n".join(failed.job("t").steps[1].log)
    assert "no local equivalent for 'uses: someone/deploy-to-mars@v1'" in log
    assert "skip_unknown=True" in log
    skipped = runner_for(repo, skip_unknown=True).run("w.yml")
    assert skipped.result == "success"
    assert skipped.job("t").steps[1].kind == "skipped-action"


def test_secrets_are_masked_in_every_log_line(repo: Path, tmp_path: Path) -> None:
    write_workflow(
        repo,
        """
on: push
jobs:
  t:
    runs-on: ubuntu-24.04
    env:
      TOKEN: ${{ secrets.API_TOKEN }}
    steps:
      - run: |
          echo "token is $TOKEN"
          echo "inline ${{ secrets.API_TOKEN }} too"
          value="runtime-value-$((100 + 23))"
          echo "::add-mask::$value"
          echo "later: $value"
          exit 1
""",
    )
    result = runner_for(repo, secrets={"API_TOKEN": "s3cr3t-value"}).run("w.yml")
    log = result.job("t").log()
    assert "s3cr3t-value" not in log
    assert "runtime-value-123" not in log
    assert "token is ***" in log
    assert "inline *** too" in log
    assert "later: ***" in log


def test_shells_working_directory_and_defaults(repo: Path) -> None:
    (repo / "sub").mkdir()
    write_workflow(
        repo,
        """
on: push
defaults:
  run:
    working-directory: sub
jobs:
  t:
    runs-on: ubuntu-24.04
    steps:
      - run: pwd
      - shell: python
        run: |
          import os
          print("python in", os.path.basename(os.getcwd()))
      - shell: sh
        working-directory: .
        run: echo "sh in $(basename "$PWD")"
      - shell: cmd
        run: dir
""",
    )
    result = runner_for(repo).run("w.yml")
    steps = result.job("t").steps
    assert steps[0].log[-1].endswith("/sub")
    assert "python in sub" in steps[1].log
    assert "sh in repo" in steps[2].log
    assert steps[3].conclusion == "failure"  # the step fails, as GitHub fails it
    assert "shell 'cmd' is not supported" in "\n".join(steps[3].log)


def test_step_timeout_stops_the_process(repo: Path) -> None:
    write_workflow(
        repo,
        """
on: push
jobs:
  t:
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    steps:
      - timeout-minutes: 0.01
        run: sleep 30
      - if: always()
        run: echo cleaned
""",
    )
    result = runner_for(repo).run("w.yml")
    first, second = result.job("t").steps
    assert first.conclusion == "failure"
    assert first.seconds < 10
    assert "exceeded its time limit" in "\n".join(first.log)
    assert second.conclusion == "success"


def test_cache_misses_then_hits_and_restores_files(repo: Path) -> None:
    write_workflow(
        repo,
        f"""
on: push
jobs:
  t:
    runs-on: ubuntu-24.04
    steps:
      - id: cache
        uses: {CACHE}
        with:
          path: out
          key: demo-${{{{ hashFiles('input.txt') }}}}
          restore-keys: demo-
      - if: steps.cache.outputs.cache-hit != 'true'
        run: mkdir -p out && cp input.txt out/built.txt
      - run: cat out/built.txt
""",
    )
    (repo / "input.txt").write_text("v1\n")
    runner = runner_for(repo)
    cold = runner.run("w.yml")
    assert cold.job("t").steps[0].outputs["cache-hit"] == "false"
    assert cold.job("t").steps[1].conclusion == "success"
    assert cold.job("t").steps[-1].kind == "post"
    assert "Cache saved with key: demo-" in "\n".join(cold.job("t").steps[-1].log)
    (repo / "out").rename(repo / "gone")
    warm = runner.run("w.yml")
    assert warm.job("t").steps[0].outputs["cache-hit"] == "true"
    assert warm.job("t").steps[1].conclusion == "skipped"
    assert "v1" in warm.job("t").steps[2].log
    (repo / "input.txt").write_text("v2\n")
    partial = runner.run("w.yml")
    assert partial.job("t").steps[0].outputs["cache-hit"] == "false"
    assert partial.job("t").steps[0].outputs["cache-matched-key"].startswith("demo-")


def test_artifacts_pass_between_jobs(repo: Path) -> None:
    write_workflow(
        repo,
        f"""
on: push
jobs:
  make:
    runs-on: ubuntu-24.04
    steps:
      - run: mkdir -p dist/sub && echo built > dist/sub/file.txt
      - uses: {UPLOAD}
        with:
          name: things
          path: dist/
          if-no-files-found: error
  use:
    needs: make
    runs-on: ubuntu-24.04
    steps:
      - uses: {DOWNLOAD}
        with:
          name: things
          path: got
      - run: cat got/sub/file.txt
""",
    )
    result = runner_for(repo).run("w.yml")
    assert result.result == "success", result.job("use").log()
    assert "built" in result.job("use").steps[1].log
    assert (result.artifacts / "things" / "sub" / "file.txt").is_file()


def test_reusable_workflow_with_inputs_and_outputs(repo: Path) -> None:
    write_workflow(
        repo,
        """
on:
  workflow_call:
    inputs:
      who:
        type: string
        required: true
      loud:
        type: boolean
        default: false
    outputs:
      greeting:
        value: ${{ jobs.greet.outputs.text }}
jobs:
  greet:
    runs-on: ubuntu-24.04
    outputs:
      text: ${{ steps.g.outputs.text }}
    steps:
      - id: g
        run: echo "text=hello ${{ inputs.who }} loud=${{ inputs.loud }}" >> "$GITHUB_OUTPUT"
""",
        "called.yml",
    )
    write_workflow(
        repo,
        """
on: push
jobs:
  call:
    uses: ./.github/workflows/called.yml
    with:
      who: ${{ github.event_name }}
  after:
    needs: call
    runs-on: ubuntu-24.04
    steps:
      - run: test "${{ needs.call.outputs.greeting }}" = "hello push loud=false"
""",
    )
    result = runner_for(repo).run("w.yml")
    assert [j.id for j in result.jobs] == ["call/greet", "call", "after"]
    assert result.result == "success", result.job("after").log()
    assert result.needs()["after"] == ["call/greet"]
    assert set(result.durations()) == {"call/greet", "after"}


def test_dispatch_inputs_are_validated(repo: Path) -> None:
    write_workflow(
        repo,
        """
on:
  workflow_dispatch:
    inputs:
      level:
        type: choice
        options: [low, high]
        default: low
      count:
        type: number
        default: 1
      tag:
        type: string
        required: true
jobs:
  t:
    runs-on: ubuntu-24.04
    steps:
      - run: echo "${{ inputs.level }} ${{ inputs.count }} ${{ github.event.inputs.tag }}"
""",
    )
    runner = runner_for(repo)
    result = runner.run("w.yml", Event("workflow_dispatch", inputs={"tag": "v1", "count": "3"}))
    assert "low 3 v1" in result.job("t").steps[0].log
    with pytest.raises(RunnerError, match="required workflow_dispatch input 'tag' is missing"):
        runner.run("w.yml", Event("workflow_dispatch"))
    with pytest.raises(RunnerError, match="must be one of"):
        runner.run("w.yml", Event("workflow_dispatch", inputs={"tag": "x", "level": "max"}))
    with pytest.raises(RunnerError, match="must be a number"):
        runner.run("w.yml", Event("workflow_dispatch", inputs={"tag": "x", "count": "many"}))
    with pytest.raises(RunnerError, match="has no workflow_dispatch input"):
        runner.run("w.yml", Event("workflow_dispatch", inputs={"tag": "x", "typo": "1"}))


def test_events_that_do_not_trigger_are_refused(repo: Path) -> None:
    write_workflow(
        repo,
        "on:\n  push:\n    tags: ['v*']\n"
        "jobs:\n  t:\n    runs-on: ubuntu-24.04\n    steps: [{run: 'true'}]\n",
    )
    with pytest.raises(RunnerError, match="not triggered by push on refs/heads/main"):
        runner_for(repo).run("w.yml")
    assert runner_for(repo).run("w.yml", Event("push", "refs/tags/v1")).result == "success"


@pytest.mark.parametrize(
    ("job", "message"),
    [
        ("runs-on: windows-latest\n    steps: [{run: 'true'}]", "runs on ['windows-latest']"),
        (
            "runs-on: ubuntu-24.04\n    container: debian\n    steps: [{run: 'true'}]",
            "needs Docker",
        ),
        (
            "runs-on: ubuntu-24.04\n    steps: [{run: 'true', working-directory: nowhere}]",
            "does not exist",
        ),
    ],
)
def test_unsupported_jobs_fail_with_a_reason(repo: Path, job: str, message: str) -> None:
    write_workflow(repo, f"on: push\njobs:\n  t:\n    {job}\n")
    result = runner_for(repo).run("w.yml")
    assert result.job("t").result == "failure"
    assert message in (result.job("t").error or "") + result.job("t").log()


def test_remote_reusable_workflows_and_bad_ifs_are_refused(repo: Path) -> None:
    write_workflow(repo, "on: push\njobs:\n  t:\n    uses: org/repo/.github/workflows/x.yml@v1\n")
    with pytest.raises(RunnerError, match="only reusable workflows in this repository"):
        runner_for(repo).run("w.yml")
    bad_if = "on: push\njobs:\n  t:\n    if: github.ref ==\n    runs-on: x\n    steps: []\n"
    write_workflow(repo, bad_if)
    with pytest.raises(RunnerError, match=r"jobs\.t\.if\): Unexpected end of expression"):
        runner_for(repo).run("w.yml")


def test_unknown_job_and_missingwrite_workflow(repo: Path) -> None:
    write_workflow(
        repo, "on: push\njobs:\n  t:\n    runs-on: ubuntu-24.04\n    steps: [{run: 'true'}]\n"
    )
    with pytest.raises(WorkflowError, match="no job 'x'"):
        runner_for(repo).run("w.yml", jobs=["x"])
    with pytest.raises(WorkflowError, match="not found"):
        runner_for(repo).run("nope.yml")


def test_ci_unit_job_matches_running_its_command_by_hand(tmp_path: Path) -> None:
    """The real ci.yml unit job, on this interpreter, on a small test file."""
    root = project_root()
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    tests = "tests/unit/cicd/emulator/test_matrix.py"
    runner = LocalRunner(root, work_dir=tmp_path / "runs")
    event = Event("workflow_dispatch", inputs={"unit-tests": tests})
    result = runner.run("ci.yml", event, jobs=["unit"], matrix={"python": here})
    job = result.job("unit")
    by_hand = subprocess.run(
        [sys.executable, "-m", "pytest", tests, "-m", "not spark", "-p", "no:cacheprovider", "-q"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert job.result == ("success" if by_hand.returncode == 0 else "failure"), job.log()
    summary = [line for line in by_hand.stdout.splitlines() if " passed" in line][-1]
    assert summary.split(" in ")[0] in job.log()


def test_multiline_secrets_and_secrets_through_github_env_are_masked(repo: Path) -> None:
    write_workflow(
        repo,
        """
on: push
jobs:
  t:
    runs-on: ubuntu-24.04
    outputs:
      leaked: ${{ steps.s.outputs.copy }}
      fine: ${{ steps.s.outputs.plain }}
    steps:
      - id: s
        env:
          KEY: ${{ secrets.DEPLOY_KEY }}
        run: |
          echo "key follows"
          echo "$KEY"
          { echo "COPIED<<EOF"; echo "$KEY"; echo "EOF"; } >> "$GITHUB_ENV"
          echo "copy=$(echo "$KEY" | head -1)" >> "$GITHUB_OUTPUT"
          echo "plain=nothing secret" >> "$GITHUB_OUTPUT"
          echo "## Deployed with \\`$(echo "$KEY" | tail -1)\\`" >> "$GITHUB_STEP_SUMMARY"
      - run: |
          echo "again: $COPIED"
          echo "${{ env.COPIED }}" | tail -1
""",
    )
    key = "-----BEGIN KEY-----\nline-two-abc123\n-----END KEY-----"
    result = runner_for(repo, secrets={"DEPLOY_KEY": key}).run("w.yml")
    job = result.job("t")
    everything = job.log() + job.summary() + str(job.steps[0].env) + str(job.outputs)
    for line in key.splitlines():
        assert line not in everything
    assert "again: ***" in job.log()
    assert job.steps[0].env == {"KEY": "***"}
    assert job.summary() == "## Deployed with `***`\n"
    # like GitHub, an output holding a secret is dropped with a warning, not passed on
    assert job.outputs == {"fine": "nothing secret"}
    assert "Skip output 'leaked' since it may contain secret." in job.log()


def test_job_outputs_are_set_when_a_later_step_fails(repo: Path) -> None:
    write_workflow(
        repo,
        """
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    outputs:
      id: ${{ steps.first.outputs.id }}
    steps:
      - id: first
        run: echo "id=r-42" >> "$GITHUB_OUTPUT"
      - run: exit 1
  report:
    needs: build
    if: failure()
    runs-on: ubuntu-24.04
    steps:
      - run: test "${{ needs.build.outputs.id }}" = r-42
""",
    )
    result = runner_for(repo).run("w.yml")
    assert result.job("build").result == "failure"
    assert result.job("report").result == "success", result.job("report").log()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("=value", "'=value' has no name before '='"),
        ("name<<", "'name<<' needs a name and a delimiter"),
        ("text<<EOF\\nnever closed", "'text' is never closed by its delimiter 'EOF'"),
        ("just words", "cannot parse line 'just words'"),
    ],
)
def test_malformed_github_output_fails_the_step(repo: Path, line: str, message: str) -> None:
    write_workflow(
        repo,
        f"""
on: push
jobs:
  t:
    runs-on: ubuntu-24.04
    steps:
      - run: printf '{line}\\n' >> "$GITHUB_OUTPUT"
      - if: always()
        run: echo "cleanup ran"
""",
    )
    result = runner_for(repo).run("w.yml")
    first, cleanup = result.job("t").steps
    assert first.conclusion == "failure"
    assert f"Error: $GITHUB_OUTPUT: {message}" in "\n".join(first.log)
    assert cleanup.conclusion == "success"


def test_a_called_workflows_result_is_its_worst_job() -> None:
    assert call_result({"success", "failure", "cancelled"}) == "failure"
    assert call_result({"success", "cancelled"}) == "cancelled"
    assert call_result({"skipped"}) == "skipped"
    assert call_result({"success", "skipped"}) == "success"
