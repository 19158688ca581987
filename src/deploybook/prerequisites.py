"""The system packages ``make book`` and ``make test`` need beyond Python, found or named.

pip installs every Python package; these come from the operating system. ``make book`` and
``make test`` check them first (``deploybook prerequisites book``), so a machine without one
stops at once with a line naming the package, instead of failing half-way through a build.
The README lists the same packages, and ``.ci/run`` installs them (a unit test checks both).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Prerequisite:
    """A system package and what needs it."""

    what: str
    debian_package: str
    needed_by: tuple[str, ...]
    found: Callable[[], bool]


def _command(name: str) -> Callable[[], bool]:
    return lambda: shutil.which(name) is not None


def chromium_binary() -> str:
    """The Chromium the browser tests drive: ``$DEPLOYBOOK_CHROMIUM`` or Debian's."""
    return os.environ.get("DEPLOYBOOK_CHROMIUM", "/usr/bin/chromium")


def _chromium() -> bool:
    return os.path.exists(chromium_binary())


def _go() -> bool:
    """Go 1.21 or newer: it fetches the toolchain a module asks for (GOTOOLCHAIN=auto)."""
    go = shutil.which("go")
    if go is None:
        return False
    found = subprocess.run(  # noqa: S603 - the go binary on PATH
        [go, "env", "GOVERSION"], capture_output=True, text=True, check=False
    ).stdout
    match = re.match(r"go(\d+)\.(\d+)", found.strip())
    return match is not None and (int(match[1]), int(match[2])) >= (1, 21)


def _postgres() -> bool:
    return shutil.which("initdb") is not None or bool(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


PREREQUISITES = (
    Prerequisite("make", "make", ("book", "test"), _command("make")),
    Prerequisite("git (the CI/CD report checks out commits)", "git", ("book", "test"),
                 _command("git")),
    Prerequisite("Java 17 for Spark (the retraining report)", "openjdk-17-jdk-headless",
                 ("book", "test"), _command("java")),
    Prerequisite("Chromium for the browser smoke tests (CI/CD and payroll reports)", "chromium",
                 ("book", "test"), _chromium),
    Prerequisite("Go 1.21 or newer to build actionlint (the CI/CD report's workflow checks)",
                 "golang-go", ("book", "test"), _go),
    Prerequisite("a PostgreSQL server for the payroll integration tests", "postgresql",
                 ("test",), _postgres),
)  # fmt: skip
"""Everything beyond Python; ``DEPLOYBOOK_CHROMIUM`` may point at another Chromium."""


def missing(target: str) -> list[Prerequisite]:
    """The prerequisites of ``make <target>`` (``book`` or ``test``) that this machine lacks."""
    if target not in ("book", "test"):
        raise ValueError(f"unknown target {target!r}; expected 'book' or 'test'")
    return [p for p in PREREQUISITES if target in p.needed_by and not p.found()]


def install_command(prerequisites: list[Prerequisite]) -> str:
    """The Debian/Ubuntu command that installs ``prerequisites``."""
    return "sudo apt-get install " + " ".join(p.debian_package for p in prerequisites)
