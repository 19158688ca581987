"""Locust users of the payroll service, configured by environment variables.

Run by :func:`deploybook.payroll.report.loadtest.run_locust` in its own process (Locust patches
the standard library with gevent, which must not happen in a report's kernel):

- ``PAYROLL_SCENARIO=payslips``: each user logs in as one employee (``PAYROLL_LOGINS``, one
  each, in turn) and reads their own payslip of run ``PAYROLL_RUN_ID`` as fast as it can;
- ``PAYROLL_SCENARIO=calculate``: one clerk recalculates draft run ``PAYROLL_RUN_ID``.

Logging in is not measured: the window opens when all ``PAYROLL_USERS`` users have logged in
(or failed to: a failed login stops its user, and Locust reports its error), and closes
``PAYROLL_SECONDS`` later or after ``PAYROLL_MAX_REQUESTS`` measured requests, whichever
comes first (Locust's ``--run-time`` only bounds slow logins). Every measured request's
start time, latency and outcome is written to ``PAYROLL_LATENCIES`` (CSV) when Locust quits.
"""

from __future__ import annotations

import csv
import itertools
import os
import time
from typing import Any

import gevent
from gevent.event import Event
from locust import HttpUser, constant, events, task

SCENARIO = os.environ.get("PAYROLL_SCENARIO", "payslips")
RUN_ID = os.environ.get("PAYROLL_RUN_ID", "1")
LOGINS = itertools.cycle(os.environ.get("PAYROLL_LOGINS", "clara").split(","))
PASSWORD = os.environ.get("PAYROLL_PASSWORD", "")
MAX_REQUESTS = int(os.environ.get("PAYROLL_MAX_REQUESTS", "1000000"))
USERS = int(os.environ.get("PAYROLL_USERS", "1"))
SECONDS = float(os.environ.get("PAYROLL_SECONDS", "10"))
LATENCIES = os.environ.get("PAYROLL_LATENCIES", "latencies.csv")
LOGIN = "login"
measured: list[tuple[str, float, float, bool]] = []  # name, start (epoch s), ms, ok
_state: dict[str, Any] = {"logged_in": 0}
_window = Event()  # set when every user has logged in


@events.request.add_listener
def _record(name: str, response_time: float, exception: Any, **_: Any) -> None:
    if name == LOGIN:
        return
    measured.append((name, time.time() - response_time / 1000, response_time, exception is None))
    if len(measured) >= MAX_REQUESTS:
        _quit()


def _quit() -> None:
    if _state["environment"].runner is not None:
        _state["environment"].runner.quit()


def _logged_in() -> None:
    """Count a user's login done; the last one opens the window, which closes ``SECONDS``
    later. Every user waits for the window here.
    """
    _state["logged_in"] += 1
    if _state["logged_in"] == USERS:
        _window.set()
        gevent.spawn_later(SECONDS, _quit)
    _window.wait()


@events.init.add_listener
def _keep(environment: Any, **_: Any) -> None:
    _state["environment"] = environment


@events.quitting.add_listener
def _write(**_: Any) -> None:
    with open(LATENCIES, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "start", "ms", "ok"])
        writer.writerows(measured)


class _Payroll(HttpUser):
    abstract = True
    wait_time = constant(0)

    def _log_in(self, name: str) -> None:
        reply = self.client.post(
            "/api/v1/auth/token", data={"username": name, "password": PASSWORD}, name=LOGIN
        )
        reply.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"


class PayslipReader(_Payroll):
    """An employee reading their own payslip."""

    def on_start(self) -> None:
        """Log in as the next employee and find their id."""
        try:
            self._log_in(next(LOGINS))
            self.employee_id = self.client.get("/api/v1/me", name=LOGIN).json()["employee_id"]
        finally:
            _logged_in()

    @task
    def payslip(self) -> None:
        """Read the payslip."""
        self.client.get(f"/api/v1/pay-runs/{RUN_ID}/payslips/{self.employee_id}", name="payslip")


class Calculator(_Payroll):
    """A clerk recalculating a draft pay run."""

    def on_start(self) -> None:
        """Log in as the next clerk."""
        try:
            self._log_in(next(LOGINS))
        finally:
            _logged_in()

    @task
    def calculate(self) -> None:
        """Recalculate the draft run."""
        self.client.post(f"/api/v1/pay-runs/{RUN_ID}/calculate", json={}, name="calculate")


PayslipReader.abstract = SCENARIO != "payslips"
Calculator.abstract = SCENARIO != "calculate"
