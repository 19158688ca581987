"""Install steps run locally: skipped only with a proof that the lock is already satisfied.

On GitHub a ``run: python -m pip install -c requirements.lock -e ".[dev]"`` step installs
the locked environment into a fresh runner. Here the job runs with this interpreter (what
``actions/setup-python`` maps to), which already has an environment. :func:`install_command`
recognises a step made only of ``pip install`` commands; :func:`prove_satisfied` then
walks every requirement the command would install, through the installed distributions'
own metadata: each must be installed, satisfy its specifier, and (when the lock pins it)
be at exactly the locked version. If the walk succeeds the step is skipped with the proof
in its log; if not, the runner runs the step for real, into a throwaway virtual
environment, never into this one.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import cast

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

_PIP = re.compile(r"^(?:python[0-9.]*\s+-m\s+pip|pip[0-9.]*)\s+install\s+(.*)$")
_SHELL = re.compile(r"[;&|<>`$()]")
_FLAGS = {"-q", "--quiet", "-U", "--upgrade", "--no-index", "--disable-pip-version-check", "-v"}
_WITH_VALUE = {
    "-c": "constraints",
    "--constraint": "constraints",
    "-r": "requirements",
    "--requirement": "requirements",
    "-e": "editables",
    "--editable": "editables",
}


@dataclass
class InstallCommand:
    """What a ``pip install`` step asks for."""

    constraints: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)  # -r files
    editables: list[str] = field(default_factory=list)
    specs: list[str] = field(default_factory=list)  # names, specifiers, local paths


@dataclass
class Proof:
    """The outcome of checking an install against this environment."""

    satisfied: bool
    checked: dict[str, str] = field(default_factory=dict)  # distribution -> installed version
    problems: list[str] = field(default_factory=list)

    def summary(self, lock: str) -> str:
        """One line for the step's log."""
        if self.satisfied:
            return (
                f"lock satisfied: the {len(self.checked)} distributions this command would "
                f"install are installed here at the versions {lock} pins; step skipped"
            )
        return f"lock not satisfied here: {'; '.join(self.problems[:5])}"


def install_command(script: str) -> InstallCommand | None:
    """The ``pip install`` a step's script consists of (None if it does anything else)."""
    text = re.sub(r"\\\n", " ", script)
    lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    if not lines:
        return None
    command = InstallCommand()
    for line in lines:
        match = _PIP.match(line)
        if not match or _SHELL.search(line):
            return None  # not only a pip install (another command, a pipe, a variable...)
        words = shlex.split(match.group(1))
        i = 0
        while i < len(words):
            word = words[i]
            option, _, inline = word.partition("=")
            if option in _WITH_VALUE:
                value = inline if inline else (words[i + 1] if i + 1 < len(words) else "")
                getattr(command, _WITH_VALUE[option]).append(value)
                i += 1 if inline else 2
            elif word in _FLAGS:
                i += 1
            elif word.startswith("-"):
                return None  # an option whose effect this check does not know
            else:
                command.specs.append(word)
                i += 1
    return command


def _locked(paths: Sequence[Path]) -> dict[str, str]:
    pins: dict[str, str] = {}
    for path in paths:
        for line in path.read_text().splitlines():
            line = line.split("#")[0].strip()
            if "==" in line and not line.startswith("-"):
                name, version = line.split("==", 1)
                pins[canonicalize_name(name.split("[")[0])] = version.strip()
    return pins


def _project(path: Path) -> tuple[str, str, list[str], dict[str, list[str]]]:
    """Name, version, dependencies and extras of a local project (its pyproject.toml)."""
    project = tomllib.loads((path / "pyproject.toml").read_text())["project"]
    return (
        project["name"],
        project.get("version", ""),
        list(project.get("dependencies", [])),
        dict(project.get("optional-dependencies", {})),
    )


def _local(spec: str, cwd: Path) -> tuple[Path, list[str]] | None:
    """A local path requirement (``.``, ``.[dev]``, ``./pkg``) and its extras."""
    match = re.match(r"^([./][^\[]*)(?:\[([^\]]*)\])?$", spec)
    if not match or not (cwd / match.group(1)).is_dir():
        return None
    extras = [e.strip() for e in (match.group(2) or "").split(",") if e.strip()]
    return (cwd / match.group(1)).resolve(), extras


class _Walk:
    def __init__(self, pins: dict[str, str]):
        self.pins = pins
        self.proof = Proof(True)
        self.seen: set[tuple[str, tuple[str, ...]]] = set()

    def fail(self, problem: str) -> None:
        self.proof.satisfied = False
        self.proof.problems.append(problem)

    def requirement(self, text: str, extras_env: str = "") -> None:
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            self.fail(f"cannot read requirement {text!r}: {exc}")
            return
        environment = {**cast(dict[str, str], default_environment()), "extra": extras_env}
        if req.marker is not None and not req.marker.evaluate(environment):
            return
        name = canonicalize_name(req.name)
        key = (name, tuple(sorted(req.extras)))
        if key in self.seen:
            return
        self.seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            self.fail(f"{req.name} is not installed")
            return
        version = dist.version
        self.proof.checked[name] = version
        if not req.specifier.contains(version, prereleases=True):
            self.fail(f"{req.name} {version} does not satisfy {req.specifier}")
        if name in self.pins and self.pins[name] != version:
            self.fail(f"{req.name} is {version} here, the lock pins {self.pins[name]}")
        for child in dist.requires or []:
            for extra in ("", *sorted(req.extras)):
                self.requirement(child, extra)


def prove_satisfied(command: InstallCommand, cwd: Path) -> Proof:
    """Whether everything ``command`` would install is already installed as the lock says."""
    walk = _Walk(_locked([cwd / c for c in command.constraints]))
    specs = list(command.specs)
    for path in command.requirements:
        specs += [
            line.strip()
            for line in (cwd / path).read_text().splitlines()
            if line.strip() and not line.strip().startswith(("#", "-"))
        ]
    for spec in [*command.editables, *specs]:
        local = _local(spec, cwd)
        if local is None:
            walk.requirement(spec)
            continue
        folder, extras = local
        if not (folder / "pyproject.toml").is_file():
            walk.fail(f"{spec} has no pyproject.toml to read its requirements from")
            continue
        name, version, dependencies, optional = _project(folder)
        walk.requirement(f"{name}=={version}" if version else name)
        for dep in dependencies:
            walk.requirement(dep)
        for extra in extras:
            if extra not in optional:
                walk.fail(f"{name} has no extra {extra!r}")
            for dep in optional.get(extra, []):
                walk.requirement(dep)
    return walk.proof
