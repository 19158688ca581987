"""Local equivalents of the well-known actions the book's workflows use.

=============================  ==========================================================
``actions/checkout``           the working tree as it is (its commit and changes logged)
``actions/setup-python``       this interpreter, if its version is the one asked for
``actions/setup-java``         this machine's ``java``, if its major version matches
``actions/cache`` (+restore,   a local store keyed by the evaluated key and restore-keys;
save)                          saved after the job, like the action's post step
``actions/upload-artifact``,   a folder per run
``actions/download-artifact``
``actions/upload-pages-        the folder tarred into the ``github-pages`` artifact
artifact``
``actions/deploy-pages``       published into a local environment (``releases/<id>`` and
                               an atomic ``current`` switch)
``actions/attest-build-        a provenance statement for each subject's SHA-256, recorded
provenance``                   in the local GitHub store (:mod:`~deploybook.cicd.emulator.gh`)
=============================  ==========================================================

An action whose ``action.yml`` declares a ``post`` script gets a post step here too, run
when its ``post-if`` holds (GitHub's default ``always()``): checkout's and setup-java's
always, setup-python's and cache's only after success (``data/cicd/action_pins.csv`` records
each version's metadata). Any other ``uses:`` is an :class:`UnknownActionError` naming it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploybook.cicd.emulator.artifact_store import ArtifactStore
from deploybook.cicd.emulator.cache_store import CacheStore
from deploybook.cicd.emulator.gh import GitHubStore
from deploybook.cicd.environment import Environment
from deploybook.cicd.release import MANIFEST, read_manifest


class ActionError(RuntimeError):
    """A known action that cannot do what the step asks on this machine."""


class UnknownActionError(ActionError):
    """A ``uses:`` with no local equivalent."""


@dataclass
class Services:
    """What the local actions act on: this run's artifacts, the cache, a Pages environment."""

    artifacts: ArtifactStore
    cache: CacheStore
    temp: Path
    run_id: str
    pages: Environment | None = None
    pages_url: str = ""
    github: GitHubStore | None = None


@dataclass
class ActionCall:
    """One ``uses:`` step: its evaluated ``with:`` inputs and what it hands back to the job."""

    uses: str
    inputs: Mapping[str, Any]
    workspace: Path
    services: Services
    log: Callable[[str], None]
    github: Mapping[str, Any] = field(default_factory=dict)  # the github context
    outputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # exported to later steps
    path: list[str] = field(default_factory=list)  # prepended to PATH for later steps
    post: Callable[[], None] | None = None  # the action's post step, after the job's steps
    post_if: str = "always()"  # when it runs: the post-if of the action's action.yml

    def text(self, name: str, default: str = "") -> str:
        """An input as text (``with:`` values may be numbers or booleans in YAML)."""
        value = self.inputs.get(name, default)
        if isinstance(value, bool):
            return "true" if value else "false"
        return default if value is None else str(value)

    def lines(self, name: str) -> list[str]:
        """A multi-line input as its non-empty lines."""
        return [line.strip() for line in self.text(name).splitlines() if line.strip()]

    def flag(self, name: str) -> bool:
        """A boolean input."""
        return self.text(name).lower() == "true"


def split_uses(uses: str) -> tuple[str, str]:
    """``owner/repo[/path]@ref`` -> (``owner/repo[/path]``, ``ref``)."""
    name, _, ref = uses.partition("@")
    return name.lower(), ref


# ---------------------------------------------------------------------------- checkout


def checkout(call: ActionCall) -> None:
    """Use the working tree itself; refuse to fetch another repository."""
    if call.text("repository") and call.text("repository") != os.environ.get("GITHUB_REPOSITORY"):
        raise ActionError(
            f"checkout of another repository ({call.text('repository')}) needs the network; "
            "the local runner only uses the working tree"
        )
    call.post = lambda: call.log(
        "no credentials to remove: the local checkout is the working tree and stores none"
    )
    git = shutil.which("git")
    head = _git(git, call.workspace, "rev-parse", "HEAD") if git else ""
    if not head:
        call.log(f"workspace {call.workspace} is not a git checkout; using its files as they are")
        return
    changed = _git(git, call.workspace, "status", "--porcelain")
    count = len(changed.splitlines()) if changed else 0
    call.log(f"using the working tree {call.workspace} at {head[:12]} ({count} changed path(s))")
    if call.text("ref"):
        call.log(f"ref {call.text('ref')!r} ignored: the working tree is used as it is")


def _git(git: str | None, cwd: Path, *args: str) -> str:
    proc = subprocess.run(  # noqa: S603 - fixed git arguments
        [str(git), "-C", str(cwd), *args], capture_output=True, text=True, check=False
    )
    return proc.stdout.strip() if proc.returncode == 0 else ""


# ---------------------------------------------------------------------------- toolchains


