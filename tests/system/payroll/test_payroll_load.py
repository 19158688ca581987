"""The load test harness on a small company: Locust against the real server process,
bounded in time and requests; every request succeeds and is measured."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from deploybook.payroll.report.demo import employee_user, seed_company
from deploybook.payroll.report.loadtest import (
    LOGIN_ALLOWANCE_S,
    load_test,
    run_locust,
    server_process,
)
from deploybook.payroll.service.api import accounts
from deploybook.payroll.service.store import sqlite_url

pytestmark = pytest.mark.tooling  # the live pyramid does not test its own instruments


def test_a_small_load_test(tmp_path: Path) -> None:
    report = load_test(tmp_path, employees=200, calculations=2, read_seconds=3, read_users=3)
    calc, reads = report.calculation, report.payslips
    assert (calc.requests, calc.failures, calc.users) == (2, 0, 1)  # bounded in requests
    assert reads.failures == 0
    assert reads.requests >= reads.users  # each reader logged in and read (a count, not a rate)
    assert 0 < reads.percentile(50) <= reads.percentile(95) <= reads.percentile(99)
    assert reads.seconds < 3.5
    assert reads.requests_per_second > 0
    assert [row["scenario"] for row in report.table()] == ["calculate", "payslips"]
    assert not (tmp_path / "load.db").exists()
    assert (tmp_path / "payslips-latencies.csv").read_text().startswith("name,start,ms,ok")


def test_logins_slower_than_the_window_leave_a_whole_window_of_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read window opens when every reader has logged in, and lasts ``read_seconds``.

    Reference: the parameter's meaning ("seconds employees spend reading") against the
    wall clock. CI saw logins take 6.7 s on a busy machine against a 6 s window, and Locust
    measured no read. Here each login verifies an argon2id hash made with 10 times the
    default time cost (0.8 s alone here), so the two logins take about half the 2 s window.
    """
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=30))
    report = load_test(tmp_path, employees=10, calculations=1, read_seconds=2, read_users=2)
    reads = report.payslips
    assert reads.failures == 0
    assert 1.6 <= reads.seconds < 2.5


def test_failed_logins_end_the_test_at_once_with_a_clear_error(tmp_path: Path) -> None:
    """A failed login counts towards opening the window, so the test ends at once instead
    of waiting out Locust's login allowance. Reference: the server refuses a wrong password
    (401), and the allowance is 120 s."""
    demo = seed_company(
        sqlite_url(tmp_path / "load.db"), employees=5, password=secrets.token_urlsafe(16)
    )
    logins = [employee_user(e.id) for e in demo.staff[:2]]
    started = time.monotonic()
    with (
        server_process(demo.url, tmp_path) as base,
        pytest.raises(RuntimeError, match="locust measured no request") as failed,
    ):
        run_locust(
            base, "payslips", users=2, seconds=1, max_requests=100, run_id=1,
            logins=logins, password=secrets.token_urlsafe(16), workdir=tmp_path,
        )  # fmt: skip
    assert time.monotonic() - started < LOGIN_ALLOWANCE_S / 2
    assert "401" in str(failed.value)


def test_a_server_that_cannot_start_is_reported(tmp_path: Path) -> None:
    with (
        pytest.raises(RuntimeError, match="did not start"),
        server_process("mysql://x/y", tmp_path),
    ):
        pass  # pragma: no cover
    assert "SQLite or PostgreSQL" in (tmp_path / "server.log").read_text()
