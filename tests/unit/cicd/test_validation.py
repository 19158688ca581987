"""Schema, zizmor and policy findings: the book's workflows are clean, broken ones are caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploybook.cicd.broken import VARIANTS, broken_workflow
from deploybook.cicd.emulator.workflow import load_workflow
from deploybook.cicd.findings import findings_table
from deploybook.cicd.policy import policy_findings
from deploybook.cicd.validation import ValidationToolError, tool, validate
from deploybook.paths import project_root

WORKFLOWS = project_root() / ".github" / "workflows"
ZIZMOR_CONFIG = project_root() / ".github" / "zizmor.yml"


def test_the_books_workflows_have_no_findings() -> None:
    assert validate([WORKFLOWS], ZIZMOR_CONFIG) == []


def test_every_exception_in_the_zizmor_config_is_explained() -> None:
    lines = ZIZMOR_CONFIG.read_text().splitlines()
    for number, line in enumerate(lines):
        if line.strip().startswith("disable:") or line.strip().startswith("ignore:"):
            assert lines[number - 2].strip().startswith("#"), (
                f"unexplained exception at line {number + 1}"
            )


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_broken_variant_is_caught_by_its_checkers(tmp_path: Path, variant: str) -> None:
    path = tmp_path / f"{variant}.yml"
    path.write_text(broken_workflow(variant))
    found = validate([path], ZIZMOR_CONFIG)
    assert {f.checker for f in found} == set(VARIANTS[variant].caught_by)
    assert all(f.line >= 1 for f in found)
    # a release build's caches are found in the book.yml it calls, every other in the copy
    assert all(f.file == str(path) or f.rule == "release-cache" for f in found)


def test_unknown_variant() -> None:
    with pytest.raises(ValueError, match="unknown variant 'nope'"):
        broken_workflow("nope")


def _policy(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "w.yml"
    path.write_text(text)
    return [f"{f.rule}: {f.message}" for f in policy_findings(load_workflow(path))]


GOOD_HEAD = "on: push\npermissions: {}\njobs:\n"
PIN = "0057852bfaa89a56745cba8c7296529d2fc39830 # v4.3.0"


def _job(*lines: str, timeout: bool = True, permissions: str = "{}") -> str:
    head = ["  a:", "    runs-on: x"]
    head += ["    timeout-minutes: 5"] if timeout else []
    head += [f"    permissions: {permissions}"] if permissions else []
    return "\n".join(head + list(lines)) + "\n"


@pytest.mark.parametrize(
    ("jobs", "expected"),
    [
        (
            _job("    steps:", "      - uses: actions/checkout@v4"),
            "action-not-pinned: actions/checkout@v4 is not pinned to a full commit SHA",
        ),
        (
            _job(
                "    steps:",
                "      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8",
            ),
            "without a '# vX.Y.Z' version comment",
        ),
        (
            _job("    steps: [{run: 'true'}]", permissions=""),
            "job 'a' does not declare its permissions",
        ),
        (_job("    steps: [{run: 'true'}]", permissions="write-all"), "job 'a' asks for write-all"),
        (
            _job("    steps: [{run: 'true'}]", timeout=False),
            "timeout: job 'a' has no timeout-minutes",
        ),
        (
            _job("    steps:", '      - run: curl -H "${{ secrets.TOKEN }}" x'),
            "writes a secret into its script",
        ),
        (
            _job(
                "    env:",
                "      TOKEN: ${{ secrets.TOKEN }}",
                "    steps:",
                '      - run: echo "$TOKEN"',
            ),
            "prints $TOKEN, which holds a secret",
        ),
        (
            _job(
                "    environment: github-pages",
                "    steps:",
                f"      - uses: actions/cache@{PIN}",
                permissions="{pages: write}",
            ),
            "cache-in-publish-job",
        ),
        (
            _job(
                "    environment: github-pages",
                "    steps: [{run: 'true'}]",
                permissions="{pages: write}",
            ),
            "deploy-concurrency",
        ),
    ],
)
def test_policy_rules(tmp_path: Path, jobs: str, expected: str) -> None:
    found = _policy(tmp_path, GOOD_HEAD + jobs)
    assert any(expected in f for f in found), found


def test_policy_top_level_permissions(tmp_path: Path) -> None:
    found = _policy(
        tmp_path,
        "on: push\npermissions: read-all\njobs:\n  a:\n    uses: ./x.yml\n    permissions: {}\n",
    )
    assert found == ["permissions: top-level permissions must be {}, found 'read-all'"]


def test_policy_pull_request_target(tmp_path: Path) -> None:
    text = "on: pull_request_target\npermissions: {}\njobs:\n" + _job(
        "    steps:",
        "      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0",
        "        with:",
        "          ref: ${{ github.event.pull_request.head.sha }}",
    )
    assert any("under pull_request_target" in f for f in _policy(tmp_path, text))


def test_schema_finding_points_at_the_line(tmp_path: Path) -> None:
    path = tmp_path / "w.yml"
    path.write_text(
        GOOD_HEAD + _job("    timeout-minutes: soon", "    steps: [{run: 'true'}]", timeout=False)
    )
    found = [f for f in validate([path]) if f.checker == "schema"]
    assert len(found) == 1
    assert found[0].job == "a"
    assert found[0].line == 5  # the job's mapping
    assert "'soon' is not of type 'number'" in found[0].message


def test_unparseable_file_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "w.yml"
    path.write_text("on: push\njobs: [\n")
    found = validate([path])
    assert {f.checker for f in found} >= {"schema", "policy"}


def test_findings_table_columns() -> None:
    assert list(findings_table([]).columns) == [
        "checker",
        "rule",
        "severity",
        "file",
        "line",
        "job",
        "message",
    ]


def test_missing_tool_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(ValidationToolError, match="no-such-tool is not installed"):
        tool("no-such-tool")
    with pytest.raises(ValidationToolError, match="no workflow files"):
        validate([tmp_path])


OLD_WORKFLOWS = Path(__file__).parent / "old_workflows"


def test_the_old_release_build_restored_caches_and_the_policy_now_says_so() -> None:
    """Issue 14 (independent reference: zizmor's cache-poisoning audit and GitHub's security
    hardening guide, which forbid restoring caches in a build that is released): the old
    ``book.yml``, called by ``deploy.yml`` on a push of tags ``v*``, restored pip, Ivy and
    Jupyter caches, the last with ``restore-keys``. zizmor sees ``book.yml`` only as
    ``workflow_call`` and said nothing; the policy applies the caller's trigger."""
    found = validate([OLD_WORKFLOWS], ZIZMOR_CONFIG)
    release = [f for f in found if f.rule == "release-cache"]
    assert [Path(f.file).name for f in release] == ["book.yml"] * 3
    assert any("restore-keys" in f.message for f in release)
    assert all("push of tags v*" in f.message for f in release)
    assert not [f for f in found if f.checker == "zizmor" and "cache" in f.rule]