def version_matches(spec: str, version: tuple[int, ...]) -> bool:
    """Whether a setup-* version spec (``3.11``, ``3.11.7``, ``3.x``, ``17``) fits ``version``."""
    parts = [p for p in spec.strip().split(".") if p]
    for want, have in zip(parts, version, strict=False):
        if want in ("x", "*"):
            return True
        if not want.isdigit() or int(want) != have:
            return False
    return bool(parts)


def setup_python(call: ActionCall) -> None:
    """Put this interpreter first on PATH, if it is the version the step asks for."""
    spec = call.text("python-version")
    if not spec and call.text("python-version-file"):
        spec = (call.workspace / call.text("python-version-file")).read_text().strip()
    here = sys.version_info
    full = f"{here.major}.{here.minor}.{here.micro}"
    if spec and not version_matches(spec, tuple(here[:3])):
        raise ActionError(
            f"setup-python asks for Python {spec}, but this machine runs jobs with Python {full} "
            f"({sys.executable}); select a matrix entry for {here.major}.{here.minor}"
        )
    call.path.append(str(Path(sys.executable).parent))
    call.env["pythonLocation"] = sys.prefix
    call.outputs.update({"python-version": full, "python-path": sys.executable})
    call.log(f"Python {full} at {sys.executable}")
    if call.text("cache"):
        call.log(f"cache: {call.text('cache')} is not emulated (use actions/cache)")
    call.post_if = "success()"
    call.post = lambda: call.log("no package cache to save (setup-python's cache is not emulated)")


def java_major(java: str) -> int:
    """The major version ``java -version`` reports."""
    proc = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)  # noqa: S603
    match = re.search(r'version "(\d+)(?:\.(\d+))?', proc.stderr + proc.stdout)
    if not match:
        raise ActionError(f"cannot read the version of {java}")
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def setup_java(call: ActionCall) -> None:
    """Use this machine's ``java``, if its major version is the one asked for."""
    spec = call.text("java-version")
    java = shutil.which("java")
    if java is None:
        raise ActionError("setup-java: no 'java' on PATH; install OpenJDK 17")
    major = java_major(java)
    if spec and not version_matches(spec, (major,)):
        raise ActionError(f"setup-java asks for Java {spec}, but this machine has Java {major}")
    home = Path(java).resolve().parent.parent
    call.env["JAVA_HOME"] = str(home)
    call.outputs.update({"version": str(major), "path": str(home)})
    call.log(f"Java {major} at {home}")
    call.post = lambda: call.log("nothing to clean up: this machine's Java was used as it is")


# ---------------------------------------------------------------------------- cache


def _restore(call: ActionCall) -> tuple[str, list[str], bool]:
    key, paths = call.text("key"), call.lines("path")
    if not key or not paths:
        raise ActionError(f"{call.uses}: the 'key' and 'path' inputs are required")
    entry = call.services.cache.find(key, call.lines("restore-keys"), paths)
    hit = entry is not None and entry.key == key
    call.outputs.update(
        {
            "cache-hit": "true" if hit else "false",
            "cache-primary-key": key,
            "cache-matched-key": entry.key if entry else "",
        }
    )
    if entry is None:
        call.log(f"Cache not found for input keys: {', '.join([key, *call.lines('restore-keys')])}")
        if call.flag("fail-on-cache-miss"):
            raise ActionError(f"cache miss for key {key!r} and fail-on-cache-miss is set")
    elif call.flag("lookup-only"):
        call.log(f"Cache found for key {entry.key} (lookup only, not restored)")
    else:
        call.services.cache.restore(entry, paths, call.workspace)
        call.log(f"Cache restored from key: {entry.key} ({entry.size / 1e6:.1f} MB)")
    return key, paths, hit


def _save(call: ActionCall, key: str, paths: list[str]) -> None:
    saved = call.services.cache.save(key, paths, call.workspace)
    if saved is None:
        call.log(f"Cache not saved for key {key}: it exists already, or no path in {paths} exists")
    else:
        call.log(f"Cache saved with key: {key} ({saved.size / 1e6:.1f} MB)")


def cache(call: ActionCall) -> None:
    """Restore now; save in the post step unless the primary key was hit."""
    key, paths, hit = _restore(call)
    call.post_if = "success()"
    call.post = (
        (lambda: call.log(f"Cache hit occurred on the primary key {key}, not saving cache."))
        if hit
        else (lambda: _save(call, key, paths))
    )


def cache_restore(call: ActionCall) -> None:
    """``actions/cache/restore``: restore only."""
    _restore(call)


def cache_save(call: ActionCall) -> None:
    """``actions/cache/save``: save now."""
    if not call.text("key") or not call.lines("path"):
        raise ActionError("actions/cache/save: the 'key' and 'path' inputs are required")
    _save(call, call.text("key"), call.lines("path"))


# ---------------------------------------------------------------------------- artifacts


