"""Security: every operation of the API tried by every role, against the real server.

The expected policy is written out here, independently of the code: who may call each
operation. A role the policy admits must get past the access checks (any answer but 401 or
403: the request may still be refused for the run's state); any other role must get 403
(401 without a login) and a problem body with no data in it. An employee may read only
their own record and payslips. Every operation of the OpenAPI document must be in the
policy, so a new endpoint cannot escape this test.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from deploybook.payroll.report.demo import RunningService, running_service
from deploybook.payroll.report.service_results import AUTHZ_FILE
from deploybook.payroll.service.store import sqlite_url

ROLES = ["anonymous", "clerk", "approver", "auditor", "admin", "employee"]
USER = {
    "clerk": "clara",
    "approver": "alex",
    "auditor": "audrey",
    "admin": "admin",
    "employee": "e000001",
}
ANY = set(ROLES) - {"anonymous"}
STAFF = {"clerk", "approver", "auditor"}
OWN = "own"  # the employee may, for their own record only
# (method, path) -> the roles allowed
POLICY: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/health"): set(ROLES),
    ("POST", "/api/v1/auth/token"): set(ROLES),
    ("POST", "/api/v1/auth/logout"): ANY,
    ("GET", "/api/v1/me"): ANY,
    ("PUT", "/api/v1/me/password"): ANY,
    ("GET", "/api/v1/me/payslips"): {"employee"},
    ("GET", "/api/v1/users"): {"admin"},
    ("PUT", "/api/v1/users/{name}"): {"admin"},
    ("GET", "/api/v1/role-requests"): {"admin"},
    ("POST", "/api/v1/role-requests/{request_id}/{decision}"): {"admin"},
    ("GET", "/api/v1/employees"): STAFF,
    ("POST", "/api/v1/employees"): {"clerk"},
    ("POST", "/api/v1/employees/csv"): {"clerk"},
    ("GET", "/api/v1/employees/{employee_id}"): STAFF | {OWN},
    ("POST", "/api/v1/timesheets"): {"clerk"},
    ("GET", "/api/v1/timesheets"): STAFF,
    ("GET", "/api/v1/rule-sets"): ANY,
    ("GET", "/api/v1/rule-sets/{name}"): ANY,
    ("GET", "/api/v1/audit-log"): {"auditor", "admin"},
    ("GET", "/api/v1/audit-log/verify"): {"auditor", "admin"},
    ("GET", "/api/v1/engine-scope"): {"admin"},
    ("PUT", "/api/v1/engine-scope"): {"admin"},
    ("GET", "/api/v1/pay-runs"): STAFF,
    ("POST", "/api/v1/pay-runs"): {"clerk"},
    ("GET", "/api/v1/pay-runs/{run_id}"): STAFF,
    ("POST", "/api/v1/pay-runs/{run_id}/calculate"): {"clerk"},
    ("POST", "/api/v1/pay-runs/{run_id}/parallel-run"): {"clerk"},
    ("POST", "/api/v1/pay-runs/{run_id}/approve"): {"approver"},
    ("POST", "/api/v1/pay-runs/{run_id}/reject"): {"approver"},
    ("POST", "/api/v1/pay-runs/{run_id}/mark-paid"): {"approver"},
    ("GET", "/api/v1/pay-runs/{run_id}/reconciliation"): STAFF,
    ("GET", "/api/v1/pay-runs/{run_id}/payslips"): STAFF,
    ("GET", "/api/v1/pay-runs/{run_id}/payslips/{employee_id}"): STAFF | {OWN},
    ("GET", "/api/v1/pay-runs/{run_id}/payslips/{employee_id}/html"): STAFF | {OWN},
    ("GET", "/api/v1/pay-runs/{run_id}/summary"): STAFF,
    ("GET", "/api/v1/pay-runs/{run_id}/journal"): STAFF,
    ("GET", "/api/v1/pay-runs/{run_id}/aba"): {"approver", "auditor"},
    ("GET", "/api/v1/pay-runs/{run_id}/exceptions"): STAFF,
}
SESSION_ENDING = [("POST", "/api/v1/auth/logout"), ("PUT", "/api/v1/me/password")]
# the employee tries their own record and someone else's; the cases that end the user's
# session come last, so that each user logs in (argon2: slow on purpose) as few times as can be
CASES = sorted(
    ((m, p, r) for (m, p) in POLICY for r in ROLES),
    key=lambda c: SESSION_ENDING.index(c[:2]) + 1 if c[:2] in SESSION_ENDING else 0,
) + [(m, p, "employee-other") for (m, p), allowed in POLICY.items() if OWN in allowed]
PASSWORD = secrets.token_urlsafe(12)
EMPLOYEE = {
    "id": "E000003",
    "name": "Third Person",
    "department": "Finance",
    "location": "Perth",
    "frequency": "fortnightly",
    "basis": "salaried",
    "rate": "80000",
    "scale": "2",
    "tax_free_threshold": True,
    "bsb": "032-000",
    "account_number": "12345678",
}


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    url = sqlite_url(tmp_path_factory.mktemp("authz") / "payroll.db")
    with running_service(url, PASSWORD, employees=12, paid_periods=1, seed=2) as running:
        yield running


def _request(svc: RunningService, method: str, path: str, role: str) -> tuple[str, dict[str, Any]]:
    """A valid request for the operation (so that only access decides the answer)."""
    run = svc.company.paid_runs[0]
    employee = "E000002" if role == "employee-other" else "E000001"
    url = (
        path.replace("{run_id}", str(run))
        .replace("{employee_id}", employee)
        .replace("{name}", "matrix-user")
        .replace("{request_id}", "99999")  # none: an admin gets past access to a 404
        .replace("{decision}", "reject")
    )
    if path.endswith("/rule-sets/{name}"):
        url = "/api/v1/rule-sets/ato-schedule1-2024-07-01"
    period = str(svc.company.period.next().next().start)
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/api/v1/auth/token"): {"data": {"username": "audrey", "password": PASSWORD}},
        ("PUT", "/api/v1/me/password"): {
            "json": {"current_password": PASSWORD, "new_password": PASSWORD}
        },
        ("PUT", "/api/v1/users/{name}"): {"json": {"roles": ["auditor"]}},
        ("POST", "/api/v1/employees"): {"json": {"employees": [EMPLOYEE]}},
        ("POST", "/api/v1/employees/csv"): {
            "content": "id\n",
            "headers": {"content-type": "text/csv"},
        },
        ("POST", "/api/v1/timesheets"): {
            "json": {
                "frequency": "fortnightly",
                "period_start": period,
                "timesheets": [{"employee_id": "E000001"}],
            }
        },
        ("GET", "/api/v1/timesheets"): {
            "params": {"frequency": "fortnightly", "period_start": period}
        },
        ("PUT", "/api/v1/engine-scope"): {"json": {"filters": []}},
        ("POST", "/api/v1/pay-runs"): {
            "json": {"frequency": "fortnightly", "period_start": period}
        },
        ("POST", "/api/v1/pay-runs/{run_id}/calculate"): {"json": {}},
        ("POST", "/api/v1/pay-runs/{run_id}/parallel-run"): {"json": {}},
        ("POST", "/api/v1/pay-runs/{run_id}/reject"): {"json": {"reason": "checking access"}},
    }
    keyed = {"/approve", "/mark-paid"}
    extra = bodies.get((method, path), {})
    if any(path.endswith(k) for k in keyed):
        extra = {"headers": {"Idempotency-Key": secrets.token_hex(8)}}
    return url, extra


@pytest.mark.parametrize(
    ("method", "path", "role"), CASES, ids=[f"{m} {p} as {r}" for m, p, r in CASES]
)
def test_endpoint_authorization(
    svc: RunningService, artifacts: Path, method: str, path: str, role: str
) -> None:
    user = USER.get(role.removesuffix("-other"))
    fresh = (method, path) in SESSION_ENDING
    headers = {} if user is None else svc.headers(user)
    url, extra = _request(svc, method, path, role)
    extra_headers = extra.pop("headers", {})
    with svc.client() as client:
        reply = client.request(method, url, headers=headers | extra_headers, **extra)
    if fresh and user is not None:
        svc.tokens.pop(user, None)  # log in again for the next case
    with (artifacts / AUTHZ_FILE).open("a") as log:  # the report shows the matrix
        log.write(
            json.dumps({"method": method, "path": path, "role": role, "status": reply.status_code})
            + "\n"
        )
    allowed = POLICY[(method, path)]
    admitted = role in allowed or (role == "employee" and OWN in allowed)
    if admitted:
        assert reply.status_code not in (401, 403), reply.text
        return
    expected = 401 if role == "anonymous" else 403
    assert reply.status_code == expected, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert set(reply.json()) == {"type", "title", "status", "detail", "instance", "field", "errors"}


def test_the_policy_covers_every_operation(svc: RunningService) -> None:
    with svc.client() as client:
        spec = client.get("/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert documented == set(POLICY)


def test_pages_need_a_login(svc: RunningService) -> None:
    with httpx.Client(base_url=svc.base_url) as client:
        for page in ("/", f"/pay-runs/{svc.company.paid_runs[0]}", "/my-payslips"):
            reply = client.get(page)
            assert (reply.status_code, reply.headers["location"]) == (303, "/login")
