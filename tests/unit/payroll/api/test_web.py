"""The web pages, through a real server: login, sessions, CSRF, the forms and refusals."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import httpx
import pytest

from deploybook.payroll.report.demo import RunningService, running_service
from deploybook.payroll.service.store import sqlite_url

PASSWORD = secrets.token_urlsafe(12)


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    url = sqlite_url(tmp_path_factory.mktemp("web") / "payroll.db")
    with running_service(url, PASSWORD, employees=8, paid_periods=1, seed=6) as running:
        yield running


def browser(svc: RunningService, user: str) -> tuple[httpx.Client, str]:
    """A client logged in through the login form, and its CSRF token."""
    client = httpx.Client(base_url=svc.base_url, timeout=30)
    reply = client.post("/login", data={"username": user, "password": PASSWORD})
    assert reply.status_code == 303
    cookie = reply.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    page = client.get("/", follow_redirects=True).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    return client, csrf.group(1)


def test_login_page_and_wrong_password(svc: RunningService) -> None:
    with httpx.Client(base_url=svc.base_url) as client:
        assert "Log in" in client.get("/login").text
        wrong = client.post("/login", data={"username": "clara", "password": "nope"})
        odd = client.post("/login", data={"username": "1 or 1=1", "password": "x"})
        problem_page = client.get("/problems/invalid-state")
        unknown = client.get("/problems/no-such-problem")
    assert wrong.status_code == 401
    assert "Wrong user name or password" in wrong.text
    assert odd.status_code == 401
    assert "Invalid state" in problem_page.text
    assert unknown.status_code == 404
    assert "script" not in wrong.text.lower()  # the pages carry no JavaScript
    assert "default-src 'none'" in wrong.headers["content-security-policy"]


def test_prepare_reject_approve_and_pay_through_the_forms(svc: RunningService) -> None:
    clerk, clerk_csrf = browser(svc, "clara")
    start = str(svc.company.period.start)
    made = clerk.post(
        "/pay-runs",
        data={"csrf_token": clerk_csrf, "frequency": "fortnightly", "period_start": start},
    )
    run_url = made.headers["location"].split("?")[0]
    assert clerk.post(f"{run_url}/calculate", data={"csrf_token": clerk_csrf}).status_code == 303
    page = clerk.get(run_url).text
    assert "Payslips (8)" in page
    assert "Exceptions (0)" in page  # the same eight as last period, nothing changed
    assert "need the approver role" in page
    refused = clerk.post(
        f"{run_url}/approve", data={"csrf_token": clerk_csrf, "idempotency_key": "k-1"}
    )
    assert refused.status_code == 403
    assert "needs the approver role" in refused.text
    assert clerk.get(f"{run_url}/aba").status_code == 403
    approver, csrf = browser(svc, "alex")
    assert (
        approver.post(f"{run_url}/reject", data={"csrf_token": csrf, "reason": ""}).status_code
        == 422
    )
    rejected = approver.post(f"{run_url}/reject", data={"csrf_token": csrf, "reason": "hours?"})
    assert rejected.headers["location"].endswith("?done=rejected")
    assert "must be calculated (again)" in approver.get(run_url).text
    clerk.post(f"{run_url}/calculate", data={"csrf_token": clerk_csrf})
    form = {"csrf_token": csrf, "idempotency_key": "approve-1"}
    assert approver.post(f"{run_url}/approve", data=form).status_code == 303
    assert approver.post(f"{run_url}/approve", data=form).status_code == 303  # a double submit
    assert approver.post(f"{run_url}/mark-paid", data=form).status_code == 422  # key reused
    paid = approver.post(f"{run_url}/mark-paid", data=form | {"idempotency_key": "pay-1"})
    assert paid.headers["location"].endswith("?done=paid")
    aba = approver.get(f"{run_url}/aba")
    assert aba.status_code == 200
    assert aba.text.startswith("0")
    assert approver.get(f"{run_url}/aba").text == aba.text
    assert "Exceptions (0)" in approver.get(run_url).text  # the same file twice: one generation
    assert "Pay run marked paid." in approver.get(paid.headers["location"]).text
    assert clerk.post(f"{run_url}/calculate", data={"csrf_token": clerk_csrf}).status_code == 409
    clerk.close()
    approver.close()


def test_forms_need_the_sessions_csrf_token(svc: RunningService) -> None:
    clerk, csrf = browser(svc, "clara")
    run = svc.company.paid_runs[0]
    assert clerk.post(f"/pay-runs/{run}/calculate", data={"csrf_token": "x"}).status_code == 403
    assert (
        clerk.post(
            "/pay-runs",
            data={"csrf_token": "x", "frequency": "weekly", "period_start": "2024-07-01"},
        ).status_code
        == 403
    )
    assert clerk.post("/logout", data={"csrf_token": "x"}).status_code == 403
    assert clerk.post("/logout", data={"csrf_token": csrf}).headers["location"] == "/login"
    assert clerk.get("/").headers["location"] == "/login"  # the session is over
    clerk.close()


def test_pages_for_each_kind_of_user(svc: RunningService) -> None:
    run = svc.company.paid_runs[0]
    auditor, _ = browser(svc, "audrey")
    assert "#1" in auditor.get("/").text
    assert "every line reconciled" in auditor.get(f"/pay-runs/{run}/reconciliation").text.lower()
    assert "Net pay" in auditor.get(f"/pay-runs/{run}/payslips/E000002").text
    assert auditor.get("/pay-runs/999").status_code == 404
    assert auditor.get("/pay-runs/999/reconciliation").status_code == 404
    assert auditor.get("/my-payslips").status_code == 403
    employee, _ = browser(svc, "e000001")
    assert employee.get("/").headers["location"] == "/my-payslips"
    assert f"#{run}" in employee.get("/my-payslips").text
    assert employee.get(f"/pay-runs/{run}/payslips/E000002").status_code == 403
    assert employee.get(f"/pay-runs/{run}").status_code == 403
    assert employee.get(f"/pay-runs/{run}/reconciliation").status_code == 403
    admin, _ = browser(svc, "admin")
    assert admin.get("/").status_code == 403
    for client in (auditor, employee, admin):
        client.close()