def upload_artifact(call: ActionCall) -> None:
    """Copy the matched files into this run's artifact folder."""
    name = call.text("name", "artifact") or "artifact"
    files = call.services.artifacts.upload(
        name,
        call.lines("path"),
        call.workspace,
        if_no_files_found=call.text("if-no-files-found", "warn") or "warn",
    )
    if not files:
        call.log(f"Warning: no files found for path {call.lines('path')}; nothing uploaded")
    call.outputs["artifact-id"] = name
    call.log(f"Uploaded {len(files)} file(s) as artifact {name!r}")


def download_artifact(call: ActionCall) -> None:
    """Copy an artifact of this run into the workspace."""
    dest = call.workspace / call.text("path", ".")
    name = call.text("name") or None
    files = call.services.artifacts.download(name, dest)
    call.outputs["download-path"] = str(dest)
    call.log(f"Downloaded {len(files)} file(s) from artifact {name or '(all)'} into {dest}")


def upload_pages_artifact(call: ActionCall) -> None:
    """Tar a site folder (without hidden files) into the ``github-pages`` artifact."""
    site = call.workspace / call.text("path", "_site/")
    if not site.is_dir():
        raise ActionError(f"upload-pages-artifact: {site} is not a folder")
    name = call.text("name", "github-pages") or "github-pages"
    folder = Path(tempfile.mkdtemp(dir=call.services.temp))
    with tarfile.open(folder / "artifact.tar", "w") as tar:
        for path in sorted(site.rglob("*")):
            relative = path.relative_to(site)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                tar.add(path, arcname=str(relative))
    call.services.artifacts.upload(name, [str(folder / "artifact.tar")], call.workspace)
    call.outputs["artifact_id"] = name
    call.log(f"Packed {site} into artifact {name!r}")


def deploy_pages(call: ActionCall) -> None:
    """Publish the Pages artifact into the local Pages environment and switch to it."""
    pages = call.services.pages
    if pages is None:
        raise ActionError(
            "deploy-pages: this run has no local Pages environment (give LocalRunner a pages_root)"
        )
    name = call.text("artifact_name", "github-pages") or "github-pages"
    work = Path(tempfile.mkdtemp(dir=call.services.temp))
    call.services.artifacts.download(name, work / "artifact")
    site = work / "site"
    site.mkdir()
    with tarfile.open(work / "artifact" / "artifact.tar") as tar:
        tar.extractall(site, filter="data")
    rid = read_manifest(site)["id"] if (site / MANIFEST).exists() else f"run-{call.services.run_id}"
    if rid not in pages.releases():
        pages.publish_directory(site, rid)
    pages.switch(rid)
    url = call.services.pages_url or (pages.current_link.as_uri() + "/")
    call.outputs["page_url"] = url
    call.log(f"Deployed release {rid} to {pages.name}; served at {url}")


def attest_build_provenance(call: ActionCall) -> None:
    """Record a provenance statement for each file of ``subject-path`` in the GitHub store."""
    store = call.services.github
    if store is None:
        raise ActionError("attest-build-provenance: this run has no local GitHub store")
    patterns = call.lines("subject-path")
    if not patterns:
        raise ActionError("attest-build-provenance: only subject-path is emulated here")
    subjects = sorted(
        {p for pattern in patterns for p in call.workspace.glob(pattern) if p.is_file()}
    )
    if not subjects:
        raise ActionError(f"attest-build-provenance: no file matches {patterns}")
    workflow = {
        "repository": str(call.github.get("repository", "")),
        "ref": str(call.github.get("ref", "")),
        "path": str(call.github.get("workflow_ref", "")).split("@")[0],
    }
    bundle = call.services.temp / f"attestation-{call.services.run_id}.jsonl"
    with bundle.open("a") as handle:
        for subject in subjects:
            statement = store.attest(workflow["repository"], subject, workflow)
            handle.write(json.dumps(statement) + "\n")
            digest = statement["subject"][0]["digest"]["sha256"]
            call.log(f"Attested {subject.name} sha256:{digest} (built by {workflow['path']})")
    call.outputs.update({"bundle-path": str(bundle), "attestation-id": digest[:16]})


LOCAL_ACTIONS: dict[str, Callable[[ActionCall], None]] = {
    "actions/checkout": checkout,
    "actions/setup-python": setup_python,
    "actions/setup-java": setup_java,
    "actions/cache": cache,
    "actions/cache/restore": cache_restore,
    "actions/cache/save": cache_save,
    "actions/upload-artifact": upload_artifact,
    "actions/download-artifact": download_artifact,
    "actions/upload-pages-artifact": upload_pages_artifact,
    "actions/deploy-pages": deploy_pages,
    "actions/attest-build-provenance": attest_build_provenance,
}


def local_action(uses: str) -> Callable[[ActionCall], None]:
    """The local equivalent of ``uses``, or :class:`UnknownActionError` naming it."""
    name, _ = split_uses(uses)
    handler = LOCAL_ACTIONS.get(name)
    if handler is None:
        raise UnknownActionError(
            f"no local equivalent for 'uses: {uses}'; the runner maps only "
            f"{', '.join(sorted(LOCAL_ACTIONS))} (pass skip_unknown=True to skip such steps)"
        )
    return handler
