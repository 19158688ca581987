"""Keep the book's execution cache honest: a report re-runs when its code or data change.

Jupyter Book's cache (jupyter-cache) keys a notebook's outputs on the notebook's code cells
alone, so a change to the library or the data behind a report would leave stale outputs in
the book. Before each build, :func:`invalidate_stale` hashes every report's inputs (the
shared library modules, the dependency lock, the report's own package, data and other
listed paths) and drops the cached outputs of each report whose inputs changed since the
last build. A build with nothing changed keeps every cached notebook.

:func:`execute_missing` then executes each report the cache lacks the way ``deploybook run``
does (papermill, the kernel on Unix sockets, so no plain-TCP warning) and stores it in the
cache, so that the book build itself only reads the cache.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Iterable
from pathlib import Path
from tempfile import TemporaryDirectory

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from nbformat import NotebookNode

from deploybook.paths import project_root
from deploybook.reports import execute, report_names, report_path

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


def _outputs_into(source: NotebookNode, executed: NotebookNode) -> NotebookNode:
    """``source`` with the outputs of ``executed``: jupyter-cache matches a notebook by its
    code cells' source and metadata, and papermill adds timing metadata to every cell.
    """
    if len(source.cells) != len(executed.cells):
        raise RuntimeError("the executed notebook's cells do not match its source's")
    merged = copy.deepcopy(source)
    for cell, ran in zip(merged.cells, executed.cells, strict=True):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = ran.outputs, ran.execution_count
    if "language_info" in executed.metadata:
        merged.metadata["language_info"] = executed.metadata["language_info"]
    return merged


def execute_missing(cache_dir: Path) -> dict[str, float]:
    """Execute every report the cache has no match for, with its defaults as ``deploybook
    run`` does, and cache it; the seconds each took. A report that fails stops the build here.
    """
    cache = get_cache(str(cache_dir))
    seconds: dict[str, float] = {}
    for name in report_names():
        source = report_path(name)
        notebook = nbformat.read(str(source), as_version=4)
        try:
            cache.match_cache_notebook(notebook)
            continue
        except KeyError:
            pass
        print(f"executing {name} for the book", flush=True)
        with TemporaryDirectory() as tmp:
            target = Path(tmp) / source.name
            started = time.perf_counter()
            execute(source, target, {}, kernel="python3")
            seconds[name] = time.perf_counter() - started
            executed = _outputs_into(notebook, nbformat.read(str(target), as_version=4))
        bundle = CacheBundleIn(executed, str(source), data={"execution_seconds": seconds[name]})
        cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
    return seconds
