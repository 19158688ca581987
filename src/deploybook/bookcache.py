"""Keep the book's execution cache honest: a report re-runs when its code or data change.

Jupyter Book's cache (jupyter-cache) keys a notebook's outputs on the notebook's code cells
alone, so a change to the library or the data behind a report would leave stale outputs in
the book. Before each build, :func:`invalidate_stale` hashes every report's inputs (the
shared library modules, the dependency lock, the report's own package, data and other
listed paths) and drops the cached outputs of each report whose inputs changed since the
last build. A build with nothing changed keeps every cached notebook.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from jupyter_cache import get_cache

from deploybook.paths import project_root
from deploybook.reports import report_names

SHARED_INPUTS = ("src/deploybook/*.py", "requirements.lock")
REPORT_INPUTS: dict[str, tuple[str, ...]] = {
    "dlt_retraining": ("src/deploybook/retraining", "data/retraining"),
    "cicd_pipeline": (
        "src/deploybook/cicd",
        ".github",
        "Makefile",
        "book",
        "data/cicd",
        "pyproject.toml",
        "tests/unit/cicd/old_workflows",
    ),
    "payroll_rollout": ("src/deploybook/payroll", "data/payroll", "tests"),
    "ets_renewables": ("src/deploybook/ets", "data/ets"),
}
"""Paths (files, folders or globs, relative to the project root) each report depends on."""

DIGESTS_FILE = "deploybook-inputs.json"


def _files(pattern: str, root: Path) -> list[Path]:
    path = root / pattern
    found: Iterable[Path]
    if path.is_dir():
        found = path.rglob("*")
    elif path.exists():
        found = [path]
    else:
        found = root.glob(pattern)
    return sorted(p for p in found if p.is_file() and "__pycache__" not in p.parts)


def inputs_digest(report: str) -> str:
    """SHA-256 over the names and contents of every input file of ``report``."""
    root = project_root()
    # a report not listed depends on everything, so it is never served stale
    own = REPORT_INPUTS.get(report, ("src", "data"))
    digest = hashlib.sha256()
    for pattern in (*SHARED_INPUTS, *own):
        for path in _files(pattern, root):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def invalidate_stale(cache_dir: Path) -> list[str]:
    """Drop cached executions of reports whose inputs changed; return those reports."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    store = cache_dir / DIGESTS_FILE
    known: dict[str, str] = json.loads(store.read_text()) if store.exists() else {}
    current = {name: inputs_digest(name) for name in report_names()}
    stale = [name for name, digest in current.items() if known.get(name) != digest]
    cache = get_cache(str(cache_dir))
    for record in cache.list_cache_records():
        if Path(record.uri).stem in stale:
            cache.remove_cache(record.pk)
    store.write_text(json.dumps(current, indent=2, sort_keys=True))
    return stale
