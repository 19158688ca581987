"""The local stand-in for GitHub releases and attestations, and its ``gh`` commands.

References: ``gh``'s manual (release create/upload/download/view/list, attestation verify),
cli/cli's ``create.go`` (assets uploaded to a draft that is published after: one call) and
GitHub's immutable releases (``HTTP 422: Cannot upload assets to an immutable release.``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploybook.cicd.emulator.gh import ROOT_ENV, GitHubError, GitHubStore, main

REPO = "me/book"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitHubStore:
    monkeypatch.setenv(ROOT_ENV, str(tmp_path / "github"))
    monkeypatch.chdir(tmp_path)
    for name in ("a.tar.gz", "a.tar.gz.sha256", "b.tar.gz"):
        (tmp_path / name).write_text(name)
    return GitHubStore(tmp_path / "github")


def test_a_release_is_created_with_its_assets_in_one_call(store: GitHubStore) -> None:
    store.add_tag(REPO, "v1")
    assert main(["release", "create", "v1", "a.tar.gz", "a.tar.gz.sha256", "-R", REPO,
                 "--verify-tag", "--title", "v1"]) == 0  # fmt: skip
    assert [p.name for p in store.assets(REPO, "v1")] == ["a.tar.gz", "a.tar.gz.sha256"]


def test_the_old_create_then_upload_fails_on_an_immutable_release(
    store: GitHubStore, capsys: pytest.CaptureFixture[str]
) -> None:
    """What deploy.yml's archive job did before: create, then upload with --clobber."""
    store.add_tag(REPO, "v1")
    assert main(["release", "create", "v1", "-R", REPO, "--verify-tag"]) == 0
    assert main(["release", "upload", "v1", "a.tar.gz", "--clobber", "-R", REPO]) == 1
    assert "HTTP 422: Cannot upload assets to an immutable release." in capsys.readouterr().err
    assert store.assets(REPO, "v1") == []  # a tag with no archive to roll back to


def test_refusals(store: GitHubStore) -> None:
    with pytest.raises(GitHubError, match="doesn't exist in the repo"):
        store.create_release(REPO, "v9", [], verify_tag=True)
    store.create_release(REPO, "v1", ["a.tar.gz"])
    with pytest.raises(GitHubError, match="a release with the same tag name already exists: v1"):
        store.create_release(REPO, "v1", ["b.tar.gz"])
    with pytest.raises(GitHubError, match="no assets match the file pattern"):
        store.download(REPO, "v1", "out", ["*.zip"])
    with pytest.raises(GitHubError, match="release not found"):
        store.download(REPO, "v7", "out", [])


def test_download_takes_the_latest_release_without_a_tag(
    store: GitHubStore, capsys: pytest.CaptureFixture[str]
) -> None:
    store.create_release(REPO, "v1", ["a.tar.gz"])
    store.create_release(REPO, "v2", ["b.tar.gz"])
    assert main(["release", "download", "-R", REPO, "--dir", "got", "--pattern", "*.tar.gz"]) == 0
    assert sorted(p.name for p in Path("got").iterdir()) == ["b.tar.gz"]
    capsys.readouterr()
    assert main(["release", "list", "-R", REPO, "--json", "tagName", "--jq", ".[].tagName"]) == 0
    assert capsys.readouterr().out.split() == ["v2", "v1"]
    assert main(["release", "view", "v1", "-R", REPO, "--json", "tagName,isImmutable"]) == 0
    assert json.loads(capsys.readouterr().out) == {"tagName": "v1", "isImmutable": True}


def test_attestations_are_verified_by_digest_and_signer(
    store: GitHubStore, capsys: pytest.CaptureFixture[str]
) -> None:
    workflow = {"repository": REPO, "path": f"{REPO}/.github/workflows/deploy.yml"}
    store.attest(REPO, Path("a.tar.gz"), workflow)
    signer = ["--signer-workflow", f"{REPO}/.github/workflows/deploy.yml"]
    assert main(["attestation", "verify", "a.tar.gz", "-R", REPO, *signer]) == 0
    assert "Verification succeeded" in capsys.readouterr().out
    Path("a.tar.gz").write_text("tampered")
    assert main(["attestation", "verify", "a.tar.gz", "-R", REPO]) == 1
    assert "no attestations found for subject sha256:" in capsys.readouterr().err
    store.attest(REPO, Path("b.tar.gz"), {"repository": REPO, "path": f"{REPO}/x.yml"})
    assert main(["attestation", "verify", "b.tar.gz", "-R", REPO, *signer]) == 1
    assert "signer workflow" in capsys.readouterr().err


def test_without_a_store_gh_says_what_it_is(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(ROOT_ENV, raising=False)
    assert main(["release", "list", "-R", REPO]) == 1
    assert "local stand-in" in capsys.readouterr().err
