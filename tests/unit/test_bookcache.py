"""deploybook.bookcache: cached report executions are dropped when their inputs change."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn

from deploybook import bookcache
from deploybook.paths import project_root, work_dir
from deploybook.reports import report_path


def _cache_report(cache_dir: Path, report: str) -> None:
    nb = nbformat.read(str(report_path(report)), as_version=4)
    bundle = CacheBundleIn(nb, str(report_path(report)))
    get_cache(str(cache_dir)).cache_notebook_bundle(bundle, check_validity=False)


def test_digest_changes_with_a_report_input(monkeypatch: pytest.MonkeyPatch) -> None:
    before = bookcache.inputs_digest("dlt_retraining")
    extra = work_dir("unit-test") / "extra.txt"
    extra.write_text("one")
    relative = str(extra.relative_to(project_root()))
    monkeypatch.setitem(bookcache.REPORT_INPUTS, "dlt_retraining", (relative,))
    first = bookcache.inputs_digest("dlt_retraining")
    extra.write_text("two")
    assert bookcache.inputs_digest("dlt_retraining") != first != before


def test_only_reports_with_changed_inputs_are_dropped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cache_dir = tmp_path / "cache"
    assert "dlt_retraining" in bookcache.invalidate_stale(cache_dir)  # first build: all new
    _cache_report(cache_dir, "dlt_retraining")
    assert bookcache.invalidate_stale(cache_dir) == []  # nothing changed: record kept
    assert len(get_cache(str(cache_dir)).list_cache_records()) == 1

    real = bookcache.inputs_digest
    monkeypatch.setattr(
        bookcache,
        "inputs_digest",
        lambda name: "edited" if name == "dlt_retraining" else real(name),
    )
    assert bookcache.invalidate_stale(cache_dir) == ["dlt_retraining"]
    assert get_cache(str(cache_dir)).list_cache_records() == []


def test_a_report_executed_before_the_build_is_what_the_build_reads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Reference: jupyter-cache's ``match_cache_notebook``, the lookup myst-nb makes before it
    would execute a notebook itself (myst_nb.core.execute.cache)."""
    source = tmp_path / "tiny.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Py"}
    nbformat.write(nb, str(source))
    monkeypatch.setattr(bookcache, "report_names", lambda: ["tiny"])
    monkeypatch.setattr(bookcache, "report_path", lambda name: source)
    cache_dir = tmp_path / "cache"

    assert list(bookcache.execute_missing(cache_dir)) == ["tiny"]  # papermill, IPC kernel
    record = get_cache(str(cache_dir)).match_cache_notebook(nbformat.read(str(source), 4))
    _, merged = get_cache(str(cache_dir)).merge_match_into_notebook(nbformat.read(str(source), 4))
    assert merged.cells[0].outputs[0]["text"] == "42\n"
    assert record.data["execution_seconds"] > 0
    assert bookcache.execute_missing(cache_dir) == {}  # cached: not executed again
