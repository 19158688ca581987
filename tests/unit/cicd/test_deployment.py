"""Releases, blue/green environments, the browser smoke test and automatic rollback, for real."""

from __future__ import annotations

import json
import tarfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from deploybook.cicd.deployment import (
    DeploymentError,
    deploy,
    rollback,
    served_release,
    wait_until_served,
)
from deploybook.cicd.environment import Environment
from deploybook.cicd.probes import Prober, during, probe
from deploybook.cicd.release import (
    ReleaseError,
    archive_site,
    check_id,
    read_manifest,
    release_id,
    toc_pages,
    unpack,
    verify,
)
from deploybook.cicd.server import SiteServer
from deploybook.cicd.smoke import SmokeError, chromium_path, smoke_test

SiteMaker = Callable[..., Path]


def _release(
    make_site: SiteMaker, toc: Path, out: Path, rid: str, defect: str | None = None
) -> Path:
    return archive_site(make_site(rid, defect), toc, rid, out).archive


def test_release_ids() -> None:
    assert release_id("v1.2.0", "abcdef1234567") == "v1.2.0-abcdef1"
    assert release_id("feature/x y", "") == "feature-x-y"
    assert release_id("///", "") == "ref"
    with pytest.raises(ReleaseError, match=r"invalid release id '\.\./etc'"):
        check_id("../etc")


def test_toc_pages(toc: Path) -> None:
    assert toc_pages(toc) == ["page.html", "other.html"]


def test_archive_checksum_and_unpack(make_site: SiteMaker, toc: Path, tmp_path: Path) -> None:
    release = archive_site(make_site("r1"), toc, "r1", tmp_path / "out", commit="abc")
    assert release.pages == ("index.html", "page.html", "other.html")
    sums = (tmp_path / "out" / "r1.tar.gz.sha256").read_text()
    assert sums == f"{release.sha256}  r1.tar.gz\n"  # sha256sum --check format
    assert verify(release.archive) == release.sha256
    manifest = unpack(release.archive, tmp_path / "site")
    assert manifest["id"] == "r1"
    assert manifest["commit"] == "abc"
    assert (tmp_path / "site" / "plotly.min.js").is_file()


def test_tampered_or_unchecked_archives_are_refused(
    make_site: SiteMaker, toc: Path, tmp_path: Path
) -> None:
    release = archive_site(make_site("r1"), toc, "r1", tmp_path / "out")
    with release.archive.open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ReleaseError, match=r"r1\.tar\.gz fails its checksum: expected"):
        verify(release.archive)
    (tmp_path / "out" / "r1.tar.gz.sha256").unlink()
    with pytest.raises(ReleaseError, match="has no checksum file"):
        verify(release.archive)
    with pytest.raises(ReleaseError, match="not found"):
        verify(tmp_path / "none.tar.gz")


def test_a_build_missing_a_toc_page_is_not_archived(
    make_site: SiteMaker, toc: Path, tmp_path: Path
) -> None:
    site = make_site("r1")
    (site / "other.html").unlink()
    with pytest.raises(
        ReleaseError, match=r"lacks page\(s\) of the table of contents: other\.html"
    ):
        archive_site(site, toc, "r1", tmp_path / "out")


def test_manifest_is_required(tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match=r"has no release\.json"):
        read_manifest(tmp_path)


def test_environment_switches_atomically_and_prunes(
    make_site: SiteMaker, toc: Path, tmp_path: Path
) -> None:
    env = Environment(tmp_path / "staging")
    assert env.current() is None
    for n in (1, 2, 3):
        rid = env.publish(_release(make_site, toc, tmp_path / "out", f"r{n}"))
        env.switch(rid)
        env.record("healthy", rid)
    assert env.current() == "r3"
    assert (env.root / "current").resolve() == (env.releases_dir / "r3").resolve()
    assert env.releases() == ["r1", "r2", "r3"]
    assert env.prune(keep=2) == ["r1"]
    assert env.releases() == ["r2", "r3"]
    assert [e["event"] for e in env.history()][-1] == "pruned"
    with pytest.raises(ReleaseError, match="no release 'r1' on disk"):
        env.switch("r1")
    with pytest.raises(ValueError, match="keep must be at least 1"):
        env.prune(0)
    with pytest.raises(ReleaseError, match="already on disk"):
        env.publish_directory(env.releases_dir / "r3", "r3")


def test_prune_never_removes_the_live_or_last_healthy_release(
    make_site: SiteMaker, toc: Path, tmp_path: Path
) -> None:
    env = Environment(tmp_path / "prod")
    for n in (1, 2, 3):
        env.publish(_release(make_site, toc, tmp_path / "out", f"r{n}"))
    env.switch("r1")
    env.record("healthy", "r1")
    assert env.prune(keep=1) == ["r2"]
    assert env.releases() == ["r1", "r3"]


