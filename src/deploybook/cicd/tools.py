"""actionlint, installed into the project's environment through the Go module proxy.

actionlint (``github.com/rhysd/actionlint``) is a Go program with no Python package of its
own, so ``deploybook setup`` (and ``python -m deploybook.cicd install-actionlint`` in the
lint job) builds the pinned version with ``go install`` into the folder of this
interpreter's console scripts, where :func:`deploybook.cicd.validation.tool` finds it. A
build that is already there at the pinned version is kept.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ACTIONLINT_MODULE = "github.com/rhysd/actionlint/cmd/actionlint"
ACTIONLINT_VERSION = "v1.7.12"


class ToolInstallError(RuntimeError):
    """A tool that cannot be installed here (no Go, or the build failed)."""


def installed_version(binary: Path) -> str:
    """The version a built actionlint reports (``v1.7.12``; '' if it does not run)."""
    if not binary.is_file():
        return ""
    proc = subprocess.run(  # noqa: S603 - our own build
        [str(binary), "-version"], capture_output=True, text=True, check=False
    )
    return proc.stdout.splitlines()[0].strip() if proc.returncode == 0 and proc.stdout else ""


def ensure_actionlint(bin_dir: str | Path | None = None) -> Path:
    """actionlint at :data:`ACTIONLINT_VERSION` in ``bin_dir`` (default: beside this
    interpreter), built with ``go install`` if it is missing or another version."""
    folder = Path(bin_dir) if bin_dir else Path(sys.executable).parent
    binary = folder / "actionlint"
    wanted = ACTIONLINT_VERSION
    if installed_version(binary) == wanted:
        return binary
    go = shutil.which("go")
    if go is None:
        raise ToolInstallError(
            f"actionlint {ACTIONLINT_VERSION} is not installed and Go is not on PATH: install Go "
            "(Debian/Ubuntu: apt-get install golang-go) and run `deploybook setup` again"
        )
    proc = subprocess.run(  # noqa: S603 - fixed module and version
        [go, "install", f"{ACTIONLINT_MODULE}@{ACTIONLINT_VERSION}"],
        env={**os.environ, "GOBIN": str(folder.resolve())},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or installed_version(binary) != wanted:
        raise ToolInstallError(f"go install of actionlint failed: {proc.stderr.strip()[-500:]}")
    return binary
