"""A local stand-in for the GitHub Actions cache service: tar archives keyed by cache key.

Like the service, an entry is found by its exact key or by the newest entry whose key
starts with one of the ``restore-keys`` (tried in order), and only for the same list of
paths; an entry, once saved, is never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CacheEntry:
    """One saved cache: its key, the paths it holds, its archive and when it was saved."""

    key: str
    paths: tuple[str, ...]
    archive: Path
    created: float
    size: int


class CacheStore:
    """Cache entries under one folder (an index file plus one ``.tar`` per entry)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._index = self.root / "index.json"

    def entries(self) -> list[CacheEntry]:
        """Every saved entry, newest first."""
        if not self._index.exists():
            return []
        rows = json.loads(self._index.read_text())
        found = [
            CacheEntry(
                r["key"], tuple(r["paths"]), self.root / r["archive"], r["created"], r["size"]
            )
            for r in rows
        ]
        return sorted(found, key=lambda e: e.created, reverse=True)

    def find(
        self, key: str, restore_keys: Sequence[str], paths: Sequence[str]
    ) -> CacheEntry | None:
        """The entry for ``key`` or, failing that, the newest one matching a restore key."""
        same_paths = [e for e in self.entries() if e.paths == tuple(paths)]
        for entry in same_paths:
            if entry.key == key:
                return entry
        for prefix in restore_keys:
            for entry in same_paths:
                if entry.key == prefix:
                    return entry
            for entry in same_paths:
                if entry.key.startswith(prefix):
                    return entry
        return None

    def restore(self, entry: CacheEntry, paths: Sequence[str], workspace: Path) -> None:
        """Unpack ``entry`` onto ``paths`` (relative to ``workspace``) as ``tar -x`` does:
        cached files overwrite theirs, files the cache does not hold are left alone."""
        with tempfile.TemporaryDirectory(dir=self.root) as tmp, tarfile.open(entry.archive) as tar:
            tar.extractall(tmp, filter="data")
            for index, path in enumerate(paths):
                source = Path(tmp) / f"p{index}"
                if not source.exists():
                    continue
                target = _resolve(path, workspace)
                target.parent.mkdir(parents=True, exist_ok=True)
                if source.is_dir():
                    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
                else:
                    shutil.copy2(source, target, follow_symlinks=False)

    def save(self, key: str, paths: Sequence[str], workspace: Path) -> CacheEntry | None:
        """Archive ``paths`` under ``key``; ``None`` if the key exists or no path exists."""
        if any(e.key == key for e in self.entries()):
            return None
        existing = [(i, _resolve(p, workspace)) for i, p in enumerate(paths)]
        existing = [(i, p) for i, p in existing if p.exists()]
        if not existing:
            return None
        name = hashlib.sha256(key.encode()).hexdigest()[:24] + ".tar"
        archive = self.root / name
        with tarfile.open(archive, "w") as tar:
            for index, path in existing:
                tar.add(path, arcname=f"p{index}")
        entry = CacheEntry(key, tuple(paths), archive, time.time(), archive.stat().st_size)
        rows = [
            {
                "key": e.key,
                "paths": list(e.paths),
                "archive": e.archive.name,
                "created": e.created,
                "size": e.size,
            }
            for e in [entry, *self.entries()]
        ]
        self._index.write_text(json.dumps(rows, indent=1))
        return entry


def _resolve(path: str, workspace: Path) -> Path:
    expanded = Path(path).expanduser()
    return expanded if expanded.is_absolute() else workspace / expanded
