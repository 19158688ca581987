"""deploybook.paths: the project root is found from anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploybook.paths import data_dir, project_root, work_dir


def test_root_found_from_a_subfolder(monkeypatch: pytest.MonkeyPatch) -> None:
    root = project_root()
    monkeypatch.chdir(root / "notebooks")
    assert project_root() == root
    assert (data_dir() / "retraining" / "elec2.csv").is_file()


def test_env_override_must_be_a_checkout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DEPLOYBOOK_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="not a deploybook checkout"):
        project_root()


def test_work_dir_is_created_under_the_project() -> None:
    folder = work_dir("unit-test")
    assert folder.is_dir()
    assert folder.parent.parent == project_root()
