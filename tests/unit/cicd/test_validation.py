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
    assert all(f.file == str(path) and f.line >= 1 for f in found)


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
