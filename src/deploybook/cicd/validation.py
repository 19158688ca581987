"""Validate workflow files with five checkers, all offline, into one list of findings.

1. **schema**: ``check-jsonschema`` with its vendored GitHub-workflows schema
   (``--builtin-schema vendor.github-workflows``);
2. **contexts**: every expression against the contexts its key allows, by GitHub's own
   workflow schema (:mod:`deploybook.cicd.emulator.contexts`);
3. **actionlint**: the workflow linter (types of expressions, contexts, ``needs``, shell
   scripts when shellcheck is installed), built by :mod:`deploybook.cicd.tools`;
4. **zizmor**: the GitHub Actions security auditor, ``--offline``, pedantic persona, with the
   repository's ``.github/zizmor.yml`` (whose every exception carries its reason);
5. **policy**: the project's own rules (:mod:`deploybook.cicd.policy`), with each
   reusable workflow a workflow calls resolved among the files validated together.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from deploybook.cicd.emulator.contexts import expression_problems
from deploybook.cicd.emulator.workflow import (
    LineDict,
    Workflow,
    WorkflowError,
    load_workflow,
    load_yaml,
)
from deploybook.cicd.findings import Finding
from deploybook.cicd.policy import check_pins, check_runtimes, policy_findings

SCHEMA = "vendor.github-workflows"
_PATH_PART = re.compile(r"\.([A-Za-z0-9_-]+)|\['([^']*)'\]|\[(\d+)\]")


class ValidationToolError(RuntimeError):
    """A checker that is missing or crashed (not a finding in a workflow)."""


def tool(name: str, install: str = "") -> str:
    """A console script installed next to this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise ValidationToolError(
            f"{name} is not installed: {install or f'pip install -c requirements.lock {name}'}"
        )
    return found


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603


def _line_of(data: Any, path: str) -> int:
    """The line of the innermost mapping on a JSON path such as ``$.jobs.a['timeout-minutes']``."""
    line, node = getattr(data, "line", 1), data
    for match in _PATH_PART.finditer(path.removeprefix("$")):
        key = match.group(1) or match.group(2)
        if key is not None and isinstance(node, dict):
            node = node.get(key)
        elif match.group(3) is not None and isinstance(node, list):
            index = int(match.group(3))
            node = node[index] if index < len(node) else None
        else:
            break
        line = getattr(node, "line", line) if isinstance(node, LineDict) else line
    return line


def _job_of(path: str) -> str:
    match = re.match(r"\$\.jobs(?:\.([A-Za-z0-9_-]+)|\['([^']*)'\])", path)
    return (match.group(1) or match.group(2)) if match else ""


