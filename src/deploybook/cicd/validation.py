"""Validate workflow files with three checkers, all offline, into one list of findings.

1. **schema**: ``check-jsonschema`` with its vendored GitHub-workflows schema
   (``--builtin-schema vendor.github-workflows``);
2. **zizmor**: the GitHub Actions security auditor, ``--offline``, pedantic persona, with the
   repository's ``.github/zizmor.yml`` (whose every exception carries its reason);
3. **policy**: the project's own rules (:mod:`deploybook.cicd.policy`).
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

from deploybook.cicd.emulator.workflow import LineDict, WorkflowError, load_workflow, load_yaml
from deploybook.cicd.findings import Finding
from deploybook.cicd.policy import policy_findings

SCHEMA = "vendor.github-workflows"
_PATH_PART = re.compile(r"\.([A-Za-z0-9_-]+)|\['([^']*)'\]|\[(\d+)\]")


class ValidationToolError(RuntimeError):
    """A checker that is missing or crashed (not a finding in a workflow)."""


def tool(name: str) -> str:
    """A console script installed next to this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise ValidationToolError(
            f"{name} is not installed: pip install -c requirements.lock {name}"
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


def schema_findings(paths: Sequence[Path]) -> list[Finding]:
    """Schema errors (the most specific message of each), with file, line and job."""
    proc = _run(
        [tool("check-jsonschema"), "--builtin-schema", SCHEMA, "-o", "json", *map(str, paths)]
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


def validate(paths: Sequence[str | Path], zizmor_config: str | Path | None = None) -> list[Finding]:
    """Run the three checkers over workflow files (a folder means its ``*.yml`` files)."""
    files: list[Path] = []
    for path in map(Path, paths):
        files.extend(sorted(path.glob("*.y*ml")) if path.is_dir() else [path])
    if not files:
        raise ValidationToolError(f"no workflow files in {', '.join(map(str, paths))}")
    found = schema_findings(files) + zizmor_findings(
        files, Path(zizmor_config) if zizmor_config else None
    )
    for file in files:
        try:
            found.extend(policy_findings(load_workflow(file)))
        except WorkflowError as exc:
            found.append(Finding("policy", "parse", "error", str(file), 1, "", str(exc)))
    return found
