"""pyproject.toml and environment.yml pin the same versions."""

from __future__ import annotations

import tomllib

import yaml

from deploybook.paths import project_root


def _pyproject_pins() -> set[str]:
    project = tomllib.loads((project_root() / "pyproject.toml").read_text())["project"]
    return set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])


def _environment_pins() -> set[str]:
    env = yaml.safe_load((project_root() / "environment.yml").read_text())
    pip = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    return {line for line in pip if "==" in line}


def test_every_dependency_is_pinned_exactly() -> None:
    assert all("==" in spec for spec in _pyproject_pins())


def test_environment_yml_agrees_with_pyproject() -> None:
    assert _environment_pins() == _pyproject_pins()


def test_lock_file_agrees_with_pins() -> None:
    lock = {
        line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
        for line in (project_root() / "requirements.lock").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    for spec in _pyproject_pins():
        name, version = spec.split("==")
        name = name.split("[")[0].lower().replace("_", "-")
        assert lock.get(name) == version, f"requirements.lock disagrees on {name}"
