"""The HTTP API's contract, against the real server on loopback, on SQLite and PostgreSQL:
every operation's success and every error path (status, problem body, the field named)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from deploybook.payroll.engine.aba import parse_aba
from deploybook.payroll.engine.domain import PayPeriod
from deploybook.payroll.engine.importing import COLUMNS
from deploybook.payroll.report.demo import RunningService, running_service
from deploybook.payroll.service.schema import audit_log, service_accounts
from deploybook.payroll.service.store import sqlite_url
from payroll_postgres import drop_database, fresh_database

PASSWORD = secrets.token_urlsafe(12)
PROBLEM = "application/problem+json"
EMPLOYEE = {
    "id": "N000001",
    "name": "Nina New",
    "department": "Finance",
    "location": "Perth",
    "frequency": "fortnightly",
    "basis": "salaried",
    "rate": "91000.00",
    "scale": "2",
    "tax_free_threshold": True,
    "bsb": "032-000",
    "account_number": "12345678",
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def svc(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    """A company of 40 employees with one paid period, served on loopback."""
    pg = request.param == "postgresql"
    url = (
        fresh_database(request.getfixturevalue("pg_server"))
        if pg
        else sqlite_url(tmp_path_factory.mktemp("api") / "payroll.db")
    )
    with running_service(url, PASSWORD, employees=40, paid_periods=1, seed=4) as running:
        yield running
    if pg:
        drop_database(url)


def period(svc: RunningService, fortnights: int) -> PayPeriod:
    """A period ``fortnights`` after the company's next one (each test uses its own)."""
    found = svc.company.period
    for _ in range(fortnights):
        found = found.next()
    return found


