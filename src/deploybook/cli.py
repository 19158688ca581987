"""The ``deploybook`` command: list, run and summarise the book's reports, and set up Spark.

Each command imports what it needs when it runs (papermill, Sphinx and Spark take seconds to
import), so ``deploybook list`` or ``deploybook prerequisites`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


class CommandError(Exception):
    """A command that cannot go on; ``main`` prints the message and exits with ``status``."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _list(_: argparse.Namespace) -> None:
    from deploybook import reports

    for name in reports.report_names():
        print(name)
        for p in reports.parameters(name):
            note = f"  # {p.help}" if p.help else ""
            print(f"  {p.name}: {p.type} = {p.default}{note}")


def _run(args: argparse.Namespace) -> None:
    from papermill.exceptions import PapermillExecutionError

    from deploybook import reports
    from deploybook.rerun import RenderError, render_page

    values = reports.parse_values(args.report, args.parameter)
    try:
        target, figures = reports.run_report(args.report, values, Path(args.out))
    except PapermillExecutionError as exc:
        raise CommandError(f"the report stopped with {exc.ename}: {exc.evalue}", 1) from exc
    print(f"executed notebook: {target}")
    if not args.no_html:
        try:
            print(f"rendered page: {render_page(target, Path(args.out))}")
        except RenderError as exc:
            raise CommandError(str(exc), 1) from exc
    print(json.dumps(figures, indent=2, sort_keys=True))


def _diff(args: argparse.Namespace) -> None:
    from deploybook.figures import diff_table, read_figures

    print(diff_table(read_figures(args.first), read_figures(args.second)))


def _summary(args: argparse.Namespace) -> None:
    from deploybook.figures import figures_json

    print(figures_json(args.notebook))


def _freeze(args: argparse.Namespace) -> None:
    from deploybook.notebooks import freeze
    from deploybook.reports import report_path

    target = report_path(Path(args.executed).name)
    kept = freeze(Path(args.executed), target)
    print(f"{target}: outputs cleared except {kept} checked cell(s)")


def _refresh_cache(args: argparse.Namespace) -> None:
    from deploybook.bookcache import execute_missing, invalidate_stale

    stale = invalidate_stale(Path(args.cache))
    print(f"re-executing (inputs changed): {', '.join(stale)}" if stale else "cache up to date")
    for name, seconds in execute_missing(Path(args.cache)).items():
        print(f"{name}: executed in {seconds:.0f} s")


def _prerequisites(args: argparse.Namespace) -> None:
    from deploybook.prerequisites import install_command, missing

    lacking = missing(args.target)
    for p in lacking:
        print(f"make {args.target} needs {p.what}: {install_command([p])}", file=sys.stderr)
    if lacking:
        raise SystemExit(1)


def _setup(args: argparse.Namespace) -> None:
    from deploybook.spark import SparkSetupError, resolve_delta_jars

    both = not args.jars and not args.actionlint
    if args.jars or both:
        try:
            jars = resolve_delta_jars(force=args.force)
        except SparkSetupError as exc:
            raise CommandError(f"error: {exc}", 2) from exc
        print(f"Delta Lake JARs ready ({len(jars)} files in the project's .ivy2/ cache)")
    if args.actionlint or both:
        from deploybook.cicd.tools import ToolInstallError, ensure_actionlint

        try:
            print(f"actionlint ready: {ensure_actionlint()}")
        except ToolInstallError as exc:
            if args.actionlint:
                raise CommandError(f"error: {exc}", 2) from exc
            # only the workflow checks need it: the rest of the project is usable without Go
            print(f"deploybook: warning: {exc}", file=sys.stderr)