def test_prune_keeps_the_release_a_rollback_would_return_to(
    make_site: SiteMaker, toc: Path, tmp_path: Path
) -> None:
    env = Environment(tmp_path / "prod")
    for n in (1, 2, 3):
        rid = env.publish(_release(make_site, toc, tmp_path / "out", f"r{n}"))
        env.switch(rid)
        env.record("healthy", rid)
    assert env.rollback_target() == "r2"
    assert env.prune(keep=1) == ["r1"]  # r2 stays: without it no rollback is possible
    assert env.releases() == ["r2", "r3"]
    assert env.rollback_target() == "r2"


def test_smoke_test_passes_a_good_release(make_site: SiteMaker, toc: Path, tmp_path: Path) -> None:
    env = Environment(tmp_path / "env")
    env.switch(env.publish(_release(make_site, toc, tmp_path / "out", "good")))
    with SiteServer(env.current_link) as server:
        report = smoke_test(server.url)
    assert report.ok, report.failures
    assert report.release == "good"
    assert [p.path for p in report.pages] == ["index.html", "page.html", "other.html"]
    assert report.figures == 1
    assert report.pages[1].figures_drawn == 1
    assert report.pages[1].links_checked >= 2


@pytest.mark.parametrize(
    ("defect", "expected"),
    [
        (
            "no-plotly",
            [
                "HTTP 404 for /plotly.min.js",
                "script error: Plotly is not defined",
                "1 of 1 plotly figure(s) not drawn",
            ],
        ),
        ("dead-link", ["broken link", "gone.html (HTTP 404)"]),
    ],
)
def test_smoke_test_catches_defects(
    make_site: SiteMaker, toc: Path, tmp_path: Path, defect: str, expected: list[str]
) -> None:
    env = Environment(tmp_path / "env")
    env.switch(env.publish(_release(make_site, toc, tmp_path / "out", "bad", defect)))
    with SiteServer(env.current_link) as server:
        report = smoke_test(server.url)
    assert not report.ok
    text = "\n".join(report.failures)
    for fragment in expected:
        assert fragment in text


def test_smoke_test_catches_a_missing_fragment_and_a_missing_page(
    make_site: SiteMaker, tmp_path: Path
) -> None:
    site = make_site("s")
    (site / "other.html").write_text("<html><body>no anchor</body></html>")
    with SiteServer(site) as server:
        report = smoke_test(server.url, pages=["page.html", "missing.html"])
    text = "\n".join(report.failures)
    assert "no element with id 'section'" in text
    assert "missing.html: page answered HTTP 404" in text
    assert report.release is None


def test_smoke_test_needs_a_release(tmp_path: Path) -> None:
    with (
        SiteServer(tmp_path) as server,
        pytest.raises(SmokeError, match=r"release\.json is missing"),
    ):
        smoke_test(server.url)


def test_missing_chromium_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPLOYBOOK_CHROMIUM", "/nonexistent/chrome")
    with pytest.raises(SmokeError, match="Chromium not found at /nonexistent/chrome"):
        chromium_path()


def test_a_broken_release_is_rejected_in_the_idle_slot_and_never_served(
    make_site: SiteMaker, toc: Path, tmp_path: Path
) -> None:
    """Blue/green (Fowler, "BlueGreenDeployment": the new version is tested in the idle
    environment before the router switches to it): the broken release is smoke-tested at
    its own URL, no probe of the live URL is ever answered by it, and the live release is
    untouched."""
    out = tmp_path / "out"
    env = Environment(tmp_path / "staging")
    with SiteServer(env.current_link) as live, SiteServer(env.candidate_link) as idle:
        first = deploy(env, _release(make_site, toc, out, "r1"), live.url, idle.url, keep=2)
        assert first.status == "live"
        with Prober(live.url, interval=0.005, page="page.html") as prober:
            broken = deploy(
                env, _release(make_site, toc, out, "r2", "no-plotly"), live.url, idle.url
            )
        assert served_release(live.url) == "r1"
        assert served_release(idle.url) == "r2"  # still there to inspect
    assert (broken.status, broken.previous, broken.switched_at) == ("rejected", "r1", None)
    assert any("not drawn" in f for f in broken.failures)
    window = during(prober.probes, broken.staged_at, broken.verdict_at)
    assert len(window) >= 5
    assert {p.status for p in prober.probes} == {200}
    assert {r for p in prober.probes for r in p.releases} == {"r1"}
    assert env.current() == "r1"
    events = [e["event"] for e in env.history()]
    assert events[-3:] == ["published", "staged", "failed"]


