"""The small book assembled from the project's own pages."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from deploybook.cicd.emulator.hashing import hash_files
from deploybook.cicd.minibook import build_source
from deploybook.cicd.release import toc_pages


def test_sources_are_a_complete_book_repository(tmp_path: Path) -> None:
    root = build_source(tmp_path / "book")
    assert toc_pages(root / "_toc.yml") == [
        "book/intro.html",
        "notebooks/figure.html",
        "book/data.html",
        "book/execution.html",
        "book/bibliography.html",
    ]
    assert (root / ".github" / "workflows" / "book.yml").is_file()
    assert "deploybook.book" in (root / "_config.yml").read_text()
    notebook = nbformat.read(str(root / "notebooks" / "figure.ipynb"), as_version=4)
    assert "fig.show()" in notebook.cells[1].source


def test_identical_sources_hash_identically(tmp_path: Path) -> None:
    first, second = build_source(tmp_path / "a"), build_source(tmp_path / "b")
    pattern = ["notebooks/**/*.ipynb", "requirements.lock"]
    assert hash_files(first, pattern) == hash_files(second, pattern) != ""


def test_defects(tmp_path: Path) -> None:
    no_ext = build_source(tmp_path / "a", "no-offline-extension")
    assert "deploybook.book" not in (no_ext / "_config.yml").read_text()
    dead = build_source(tmp_path / "b", "dead-link")
    assert "retired-page.html" in (dead / "book" / "intro.md").read_text()
    assert (dead / "notebooks" / "figure.ipynb").read_text() == (
        no_ext / "notebooks" / "figure.ipynb"
    ).read_text()
    with pytest.raises(ValueError, match="unknown defect 'typo'"):
        build_source(tmp_path / "c", "typo")
