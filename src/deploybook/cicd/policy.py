"""The project's own workflow rules, beyond what the schema and zizmor check.

=========================  ===============================================================
``action-not-pinned``      every non-local ``uses:`` is pinned to a full commit SHA, with a
                           ``# vX.Y.Z`` comment naming the version
``permissions``            the workflow starts from ``permissions: {}`` and every job
                           declares its own; ``read-all``/``write-all`` never
``timeout``                every job that runs steps has ``timeout-minutes``
``pull-request-target``    no job checks out or runs pull-request code under
                           ``pull_request_target``
``secret-echoed``          no ``run:`` interpolates ``${{ secrets.* }}`` or echoes a variable
                           that holds a secret
``cache-in-publish-job``   no cache in a job that publishes (an environment, or write
                           permissions)
``release-cache``          no cache restored in a build whose output is published: in a
                           workflow triggered by a release (a tag push, ``release``) or one
                           that publishes, no job that a publishing job needs, nor any job
                           of a reusable workflow such a job calls, may restore a cache
                           (``actions/cache``, ``restore-keys``, ``setup-*`` ``cache:``)
                           unless its ``if:`` is false for that call
``deploy-concurrency``     a job that deploys to ``github-pages`` has a ``concurrency`` group
``pin-unverified``         a pinned commit is the one its version's tag points to, as
                           recorded from the action's repository (``data/cicd/action_pins.csv``)
``node20-runtime``         no action runs on Node 20, which GitHub retires from its runners
                           in 2026 (a composite action counts as the actions it uses)
=========================  ===============================================================
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

from deploybook.cicd.emulator.expressions import (
    ExpressionError,
    Scope,
    condition_expression,
    evaluate,
    truthy,
)
from deploybook.cicd.emulator.workflow import Workflow
from deploybook.cicd.findings import Finding
from deploybook.paths import data_dir

Resolver = Callable[[str], Workflow | None]  # a ``uses: ./.github/workflows/x.yml`` -> its workflow

_USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*['\"]?([^\s'\"#]+)['\"]?\s*(?:#\s*(.*))?$")
_SHA = re.compile(r"@[0-9a-f]{40}$")
_VERSION_COMMENT = re.compile(r"^v?\d+(?:\.\d+){0,2}\b")
_SECRET_EXPR = re.compile(r"\$\{\{[^}]*\b(?:secrets\.|github\.token)", re.IGNORECASE)
_PR_HEAD = re.compile(r"github\.event\.pull_request\.head|github\.head_ref", re.IGNORECASE)
_CACHE_ACTIONS = ("actions/cache", "actions/cache/restore")
_WRITE_SCOPES = ("contents", "pages", "id-token", "packages", "deployments", "actions")


def _finding(wf: Workflow, rule: str, line: int, job: str, message: str) -> Finding:
    return Finding("policy", rule, "error", str(wf.path), line, job, message)


def _steps(job: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for index, step in enumerate(job.get("steps") or []):
        if isinstance(step, Mapping):
            yield index, step


def _line(node: Any, fallback: int) -> int:
    return getattr(node, "line", 0) or fallback


def external_uses(wf: Workflow) -> Iterator[tuple[int, str, str]]:
    """(line, ``uses:`` value, trailing comment) of every action or workflow from elsewhere."""
    for number, text in enumerate(wf.text.splitlines(), start=1):
        match = _USES_LINE.match(text)
        if not match:
            continue
        uses, comment = match.group(1), (match.group(2) or "").strip()
        local = uses.startswith(("./", "$/"))
        if not (local or (uses.startswith("docker://") and "@sha256:" in uses)):
            yield number, uses, comment


def check_pins(wf: Workflow) -> list[Finding]:
    """Every ``uses:`` of an action or workflow outside the repository is SHA-pinned."""
    found = []
    for number, uses, comment in external_uses(wf):
        if not _SHA.search(uses):
            problem = f"{uses} is not pinned to a full commit SHA"
        elif not _VERSION_COMMENT.match(comment):
            problem = f"{uses.split('@')[0]} is pinned by SHA without a '# vX.Y.Z' version comment"
        else:
            continue
        found.append(_finding(wf, "action-not-pinned", number, "", problem))
    return found


@cache
def action_pins() -> dict[tuple[str, str], dict[str, str]]:
    """Known action versions by (action, commit), from ``data/cicd/action_pins.csv``."""
    with (data_dir() / "cicd" / "action_pins.csv").open() as handle:
        return {(row["action"], row["commit"]): row for row in csv.DictReader(handle)}


def runtime_of(action: str, commit: str) -> str | None:
    """The Node runtime an action version runs on (a composite one: its actions' newest
    common one, ``node20`` if any of them is on Node 20); None if the version is unknown."""
    row = action_pins().get((action, commit))
    if row is None:
        return None
    if row["runtime"] != "composite":
        return row["runtime"]
    nested = [runtime_of(*uses.split("@")) for uses in row["uses"].split() if uses]
    return "node20" if "node20" in nested or None in nested else "node24"


def check_runtimes(wf: Workflow) -> list[Finding]:
    """Every pinned action is a version recorded from its tag, and runs on Node 24."""
    found = []
    for number, uses, comment in external_uses(wf):
        action, _, commit = uses.partition("@")
        if not _SHA.search(uses) or not action.startswith("actions/"):
            continue  # unpinned: action-not-pinned says so; others' actions: not recorded
        row = action_pins().get((action, commit))
        version = comment.split()[0] if comment else ""
        if row is None:
            problem = (
                f"{action}@{commit[:12]} is not a release recorded in data/cicd/action_pins.csv; "
                "resolve its tag in the action's repository and record it"
            )
            found.append(_finding(wf, "pin-unverified", number, "", problem))
            continue
        if version and version != row["version"]:
            problem = (
                f"{action}@{commit[:12]} is {row['version']}, not {version} as its comment says"
            )
            found.append(_finding(wf, "pin-unverified", number, "", problem))
        if runtime_of(action, commit) == "node20":
            problem = (
                f"{action} {row['version']} runs on Node 20, which GitHub retires from its "
                "runners in 2026; pin its Node 24 release"
            )
            found.append(_finding(wf, "node20-runtime", number, "", problem))
    return found


def check_permissions(wf: Workflow) -> list[Finding]:
    """``permissions: {}`` at the top and an explicit block in every job."""
    found = []
    top = wf.data.get("permissions", None)
    if "permissions" not in wf.data or top not in ({},):
        shown = "missing" if "permissions" not in wf.data else repr(top)
        found.append(
            _finding(wf, "permissions", 1, "", f"top-level permissions must be {{}}, found {shown}")
        )
    for job_id, job in wf.jobs.items():
        perms = job.get("permissions")
        if "permissions" not in job:
            found.append(
                _finding(
                    wf,
                    "permissions",
                    wf.line_of(job_id),
                    job_id,
                    f"job {job_id!r} does not declare its permissions",
                )
            )
        elif isinstance(perms, str) and perms in ("read-all", "write-all"):
            found.append(
                _finding(
                    wf,
                    "permissions",
                    wf.line_of(job_id),
                    job_id,
                    f"job {job_id!r} asks for {perms}",
                )
            )
    return found


def check_timeouts(wf: Workflow) -> list[Finding]:
    """Jobs that run steps say how long they may run."""
    return [
        _finding(
            wf, "timeout", wf.line_of(job_id), job_id, f"job {job_id!r} has no timeout-minutes"
        )
        for job_id, job in wf.jobs.items()
        if "steps" in job and "timeout-minutes" not in job
    ]


def check_pull_request_target(wf: Workflow) -> list[Finding]:
    """Under ``pull_request_target`` (a token with write access), never touch the PR's code."""
    if "pull_request_target" not in wf.triggers:
        return []
    found = []
    for job_id, job in wf.jobs.items():
        for index, step in _steps(job):
            uses = str(step.get("uses", "")).lower()
            ref = str((step.get("with") or {}).get("ref", ""))
            if (uses.startswith("actions/checkout") and _PR_HEAD.search(ref)) or _PR_HEAD.search(
                str(step.get("run", ""))
            ):
                found.append(
                    _finding(
                        wf,
                        "pull-request-target",
                        _line(step, wf.line_of(job_id)),
                        job_id,
                        f"step {index + 1} of {job_id!r} checks out or runs pull-request code "
                        "under pull_request_target",
                    )
                )
    return found


