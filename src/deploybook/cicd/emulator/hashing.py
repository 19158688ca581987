"""``hashFiles()``: one SHA-256 over the files that glob patterns match in the workspace.

Patterns follow ``@actions/glob``, which GitHub's runner uses: ``*``, ``?``, ``[...]`` and
``**`` match hidden files too, a pattern that names a folder takes every file below it,
``!pattern`` excludes what earlier patterns included (the last matching pattern decides),
and only files inside the workspace count. Files are hashed in the runner's order: search
folder by search folder (each pattern's part before its first wildcard, in pattern order),
depth first with names sorted.
"""

from __future__ import annotations

import glob
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

_WILDCARDS = frozenset("*?[")


def _search_root(root: Path, pattern: str) -> Path:
    """The folder a pattern searches: its path up to the first part with a wildcard."""
    parts: list[str] = []
    for part in Path(pattern).parts:
        if _WILDCARDS & set(part):
            break
        parts.append(part)
    return Path(os.path.normpath(root.joinpath(*parts))) if parts else root


def _files(hits: list[str]) -> set[Path]:
    """Matched paths as files: a folder stands for every file below it."""
    paths = sorted({Path(os.path.normpath(hit)) for hit in hits}, key=lambda p: p.parts)
    files: set[Path] = set()
    folders: list[Path] = []
    for path in paths:
        if path.is_file():
            files.add(path)
        elif path.is_dir() and not (folders and path.is_relative_to(folders[-1])):
            folders.append(path)  # sorted, so a folder's own sub-folders come right after it
            files.update(p for p in path.rglob("*") if p.is_file())
    return files


def matched_files(workspace: Path, patterns: Sequence[str]) -> list[Path]:
    """Files under ``workspace`` matched by ``patterns``, in the order ``hashFiles`` reads them."""
    root = Path(os.path.abspath(workspace))
    chosen: set[Path] = set()
    searched: list[Path] = []
    for raw in patterns:
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        text = pattern[1:] if negate else pattern
        hits = _files(glob.glob(str(root / text), recursive=True, include_hidden=True))
        hits = {hit for hit in hits if hit.is_relative_to(root)}
        if negate:
            chosen -= hits
        else:
            chosen |= hits
            searched.append(_search_root(root, text))
    # a search folder inside another is walked as part of it
    roots = [
        r
        for r in dict.fromkeys(searched)
        if not any(r != o and r.is_relative_to(o) for o in searched)
    ]

    def order(path: Path) -> tuple[int, tuple[str, ...]]:
        first = next((i for i, r in enumerate(roots) if path.is_relative_to(r)), len(roots))
        return first, path.parts

    return sorted(chosen, key=order)


def hash_files(workspace: Path, patterns: Sequence[str]) -> str:
    """GitHub's ``hashFiles``: SHA-256 of the files' own SHA-256 digests, in reading order.

    An empty string when nothing matches, so a cache key built from it says so.
    """
    files = matched_files(workspace, patterns)
    if not files:
        return ""
    total = hashlib.sha256()
    for path in files:
        total.update(hashlib.sha256(path.read_bytes()).digest())
    return total.hexdigest()
