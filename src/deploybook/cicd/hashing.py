"""``hashFiles()``: one SHA-256 over the files that glob patterns match in the workspace."""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Sequence
from pathlib import Path


def matched_files(workspace: Path, patterns: Sequence[str]) -> list[Path]:
    """Files under ``workspace`` matched by ``patterns`` (``**`` recursive, ``!`` excludes)."""
    root = workspace.resolve()
    chosen: set[Path] = set()
    for pattern in patterns:
        negate = pattern.startswith("!")
        text = pattern[1:] if negate else pattern
        hits = {
            Path(hit).resolve()
            for hit in glob.glob(str(root / text), recursive=True)
            if Path(hit).is_file()
        }
        hits = {hit for hit in hits if hit.is_relative_to(root)}
        chosen = chosen - hits if negate else chosen | hits
    return sorted(chosen)


def hash_files(workspace: Path, patterns: Sequence[str]) -> str:
    """GitHub's ``hashFiles``: SHA-256 of the files' own SHA-256 digests in path order.

    An empty string when nothing matches, so a cache key built from it says so.
    """
    files = matched_files(workspace, patterns)
    if not files:
        return ""
    total = hashlib.sha256()
    for path in files:
        total.update(hashlib.sha256(path.read_bytes()).digest())
    return total.hexdigest()