def schema_findings(paths: Sequence[Path], schema: str = SCHEMA) -> list[Finding]:
    """Schema errors (the most specific message of each), with file, line and job."""
    if not paths:
        return []
    proc = _run(
        [tool("check-jsonschema"), "--builtin-schema", schema, "-o", "json", *map(str, paths)]
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise ValidationToolError(
            f"check-jsonschema failed: {proc.stderr.strip()[-500:]}"
        ) from None
    found = []
    for error in report.get("parse_errors", []):
        found.append(
            Finding(
                "schema",
                "parse",
                "error",
                error.get("filename", "?"),
                1,
                "",
                error.get("message", ""),
            )
        )
    for error in report.get("errors", []):
        match = error.get("best_deep_match") or error.get("best_match") or error
        where = match.get("path", error.get("path", "$"))
        filename = error["filename"]
        try:
            data = load_yaml(Path(filename).read_text(), filename)
        except WorkflowError:
            data = None
        found.append(
            Finding(
                "schema",
                "github-workflows",
                "error",
                filename,
                _line_of(data, where),
                _job_of(where),
                f"{where}: {match['message']}",
            )
        )
    return found


def actionlint_findings(paths: Sequence[Path]) -> list[Finding]:
    """actionlint's errors, each with its file, line and kind."""
    binary = tool("actionlint", "run `deploybook setup` (it builds actionlint with Go)")
    proc = _run([binary, "-no-color", "-format", "{{json .}}", *map(str, paths)])
    try:
        report = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        raise ValidationToolError(f"actionlint failed: {proc.stderr.strip()[-500:]}") from None
    if proc.returncode not in (0, 1):
        raise ValidationToolError(f"actionlint exited with {proc.returncode}: {proc.stderr[-500:]}")
    given = {path.resolve(): str(path) for path in paths}
    return [
        Finding(
            "actionlint",
            item["kind"],
            "error",
            given.get((Path.cwd() / item["filepath"]).resolve(), item["filepath"]),
            item["line"],
            "",
            item["message"],
        )
        for item in report
    ]


def context_findings(wf: Workflow) -> list[Finding]:
    """Expressions that use a context or function their workflow key does not allow."""
    found = []
    for problem in expression_problems(wf):
        job = problem.path.split(".")[1] if problem.path.startswith("jobs.") else ""
        message = f"{problem.path}: {problem.message}"
        found.append(
            Finding(
                "contexts", "unavailable-context", "error", str(wf.path), problem.line, job, message
            )
        )
    return found


def zizmor_findings(paths: Sequence[Path], config: Path | None = None) -> list[Finding]:
    """zizmor's offline audits (pedantic persona); ignored findings are left out."""
    command = [
        tool("zizmor"),
        "--offline",
        "--persona",
        "pedantic",
        "--format",
        "json",
        "--no-progress",
    ]
    if config is not None:
        command += ["--config", str(config)]
    proc = _run([*command, *map(str, paths)])
    if "no inputs collected" in proc.stderr:
        return []  # zizmor skips files it cannot parse; the schema check reports those
    try:
        report = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        raise ValidationToolError(f"zizmor failed: {proc.stderr.strip()[-500:]}") from None
    if proc.returncode not in (0, *range(10, 20)):
        raise ValidationToolError(
            f"zizmor exited with {proc.returncode}: {proc.stderr.strip()[-500:]}"
        )
    found = []
    for item in report:
        if item.get("ignored"):
            continue
        primary = next(
            (loc for loc in item["locations"] if loc["symbolic"]["kind"] == "Primary"),
            item["locations"][0],
        )
        route = primary["symbolic"]["route"]["route"]
        keys = [part.get("Key") for part in route]
        job = keys[1] if len(keys) > 1 and keys[0] == "jobs" else ""
        found.append(
            Finding(
                "zizmor",
                item["ident"],
                item["determinations"]["severity"].lower(),
                primary["symbolic"]["key"]["Local"]["verbatim_path"],
                primary["concrete"]["location"]["start_point"]["row"] + 1,
                str(job or ""),
                f"{item['desc']}: {primary['symbolic']['annotation']}",
            )
        )
    return found


def local_actions(workflows: Sequence[Workflow], root: Path) -> list[Path]:
    """The ``action.yml`` of every local action (``uses: ./path``) the workflows' steps use."""
    found: set[Path] = set()
    for wf in workflows:
        for job in wf.jobs.values():
            for step in job.get("steps") or []:
                uses = str(step.get("uses", "")) if isinstance(step, dict) else ""
                if uses.startswith("./") and not uses.endswith((".yml", ".yaml")):
                    folder = root / uses
                    found.update(
                        p for p in (folder / "action.yml", folder / "action.yaml") if p.is_file()
                    )
    return sorted(found)


def validate(
    paths: Sequence[str | Path],
    zizmor_config: str | Path | None = None,
    root: str | Path | None = None,
) -> list[Finding]:
    """Run the checkers over workflow files (a folder means its ``*.yml`` files) and the
    local actions they use (schema, zizmor, pins). ``root`` is the repository the workflows
    call reusable workflows and local actions from (default: the current folder)."""
    repository = Path(root) if root is not None else Path.cwd()
    files: list[Path] = []
    for path in map(Path, paths):
        files.extend(sorted(path.glob("*.y*ml")) if path.is_dir() else [path])
    if not files:
        raise ValidationToolError(f"no workflow files in {', '.join(map(str, paths))}")
    loaded: dict[str, Workflow] = {}
    found = []
    for file in files:
        try:
            loaded[file.name] = load_workflow(file)
        except WorkflowError as exc:
            found.append(Finding("policy", "parse", "error", str(file), 1, "", str(exc)))
    actions = local_actions(list(loaded.values()), repository)
    found += schema_findings(files) + schema_findings(actions, "vendor.github-actions")
    found += actionlint_findings(files)
    found += zizmor_findings([*files, *actions], Path(zizmor_config) if zizmor_config else None)

    def resolve(uses: str) -> Workflow | None:
        """A called workflow: the file of that name validated with it, else in the project."""
        if not uses.startswith("./"):
            return None
        name = Path(uses).name
        if name in loaded:
            return loaded[name]
        try:
            return load_workflow(repository / uses)
        except WorkflowError:
            return None

    for wf in loaded.values():
        found.extend(context_findings(wf))
        found.extend(policy_findings(wf, resolve))
    for action in actions:
        manifest = Workflow(action, action.read_text(), load_yaml(action.read_text(), str(action)))
        found.extend(check_pins(manifest) + check_runtimes(manifest))
    return found