def problem(reply: httpx.Response, status: int, field: str | None = None) -> dict:
    """Check a problem response and return its body."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == PROBLEM
    body = reply.json()
    assert body["status"] == status
    assert body["type"].startswith("/problems/")
    assert body["instance"] == reply.request.url.path
    assert body["title"]
    assert body["detail"]
    if field is not None:
        assert body["field"] == field, body
    return body


def new_run(svc: RunningService, fortnights: int, user: str = "clara") -> int:
    p = period(svc, fortnights)
    with svc.client(user) as c:
        reply = c.post(
            "/api/v1/pay-runs", json={"frequency": "fortnightly", "period_start": str(p.start)}
        )
    assert reply.status_code == 201, reply.text
    return int(reply.json()["id"])


def key() -> dict[str, str]:
    return {"Idempotency-Key": secrets.token_hex(8)}


def test_health_openapi_and_security_headers(svc: RunningService) -> None:
    with svc.client() as c:
        health = c.get("/api/v1/health")
        spec = c.get("/openapi.json").json()
    assert health.json() == {"status": "ok", "revision": "0004"}
    for name in ("content-security-policy", "x-frame-options", "x-content-type-options"):
        assert name in health.headers
    assert health.headers["cache-control"] == "no-store"
    assert spec["openapi"].startswith("3.")
    operations = [(m, p, o) for p, ops in spec["paths"].items() for m, o in ops.items()]
    assert len(operations) >= 30
    open_ops = {("get", "/api/v1/health"), ("post", "/api/v1/auth/token")}
    for method, path, op in operations:
        if (method, path) not in open_ops:
            assert "401" in op["responses"], (method, path)
        for status, answer in op["responses"].items():
            if status.startswith("4"):
                assert list(answer["content"]) == [PROBLEM], (method, path, status)
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_logging_in(svc: RunningService) -> None:
    with svc.client() as c:
        wrong = c.post("/api/v1/auth/token", data={"username": "clara", "password": "nope"})
        unknown = c.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"})
        bad_name = c.post("/api/v1/auth/token", data={"username": "1 or 1=1", "password": "x"})
        missing = c.get("/api/v1/pay-runs")
        forged = c.get("/api/v1/pay-runs", headers={"Authorization": "Bearer forged"})
        ok = c.post("/api/v1/auth/token", data={"username": "alex", "password": PASSWORD})
    assert problem(wrong, 401)["detail"] == problem(unknown, 401)["detail"]  # tells nothing
    assert wrong.headers["www-authenticate"] == "Bearer"
    problem(bad_name, 422, "username")
    problem(missing, 401)
    problem(forged, 401)
    assert ok.json()["token_type"] == "bearer"  # noqa: S105
    assert ok.json()["expires_in"] == 3600


def test_lockout_after_five_failed_logins(svc: RunningService) -> None:
    _grant(svc, "locky", {"roles": ["auditor"], "password": PASSWORD})
    with svc.client("admin") as c:
        for _ in range(5):
            problem(
                c.post("/api/v1/auth/token", data={"username": "locky", "password": "bad"}), 401
            )
        locked = c.post("/api/v1/auth/token", data={"username": "locky", "password": PASSWORD})
    assert problem(locked, 429)["type"] == "/problems/too-many-attempts"
    assert locked.headers["retry-after"] == "900"


def test_logout_ends_the_session(svc: RunningService) -> None:
    with svc.client() as c:
        token = c.post(
            "/api/v1/auth/token", data={"username": "audrey", "password": PASSWORD}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        assert c.get("/api/v1/me", headers=auth).json()["roles"] == ["auditor"]
        assert c.post("/api/v1/auth/logout", headers=auth).status_code == 204
        problem(c.get("/api/v1/me", headers=auth), 401)


def test_problems_for_unknown_things(svc: RunningService) -> None:
    with svc.client("audrey") as c:
        body = problem(c.get("/api/v1/pay-runs/999999"), 404)
        problem(c.get("/api/v1/pay-runs/0"), 422, "run_id")
        problem(c.get("/api/v1/pay-runs/99999999999"), 422, "run_id")
        problem(c.get("/api/v1/no-such-thing"), 404)
        problem(c.delete("/api/v1/pay-runs"), 405)
        page = c.get(body["type"])
    assert body == body | {"type": "/problems/not-found", "title": "Not found"}
    assert "No such record" in page.text


def test_request_validation_names_the_field(svc: RunningService) -> None:
    start = str(period(svc, 1).start)
    with svc.client("clara") as c:
        problem(
            c.post("/api/v1/pay-runs", json={"frequency": "daily", "period_start": start}),
            422,
            "frequency",
        )
        problem(
            c.post("/api/v1/pay-runs", json={"frequency": "monthly", "period_start": start}),
            422,
            "period_start",
        )
        problem(
            c.post("/api/v1/pay-runs", json={"frequency": "weekly", "period_start": "1066-10-14"}),
            422,
            "period_start",
        )
        problem(c.post("/api/v1/pay-runs", json={"frequency": "weekly"}), 422, "period_start")
        problem(
            c.post(
                "/api/v1/pay-runs",
                json={"frequency": "weekly", "period_start": start, "colour": "red"},
            ),
            422,
            "colour",
        )
        problem(
            c.post(
                "/api/v1/pay-runs", content=b"\xff{", headers={"content-type": "application/json"}
            ),
            422,
            "body",
        )
        problem(c.get("/api/v1/pay-runs?limit=0"), 422, "limit")
        problem(c.get("/api/v1/pay-runs?limit=501"), 422, "limit")
        problem(c.get("/api/v1/pay-runs?status=lost"), 422, "status")


def test_importing_employees(svc: RunningService) -> None:
    bad_scale = EMPLOYEE | {"scale": "1"}  # claims the tax-free threshold on scale 1
    with svc.client("clara") as c:
        assert c.post("/api/v1/employees", json={"employees": [EMPLOYEE]}).json() == {"count": 1}
        problem(
            c.post("/api/v1/employees", json={"employees": [EMPLOYEE, bad_scale]}),
            422,
            "employees[1].tax_free_threshold",
        )
        problem(
            c.post("/api/v1/employees", json={"employees": [EMPLOYEE, EMPLOYEE]}),
            422,
            "employees[1].id",
        )
        problem(
            c.post("/api/v1/employees", json={"employees": [EMPLOYEE | {"bsb": "32000"}]}),
            422,
            "employees[0].bsb",
        )
        problem(
            c.post("/api/v1/employees", json={"employees": [EMPLOYEE | {"name": "x" * 121}]}),
            422,
            "employees[0].name",
        )
        problem(c.post("/api/v1/employees", json={"employees": []}), 422, "employees")
        header = ",".join(COLUMNS)
        row = ",".join(
            str(
                EMPLOYEE.get(
                    k,
                    {"active": "true", "medicare_spouse": "false", "medicare_children": "0"}.get(
                        k, "0"
                    ),
                )
            )
            for k in COLUMNS
        )
        good = f"{header}\n{row.replace('N000001', 'N000002')}\n"
        assert c.post(
            "/api/v1/employees/csv", content=good, headers={"content-type": "text/csv"}
        ).json() == {"count": 1}
        bad = good + row.replace("N000001", "N000003").replace("91000.00", "lots") + "\n"
        body = problem(
            c.post("/api/v1/employees/csv", content=bad, headers={"content-type": "text/csv"}),
            422,
            "body",
        )
        assert "employees.csv:3: rate" in body["detail"]
        problem(
            c.post(
                "/api/v1/employees/csv", content=good, headers={"content-type": "application/json"}
            ),
            415,
        )
    with svc.client("alex") as c:
        assert (
            "clerk role"
            in problem(c.post("/api/v1/employees", json={"employees": [EMPLOYEE]}), 403)["detail"]
        )


def test_reading_employees_with_pagination(svc: RunningService) -> None:
    with svc.client("audrey") as c:
        first = c.get("/api/v1/employees", params={"limit": 10}).json()
        second = c.get(first["next"]).json()
        finance = c.get("/api/v1/employees", params={"department": "Finance", "limit": 500}).json()
        problem(c.get("/api/v1/employees/E999999"), 404)
        problem(c.get("/api/v1/employees/bad%20id"), 422, "employee_id")
    assert first["total"] >= 40
    assert len(first["items"]) == 10
    assert second["offset"] == 10
    assert second["items"][0]["id"] > first["items"][-1]["id"]
    assert {e["department"] for e in finance["items"]} == {"Finance"}
    assert first["items"][0]["rate"].count(".") == 1  # money as a decimal string
    with svc.client("e000001") as c:
        assert c.get("/api/v1/employees/E000001").json()["id"] == "E000001"
        problem(c.get("/api/v1/employees/E000002"), 403)
        problem(c.get("/api/v1/employees"), 403)


def test_recording_timesheets(svc: RunningService) -> None:
    p = period(svc, 2)
    base = {"frequency": "fortnightly", "period_start": str(p.start)}
    sheet = {"employee_id": "E000002", "ordinary_hours": "70.5"}
    with svc.client("clara") as c:
        assert c.post("/api/v1/timesheets", json=base | {"timesheets": [sheet]}).json() == {
            "count": 1
        }
        problem(
            c.post(
                "/api/v1/timesheets",
                json=base | {"timesheets": [sheet | {"employee_id": "E999999"}]},
            ),
            422,
            "timesheets[0].employee_id",
        )
        problem(
            c.post("/api/v1/timesheets", json=base | {"timesheets": [sheet, sheet]}),
            422,
            "timesheets[1].employee_id",
        )
        problem(
            c.post(
                "/api/v1/timesheets",
                json=base | {"timesheets": [sheet | {"ordinary_hours": "745"}]},
            ),
            422,
            "timesheets[0].ordinary_hours",
        )
        problem(
            c.post(
                "/api/v1/timesheets", json=base | {"timesheets": [sheet | {"allowances": "1.234"}]}
            ),
            422,
            "timesheets[0].allowances",
        )
        listed = c.get("/api/v1/timesheets", params=base).json()
        paid = svc.company.period.previous()  # the paid period's hours are final
        final = c.post(
            "/api/v1/timesheets",
            json={
                "frequency": "fortnightly",
                "period_start": str(paid.start),
                "timesheets": [sheet],
            },
        )
    assert listed["items"] == [
        {
            "employee_id": "E000002",
            "ordinary_hours": "70.50",
            "overtime_15_hours": "0.00",
            "overtime_20_hours": "0.00",
            "allowances": "0.00",
        }
    ]
    assert "hours are final" in problem(final, 409)["detail"]


def test_a_pay_run_from_draft_to_paid(svc: RunningService) -> None:
    run_id = new_run(svc, 3)
    p = period(svc, 3)
    url = f"/api/v1/pay-runs/{run_id}"
    with svc.client("clara") as c:
        again = c.post(
            "/api/v1/pay-runs", json={"frequency": "fortnightly", "period_start": str(p.start)}
        )
        other_day = c.post(
            "/api/v1/pay-runs",
            json={
                "frequency": "fortnightly",
                "period_start": str(p.start),
                "paid_on": str(p.paid_on + timedelta(days=1)),
            },
        )
        problem(c.get(f"{url}/summary"), 409)
        calc = c.post(f"{url}/calculate", json={})
        problem(c.post(f"{url}/approve", headers=key()), 403)
    assert (again.status_code, again.json()["id"]) == (200, run_id)
    assert "already has pay run" in problem(other_day, 409)["detail"]
    assert calc.json()["run"]["employees"] == 40 + 2  # two employees were imported above
    assert calc.json()["engines"] == {"1.0": 42}
    with svc.client("alex") as c:
        body = problem(c.post(f"{url}/approve"), 400, "Idempotency-Key")
        assert body["type"] == "/problems/idempotency-key-missing"
        problem(
            c.post(f"{url}/approve", headers={"Idempotency-Key": "has space"}),
            422,
            "Idempotency-Key",
        )
        first_key = key()
        approved = c.post(f"{url}/approve", headers=first_key)
        replayed = c.post(f"{url}/approve", headers=first_key)
        reused = c.post(f"{url}/mark-paid", headers=first_key)
        twice = c.post(f"{url}/approve", headers=key())
        aba = c.get(f"{url}/aba")
        summary = c.get(f"{url}/summary").json()
        journal = c.get(f"{url}/journal").json()
        paid = c.post(f"{url}/mark-paid", headers=key())
        problem(c.post(f"{url}/reject", json={"reason": "too late"}), 409)
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert replayed.json() == approved.json()
    assert replayed.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in approved.headers
    assert problem(reused, 422, "Idempotency-Key")["type"] == "/problems/idempotency-key-reused"
    assert "is approved, not draft" in problem(twice, 409)["detail"]
    _, totals = parse_aba(aba.text)
    assert aba.headers["content-disposition"] == f'attachment; filename="payrun-{run_id}.aba"'
    assert totals.credit_cents == round(float(approved.json()["net"]) * 100) == totals.debit_cents
    assert summary[-1]["department"] == "Total"
    assert summary[-1]["net"] == approved.json()["net"]
    assert journal[-1]["debit"] == journal[-1]["credit"]
    assert paid.json()["status"] == "paid"
    assert paid.json()["paid_by"] == "alex"
    with svc.client("clara") as c:
        problem(c.post(f"{url}/calculate", json={}), 409)
        listed = c.get("/api/v1/pay-runs", params={"status": "paid"}).json()["items"]
    assert run_id in {r["id"] for r in listed}


def test_segregation_of_duties(svc: RunningService) -> None:
    run_id = new_run(svc, 4, user="casey")  # casey is clerk and approver
    with svc.client("casey") as c:
        c.post(f"/api/v1/pay-runs/{run_id}/calculate", json={})
        refused = c.post(f"/api/v1/pay-runs/{run_id}/approve", headers=key())
    assert "segregation of duties" in problem(refused, 403)["detail"]


def test_calculation_errors(svc: RunningService) -> None:
    run_id = new_run(svc, 5)
    p = period(svc, 5)
    salaried = next(e.id for e in svc.company.staff if e.basis.value == "salaried")
    with svc.client("clara") as c:
        problem(
            c.post(f"/api/v1/pay-runs/{run_id}/calculate", json={"rule_set": "no-such-rules"}),
            422,
            "rule_set",
        )
        c.post(
            "/api/v1/timesheets",
            json={
                "frequency": "fortnightly",
                "period_start": str(p.start),
                "timesheets": [{"employee_id": salaried, "overtime_15_hours": 3}],
            },
        )
        failed = c.post(f"/api/v1/pay-runs/{run_id}/calculate", json={})
        after = c.get(f"/api/v1/pay-runs/{run_id}").json()
    body = problem(failed, 422)
    assert body["type"] == "/problems/pay-run-error"
    assert [e["field"] for e in body["errors"]] == [salaried]
    assert "overtime" in body["errors"][0]["message"]
    assert after["employees"] == 0
    assert after["calculated_by"] is None


def test_reject_needs_a_reason(svc: RunningService) -> None:
    run_id = new_run(svc, 6)
    with svc.client("clara") as c:
        c.post(f"/api/v1/pay-runs/{run_id}/calculate", json={})
    with svc.client("alex") as c:
        problem(c.post(f"/api/v1/pay-runs/{run_id}/reject", json={"reason": "   "}), 422, "reason")
        problem(c.post(f"/api/v1/pay-runs/{run_id}/reject", json={}), 422, "reason")
        rejected = c.post(f"/api/v1/pay-runs/{run_id}/reject", json={"reason": "E000003 hours?"})
        after = c.post(f"/api/v1/pay-runs/{run_id}/approve", headers=key())
    assert rejected.json()["calculated_by"] is None
    assert "not been calculated" in problem(after, 409)["detail"]


def test_parallel_run_and_reconciliation(svc: RunningService) -> None:
    run_id = new_run(svc, 7)
    url = f"/api/v1/pay-runs/{run_id}"
    with svc.client("clara") as c:
        result = c.post(f"{url}/parallel-run", json={"tolerance_cents": 0}).json()
        problem(c.post(f"{url}/parallel-run", json={"tolerance_cents": -1}), 422, "tolerance_cents")
        items = c.get(f"{url}/reconciliation").json()
    assert result["employees"] == result["official_engines"]["1.0"] > 0
    assert result["mismatched_lines"] == 0 == items["total"]  # engine 2.0 agrees to the cent
    with svc.client("alex") as c:
        problem(c.post(f"{url}/parallel-run", json={}), 403)
    paid = svc.company.paid_runs[0]
    with svc.client("clara") as c:
        problem(c.post(f"/api/v1/pay-runs/{paid}/parallel-run", json={}), 409)
        problem(c.get("/api/v1/pay-runs/424242/reconciliation"), 404)


def test_who_reads_which_payslip(svc: RunningService) -> None:
    paid = svc.company.paid_runs[0]
    draft = new_run(svc, 8)
    with svc.client("clara") as c:
        c.post(f"/api/v1/pay-runs/{draft}/calculate", json={})
    with svc.client("audrey") as c:
        listed = c.get(f"/api/v1/pay-runs/{paid}/payslips", params={"limit": 5}).json()
        one = c.get(f"/api/v1/pay-runs/{paid}/payslips/E000002").json()
        html = c.get(f"/api/v1/pay-runs/{paid}/payslips/E000002/html")
        problem(c.get(f"/api/v1/pay-runs/{paid}/payslips/E999999"), 404)
        problem(c.get("/api/v1/me/payslips"), 403)
    assert listed["total"] == 40
    assert listed["next"]
    assert sum(float(line["amount"]) for line in one["lines"] if line["kind"] == "tax") == float(
        one["withholding"]
    )
    assert html.headers["content-type"].startswith("text/html")
    assert "Net pay" in html.text
    with svc.client("e000001") as c:
        own = c.get(f"/api/v1/pay-runs/{paid}/payslips/E000001")
        mine = c.get("/api/v1/me/payslips").json()
        problem(c.get(f"/api/v1/pay-runs/{paid}/payslips/E000002"), 403)
        problem(c.get(f"/api/v1/pay-runs/{paid}/payslips/E000002/html"), 403)
        problem(c.get(f"/api/v1/pay-runs/{draft}/payslips/E000001"), 404)  # not approved yet
        problem(c.get(f"/api/v1/pay-runs/{paid}/payslips"), 403)
        problem(c.get(f"/api/v1/pay-runs/{paid}"), 403)
    assert own.json()["employee_id"] == "E000001"
    shown = [p["pay_run_id"] for p in mine["items"]]
    assert paid in shown
    assert draft not in shown


def test_users_are_managed_by_admins(svc: RunningService) -> None:
    with svc.client("admin") as c:
        problem(
            c.put("/api/v1/users/erin", json={"roles": ["employee"], "password": PASSWORD}),
            422,
            "employee_id",
        )
        problem(
            c.put(
                "/api/v1/users/erin",
                json={"roles": ["employee"], "password": PASSWORD, "employee_id": "E999999"},
            ),
            422,
            "employee_id",
        )
        problem(
            c.put(
                "/api/v1/users/erin",
                json={"roles": ["employee"], "password": "short", "employee_id": "E000005"},
            ),
            422,
            "password",
        )
        problem(c.put("/api/v1/users/erin", json={"roles": ["boss"]}), 422, "roles[0]")
        problem(c.put("/api/v1/users/no%20spaces", json={"roles": ["clerk"]}), 422, "name")
        problem(
            c.put("/api/v1/users/fred", json={"roles": ["clerk"], "employee_id": "E000006"}),
            422,
            "password",
        )
        filed = c.put(
            "/api/v1/users/erin",
            json={"roles": ["employee"], "password": PASSWORD, "employee_id": "E000005"},
        )
        assert filed.status_code == 202  # a role grant waits for a second admin
        request = filed.json()
        assert (request["status"], request["roles"]) == ("pending", ["employee"])
        assert [r["id"] for r in c.get("/api/v1/role-requests").json()] == [request["id"]]
        problem(c.post(f"/api/v1/role-requests/{request['id']}/approve"), 403, None)  # own grant
    with svc.client("adele") as c:
        decided = c.post(f"/api/v1/role-requests/{request['id']}/approve").json()
        assert (decided["status"], decided["decided_by"]) == ("approved", "adele")
        problem(c.post(f"/api/v1/role-requests/{request['id']}/reject"), 409)
        problem(c.post("/api/v1/role-requests/99999/approve"), 404)
        users = c.get("/api/v1/users", params={"limit": 500}).json()
    made = next(u for u in users["items"] if u["name"] == "erin")
    assert made == {
        "name": "erin",
        "roles": ["employee"],
        "employee_id": "E000005",
        "can_log_in": True,
    }
    assert "password" not in str(users)
    assert "argon2" not in str(users)
    assert svc.headers("erin")
    with svc.client("clara") as c:
        problem(c.get("/api/v1/users"), 403)
        problem(c.put("/api/v1/users/mallory", json={"roles": ["admin"]}), 403)


def _grant(svc: RunningService, name: str, body: dict) -> None:
    """Give ``name`` roles: filed by one admin, approved by the second."""
    with svc.client("admin") as c:
        filed = c.put(f"/api/v1/users/{name}", json=body)
    assert filed.status_code == 202, filed.text
    with svc.client("adele") as c:
        c.post(f"/api/v1/role-requests/{filed.json()['id']}/approve").raise_for_status()


def test_changing_ones_password(svc: RunningService) -> None:
    _grant(svc, "pat", {"roles": ["auditor"], "password": PASSWORD})
    new = PASSWORD + "-2"
    with svc.client("pat") as c:
        problem(
            c.put("/api/v1/me/password", json={"current_password": "wrong", "new_password": new}),
            403,
            "current_password",
        )
        problem(
            c.put(
                "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "short"}
            ),
            422,
            "new_password",
        )
        assert (
            c.put(
                "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": new}
            ).status_code
            == 204
        )
        problem(c.get("/api/v1/me"), 401)  # the password change ended every session
        assert (
            c.post("/api/v1/auth/token", data={"username": "pat", "password": new}).status_code
            == 200
        )


def test_engine_scope_rule_sets_and_audit_log(svc: RunningService) -> None:
    with svc.client("admin") as c:
        assert c.get("/api/v1/engine-scope").json() == {"filters": []}
        problem(c.put("/api/v1/engine-scope", json={"filters": [{}]}), 422, "filters[0]")
        problem(
            c.put("/api/v1/engine-scope", json={"filters": [{"all": True, "location": ["Perth"]}]}),
            422,
            "filters[0]",
        )
        problem(
            c.put("/api/v1/engine-scope", json={"filters": [{"colour": "red"}]}),
            422,
            "filters[0].colour",
        )
        scope = {"filters": [{"department": ["Finance"], "location": ["Perth"]}]}
        assert c.put("/api/v1/engine-scope", json=scope).json() == scope
        assert c.put("/api/v1/engine-scope", json={"filters": []}).json() == {"filters": []}
        rule_sets = c.get("/api/v1/rule-sets").json()
        detail = c.get(f"/api/v1/rule-sets/{rule_sets[-1]['name']}").json()
        problem(c.get("/api/v1/rule-sets/no-such-rules"), 404)
        problem(c.get("/api/v1/rule-sets/Bad%20Name"), 422, "name")
        log = c.get("/api/v1/audit-log", params={"entity": "feature_flag"}).json()
    assert [r["name"] for r in rule_sets] == [
        "ato-schedule1-2020-10-13",
        "ato-schedule1-2024-07-01",
        "ato-schedule1-2026-07-01",
    ]
    assert set(detail["brackets"]) == {"1", "2", "3", "5", "6"}
    assert [e["action"] for e in log["items"]][-2:] == ["flag.set", "flag.set"]
    assert log["items"][-2]["detail"]["new"] == scope["filters"]
    assert log["items"][-1]["at"].endswith(("+00:00", "Z"))  # times carry their zone (UTC)
    with svc.client("clara") as c:
        problem(c.get("/api/v1/audit-log"), 403)
        problem(c.put("/api/v1/engine-scope", json={"filters": []}), 403)
        problem(c.get("/api/v1/engine-scope"), 403)


def test_every_change_is_audited_and_no_secret_is(svc: RunningService) -> None:
    run_id = new_run(svc, 9)
    with svc.client("clara") as c:
        c.post(f"/api/v1/pay-runs/{run_id}/calculate", json={})
        c.post(f"/api/v1/pay-runs/{run_id}/parallel-run", json={})
    with svc.client("alex") as c:
        c.post(f"/api/v1/pay-runs/{run_id}/approve", headers=key())
    with svc.client("audrey") as c:
        first = c.get("/api/v1/audit-log", params={"entity": "pay_run", "limit": 500}).json()
        everything = c.get("/api/v1/audit-log", params={"limit": 500}).json()
    mine = [(e["actor"], e["action"]) for e in first["items"] if e["entity_id"] == str(run_id)]
    assert mine == [
        ("clara", "pay_run.create"),
        ("clara", "pay_run.calculate"),
        ("clara", "pay_run.parallel_run"),
        ("alex", "pay_run.approved"),
    ]
    actions = {e["action"] for e in everything["items"]}
    assert {"auth.login", "auth.failed", "account.set", "users.set"} <= actions
    assert PASSWORD not in str(everything)
    assert "argon2" not in str(everything)
    with svc.app.state.store.transaction() as conn:
        hashes = list(conn.scalars(select(service_accounts.c.password_hash)))
        details = " ".join(conn.scalars(select(audit_log.c.detail)))
    assert hashes
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert PASSWORD not in details
