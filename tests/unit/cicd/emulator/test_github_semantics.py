"""The local runner against GitHub's documented behaviour, one rule per test.

Independent references, named in each test: GitHub's documentation (workflow syntax,
expressions, contexts), GitHub's runner source (``actions/runner``), the action metadata
files (``action.yml``) of the actions concerned, and GitHub's own workflow schema
(``data/cicd/github-workflow-v1.0.json``). None of the expectations comes from this runner.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from deploybook.cicd.emulator.results import Event
from deploybook.cicd.emulator.runner import RunnerError

from .conftest import CACHE, CHECKOUT, SETUP_PYTHON, runner_for, write_workflow


def _run(repo: Path, text: str, event: Event | None = None, **options: object):
    write_workflow(repo, text)
    return runner_for(repo, **options).run("w.yml", event)


def test_an_ancestors_failure_skips_the_chain_below_an_always_job(repo: Path) -> None:
    """Docs (using jobs, defining prerequisite jobs): "If a job fails or is skipped, all
    jobs that need it are skipped"; expressions, failure(): "if any ancestor job fails".
    A fails; B (needs A, ``if: always()``) runs; C (needs B, default ``success()``) is
    skipped, because success() at job level looks at every ancestor, and D (needs B,
    ``failure()``) runs."""
    result = _run(
        repo,
        """
on: push
jobs:
  a:
    runs-on: ubuntu-24.04
    steps: [{run: exit 1}]
  b:
    needs: a
    if: always()
    runs-on: ubuntu-24.04
    steps: [{run: 'true'}]
  c:
    needs: b
    runs-on: ubuntu-24.04
    steps: [{run: 'true'}]
  d:
    needs: b
    if: failure()
    runs-on: ubuntu-24.04
    steps: [{run: 'true'}]
""",
    )
    assert [(j.id, j.result) for j in result.jobs] == [
        ("a", "failure"),
        ("b", "success"),
        ("c", "skipped"),
        ("d", "success"),
    ]


def test_a_skipped_ancestor_also_skips_the_chain(repo: Path) -> None:
    """actions/runner#2205 (GitHub's behaviour, reproduced by many): A is skipped, B (needs A,
    ``always()``) runs and succeeds, C (needs B) is skipped: success() is false when any
    ancestor was skipped."""
    result = _run(
        repo,
        """
on: push
jobs:
  a:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-24.04
    steps: [{run: 'true'}]
  b:
    needs: a
    if: always()
    runs-on: ubuntu-24.04
    steps: [{run: 'true'}]
  c:
    needs: b
    runs-on: ubuntu-24.04
    steps: [{run: 'true'}]
""",
    )
    assert [j.result for j in result.jobs] == ["skipped", "success", "skipped"]


def test_a_steps_own_env_is_in_its_env_context(repo: Path) -> None:
    """actions/runner StepsRunner: the step's ``env:`` is evaluated and merged into the env
    context before the step's condition and inputs are evaluated; its values see the job's
    env, not their siblings."""
    result = _run(
        repo,
        """
on: push
env:
  LEVEL: workflow
jobs:
  a:
    runs-on: ubuntu-24.04
    env:
      LEVEL: job
    steps:
      - env:
          OWN: mine
          SEEN: ${{ env.LEVEL }}
        if: env.OWN == 'mine'
        run: test "${{ env.OWN }}/${{ env.SEEN }}/$OWN" = "mine/job/mine"
""",
    )
    job = result.job("a")
    assert job.steps[0].conclusion == "success", job.log()


def test_job_continue_on_error_lets_the_run_and_its_dependents_pass(repo: Path) -> None:
    """Docs (jobs.<job_id>.continue-on-error): "Prevents a workflow run from failing when a
    job fails"; actions/runner#1161: the failed job's result is then ``success`` in the
    ``needs`` context, so its dependents run."""
    result = _run(
        repo,
        """
on: push
jobs:
  flaky:
    runs-on: ubuntu-24.04
    continue-on-error: ${{ matrix.experimental }}
    strategy:
      matrix:
        experimental: [true]
    steps: [{run: exit 1}]
  after:
    needs: flaky
    runs-on: ubuntu-24.04
    steps:
      - run: test "${{ needs.flaky.result }}" = success
""",
    )
    assert result.job("flaky").result == "failure"  # the job itself shows its failure
    assert result.job("after").result == "success", result.job("after").log()
    assert result.result == "success"


def test_a_matrix_on_a_reusable_workflow_job_calls_it_once_per_combination(repo: Path) -> None:
    """Docs (reusing workflows, using a matrix strategy with a reusable workflow): "Jobs
    that use a matrix strategy can call a reusable workflow", each combination passing its
    own inputs."""
    (repo / ".github" / "workflows" / "called.yml").write_text(
        """
on:
  workflow_call:
    inputs:
      target: {type: string, required: true}
