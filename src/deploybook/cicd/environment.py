"""A deployment environment on disk: ``releases/<id>/`` side by side, two slots, one live.

Blue/green in one folder: a new release is unpacked next to the live one and put in the
idle slot (``candidate``, a relative symlink served at a URL of its own), where it is
smoke-tested while ``current`` keeps serving the live release; only then is ``current``
replaced in one ``rename(2)``, so a web server that resolves ``current`` per request serves
either the old release or the new one, never nothing. Every publish, staging, switch and
verdict is appended to ``history.jsonl``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from deploybook.cicd.release import ReleaseError, check_id, read_manifest, unpack


class Environment:
    """One environment (``staging``, ``production``...) rooted at a folder."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.name = self.root.name
        self.releases_dir = self.root / "releases"
        self.current_link = self.root / "current"
        self.candidate_link = self.root / "candidate"
        self.history_file = self.root / "history.jsonl"
        self.releases_dir.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------------ state

    def current(self) -> str | None:
        """The live release id, or None before the first switch."""
        if not self.current_link.is_symlink():
            return None
        return Path(os.readlink(self.current_link)).name

    def candidate(self) -> str | None:
        """The release in the idle slot, or None."""
        if not self.candidate_link.is_symlink():
            return None
        return Path(os.readlink(self.candidate_link)).name

    def releases(self) -> list[str]:
        """Release ids on disk, oldest publish first."""
        published = [e["release"] for e in self.history() if e["event"] == "published"]
        order = {rid: i for i, rid in enumerate(published)}
        present = [p.name for p in self.releases_dir.iterdir() if p.is_dir()]
        return sorted(present, key=lambda rid: order.get(rid, -1))

    def history(self) -> list[dict[str, Any]]:
        """Every recorded event, oldest first."""
        if not self.history_file.exists():
            return []
        return [json.loads(line) for line in self.history_file.read_text().splitlines() if line]

    def record(self, event: str, release: str | None, **details: Any) -> dict[str, Any]:
        """Append an event (``published``, ``switched``, ``healthy``, ``failed``...)."""
        entry = {"t": time.time(), "environment": self.name, "event": event, "release": release}
        entry.update(details)
        with self.history_file.open("a") as handle:
            handle.write(json.dumps(entry) + "\n")
        return entry

    def last_healthy(self, exclude: str | None = None) -> str | None:
        """The most recent release that passed its smoke test and is still on disk."""
        present = set(self.releases())
        for entry in reversed(self.history()):
            rid = entry["release"]
            if entry["event"] == "healthy" and rid != exclude and rid in present:
                return rid
        return None

    def rollback_target(self, failed: str | None = None) -> str | None:
        """Where a rollback from ``failed`` (default: the live release) goes: the last
        release but that one to pass its smoke test, if it is still on disk."""
        return self.last_healthy(exclude=failed or self.current())

    # ------------------------------------------------------------------ changes

    def publish(self, archive: str | Path) -> str:
        """Verify and unpack a release archive into ``releases/<id>/``; return the id.

        Publishing an id that is already on disk reuses it (a rollback redeploys the same
        bytes), provided the checksum still matches.
        """
        with tempfile.TemporaryDirectory(dir=self.root) as tmp:
            staged = Path(tmp) / "site"
            manifest = unpack(archive, staged)
            rid = manifest["id"]
            target = self.releases_dir / rid
            if not target.exists():
                staged.rename(target)
        self.record("published", rid, archive=str(archive))
        return rid

    def publish_directory(self, site: str | Path, rid: str) -> str:
        """Copy an unpacked site into ``releases/<rid>/`` (what a Pages deployment receives)."""
        check_id(rid)
        target = self.releases_dir / rid
        if target.exists():
            raise ReleaseError(f"{self.name}: release {rid!r} is already on disk")
        with tempfile.TemporaryDirectory(dir=self.root) as tmp:
            staged = Path(tmp) / "site"
            shutil.copytree(site, staged)
            staged.rename(target)
        self.record("published", rid, source=str(site))
        return rid

    def _point(self, link: Path, rid: str) -> None:
        target = self.releases_dir / rid
        if not target.is_dir():
            raise ReleaseError(f"{self.name}: no release {rid!r} on disk (have: {self.releases()})")
        read_manifest(target)
        temporary = self.root / f".{link.name}-{os.getpid()}-{time.monotonic_ns()}"
        temporary.symlink_to(Path("releases") / rid)
        os.replace(temporary, link)

    def stage(self, rid: str) -> float:
        """Put a release in the idle slot (``candidate``); the live one is not touched."""
        self._point(self.candidate_link, rid)
        staged = time.time()
        self.record("staged", rid, live=self.current(), t=staged)
        return staged

    def switch(self, rid: str) -> float:
        """Point ``current`` at a release atomically; return the wall-clock time of the switch."""
        previous = self.current()
        self._point(self.current_link, rid)
        switched = time.time()
        self.record("switched", rid, previous=previous, t=switched)
        return switched

    def prune(self, keep: int) -> list[str]:
        """Delete all but the ``keep`` newest releases; never the live one, the last healthy
        one, nor the one a rollback of the live release would return to."""
        if keep < 1:
            raise ValueError(f"keep must be at least 1, got {keep}")
        protected = {self.current(), self.candidate(), self.last_healthy(), self.rollback_target()}
        removed = []
        for rid in self.releases()[:-keep]:
            if rid not in protected:
                shutil.rmtree(self.releases_dir / rid)
                removed.append(rid)
        if removed:
            self.record("pruned", None, removed=removed)
        return removed
