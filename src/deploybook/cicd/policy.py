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
``deploy-concurrency``     a job that deploys to ``github-pages`` has a ``concurrency`` group
=========================  ===============================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from deploybook.cicd.emulator.workflow import Workflow
from deploybook.cicd.findings import Finding

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


CHECKS = (
    check_pins,
    check_permissions,
    check_timeouts,
    check_pull_request_target,
    check_secrets,
    check_publish_jobs,
)


def policy_findings(wf: Workflow) -> list[Finding]:
    """Every project rule on one workflow."""
    return [finding for check in CHECKS for finding in check(wf)]
