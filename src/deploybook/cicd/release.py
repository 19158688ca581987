"""Release archives of the built book: a ``.tar.gz`` with a manifest and a SHA-256 checksum.

The build job archives ``_build/html`` once; staging, production and any later rollback
deploy those same bytes, after checking them against the ``.sha256`` file (written in
``sha256sum`` format, so ``sha256sum --check`` verifies it on a runner with no Python).
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx_external_toc.parsing import parse_toc_yaml

MANIFEST = "release.json"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class ReleaseError(ValueError):
    """A release that is malformed, fails its checksum, or has a bad id."""


@dataclass(frozen=True)
class Release:
    """An archived build: id, archive path, SHA-256 of the archive, pages of its TOC."""

    id: str
    archive: Path
    sha256: str
    pages: tuple[str, ...]


def release_id(ref_name: str, sha: str) -> str:
    """An id from a git ref name and commit (``v1.2.0`` + ``abc1234...`` -> ``v1.2.0-abc1234``)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", ref_name).strip("-.") or "ref"
    return check_id(f"{name}-{sha[:7]}" if sha else name)


def check_id(value: str) -> str:
    """``value`` if it is a valid release id (letters, digits, ``._-``), else a clear error."""
    if not _ID.match(value):
        raise ReleaseError(
            f"invalid release id {value!r}: use letters, digits, '.', '_' or '-' (at most 100)"
        )
    return value


def toc_pages(toc: str | Path) -> list[str]:
    """The HTML pages a Jupyter Book TOC produces, root first (``book/intro.html``, ...)."""
    site_map = parse_toc_yaml(str(toc))
    return [f"{docname}.html" for docname in site_map]


def archive_site(
    html_dir: str | Path, toc: str | Path, rid: str, out_dir: str | Path, *, commit: str = ""
) -> Release:
    """Write ``release.json`` into the site and archive it as ``<out_dir>/<rid>.tar.gz``.

    The manifest lists the TOC's pages (the smoke test checks each one) plus ``index.html``;
    a page missing from the build is an error here, before anything is deployed.
    """
    html_dir, out_dir = Path(html_dir), Path(out_dir)
    check_id(rid)
    pages = ["index.html", *toc_pages(toc)]
    missing = [page for page in pages if not (html_dir / page).is_file()]
    if missing:
        raise ReleaseError(
            f"{html_dir} lacks page(s) of the table of contents: {', '.join(missing)}"
        )
    manifest = {"id": rid, "commit": commit, "created": time.time(), "pages": pages}
    (html_dir / MANIFEST).write_text(json.dumps(manifest, indent=2))
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / f"{rid}.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        for path in sorted(p for p in html_dir.rglob("*") if p.is_file()):
            tar.add(path, arcname=str(path.relative_to(html_dir)), filter=_normalise)
    digest = sha256_file(archive)
    checksum_file(archive).write_text(f"{digest}  {archive.name}\n")
    return Release(rid, archive, digest, tuple(pages))


def _normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def checksum_file(archive: Path) -> Path:
    """Where an archive's checksum lives: next to it, with ``.sha256`` appended."""
    return archive.with_name(archive.name + ".sha256")


def verify(archive: str | Path) -> str:
    """Check an archive against its ``.sha256`` file; return the digest or raise."""
    archive = Path(archive)
    sums = checksum_file(archive)
    if not archive.is_file():
        raise ReleaseError(f"release archive not found: {archive}")
    if not sums.is_file():
        raise ReleaseError(f"{archive.name} has no checksum file {sums.name}; refusing to deploy")
    expected = sums.read_text().split()[0] if sums.read_text().split() else ""
    actual = sha256_file(archive)
    if actual != expected:
        raise ReleaseError(
            f"{archive.name} fails its checksum: expected {expected or '(empty)'}, got {actual}"
        )
    return actual


def unpack(archive: str | Path, dest: str | Path) -> dict[str, Any]:
    """Verify and extract an archive into ``dest``; return its manifest."""
    archive, dest = Path(archive), Path(dest)
    verify(archive)
    dest.mkdir(parents=True, exist_ok=False)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    return read_manifest(dest)


def read_manifest(site: str | Path) -> dict[str, Any]:
    """The ``release.json`` of an unpacked site."""
    path = Path(site) / MANIFEST
    if not path.is_file():
        raise ReleaseError(f"{site} has no {MANIFEST}: not a release built by deploybook")
    manifest = json.loads(path.read_text())
    check_id(str(manifest.get("id", "")))
    return manifest