def _secret_variables(*levels: Mapping[str, Any] | None) -> set[str]:
    return {
        name
        for level in levels
        for name, value in (level or {}).items()
        if _SECRET_EXPR.search(str(value))
    }


def check_secrets(wf: Workflow) -> list[Finding]:
    """No secret interpolated into a script, and none printed."""
    found = []
    for job_id, job in wf.jobs.items():
        for index, step in _steps(job):
            script = str(step.get("run", ""))
            if not script:
                continue
            line = _line(step, wf.line_of(job_id))
            if _SECRET_EXPR.search(script):
                found.append(
                    _finding(
                        wf,
                        "secret-echoed",
                        line,
                        job_id,
                        f"step {index + 1} of {job_id!r} writes a secret into its script "
                        "(pass it through env:)",
                    )
                )
            for name in _secret_variables(wf.data.get("env"), job.get("env"), step.get("env")):
                printed = rf"\b(?:echo|printf|cat|print)\b[^\n]*\$\{{?{re.escape(name)}\b"
                if re.search(printed, script):
                    found.append(
                        _finding(
                            wf,
                            "secret-echoed",
                            line,
                            job_id,
                            f"step {index + 1} of {job_id!r} prints ${name}, which holds a secret",
                        )
                    )
    return found


def _publishes(job: Mapping[str, Any]) -> bool:
    perms = job.get("permissions")
    writes = isinstance(perms, Mapping) and any(perms.get(s) == "write" for s in _WRITE_SCOPES)
    deploys = any(
        str(step.get("uses", "")).lower().startswith("actions/deploy-pages")
        for _, step in _steps(job)
    )
    return bool(job.get("environment")) or writes or deploys