jobs:
  deploy:
    runs-on: ubuntu-24.04
    steps:
      - run: echo "deploying to ${{ inputs.target }}"
"""
    )
    result = _run(
        repo,
        """
on: push
jobs:
  call:
    strategy:
      matrix:
        target: [dev, stage]
    uses: ./.github/workflows/called.yml
    with:
      target: ${{ matrix.target }}
""",
    )
    logs = [job.log() for job in result.jobs if job.id.endswith("/deploy")]
    assert len(logs) == 2
    assert "deploying to dev" in logs[0]
    assert "deploying to stage" in logs[1]
    assert result.result == "success"


@pytest.mark.parametrize(
    ("condition", "name"),
    [("secrets.TOKEN != ''", "secrets"), ("matrix.os == 'linux'", "matrix")],
)
def test_a_job_if_with_a_context_github_does_not_allow_there_is_refused(
    repo: Path, condition: str, name: str
) -> None:
    """GitHub's schema (job-if: github, inputs, vars, needs and the status functions) and
    the docs' context-availability table: ``secrets`` and ``matrix`` are not available in
    ``jobs.<job_id>.if``; GitHub refuses the file with its parser's wording."""
    text = (
        "on: push\njobs:\n  a:\n"
        f"    if: {condition}\n"
        "    runs-on: ubuntu-24.04\n    strategy: {matrix: {os: [linux]}}\n"
        "    steps: [{run: 'true'}]\n"
    )
    with pytest.raises(RunnerError) as caught:
        _run(repo, text)
    assert f"Unrecognized named-value: '{name}'. Located at position 1 within expression" in str(
        caught.value
    )


def test_a_local_composite_action_runs_its_steps(repo: Path) -> None:
    """Docs (creating a composite action): ``runs.using: composite``, steps with ``run`` and
    ``shell``, ``inputs`` with defaults, ``outputs`` mapped from its steps' outputs, and
    ``uses: ./path`` for an action in the same repository."""
    action = repo / ".github" / "actions" / "greet"
    action.mkdir(parents=True)
    (action / "action.yml").write_text(
        """
name: greet
inputs:
  who: {description: whom, required: true}
  punctuation: {description: end, default: '!'}
outputs:
  text:
    description: the greeting
    value: ${{ steps.make.outputs.text }}
runs:
  using: composite
  steps:
    - id: make
      shell: bash
      run: echo "text=hello ${{ inputs.who }}${{ inputs.punctuation }}" >> "$GITHUB_OUTPUT"
    - shell: bash
      run: echo "from $GITHUB_ACTION_PATH"
"""
    )
    result = _run(
        repo,
        """
on: push
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - id: hi
        uses: ./.github/actions/greet
        with:
          who: world
      - run: test "${{ steps.hi.outputs.text }}" = "hello world!"
""",
    )
    job = result.job("a")
    assert job.result == "success", job.log()
    assert str(action) in job.log()


def test_post_steps_run_as_their_actions_post_if_says(repo: Path) -> None:
    """The actions' own metadata: actions/checkout's ``post`` has no ``post-if`` (so it is
    ``always()``), actions/cache's is ``post-if: success()``. After a failed step, GitHub
    runs checkout's post step and skips the cache save; post steps run in reverse order."""
    (repo / "data.txt").write_text("x")
    result = _run(
        repo,
        f"""
on: push
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - uses: {CHECKOUT}
      - uses: {CACHE}
        with:
          path: data.txt
          key: k-1
      - run: exit 1
""",
    )
    steps = [(s.name, s.conclusion) for s in result.job("a").steps]
    assert steps[-2:] == [
        ("Post Run actions/cache", "skipped"),
        ("Post Run actions/checkout", "success"),
    ]


def test_an_install_step_is_skipped_only_with_a_proof_that_the_lock_is_satisfied(
    repo: Path,
) -> None:
    """An install step runs on GitHub; here it is skipped only when every requirement it
    would install is already installed at the version the lock pins (a proof the log
    shows), and otherwise runs into a throwaway virtual environment, never into ours."""
    (repo / "requirements.lock").write_text("PyYAML==6.0.4\n")
    (repo / "other.lock").write_text("PyYAML==0.0.1\n")
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    result = _run(
        repo,
        f"""
on: push
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - uses: {SETUP_PYTHON}
        with:
          python-version: "{here}"
      - name: satisfied
        run: python -m pip install -c requirements.lock pyyaml
      - name: not satisfied
        run: python -m pip install --no-index -c other.lock pyyaml
""",
    )
    satisfied, unsatisfied = result.job("a").steps[1:3]
    assert satisfied.conclusion == "success"
    assert any("lock satisfied" in line for line in satisfied.log), satisfied.log
    assert unsatisfied.conclusion == "failure"  # offline, it cannot install PyYAML 0.0.1
    assert any("throwaway virtual environment" in line for line in unsatisfied.log)
    import yaml  # our own environment still has the locked version

    assert yaml.__version__ == "6.0.4"
