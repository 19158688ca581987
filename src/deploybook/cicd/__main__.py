"""``python -m deploybook.cicd``: the commands the book's workflows (and people) run.

- ``validate [PATH...]``  schema, contexts, actionlint, zizmor and policy findings; exit 1
  if there are any
- ``archive HTML --toc _toc.yml --ref REF --sha SHA --out DIR``  release archive + checksum
- ``deploy ARCHIVE --environment DIR [--url URL] [--candidate-url URL] [--keep N]``
  blue/green: into the idle slot, smoke-tested there, switched in only if it passed
- ``smoke URL [--expect RELEASE]``  browser smoke test of a served release
- ``run WORKFLOW [--job ID] [--event NAME] [--ref REF] [--matrix K=V] [--input K=V]``
  run a workflow's jobs on this machine
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from deploybook.cicd.deployment import DeploymentError, deploy, wait_until_served
from deploybook.cicd.emulator.masking import load_env_file
from deploybook.cicd.emulator.results import Event
from deploybook.cicd.emulator.runner import LocalRunner, RunnerError
from deploybook.cicd.emulator.workflow import WorkflowError
from deploybook.cicd.environment import Environment
from deploybook.cicd.findings import findings_table
from deploybook.cicd.release import ReleaseError, archive_site, release_id
from deploybook.cicd.server import SiteServer
from deploybook.cicd.smoke import SmokeError, smoke_test
from deploybook.cicd.validation import ValidationToolError, validate


def _outputs(**values: object) -> None:
    """Write step outputs to ``$GITHUB_OUTPUT`` when running inside a workflow."""
    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        with open(target, "a") as handle:
            handle.writelines(f"{key}={value}\n" for key, value in values.items())


def _summary(markdown: str) -> None:
    """Append to the job summary (``$GITHUB_STEP_SUMMARY``) when running inside a workflow."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a") as handle:
            handle.write(markdown.rstrip("\n") + "\n\n")


def _validate(args: argparse.Namespace) -> int:
    paths = args.paths or [".github/workflows"]
    config = args.zizmor_config or next(
        (str(p) for p in (Path(".github/zizmor.yml"), Path("zizmor.yml")) if p.exists()), None
    )
    findings = validate(paths, config)
    if not findings:
        print(
            f"no findings in {', '.join(paths)} "
            "(check-jsonschema, contexts, actionlint, zizmor, policy)"
        )
        return 0
    print(findings_table(findings).to_string(index=False))
    return 1


def _archive(args: argparse.Namespace) -> int:
    rid = release_id(args.ref, args.sha)
    release = archive_site(args.html, args.toc, rid, args.out, commit=args.sha)
    print(f"{release.archive} sha256={release.sha256} pages={len(release.pages)}")
    _outputs(**{"release-id": release.id, "sha256": release.sha256, "archive": release.archive})
    return 0


def _deploy(args: argparse.Namespace) -> int:
    env = Environment(args.environment)
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(SiteServer(env.current_link)).url
        candidate = args.candidate_url or stack.enter_context(SiteServer(env.candidate_link)).url
        outcome = deploy(env, args.archive, url, candidate, keep=args.keep)
    summary = {
        "environment": str(env.root),
        "release": outcome.release,
        "previous": outcome.previous,
        "status": outcome.status,
        "smoke_seconds": round(outcome.smoke_seconds, 3),
        "failures": outcome.failures[:20],
        "pruned": outcome.pruned,
    }
    print(json.dumps(summary, indent=2))
    verdicts = {
        "live": f"**{outcome.release}** passed its smoke test in the idle slot and is live",
        "rejected": f"**{outcome.release}** failed its smoke test in the idle slot and was "
        f"never served; **{outcome.previous or 'nothing'}** stays live",
    }
    _summary(
        f"### Deployment to {env.name}\n\n{verdicts[outcome.status]}\n\n"
        + "".join(f"- {failure}\n" for failure in outcome.failures[:20])
    )
    _outputs(status=outcome.status, release=outcome.release)
    return 0 if outcome.status == "live" else 1


def _smoke(args: argparse.Namespace) -> int:
    if args.expect:  # a CDN or a slow publisher may still serve the release before
        wait_until_served(args.url, args.expect, timeout=args.wait)
    report = smoke_test(args.url)
    for page in report.pages:
        print(
            f"{page.path}: HTTP {page.status}, {page.figures_drawn}/{page.figures} figures, "
            f"{page.links_checked} links"
        )
    for failure in report.failures:
        print(f"FAIL {failure}")
    verdict = f"release {report.release}: {'passed' if report.ok else 'FAILED'}"
    print(f"{verdict} in {report.seconds:.1f} s")
    _summary(
        f"### Smoke test of {args.url}\n\n{verdict}\n\n"
        "| page | HTTP | plotly figures drawn | internal links | problems |\n"
        "|---|---|---|---|---|\n"
        + "".join(
            f"| {p.path} | {p.status} | {p.figures_drawn}/{p.figures} | {p.links_checked} "
            f"| {len(p.problems)} |\n"
            for p in report.pages
        )
    )
    return 0 if report.ok else 1