def check_publish_jobs(wf: Workflow) -> list[Finding]:
    """Publishing jobs restore no cache (cache poisoning) and deploy Pages one at a time."""
    found = []
    for job_id, job in wf.jobs.items():
        if not _publishes(job):
            continue
        for index, step in _steps(job):
            uses = str(step.get("uses", "")).lower().split("@")[0]
            if uses in _CACHE_ACTIONS or (
                uses.startswith("actions/setup-") and (step.get("with") or {}).get("cache")
            ):
                found.append(
                    _finding(
                        wf,
                        "cache-in-publish-job",
                        _line(step, wf.line_of(job_id)),
                        job_id,
                        f"job {job_id!r} publishes and restores a cache in step {index + 1}",
                    )
                )
        environment = job.get("environment")
        name = environment.get("name") if isinstance(environment, Mapping) else environment
        if name == "github-pages" and "concurrency" not in job and "concurrency" not in wf.data:
            found.append(
                _finding(
                    wf,
                    "deploy-concurrency",
                    wf.line_of(job_id),
                    job_id,
                    f"job {job_id!r} deploys to github-pages without a concurrency group",
                )
            )
    return found


_RELEASE_EVENTS = ("release", "registry_package", "deployment")


def _releases(wf: Workflow) -> str:
    """How ``wf`` publishes ('' if it does not): the trigger or the publishing job."""
    push = wf.triggers.get("push", {})
    if "tags" in push or any(event in wf.triggers for event in _RELEASE_EVENTS):
        event = (
            "push of tags " + ", ".join(map(str, push.get("tags") or [])) if "tags" in push else ""
        )
        return event or next(e for e in _RELEASE_EVENTS if e in wf.triggers)
    publisher = next((job_id for job_id, job in wf.jobs.items() if _publishes(job)), None)
    return f"job {publisher!r} publishing" if publisher else ""


