"""actionlint, built from its Go module into the project's environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploybook.cicd import tools


def test_the_installed_actionlint_is_the_pinned_version() -> None:
    """`deploybook setup` (run by `make setup`) built it beside this interpreter."""
    binary = tools.ensure_actionlint()
    assert tools.installed_version(binary) == tools.ACTIONLINT_VERSION


def test_another_version_is_rebuilt_and_no_go_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "actionlint"
    stale.write_text("#!/bin/sh\necho v1.6.0\n")
    stale.chmod(0o755)
    assert tools.installed_version(stale) == "v1.6.0"
    monkeypatch.setattr(tools.shutil, "which", lambda name: None)
    with pytest.raises(tools.ToolInstallError, match="Go is not on PATH"):
        tools.ensure_actionlint(tmp_path)
    assert tools.installed_version(tmp_path / "missing") == ""