def _folder(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / f"{name}.yml").write_text(text)
    return tmp_path


CALLEE = """on:
  workflow_call:
    inputs:
      caches: {type: boolean, default: false}
permissions: {}
jobs:
  build:
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    permissions: {}
    steps:
      - if: "CONDITION"
        uses: actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5
        with: {path: x, key: k}
"""
CALLER = """on: TRIGGER
permissions: {}
jobs:
  build:
    uses: ./.github/workflows/callee.yml
    WITH
    permissions: {}
  publish:
    needs: build
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    environment: github-pages
    concurrency: pages
    permissions: {pages: write}
    steps: [{run: 'true'}]
"""


@pytest.mark.parametrize(
    ("trigger", "with_", "condition", "flagged"),
    [
        ("{push: {tags: ['v*']}}", "", "inputs.caches", False),  # the default, false
        ("{push: {tags: ['v*']}}", "with: {caches: true}", "inputs.caches", True),
        ("{push: {tags: ['v*']}}", "", "runner.environment == 'github-hosted'", True),
        ("{push: {tags: ['v*']}}", "", "inputs.caches && github.ref == 'x'", False),
        ("{push: {tags: ['v*']}}", "", "!inputs.caches || github.ref == 'x'", True),
        ("{pull_request: {}}", "with: {caches: true}", "inputs.caches", True),  # it publishes
    ],
)
def test_release_cache_applies_the_callers_trigger_and_inputs(
    tmp_path: Path, trigger: str, with_: str, condition: str, flagged: bool
) -> None:
    """A cache step in a called workflow is a finding when the caller publishes what it
    builds and the step's ``if:`` can be true for that call (only the inputs are known)."""
    folder = _folder(
        tmp_path,
        callee=CALLEE.replace("CONDITION", condition),
        caller=CALLER.replace("TRIGGER", trigger).replace("WITH", with_),
    )
    callee = load_workflow(folder / "callee.yml")
    caller = load_workflow(folder / "caller.yml")
    found = policy_findings(caller, {"./.github/workflows/callee.yml": callee}.get)
    assert any(f.rule == "release-cache" for f in found) is flagged


@pytest.mark.parametrize(
    ("uses", "rule", "message"),
    [
        (
            "actions/cache@0057852bfaa89a56745cba8c7296529d2fc39830 # v4.3.0",
            "node20-runtime",
            "actions/cache v4.3.0 runs on Node 20",
        ),
        (
            "actions/upload-pages-artifact@7b1f4a764d45c48632c6b24a0339c27f5614fb0b # v4.0.0",
            "node20-runtime",  # composite, but its upload-artifact v4.6.2 is on Node 20
            "upload-pages-artifact v4.0.0 runs on Node 20",
        ),
        (
            "actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.4",
            "pin-unverified",
            "is v5.0.5, not v5.0.4",
        ),
        (
            "actions/cache@1111111111111111111111111111111111111111 # v5.0.5",
            "pin-unverified",
            "is not a release recorded",
        ),
    ],
)
def test_pins_are_checked_against_their_tags_and_runtime(
    tmp_path: Path, uses: str, rule: str, message: str
) -> None:
    """Reference: data/cicd/action_pins.csv, each row a tag resolved to its commit in the
    action's own repository and its action.yml read there (runs.using)."""
    text = GOOD_HEAD + _job("    steps:", f"      - uses: {uses}")
    found = _policy(tmp_path, text)
    assert any(f.startswith(f"{rule}: ") and message in f for f in found), found


def test_the_new_pins_all_run_on_node_24() -> None:
    """Every action the workflows and their local actions use now is a recorded Node 24
    release (none of the five that ran on Node 20 is left)."""
    found = [
        f for f in validate([WORKFLOWS], ZIZMOR_CONFIG) if f.rule.startswith(("node20", "pin"))
    ]
    assert found == []
