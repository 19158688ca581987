"""Local equivalents of well-known actions."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deploybook.cicd.emulator.actions import (
    ActionCall,
    ActionError,
    Services,
    UnknownActionError,
    cache_save,
    checkout,
    deploy_pages,
    local_action,
    setup_java,
    setup_python,
    split_uses,
    upload_pages_artifact,
    version_matches,
)
from deploybook.cicd.emulator.artifact_store import ArtifactStore
from deploybook.cicd.emulator.cache_store import CacheStore
from deploybook.cicd.environment import Environment


@pytest.fixture
def services(tmp_path: Path) -> Services:
    (tmp_path / "temp").mkdir()
    return Services(
        ArtifactStore(tmp_path / "artifacts"),
        CacheStore(tmp_path / "cache"),
        tmp_path / "temp",
        "7",
    )


def _call(
    uses: str, inputs: dict, workspace: Path, services: Services, logs: list[str]
) -> ActionCall:
    return ActionCall(uses, inputs, workspace, services, logs.append)


@pytest.mark.parametrize(
    ("spec", "version", "expected"),
    [
        ("3.11", (3, 11, 7), True),
        ("3.11.7", (3, 11, 7), True),
        ("3.11.6", (3, 11, 7), False),
        ("3.x", (3, 12, 0), True),
        ("3.12", (3, 11, 7), False),
        ("17", (17,), True),
        ("21", (17,), False),
        ("", (3, 11), False),
        ("latest", (3, 11), False),
    ],
)
def test_version_matches(spec: str, version: tuple[int, ...], expected: bool) -> None:
    assert version_matches(spec, version) is expected


def test_split_uses() -> None:
    assert split_uses("Actions/Cache/restore@abc") == ("actions/cache/restore", "abc")


def test_unknown_action_names_itself_and_the_known_ones() -> None:
    with pytest.raises(UnknownActionError, match=r"'uses: docker://alpine'; .*actions/checkout"):
        local_action("docker://alpine")


def test_setup_python_uses_this_interpreter(tmp_path: Path, services: Services) -> None:
    logs: list[str] = []
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    call = _call(
        "actions/setup-python@x", {"python-version": here, "cache": "pip"}, tmp_path, services, logs
    )
    setup_python(call)
    assert call.path == [str(Path(sys.executable).parent)]
    assert call.outputs["python-path"] == sys.executable
    assert any("not emulated" in line for line in logs)
    (tmp_path / ".python-version").write_text("2.7\n")
    wrong = _call(
        "actions/setup-python@x",
        {"python-version-file": ".python-version"},
        tmp_path,
        services,
        logs,
    )
    with pytest.raises(ActionError, match=r"asks for Python 2\.7"):
        setup_python(wrong)


@pytest.mark.skipif(shutil.which("java") is None, reason="no java on this machine")
def test_setup_java_checks_the_major_version(tmp_path: Path, services: Services) -> None:
    logs: list[str] = []
    call = _call("actions/setup-java@x", {"java-version": "1"}, tmp_path, services, logs)
    with pytest.raises(ActionError, match="asks for Java 1, but this machine has Java"):
        setup_java(call)
    any_version = _call("actions/setup-java@x", {}, tmp_path, services, logs)
    setup_java(any_version)
    assert Path(any_version.env["JAVA_HOME"], "bin", "java").exists()


def test_checkout_reports_the_working_tree(tmp_path: Path, services: Services) -> None:
    logs: list[str] = []
    checkout(_call("actions/checkout@x", {}, tmp_path, services, logs))
    assert "not a git checkout" in logs[-1]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(tmp_path),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x",
        ],
        check=True,
    )
    (tmp_path / "new.txt").write_text("x")
    checkout(_call("actions/checkout@x", {"ref": "v1"}, tmp_path, services, logs))
    assert "(1 changed path(s))" in logs[-2]
    assert "ref 'v1' ignored" in logs[-1]
    with pytest.raises(ActionError, match="another repository"):
        checkout(
            _call("actions/checkout@x", {"repository": "other/repo"}, tmp_path, services, logs)
        )


def test_cache_save_needs_key_and_path(tmp_path: Path, services: Services) -> None:
    with pytest.raises(ActionError, match="'key' and 'path' inputs are required"):
        cache_save(_call("actions/cache/save@x", {"key": "k"}, tmp_path, services, []))


def test_pages_artifact_and_local_deploy(tmp_path: Path, services: Services) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html></html>")
    (site / "release.json").write_text('{"id": "v1-abc"}')
    (site / ".hidden").write_text("not published")
    logs: list[str] = []
    upload_pages_artifact(
        _call("actions/upload-pages-artifact@x", {"path": "site"}, tmp_path, services, logs)
    )
    with pytest.raises(ActionError, match="no local Pages environment"):
        deploy_pages(_call("actions/deploy-pages@x", {}, tmp_path, services, logs))
    services.pages = Environment(tmp_path / "pages")
    call = _call("actions/deploy-pages@x", {}, tmp_path, services, logs)
    deploy_pages(call)
    assert services.pages.current() == "v1-abc"
    assert not (services.pages.current_link / ".hidden").exists()
    assert call.outputs["page_url"].startswith("file://")
    with pytest.raises(ActionError, match="is not a folder"):
        upload_pages_artifact(
            _call("actions/upload-pages-artifact@x", {}, tmp_path, services, logs)
        )
