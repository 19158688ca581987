"""The local cache store, artifact store and hashFiles."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from deploybook.cicd.emulator.artifact_store import ArtifactError, ArtifactStore
from deploybook.cicd.emulator.cache_store import CacheStore
from deploybook.cicd.emulator.hashing import hash_files, matched_files


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / "a" / "deep").mkdir(parents=True)
    (ws / "a" / "one.txt").write_text("1")
    (ws / "a" / "deep" / "two.txt").write_text("2")
    (ws / "top.cfg").write_text("cfg")
    return ws


def test_hash_files_globs_and_negation(workspace: Path) -> None:
    assert [p.name for p in matched_files(workspace, ["a/**/*.txt"])] == ["two.txt", "one.txt"]
    assert [p.name for p in matched_files(workspace, ["**/*.txt", "!a/deep/**"])] == ["one.txt"]
    first = hash_files(workspace, ["a/**"])
    assert len(first) == 64
    assert hash_files(workspace, ["a/**"]) == first
    (workspace / "a" / "one.txt").write_text("changed")
    assert hash_files(workspace, ["a/**"]) != first
    assert hash_files(workspace, ["nothing/*"]) == ""
    (workspace.parent / "outside.txt").write_text("not in the workspace")
    assert hash_files(workspace, ["../*.txt"]) == ""  # never outside the workspace


def _names(workspace: Path, patterns: list[str]) -> list[str]:
    return [p.relative_to(workspace).as_posix() for p in matched_files(workspace, patterns)]


HASH_PATTERNS = [
    # (patterns, files in the order hashFiles reads them) -- @actions/glob semantics
    (["a"], ["a/deep/two.txt", "a/one.txt"]),  # a folder stands for every file below it
    (["**/*.cfg"], [".hidden/x.cfg", "top.cfg"]),  # wildcards match hidden files too
    (["top.cfg", "a/**"], ["top.cfg", "a/deep/two.txt", "a/one.txt"]),  # pattern order
    (["a/deep/*", "a/**"], ["a/deep/two.txt", "a/one.txt"]),  # a/deep is walked inside a/
    (["**", "!a/**", "a/one.txt"], [".hidden/x.cfg", "a/one.txt", "top.cfg"]),  # last wins
    (["# a comment", "  top.cfg  ", ""], ["top.cfg"]),  # one pattern per line, trimmed
    (["A/*.txt"], []),  # case-sensitive on Linux
]


@pytest.mark.parametrize(("patterns", "expected"), HASH_PATTERNS)
def test_hash_files_matches_like_actions_glob(
    workspace: Path, patterns: list[str], expected: list[str]
) -> None:
    (workspace / ".hidden").mkdir()
    (workspace / ".hidden" / "x.cfg").write_text("hidden")
    assert _names(workspace, patterns) == expected


def test_hash_files_is_the_sha256_of_each_files_sha256_in_order(workspace: Path) -> None:
    digests = b"".join(
        hashlib.sha256((workspace / name).read_bytes()).digest()
        for name in ("top.cfg", "a/deep/two.txt", "a/one.txt")
    )
    assert hash_files(workspace, ["top.cfg", "a/**"]) == hashlib.sha256(digests).hexdigest()
    assert hash_files(workspace, ["a/**", "top.cfg"]) != hash_files(workspace, ["top.cfg", "a"])


def test_cache_exact_and_prefix_restore(workspace: Path, tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache")
    assert store.find("k-1", [], ["a"]) is None
    entry = store.save("k-1", ["a", "top.cfg"], workspace)
    assert entry is not None
    assert store.save("k-1", ["a"], workspace) is None  # never overwritten
    time.sleep(0.01)
    store.save("k-2", ["a", "top.cfg"], workspace)
    assert store.find("k-1", ["k-"], ["a", "top.cfg"]).key == "k-1"
    assert store.find("k-9", ["k-"], ["a", "top.cfg"]).key == "k-2"  # newest prefix match
    assert store.find("k-1", [], ["a"]) is None  # other paths, other cache
    (workspace / "a" / "one.txt").write_text("local edit")
    (workspace / "a" / "not-cached.txt").write_text("mine")
    (workspace / "top.cfg").unlink()
    store.restore(entry, ["a", "top.cfg"], workspace)
    assert (workspace / "a" / "one.txt").read_text() == "1"
    # like tar -x in actions/cache: what the cache does not hold is left alone
    assert (workspace / "a" / "not-cached.txt").read_text() == "mine"
    assert (workspace / "a" / "deep" / "two.txt").read_text() == "2"
    assert (workspace / "top.cfg").read_text() == "cfg"
    assert store.save("k-3", ["missing"], workspace) is None


def test_artifacts_keep_paths_below_the_common_ancestor(workspace: Path, tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "artifacts")
    files = store.upload("docs", ["a/"], workspace)
    assert sorted(str(f.relative_to(store.root / "docs")) for f in files) == [
        "deep/two.txt",
        "one.txt",
    ]
    store.upload("single", ["top.cfg"], workspace)
    assert (store.root / "single" / "top.cfg").is_file()
    store.upload("filtered", ["a/**/*.txt", "!a/deep/*"], workspace)
    assert [p.name for p in (store.root / "filtered").rglob("*.txt")] == ["one.txt"]
    assert store.names() == ["docs", "filtered", "single"]
    got = store.download("docs", tmp_path / "out")
    assert (tmp_path / "out" / "deep" / "two.txt").read_text() == "2"
    assert len(got) == 2
    everything = store.download(None, tmp_path / "all")
    assert (tmp_path / "all" / "single" / "top.cfg").is_file()
    assert len(everything) == 4


@pytest.mark.parametrize(
    ("name", "patterns", "option", "message"),
    [
        ("docs", ["nothing/*"], "error", "no files found"),
        ("bad/name", ["a"], "warn", "invalid artifact name"),
    ],
)
def test_artifact_errors(
    workspace: Path, tmp_path: Path, name: str, patterns: list[str], option: str, message: str
) -> None:
    store = ArtifactStore(tmp_path / "artifacts")
    with pytest.raises(ArtifactError, match=message):
        store.upload(name, patterns, workspace, if_no_files_found=option)


def test_artifact_duplicates_and_missing(workspace: Path, tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "artifacts")
    assert store.upload("x", ["nothing/*"], workspace) == []
    store.upload("docs", ["a"], workspace)
    with pytest.raises(ArtifactError, match="already uploaded"):
        store.upload("docs", ["a"], workspace)
    with pytest.raises(
        ArtifactError, match="no artifact named 'nope' in this run \\(uploaded: docs\\)"
    ):
        store.download("nope", tmp_path / "out")
