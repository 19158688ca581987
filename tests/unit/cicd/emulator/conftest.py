"""What the local runner's tests share: an empty repository and the pinned actions they use."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploybook.cicd.emulator.runner import LocalRunner

CHECKOUT = "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8"  # v5.0.0
SETUP_PYTHON = "actions/setup-python@e797f83bcb11b83ae66e0230d6156d7c80228e7c"  # v6.0.0
CACHE = "actions/cache@0057852bfaa89a56745cba8c7296529d2fc39830"  # v4.3.0
UPLOAD = "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02"
DOWNLOAD = "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty repository folder with .github/workflows."""
    (tmp_path / "repo" / ".github" / "workflows").mkdir(parents=True)
    return tmp_path / "repo"


def runner_for(repo: Path, **options: object) -> LocalRunner:
    """A runner on ``repo`` whose work folder sits beside it."""
    return LocalRunner(repo, work_dir=repo.parent / "work", **options)  # type: ignore[arg-type]


def write_workflow(repo: Path, text: str, name: str = "w.yml") -> Path:
    """Write ``text`` as workflow ``name`` of ``repo``."""
    path = repo / ".github" / "workflows" / name
    path.write_text(text)
    return path