def test_a_good_release_is_switched_in_only_after_its_smoke_test(
    make_site: SiteMaker, toc: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    env = Environment(tmp_path / "staging")
    with SiteServer(env.current_link) as live, SiteServer(env.candidate_link) as idle:
        first = deploy(env, _release(make_site, toc, out, "r1", "dead-link"), live.url, idle.url)
        assert (first.status, env.current()) == ("rejected", None)  # nothing was ever live
        outcome = deploy(env, _release(make_site, toc, out, "r2"), live.url, idle.url)
        assert served_release(live.url) == "r2"
    assert outcome.status == "live"
    assert outcome.staged_at < outcome.verdict_at <= outcome.switched_at
    events = [e["event"] for e in env.history() if e["release"] == "r2"]
    assert events == ["published", "staged", "healthy", "switched"]


def test_manual_rollback_to_an_earlier_release(
    make_site: SiteMaker, toc: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    env = Environment(tmp_path / "prod")
    with SiteServer(env.current_link) as server, SiteServer(env.candidate_link) as idle:
        for rid in ("r1", "r2"):
            outcome = deploy(env, _release(make_site, toc, out, rid), server.url, idle.url)
            assert outcome.status == "live"
        seconds = rollback(env, server.url)
        assert served_release(server.url) == "r1"
        assert seconds < 5
        with pytest.raises(DeploymentError, match="no earlier healthy release"):
            rollback(Environment(tmp_path / "empty"), server.url)


def test_waiting_backs_off_and_stops_at_the_deadline() -> None:
    """Polling doubles its wait up to a ceiling and never sleeps past the deadline: 600 s
    of waiting for a release that never comes is 127 polls (7 doubling waits from 0.05 s,
    then 5 s each), not 120,000 (one every 5 ms)."""
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    with pytest.raises(DeploymentError, match=r"after 600 s \(127 polls\)"):
        wait_until_served(
            "http://127.0.0.1:9", "r9", 600, clock=lambda: now[0], sleep=sleep, first=0.05
        )
    assert slept[:4] == [0.05, 0.1, 0.2, 0.4]
    assert max(slept) == 5.0
    assert now[0] == pytest.approx(600)


def test_probe_reports_connection_failures() -> None:
    result = probe("http://127.0.0.1:9", timeout=0.5)
    assert result.status == 0
    assert result.release is None
    assert "Connection refused" in result.error  # why there was no answer


class _Mixed(BaseHTTPRequestHandler):
    """A server caught mid-switch: the page from release a, its stylesheet from b."""

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("X-Release", "a" if self.path.endswith(".html") else "b")
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    def do_GET(self) -> None:
        page = b'<html><link rel="stylesheet" href="style.css"><img src="x.png"></html>'
        self._answer(page if self.path.endswith(".html") else b'{"id": "b"}')

    do_HEAD = do_GET

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_a_page_load_mixing_two_releases_is_detected() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Mixed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = probe(f"http://127.0.0.1:{server.server_address[1]}", page="page.html")
    finally:
        server.shutdown()
        server.server_close()
    assert result.release == "a"
    assert result.releases == ("a", "b")
    assert result.mixed


def test_a_site_under_a_prefix_answers_only_there(tmp_path: Path) -> None:
    """GitHub Pages serves a project site under /<repository>/: a root-absolute link that
    works at a domain's root breaks there."""
    (tmp_path / "index.html").write_text("<html>home</html>")
    (tmp_path / "release.json").write_text('{"id": "r1"}')
    with SiteServer(tmp_path, prefix="/deploybook") as server:
        assert server.url.endswith("/deploybook")
        assert probe(server.url).status == 200
        origin = server.url.removesuffix("/deploybook")
        assert probe(origin).status == 404


def test_probe_reads_the_release(make_site: SiteMaker, tmp_path: Path) -> None:
    site = make_site("s")
    (site / "release.json").write_text(json.dumps({"id": "abc"}))
    with SiteServer(site) as server:
        assert probe(server.url).release == "abc"
        (site / "release.json").write_text("not json")
        assert probe(server.url).release is None


def test_archives_are_reproducible_tarballs(
    make_site: SiteMaker, toc: Path, tmp_path: Path
) -> None:
    release = archive_site(make_site("r1"), toc, "r1", tmp_path / "out")
    with tarfile.open(release.archive) as tar:
        owners = {(m.uid, m.gid, m.uname) for m in tar.getmembers()}
    assert owners == {(0, 0, "")}


def test_switching_back_and_forth_never_drops_a_request(tmp_path: Path) -> None:
    """The atomic switch itself: 100 switches under two probers firing back to back."""
    env = Environment(tmp_path / "env")
    toc = tmp_path / "toc.yml"
    toc.write_text("format: jb-book\nroot: index\n")
    for rid in ("a", "b"):
        site = tmp_path / f"site-{rid}"
        site.mkdir()
        (site / "index.html").write_text(f"<html>{rid * 1000}</html>")
        env.publish(archive_site(site, toc, rid, tmp_path / "out").archive)
    env.switch("a")
    with (
        SiteServer(env.current_link) as server,
        Prober(server.url, 0.0) as one,
        Prober(server.url, 0.0) as two,
    ):
        for n in range(100):
            env.switch("b" if n % 2 == 0 else "a")
            time.sleep(0.005)
    probes = one.probes + two.probes
    assert len(probes) > 100
    assert {p.status for p in probes} == {200}
    assert {p.release for p in probes} == {"a", "b"}


def test_server_stays_quiet_about_clients_that_hung_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SiteServer(tmp_path) as server:
        for error in (BrokenPipeError("gone"), ValueError("a real bug")):
            try:
                raise error
            except Exception:  # handle_error reads the exception being handled
                server._server.handle_error(None, ("127.0.0.1", 1))
    logged = capsys.readouterr().err
    assert "a real bug" in logged
    assert "gone" not in logged
