"""GitHub Actions workflow files: loading, triggers, the ``needs`` graph and its critical path.

YAML is read the way GitHub reads it: ``on`` is a key, not the boolean YAML 1.1 makes of
it, and every mapping remembers the line it starts on, so findings and errors can point
at the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

WORKFLOW_SUFFIXES = (".yml", ".yaml")


class WorkflowError(ValueError):
    """A workflow file that cannot be read or has an invalid structure."""


class LineDict(dict):
    """A YAML mapping that knows the 1-based line it starts on and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans (only true/false) and line-aware mappings."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {
        loader.construct_object(key, deep=True): key.start_mark.line + 1 for key, _ in node.value
    }
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str, source: str = "<string>") -> Any:
    """Parse YAML as GitHub does; a syntax error names the file, line and column."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise WorkflowError(f"{where}: invalid YAML: {exc.problem}") from None


@dataclass(frozen=True)
class Workflow:
    """One workflow file, parsed."""

    path: Path
    text: str
    data: LineDict

    @property
    def name(self) -> str:
        """The workflow's ``name:``, or its file name."""
        return str(self.data.get("name") or self.path.name)

    @cached_property
    def triggers(self) -> dict[str, dict[str, Any]]:
        """The ``on:`` events, normalised to ``{event: filters}``."""
        on = self.data.get("on")
        if isinstance(on, str):
            return {on: {}}
        if isinstance(on, list):
            return {str(event): {} for event in on}
        if isinstance(on, Mapping):
            return {str(k): dict(v) if isinstance(v, Mapping) else {} for k, v in on.items()}
        return {}

    @property
    def jobs(self) -> dict[str, LineDict]:
        """Job definitions by id."""
        return dict(self.data.get("jobs") or {})

    @property
    def is_reusable(self) -> bool:
        """Whether other workflows can call this one (``on: workflow_call``)."""
        return "workflow_call" in self.triggers

    def needs(self, job_id: str) -> list[str]:
        """The ids a job waits for."""
        needs = self.jobs[job_id].get("needs") or []
        return [needs] if isinstance(needs, str) else [str(n) for n in needs]

    def ancestors(self, job_id: str) -> list[str]:
        """Every job ``job_id`` waits for, directly or through other jobs, nearest first."""
        found: list[str] = []
        stack = list(self.needs(job_id))
        while stack:
            job = stack.pop(0)
            if job not in found and job in self.jobs:
                found.append(job)
                stack.extend(self.needs(job))
        return found

    def line_of(self, job_id: str) -> int:
        """The line of a job's key (``  build:``)."""
        jobs = self.data.get("jobs")
        return getattr(jobs, "key_lines", {}).get(job_id, 0)

    def job_order(self, selected: Sequence[str] | None = None) -> list[str]:
        """Job ids in an order that respects ``needs`` (with every job ``selected`` needs)."""
        jobs = self.jobs
        wanted: list[str] = list(jobs) if selected is None else list(selected)
        for job_id in wanted:
            if job_id not in jobs:
                raise WorkflowError(
                    f"{self.path.name} has no job {job_id!r}; its jobs are: {', '.join(jobs)}"
                )
        order: list[str] = []
        visiting: list[str] = []

        def visit(job_id: str) -> None:
            if job_id in order:
                return
            if job_id in visiting:
                cycle = " -> ".join([*visiting[visiting.index(job_id) :], job_id])
                raise WorkflowError(
                    f"{self.path.name}: jobs depend on each other in a cycle: {cycle}"
                )
            if job_id not in jobs:
                raise WorkflowError(
                    f"{self.path.name}: job {visiting[-1]!r} needs {job_id!r}, which does not exist"
                )
            visiting.append(job_id)
            for need in self.needs(job_id):
                visit(need)
            visiting.pop()
            order.append(job_id)

        for job_id in wanted:
            visit(job_id)
        return order


