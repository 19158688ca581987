"""A local stand-in for a workflow run's artifact storage (``upload-artifact`` v4 semantics).

Each artifact is a folder ``<root>/<name>/``. Uploaded files keep their paths relative to
the least common ancestor of everything the ``path`` input matched; a name can be
uploaded once per run.
"""

from __future__ import annotations

import glob
import os
import shutil
from collections.abc import Sequence
from pathlib import Path


class ArtifactError(ValueError):
    """An upload that matched no file, a duplicate name, or a download of a missing artifact."""


class ArtifactStore:
    """The artifacts of one run, under ``root``."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def names(self) -> list[str]:
        """The uploaded artifacts' names."""
        return sorted(p.name for p in self.root.iterdir() if p.is_dir())

    def upload(
        self,
        name: str,
        patterns: Sequence[str],
        workspace: Path,
        *,
        if_no_files_found: str = "warn",
    ) -> list[Path]:
        """Copy the files ``patterns`` match (``!pattern`` excludes) into artifact ``name``."""
        if not name or "/" in name or name in (".", ".."):
            raise ArtifactError(f"invalid artifact name {name!r}")
        target = self.root / name
        if target.exists():
            raise ArtifactError(f"an artifact named {name!r} was already uploaded in this run")
        files, roots = _match(patterns, workspace)
        if not files:
            message = f"upload-artifact {name!r}: no files found for path {list(patterns)}"
            if if_no_files_found == "error":
                raise ArtifactError(message)
            return []
        base = Path(os.path.commonpath([str(r) for r in roots]))
        if base in files:  # a single file: keep its name
            base = base.parent
        for file in files:
            dest = target / file.relative_to(base)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, dest)
        return [target / f.relative_to(base) for f in files]

    def download(self, name: str | None, dest: Path) -> list[Path]:
        """Copy artifact ``name`` into ``dest`` (every artifact into ``dest/<name>`` if None)."""
        if name is None:
            return [f for n in self.names() for f in self.download(n, dest / n)]
        source = self.root / name
        if not source.is_dir():
            shown = ", ".join(self.names()) or "none"
            raise ArtifactError(f"no artifact named {name!r} in this run (uploaded: {shown})")
        shutil.copytree(source, dest, dirs_exist_ok=True)
        return sorted(dest / p.relative_to(source) for p in source.rglob("*") if p.is_file())


def _match(patterns: Sequence[str], workspace: Path) -> tuple[list[Path], list[Path]]:
    included: list[Path] = []
    roots: list[Path] = []
    excluded: set[Path] = set()
    for pattern in patterns:
        negate = pattern.startswith("!")
        raw = Path(pattern[1:] if negate else pattern).expanduser()
        full = raw if raw.is_absolute() else workspace / raw
        hits = [Path(h) for h in glob.glob(str(full), recursive=True)]
        files = [f for h in hits for f in ([h] if h.is_file() else h.rglob("*")) if f.is_file()]
        if negate:
            excluded.update(files)
        else:
            included.extend(files)
            roots.extend(hits)
    files = sorted({f for f in included if f not in excluded})
    return files, roots