def _pairs(items: Sequence[str], what: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--{what} takes KEY=VALUE, got {item!r}")
        pairs[key] = value
    return pairs


def _run(args: argparse.Namespace) -> int:
    secrets = load_env_file(args.secrets) if args.secrets else {}
    runner = LocalRunner(
        Path.cwd(),
        work_dir=Path(args.work_dir),
        secrets=secrets,
        variables=_pairs(args.var, "var"),
        skip_unknown=args.skip_unknown,
        echo=print,
    )
    event = Event(args.event, args.ref, inputs=_pairs(args.input, "input"))
    result = runner.run(
        args.workflow, event, jobs=args.job or None, matrix=_pairs(args.matrix, "matrix")
    )
    for job in result.jobs:
        print(
            f"{job.result:>9}  {job.seconds:7.2f} s  {job.name}"
            + (f"  ({job.error})" if job.error else "")
        )
    return 0 if result.result == "success" else 1


def build_parser() -> argparse.ArgumentParser:
    """The command's argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m deploybook.cicd",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check workflow files")
    p.add_argument("paths", nargs="*", help="workflow files or folders (default .github/workflows)")
    p.add_argument("--zizmor-config", help="zizmor config (default .github/zizmor.yml if present)")
    p.set_defaults(func=_validate)

    p = sub.add_parser("archive", help="archive a built book as a release")
    p.add_argument("html", help="the built HTML folder (_build/html)")
    p.add_argument("--toc", default="_toc.yml", help="the book's table of contents")
    p.add_argument("--ref", required=True, help="git ref name (tag or branch)")
    p.add_argument("--sha", default="", help="git commit")
    p.add_argument("--out", default="release", help="folder for the archive and its checksum")
    p.set_defaults(func=_archive)

    p = sub.add_parser("deploy", help="deploy a release archive into an environment folder")
    p.add_argument("archive", help="<release>.tar.gz (its .sha256 beside it)")
    p.add_argument("--environment", required=True, help="environment folder")
    p.add_argument(
        "--url", default="", help="where the live slot is served (default: serve it here)"
    )
    p.add_argument(
        "--candidate-url",
        default="",
        help="where the idle slot is served (default: serve it here)",
    )
    p.add_argument("--keep", type=int, default=5, help="releases to keep")
    p.set_defaults(func=_deploy)

    p = sub.add_parser("smoke", help="smoke-test a served release in Chromium")
    p.add_argument("url")
    p.add_argument("--expect", default="", help="release id the site must serve first")
    p.add_argument(
        "--wait", type=float, default=120.0, help="seconds to wait for --expect (default 120)"
    )
    p.set_defaults(func=_smoke)

    p = sub.add_parser("run", help="run a workflow's jobs on this machine")
    p.add_argument("workflow", help="workflow file, or its name in .github/workflows")
    p.add_argument("--job", action="append", default=[], help="job id (repeatable; default all)")
    p.add_argument(
        "--event", default="push", help="event name (push, pull_request, workflow_dispatch...)"
    )
    p.add_argument("--ref", default="refs/heads/main", help="git ref of the event")
    p.add_argument(
        "--input", action="append", default=[], metavar="K=V", help="workflow_dispatch input"
    )
    p.add_argument(
        "--matrix",
        action="append",
        default=[],
        metavar="K=V",
        help="run only matching matrix combinations",
    )
    p.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="K=V",
        help="a configuration variable (vars.K)",
    )
    p.add_argument("--secrets", help="env file of secrets (KEY=VALUE lines)")
    p.add_argument(
        "--skip-unknown", action="store_true", help="skip actions with no local equivalent"
    )
    p.add_argument(
        "--work-dir",
        default="_work/cicd/runs",
        help="folder for temp files, artifacts and the cache",
    )
    p.set_defaults(func=_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; errors print one line on stderr (exit 2)."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (
        ValueError,
        OSError,
        RunnerError,
        WorkflowError,
        ReleaseError,
        SmokeError,
        DeploymentError,
        ValidationToolError,
    ) as exc:
        print(f"deploybook.cicd: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
