"""deploybook.prerequisites: the system packages, checked, documented and installed alike."""

from __future__ import annotations

import pytest

from deploybook import prerequisites
from deploybook.cli import main
from deploybook.paths import project_root


def test_readme_and_ci_name_every_system_package() -> None:
    """The README tells a new user what to install and .ci/run installs it on a fresh CI
    machine: both must name every package the code checks for."""
    readme = (project_root() / "README.md").read_text()
    ci = (project_root() / ".ci" / "run").read_text()
    for p in prerequisites.PREREQUISITES:
        assert f"`{p.debian_package}`" in readme, p.debian_package
        assert p.debian_package in readme.split("sudo apt-get install")[1].splitlines()[0]
        assert f"need+=({p.debian_package})" in ci, p.debian_package


def test_a_missing_package_stops_make_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEPLOYBOOK_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(SystemExit) as stopped:
        main(["prerequisites", "book"])
    assert stopped.value.code == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "make book needs Chromium for the browser smoke tests (CI/CD and payroll reports): "
        "sudo apt-get install chromium"
    ]


def test_postgresql_is_needed_by_the_tests_only() -> None:
    needs = {p.debian_package: p.needed_by for p in prerequisites.PREREQUISITES}
    assert needs["postgresql"] == ("test",)
    with pytest.raises(ValueError, match="unknown target 'docs'"):
        prerequisites.missing("docs")
