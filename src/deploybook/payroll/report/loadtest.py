"""Load tests of the payroll service with Locust, on loopback, bounded in time and requests.

:func:`load_test` seeds a company (10,000 employees by default) in a fresh SQLite database,
starts the real server (``deploybook payroll serve``, one uvicorn process) and runs two
scenarios against it, each in its own Locust process (:func:`run_locust`):

1. **pay-run calculation**: one clerk recalculates the company's draft pay run, a few times
   (each request computes and stores every payslip);
2. **payslip reads**: employees each log in and read their own payslip as fast as they can,
   for a few seconds (after the run is approved, so that employees may see it).

Latencies are taken from every request (not Locust's rounded histogram); percentiles are
computed from them, and throughput is requests over the wall time from the first request's
start to the last one's end. Logins are not measured: a scenario's window opens when all its
users have logged in.
"""

from __future__ import annotations

import csv
import secrets
import socket
import subprocess  # starts the server and Locust with fixed arguments  # nosec B404
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import numpy as np

from deploybook.payroll.report.demo import APPROVER, CLERK, employee_user, seed_company
from deploybook.payroll.report.pyramid import child_env
from deploybook.payroll.service.payruns import PayrollService
from deploybook.payroll.service.store import PayrollStore, sqlite_url

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
LOGIN_ALLOWANCE_S = 120  # Locust's run time beyond the window, for logins (argon2 is slow)


@dataclass(frozen=True)
class LoadResult:
    """What one scenario measured."""

    scenario: str
    users: int
    requests: int
    failures: int
    seconds: float
    latencies_ms: tuple[float, ...]

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile of the latencies, in milliseconds."""
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")

    @property
    def requests_per_second(self) -> float:
        """Successful requests per second of wall time."""
        ok = self.requests - self.failures
        return ok / self.seconds if self.seconds > 0 else 0.0

    def row(self) -> dict[str, float | int | str]:
        """The figures as one table row."""
        return {
            "scenario": self.scenario,
            "users": self.users,
            "requests": self.requests,
            "failures": self.failures,
            "seconds": round(self.seconds, 2),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "requests_per_second": round(self.requests_per_second, 2),
        }


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server_process(url: str, state_dir: Path, timeout: float = 60) -> Iterator[str]:
    """``deploybook payroll serve`` on ``url`` in a child process; yield its base URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "deploybook.cli",
        "payroll",
        "serve",
        "--url",
        url,
        "--port",
        str(port),
        "--state-dir",
        str(state_dir),
    ]
    log = (state_dir / "server.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments  # nosec B603
        command, stdout=log, stderr=subprocess.STDOUT, env=child_env()
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the payroll server did not start; see {state_dir / 'server.log'}"
                )
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:  # pragma: no cover - a server that ignores SIGTERM
            process.kill()
        log.close()


def run_locust(
    base_url: str,
    scenario: str,
    *,
    users: int,
    seconds: float,
    max_requests: int,
    run_id: int,
    logins: list[str],
    password: str,
    workdir: Path,
) -> LoadResult:
    """Run one scenario of ``locustfile.py`` headless against ``base_url``."""
    workdir.mkdir(parents=True, exist_ok=True)
    latencies = workdir / f"{scenario}-latencies.csv"
    latencies.unlink(missing_ok=True)
    env = child_env(
        PAYROLL_SCENARIO=scenario,
        PAYROLL_RUN_ID=str(run_id),
        PAYROLL_LOGINS=",".join(logins),
        PAYROLL_PASSWORD=password,
        PAYROLL_MAX_REQUESTS=str(max_requests),
        PAYROLL_USERS=str(users),
        PAYROLL_SECONDS=str(seconds),
        PAYROLL_LATENCIES=str(latencies),
    )
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        base_url,
        "-u",
        str(users),
        "-r",
        str(max(users, 1)),
        "-t",
        f"{int(seconds) + LOGIN_ALLOWANCE_S}s",
        "--stop-timeout",
        "60",
        "--only-summary",
        "--exit-code-on-error",
        "0",
        "--csv",
        str(workdir / scenario),
        "--loglevel",
        "WARNING",
    ]
    done = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments  # nosec B603
        command,
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + LOGIN_ALLOWANCE_S + 180,
        check=False,
        cwd=workdir,
    )
    if done.returncode != 0 or not latencies.exists():
        raise RuntimeError(f"locust failed ({done.returncode}): {done.stderr.strip()[-800:]}")
    with latencies.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise RuntimeError(
            f"locust measured no request: did {users} logins take over {LOGIN_ALLOWANCE_S} s? "
            + done.stderr.strip()[-800:]
        )
    starts = np.array([float(r["start"]) for r in rows])
    ms = np.array([float(r["ms"]) for r in rows])
    ok = np.array([r["ok"] == "True" for r in rows])
    wall = float((starts + ms / 1000).max() - starts.min())
    return LoadResult(scenario, users, len(rows), int((~ok).sum()), wall, tuple(ms[ok].tolist()))


@dataclass(frozen=True)
class LoadReport:
    """Both scenarios of :func:`load_test` and the company they ran on."""

    employees: int
    calculation: LoadResult
    payslips: LoadResult

    def table(self) -> list[dict[str, float | int | str]]:
        """One row per scenario."""
        return [self.calculation.row(), self.payslips.row()]


def load_test(
    workdir: Path,
    *,
    employees: int = 10_000,
    calculations: int = 3,
    read_seconds: float = 8,
    read_users: int = 20,
    seed: int = 0,
) -> LoadReport:
    """Seed a company, serve it, and run the calculation and payslip-read scenarios."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "load.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    password = secrets.token_urlsafe(16)
    demo = seed_company(
        sqlite_url(path),
        employees=employees,
        password=password,
        seed=seed,
        period_start=date(2024, 7, 1),
        paid_periods=0,
        employee_logins=min(read_users, employees),
    )
    store = PayrollStore(demo.url)
    run_id = PayrollService(store).create_pay_run(CLERK, demo.period).id
    with server_process(demo.url, workdir) as base:
        calculation = run_locust(
            base,
            "calculate",
            users=1,
            seconds=60 * calculations,
            max_requests=calculations,
            run_id=run_id,
            logins=[CLERK],
            password=password,
            workdir=workdir,
        )
        PayrollService(store).approve(APPROVER, run_id)
        logins = [employee_user(e.id) for e in demo.staff[:read_users]]
        payslips = run_locust(
            base,
            "payslips",
            users=read_users,
            seconds=read_seconds,
            max_requests=1_000_000,
            run_id=run_id,
            logins=logins,
            password=password,
            workdir=workdir,
        )
    store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return LoadReport(employees, calculation, payslips)
