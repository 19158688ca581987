"""How a ``run:`` step runs: the command line of its ``shell``, and the ``name=value`` and
``name<<DELIMITER`` lines it writes to ``$GITHUB_OUTPUT`` and ``$GITHUB_ENV``."""

from __future__ import annotations

import shutil
from pathlib import Path

_SHELLS = {
    "bash": "bash --noprofile --norc -eo pipefail {0}",
    "sh": "sh -e {0}",
    "python": "python {0}",
}


class ShellError(ValueError):
    """A ``shell:`` the local runner cannot run."""


def shell_template(shell: str | None) -> str:
    """The command line a ``run:`` step's ``shell`` stands for, with ``{0}`` for the script:
    GitHub's defaults (``bash -e {0}``, or ``sh -e {0}`` without bash; an explicit ``bash``
    adds ``--noprofile --norc -eo pipefail``), or a custom template."""
    if shell is None:
        return "bash -e {0}" if shutil.which("bash") else "sh -e {0}"
    if shell in _SHELLS:
        return _SHELLS[shell]
    if "{0}" in shell:
        return shell
    raise ShellError(
        f"shell {shell!r} is not supported here (bash, sh, python, or a template with {{0}})"
    )


def read_file_commands(path: Path, what: str) -> dict[str, str]:
    """Parse a ``$GITHUB_OUTPUT``/``$GITHUB_ENV`` file: ``name=value`` or heredoc ``name<<EOF``.

    A malformed line fails the step (a ``ValueError`` naming ``what``), as on GitHub.
    """
    values: dict[str, str] = {}
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        heredoc = "<<" in line and ("=" not in line or line.index("<<") < line.index("="))
        if heredoc:
            name, delimiter = line.split("<<", 1)
            if not name or not delimiter:
                raise ValueError(f"{what}: {line!r} needs a name and a delimiter (name<<DELIMITER)")
            body: list[str] = []
            while i < len(lines) and lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            if i >= len(lines):
                raise ValueError(f"{what}: {name!r} is never closed by its delimiter {delimiter!r}")
            i += 1
            values[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            if not name:
                raise ValueError(f"{what}: {line!r} has no name before '='")
            values[name] = value
        else:
            raise ValueError(f"{what}: cannot parse line {line!r} (expected name=value)")
    return values
