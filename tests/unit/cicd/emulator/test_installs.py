"""Install steps: which scripts are installs, and the proof that the lock is satisfied.

Reference: pip's documented options (``-c``/``--constraint``, ``-r``, ``-e``) and the
installed distributions' own metadata (``importlib.metadata``), read independently of pip.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest

from deploybook.cicd.emulator.installs import install_command, prove_satisfied
from deploybook.paths import project_root


@pytest.mark.parametrize(
    ("script", "install"),
    [
        ('python -m pip install -c requirements.lock -e ".[dev]"', True),
        ("pip install --quiet -c a.lock \\\n  pyyaml", True),
        ("# a comment\npython3.11 -m pip install -r reqs.txt -c a.lock", True),
        ("python -m pip install pyyaml && pytest", False),
        ("echo hi", False),
        ("pip install --index-url http://x pyyaml", False),  # an option it does not know
    ],
)
def test_install_commands_are_recognised(script: str, install: bool) -> None:
    assert (install_command(script) is not None) is install


def test_the_projects_own_lock_is_proven_satisfied_here() -> None:
    command = install_command('python -m pip install -c requirements.lock -e ".[dev]"')
    assert command is not None
    proof = prove_satisfied(command, project_root())
    assert proof.satisfied, proof.problems
    assert proof.checked["pyyaml"] == metadata.version("PyYAML")
    assert len(proof.checked) > 100


def test_a_different_pin_or_a_missing_package_is_not(tmp_path: Path) -> None:
    (tmp_path / "old.lock").write_text("PyYAML==5.1\n")
    command = install_command("pip install -c old.lock pyyaml no-such-distribution-xyz")
    assert command is not None
    proof = prove_satisfied(command, tmp_path)
    assert not proof.satisfied
    assert any("the lock pins 5.1" in p for p in proof.problems)
    assert any("no-such-distribution-xyz is not installed" in p for p in proof.problems)
    assert proof.summary("old.lock").startswith("lock not satisfied here")
