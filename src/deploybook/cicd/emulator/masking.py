"""Secrets for local runs: read from a ``KEY=VALUE`` env file, masked as ``***`` in logs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

MASK = "***"
_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


def load_env_file(path: str | Path) -> dict[str, str]:
    """Read a dotenv-style file: ``KEY=VALUE`` lines, ``#`` comments, optional quotes.

    A malformed line is reported by number only, never by content (it may hold a secret).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"secrets file not found: {path}")
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _LINE.match(stripped)
        if match is None:
            raise ValueError(f"{path}:{number}: expected KEY=VALUE (the line is not shown)")
        key, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
            if stripped.split("=", 1)[1].strip().startswith('"'):
                value = value.replace("\\n", "\n")
        values[key] = value
    return values


class Masker:
    """Replaces every registered secret value with ``***``, longest first, line by line."""

    def __init__(self, values: Iterable[str] = ()):
        self._values: set[str] = set()
        for value in values:
            self.add(value)

    def add(self, value: str) -> None:
        """Register a value (each line of a multi-line value is masked on its own, too)."""
        for part in [value, *value.splitlines()]:
            if part.strip():
                self._values.add(part)

    def mask(self, text: str) -> str:
        """``text`` with every registered value replaced by ``***``."""
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, MASK)
        return text
