"""deploy.yml's rollback by workflow_dispatch, run end to end through the local runner.

Reference: GitHub's documentation of manually run workflows (``workflow_dispatch`` inputs),
of reusable workflows (``rollback.yml`` calling ``pages.yml``) and ``gh``'s own commands;
the runner, the local actions and the ``gh`` stand-in act on folders (the GitHub store, the
Pages environment served under ``/deploybook``) instead of github.com.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from deploybook.cicd.deployment import served_release
from deploybook.cicd.emulator.gh import GitHubStore
from deploybook.cicd.emulator.results import Event
from deploybook.cicd.emulator.runner import LocalRunner
from deploybook.cicd.environment import Environment
from deploybook.cicd.minibook import build_source
from deploybook.cicd.release import archive_site, checksum_file
from deploybook.cicd.server import SiteServer

REPO = "local/deploybook"
SiteMaker = Callable[..., Path]


@pytest.fixture
def published(make_site: SiteMaker, toc: Path, tmp_path: Path) -> tuple[GitHubStore, Environment]:
    """Two GitHub releases (archive and checksum, attested by deploy.yml), v0.2.0 live."""
    store = GitHubStore(tmp_path / "github")
    pages = Environment(tmp_path / "pages")
    for tag in ("v0.1.0", "v0.2.0"):
        rid = f"{tag}-abc1234"
        release = archive_site(make_site(rid), toc, rid, tmp_path / "out" / tag)
        workflow = {"repository": REPO, "path": f"{REPO}/.github/workflows/deploy.yml"}
        store.attest(REPO, release.archive, workflow)
        store.add_tag(REPO, tag)
        store.create_release(REPO, tag, [release.archive, checksum_file(release.archive)])
        pages.publish(release.archive)
    pages.switch("v0.2.0-abc1234")
    return store, pages


def _dispatch(tmp_path: Path, store: GitHubStore, pages: Environment, tag: str, url: str):
    runner = LocalRunner(
        build_source(tmp_path / f"checkout-{tag}"),
        work_dir=tmp_path / "work",
        github_root=store.root,
        pages_root=pages.root,
        pages_url=url,
    )
    return runner.run("deploy.yml", Event("workflow_dispatch", inputs={"rollback-to": tag}))


def test_a_rollback_by_dispatch_publishes_the_earlier_release_and_verifies_it(
    published: tuple[GitHubStore, Environment], tmp_path: Path
) -> None:
    store, pages = published
    with SiteServer(pages.current_link, prefix="/deploybook") as server:
        assert served_release(server.url) == "v0.2.0-abc1234"
        result = _dispatch(tmp_path, store, pages, "v0.1.0", server.url)
        served = served_release(server.url)
    ran = [job.id for job in result.jobs if job.result != "skipped"]
    assert result.result == "success", "\n".join(job.log() for job in result.jobs)
    assert ran == [
        "rollback/fetch",
        "rollback/publish/publish",
        "rollback/publish",
        "rollback/verify",
        "rollback",
    ]
    assert served == "v0.1.0-abc1234"
    fetch = result.job("rollback/fetch")
    assert any("OK" in line for line in fetch.steps[0].log)  # sha256sum --check
    assert "Verification succeeded" in result.job("rollback/publish/publish").log()
    assert "release v0.1.0-abc1234: passed" in result.job("rollback/verify").log()


def test_a_release_without_its_attestation_is_not_published(
    published: tuple[GitHubStore, Environment], tmp_path: Path
) -> None:
    """An archive whose digest no deploy.yml run attested (here: a release made by hand) is
    refused by pages.yml before anything is written to Pages."""
    store, pages = published
    rid = "v0.3.0-abc1234"
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html>made by hand</html>")
    toc = tmp_path / "toc.yml"
    toc.write_text("format: jb-book\nroot: index\n")
    release = archive_site(site, toc, rid, tmp_path / "out" / "v0.3.0")
    store.add_tag(REPO, "v0.3.0")
    store.create_release(REPO, "v0.3.0", [release.archive, checksum_file(release.archive)])
    with SiteServer(pages.current_link, prefix="/deploybook") as server:
        result = _dispatch(tmp_path, store, pages, "v0.3.0", server.url)
    publish = result.job("rollback/publish/publish")
    assert publish.result == "failure"
    assert "no attestations found for subject" in publish.log()
    assert pages.current() == "v0.2.0-abc1234"
    assert result.job("rollback/verify").result == "skipped"