def _run_within(command: list[str], env: Mapping[str, str]) -> None:
    """Run ``command`` with ``env`` added (its exit status becomes ours), or wait for Ctrl-C."""
    command = command[1:] if command[:1] == ["--"] else command
    # SIGTERM unwinds like Ctrl-C, so the servers' context managers stop them
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    for name, value in env.items():
        print(f"  {name}={value}", flush=True)
    if not command:
        print("serving until Ctrl-C", flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            return
    status = subprocess.run(command, env={**os.environ, **env}, check=False).returncode  # noqa: S603
    if status:
        raise SystemExit(status)


def _spark_cluster(args: argparse.Namespace) -> None:
    from deploybook.spark import SparkSetupError
    from deploybook.spark_servers import StandaloneCluster

    try:
        with StandaloneCluster(args.workers, args.cores, args.memory) as cluster:
            print(f"standalone cluster at {cluster.master_url}: {args.workers} workers", flush=True)
            _run_within(args.command, cluster.env())
    except SparkSetupError as exc:
        raise CommandError(f"error: {exc}", 2) from exc


def _connect_server(args: argparse.Namespace) -> None:
    from deploybook.spark import SparkSetupError
    from deploybook.spark_servers import ConnectServer

    try:
        with ConnectServer(args.port, args.master, delta=not args.without_delta) as server:
            print(f"Spark Connect server at {server.url} (master {args.master})", flush=True)
            _run_within(args.command, server.env())
    except SparkSetupError as exc:
        raise CommandError(f"error: {exc}", 2) from exc


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``deploybook`` command."""
    parser = argparse.ArgumentParser(prog="deploybook", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="list the reports and their parameters").set_defaults(func=_list)

    run = sub.add_parser("run", help="execute a report with papermill")
    run.add_argument("report", help="report name, e.g. dlt_retraining")
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a parameter (value parsed as YAML: 3, 0.5, true, [1, 2], text)",
    )
    run.add_argument(
        "--out", default="_build/reports", help="folder for the executed notebook and its page"
    )
    run.add_argument("--no-html", action="store_true", help="skip rendering the page")
    run.set_defaults(func=_run)

    diff = sub.add_parser("diff", help="the glued figures that differ between two executed runs")
    diff.add_argument("first", help="executed .ipynb")
    diff.add_argument("second", help="executed .ipynb of the same report")
    diff.set_defaults(func=_diff)

    summary = sub.add_parser("summary", help="print an executed notebook's figures as JSON")
    summary.add_argument("notebook", help="path of an executed .ipynb")
    summary.set_defaults(func=_summary)

    frz = sub.add_parser(
        "freeze", help="copy a default run back to notebooks/, keeping only checked outputs"
    )
    frz.add_argument("executed", help="executed notebook of a default run")
    frz.set_defaults(func=_freeze)

    refresh = sub.add_parser(
        "refresh-cache",
        help="drop cached book executions of reports whose code or data changed, and execute "
        "the reports the cache lacks",
    )
    refresh.add_argument("--cache", default="_build/.jupyter_cache", help="jupyter-cache folder")
    refresh.set_defaults(func=_refresh_cache)

    prereq = sub.add_parser(
        "prerequisites", help="check the system packages that make book or make test need"
    )
    prereq.add_argument("target", choices=["book", "test"], help="the make target")
    prereq.set_defaults(func=_prerequisites)

    setup = sub.add_parser(
        "setup",
        help="download the Delta Lake JARs and build actionlint, once each (needs network)",
    )
    setup.add_argument("--force", action="store_true", help="resolve the JARs again")
    setup.add_argument("--jars", action="store_true", help="only the Delta Lake JARs")
    setup.add_argument("--actionlint", action="store_true", help="only actionlint (needs Go)")
    setup.set_defaults(func=_setup)

    cluster = sub.add_parser(
        "spark-cluster",
        help="start a standalone Spark cluster on loopback from the pyspark installation, run "
        "COMMAND against it (DEPLOYBOOK_SPARK_MASTER set) or serve until Ctrl-C, then stop it",
    )
    cluster.add_argument("--workers", type=int, default=2, help="workers (default 2)")
    cluster.add_argument("--cores", type=int, default=1, help="cores per worker (default 1)")
    cluster.add_argument("--memory", default="1g", help="memory per worker (default 1g)")
    cluster.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    cluster.set_defaults(func=_spark_cluster)

    connect = sub.add_parser(
        "connect-server",
        help="start a Spark Connect server with Delta Lake from the pyspark installation, run "
        "COMMAND against it (DEPLOYBOOK_SPARK_MASTER=sc://...) or serve until Ctrl-C, then stop",
    )
    connect.add_argument("--port", type=int, default=15002, help="port (default 15002)")
    connect.add_argument("--master", default="local[2]", help="the server's master (local[2])")
    connect.add_argument(
        "--without-delta", action="store_true", help="no Delta Lake (to see the client's error)"
    )
    connect.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    connect.set_defaults(func=_connect_server)

    # the payroll commands import only argparse and the standard library until they run
    from deploybook.payroll.service.commands import add_payroll_commands

    add_payroll_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; user errors print one line on stderr and exit with status 2."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader closed the pipe (`deploybook summary X | head`): stop quietly, and point
        # stdout at /dev/null so the interpreter's own final flush does not fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ValueError, FileNotFoundError) as exc:
        print(f"deploybook: error: {exc}", file=sys.stderr)
        return 2
    except CommandError as exc:
        print(f"deploybook: {exc}", file=sys.stderr)
        return exc.status
    return 0


if __name__ == "__main__":
    sys.exit(main())