def load_workflow(path: str | Path) -> Workflow:
    """Read one workflow file; a clear error if it is missing, not YAML, or has no jobs."""
    path = Path(path)
    if not path.is_file():
        raise WorkflowError(f"workflow file not found: {path}")
    text = path.read_text()
    data = load_yaml(text, str(path))
    if not isinstance(data, LineDict):
        raise WorkflowError(f"{path}: a workflow must be a YAML mapping")
    if not isinstance(data.get("jobs"), Mapping) or not data["jobs"]:
        raise WorkflowError(f"{path}: a workflow needs a 'jobs' mapping with at least one job")
    return Workflow(path, text, data)


def load_workflows(folder: str | Path) -> list[Workflow]:
    """Every workflow in a folder (``.github/workflows``), by file name."""
    folder = Path(folder)
    files = sorted(p for p in folder.iterdir() if p.suffix in WORKFLOW_SUFFIXES)
    if not files:
        raise WorkflowError(f"no workflow files (*.yml) in {folder}")
    return [load_workflow(p) for p in files]


# ---------------------------------------------------------------------------- triggers


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """GitHub's filter pattern syntax: ``*``, ``**``, ``?``, ``+``, ``[...]``."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch in "?+":
            out.append(ch)
        elif ch == "[":
            end = pattern.find("]", i)
            if end == -1:
                raise WorkflowError(f"filter pattern {pattern!r} has an unclosed '['")
            out.append(pattern[i : end + 1])
            i = end + 1
            continue
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z")


def matches_filters(name: str, patterns: Sequence[str]) -> bool:
    """Whether ``name`` passes a list of patterns where ``!pattern`` excludes again."""
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        if _glob_regex(pattern[1:] if negate else pattern).match(name):
            result = not negate
    return result


def _ref_allowed(filters: Mapping[str, Any], kind: str, name: str) -> bool:
    include, exclude = filters.get(kind), filters.get(f"{kind}-ignore")
    other = "tags" if kind == "branches" else "branches"
    has_own = include is not None or exclude is not None
    has_other = filters.get(other) is not None or filters.get(f"{other}-ignore") is not None
    if not has_own:
        return not has_other
    if include is not None:
        return matches_filters(name, [str(p) for p in include])
    return not matches_filters(name, [str(p) for p in exclude or []])


def is_triggered(workflow: Workflow, event_name: str, ref: str, base_ref: str = "") -> bool:
    """Whether ``event_name`` on ``ref`` starts the workflow (branch and tag filters only)."""
    if event_name not in workflow.triggers:
        return False
    filters = workflow.triggers[event_name]
    if event_name == "push":
        if ref.startswith("refs/tags/"):
            return _ref_allowed(filters, "tags", ref.removeprefix("refs/tags/"))
        return _ref_allowed(filters, "branches", ref.removeprefix("refs/heads/"))
    if event_name in ("pull_request", "pull_request_target"):
        return _ref_allowed(filters, "branches", base_ref.removeprefix("refs/heads/"))
    return True


# ---------------------------------------------------------------------------- critical path


def finish_times(
    durations: Mapping[str, float], needs: Mapping[str, Sequence[str]]
) -> tuple[dict[str, float], dict[str, str | None]]:
    """When each job ends if it starts as soon as its needs end (as on GitHub), and which
    need it waited for last (None: it starts at 0). Needs without a duration are ignored."""
    finish: dict[str, float] = {}
    before: dict[str, str | None] = {}

    def end(job: str) -> float:
        if job not in finish:
            deps = [d for d in needs.get(job, []) if d in durations]
            start_after = max(deps, key=end, default=None)
            before[job] = start_after
            finish[job] = (end(start_after) if start_after else 0.0) + durations[job]
        return finish[job]

    for job in durations:
        end(job)
    return finish, before


def critical_path(
    durations: Mapping[str, float], needs: Mapping[str, Sequence[str]]
) -> tuple[float, list[str]]:
    """The longest chain of ``needs`` by duration: its length and its jobs, first to last.

    ``durations`` holds the jobs that ran; needs on jobs without a duration are ignored.
    """
    if not durations:
        return 0.0, []
    finish, before = finish_times(durations, needs)
    last = max(durations, key=finish.__getitem__)
    path: list[str] = []
    node: str | None = last
    while node is not None:
        path.append(node)
        node = before[node]
    return finish[last], path[::-1]
