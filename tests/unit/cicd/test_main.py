"""``python -m deploybook.cicd``: the commands the workflows run."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from deploybook.cicd.__main__ import main
from deploybook.cicd.environment import Environment
from deploybook.cicd.release import archive_site
from deploybook.cicd.server import SiteServer
from deploybook.paths import project_root

SiteMaker = Callable[..., Path]


def test_validate_the_books_workflows(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project_root())
    assert main(["validate"]) == 0
    assert "no findings in .github/workflows" in capsys.readouterr().out


def test_validate_prints_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "w.yml"
    path.write_text("on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: 'true'}]\n")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "top-level permissions must be {}" in out
    assert "has no timeout-minutes" in out


def test_archive_writes_outputs(
    make_site: SiteMaker, toc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    site = make_site("site")
    code = main(
        [
            "archive",
            str(site),
            "--toc",
            str(toc),
            "--ref",
            "v1.0",
            "--sha",
            "abcdef12345",
            "--out",
            str(tmp_path / "rel"),
        ]
    )
    assert code == 0
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert written["release-id"] == "v1.0-abcdef1"
    assert (tmp_path / "rel" / "v1.0-abcdef1.tar.gz.sha256").is_file()


def test_deploy_serves_itself_and_smoke_passes(
    make_site: SiteMaker,
    toc: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    job_summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(job_summary))
    release = archive_site(make_site("r1"), toc, "r1", tmp_path / "rel")
    assert main(["deploy", str(release.archive), "--environment", str(tmp_path / "env")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["status"] == "live"
    env = Environment(tmp_path / "env")
    with SiteServer(env.current_link) as server:
        assert main(["smoke", server.url, "--expect", "r1"]) == 0
        assert "release r1: passed" in capsys.readouterr().out
        # production's check: the site must serve the release just deployed, not an older one
        assert main(["smoke", server.url, "--expect", "r7", "--wait", "0.05"]) == 2
        assert "does not serve release 'r7'" in capsys.readouterr().err
        broken = archive_site(make_site("r2", "no-plotly"), toc, "r2", tmp_path / "rel")
        with SiteServer(env.candidate_link) as idle:
            code = main(
                [
                    "deploy",
                    str(broken.archive),
                    "--environment",
                    str(env.root),
                    "--url",
                    server.url,
                    "--candidate-url",
                    idle.url,
                ]
            )
        assert code == 1
        rejected = json.loads(capsys.readouterr().out)
        assert (rejected["status"], rejected["previous"]) == ("rejected", "r1")
        assert env.current() == "r1"
        (env.current_link).unlink()
        env.current_link.symlink_to(Path("releases") / "r2")
        assert main(["smoke", server.url]) == 1
        assert "FAIL" in capsys.readouterr().out
    written = job_summary.read_text()
    assert "**r1** passed its smoke test in the idle slot and is live" in written
    assert "| index.html | 200 |" in written
    assert "**r2** failed its smoke test in the idle slot and was never served" in written
    assert "plotly figure(s) not drawn" in written


def test_run_a_workflow_locally(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "w.yml").write_text(
        "on: workflow_dispatch\njobs:\n  t:\n    runs-on: ubuntu-24.04\n"
        "    strategy:\n      matrix:\n        n: [1, 2]\n    steps:\n"
        '      - run: echo "n=${{ matrix.n }} ${{ vars.COLOR }} $TOKEN"\n'
        "        env:\n          TOKEN: ${{ secrets.TOKEN }}\n"
    )
    (tmp_path / ".secrets").write_text("TOKEN=hunter22\n")
    monkeypatch.chdir(tmp_path)
    args = [
        "run",
        "w.yml",
        "--event",
        "workflow_dispatch",
        "--matrix",
        "n=2",
        "--var",
        "COLOR=blue",
        "--secrets",
        ".secrets",
        "--work-dir",
        str(tmp_path / "work"),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "n=2 blue ***" in out
    assert "hunter22" not in out
    assert "n=1" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "nope.yml", "--work-dir", "work"], "workflow file not found"),
        (["run", "w.yml", "--matrix", "oops"], "--matrix takes KEY=VALUE"),
        (["deploy", "missing.tar.gz", "--environment", "env"], "release archive not found"),
    ],
)
def test_errors_are_one_line(
    tmp_path: Path,
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "w.yml").write_text(
        "on: push\njobs:\n  t:\n    runs-on: x\n    steps: []\n"
    )
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_module_entry_point() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "deploybook.cicd", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert "validate" in proc.stdout


def test_validate_reports_the_release_cache_of_the_old_workflows(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14's done-means, as a user types it on a clean clone."""
    monkeypatch.chdir(project_root())
    assert main(["validate", "tests/unit/cicd/old_workflows"]) == 1
    out = capsys.readouterr().out
    assert out.count("release-cache") == 3
    assert "book.yml" in out
