"""Security: schemathesis fuzzes every operation of the OpenAPI contract against the real
server on PostgreSQL (where a text too long or a NUL byte would surface as a 500)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import pytest
from fuzzing import LAST, fuzz  # tests/system/payroll/fuzzing.py: test-only code

from deploybook.payroll.report.demo import running_service
from deploybook.payroll.service.api.accounts import hash_password, save_account
from deploybook.payroll.service.app import create_app
from deploybook.payroll.service.server import bootstrap_admin, serve_in_thread
from deploybook.payroll.service.settings import ADMIN_PASSWORD_ENV, ServiceSettings
from deploybook.payroll.service.store import sqlite_url

MAX_EXAMPLES = int(os.environ.get("PAYROLL_FUZZ_EXAMPLES", "4"))  # per operation and mode


def test_the_contract_holds_under_fuzzing(pg_url: str, artifacts: Path) -> None:
    password = secrets.token_urlsafe(12)
    with running_service(pg_url, password, employees=30, paid_periods=1, seed=9) as svc:
        svc.app.state.service.add_users(
            "admin", {"fuzzer": ["clerk", "approver", "auditor", "admin"]}
        )
        with svc.app.state.store.transaction() as conn:
            save_account(
                conn,
                "admin",
                "fuzzer",
                password_hash=hash_password(password),
                employee_id="E000001",
            )
        report = fuzz(svc.base_url, "fuzzer", password, max_examples=MAX_EXAMPLES)
        with svc.client() as client:
            spec = client.get("/openapi.json").json()
    operations = sum(len(methods) for methods in spec["paths"].values())
    summary = {
        "operations": report.operations,
        "cases": report.total_cases,
        "failures": len(report.failures),
        "max_examples": MAX_EXAMPLES,
        "statuses": {str(k): v for k, v in sorted(report.statuses.items())},
        "by_operation": [
            {"operation": op, "mode": mode, "cases": n}
            for (op, mode), n in sorted(report.cases.items())
        ],
        "failed": [vars(f) for f in report.failures[:20]],
    }
    (artifacts / "fuzz.json").write_text(json.dumps(summary, indent=1))
    assert report.failures == [], report.failures[0].message
    assert report.operations >= operations
    assert report.operations >= 30
    assert report.total_cases >= report.operations * 2  # every operation, positive and negative
    assert 500 not in report.statuses
    assert {op for op, _ in report.cases} >= set(LAST)  # the session-changing ones ran too
    assert report.statuses[422] > 0
    assert report.statuses[200] > 0


def test_fuzzing_can_select_operations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, "a fuzzing password")
    app = create_app(ServiceSettings(database_url=sqlite_url(tmp_path / "p.db")))
    bootstrap_admin(app.state.store, tmp_path)
    with serve_in_thread(app) as base:
        report = fuzz(
            base,
            "admin",
            "a fuzzing password",
            max_examples=3,
            select=lambda label: label.endswith("/rule-sets/{name}"),
        )
    assert report.operations == 1
    assert report.failures == []
    assert {mode for _, mode in report.cases} == {"positive", "negative"}
    assert report.total_cases == sum(report.statuses.values()) > 0