class _Unknown(Exception):
    """An expression that needs a value the policy cannot know statically."""


class _Known(dict):
    """Contexts where only ``inputs`` is known: any other lookup is :class:`_Unknown`."""

    def get(self, key: Any, default: Any = None) -> Any:
        if key in self:
            return self[key]
        raise _Unknown(key)

    def items(self) -> Any:
        raise _Unknown("*")


def _may_run(step: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
    """Whether a step's ``if:`` can be true for a call with ``inputs`` (everything else
    unknown): false only when the inputs alone make it false."""
    condition = step.get("if")
    if condition is None:
        return True
    expr = condition_expression(condition)
    if expr is None:
        return True

    def unknown(name: str) -> bool:
        raise _Unknown(name)

    try:
        return truthy(evaluate(expr, Scope(_Known(inputs=dict(inputs)), status=unknown)))
    except (_Unknown, ExpressionError):
        return True


def _restores_cache(step: Mapping[str, Any]) -> str:
    """What cache a step restores ('' if none)."""
    uses = str(step.get("uses", "")).lower().split("@")[0]
    with_ = step.get("with") or {}
    if uses in _CACHE_ACTIONS:
        keys = (
            " with restore-keys (any older entry with that prefix)"
            if with_.get("restore-keys")
            else ""
        )
        return f"{uses} of {str(with_.get('path', '')).strip()}{keys}"
    if uses.startswith("actions/setup-") and with_.get("cache"):
        return f"{uses} with cache: {with_['cache']}"
    return ""


def _call_inputs(called: Workflow, job: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs a caller passes (literal values; expressions stay unknown)."""
    declared = called.triggers.get("workflow_call", {}).get("inputs") or {}
    given = dict(job.get("with") or {})
    values = {}
    for name, spec in declared.items():
        value = given.get(name, (spec or {}).get("default"))
        if not (isinstance(value, str) and "${{" in value):
            values[name] = value
    return values


def check_release_caches(wf: Workflow, resolve: Resolver) -> list[Finding]:
    """No cache in a build whose output the workflow publishes, in the workflow itself or
    in a reusable workflow it calls (the caller's triggers apply to the called workflow)."""
    how = _releases(wf)
    if not how:
        return []
    publishers = [job_id for job_id, job in wf.jobs.items() if _publishes(job)]
    feeding = {need for job_id in publishers for need in wf.ancestors(job_id)}
    found = []
    for job_id in sorted(feeding):
        job = wf.jobs[job_id]
        targets: list[tuple[Workflow, str, Mapping[str, Any], dict[str, Any]]] = []
        if "uses" in job:
            called = resolve(str(job["uses"]))
            if called is not None:
                inputs = _call_inputs(called, job)
                targets = [
                    (called, inner_id, inner, inputs) for inner_id, inner in called.jobs.items()
                ]
        else:
            targets = [(wf, job_id, job, {})]
        for where, inner_id, inner, inputs in targets:
            for index, step in _steps(inner):
                restored = _restores_cache(step)
                if restored and _may_run(step, inputs):
                    found.append(
                        _finding(
                            where,
                            "release-cache",
                            _line(step, where.line_of(inner_id)),
                            inner_id,
                            f"job {inner_id!r} restores a cache ({restored}) in step {index + 1}, "
                            f"and {wf.path.name} publishes its output ({how}, through job "
                            f"{job_id!r}): a cache written by any earlier run can poison a release",
                        )
                    )
    return found


CHECKS = (
    check_pins,
    check_permissions,
    check_timeouts,
    check_pull_request_target,
    check_secrets,
    check_publish_jobs,
    check_runtimes,
)


def policy_findings(wf: Workflow, resolve: Resolver | None = None) -> list[Finding]:
    """Every project rule on one workflow; ``resolve`` finds the workflows it calls."""
    found = [finding for check in CHECKS for finding in check(wf)]
    return found + check_release_caches(wf, resolve or (lambda uses: None))
