"""System security checks: bandit is clean, SQL is never built by formatting, access control."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import deploybook.payroll
from deploybook.payroll.engine.domain import PayPeriod
from deploybook.payroll.engine.synthetic import synthetic_company, synthetic_timesheets
from deploybook.payroll.report.security import bandit_findings, formatted_sql
from deploybook.payroll.service.payruns import PayrollService, PermissionDenied
from deploybook.payroll.service.store import PayrollStore, sqlite_url

PACKAGE = Path(deploybook.payroll.__file__).parent
PERIOD = PayPeriod.starting("fortnightly", date(2024, 7, 1))


def test_bandit_finds_nothing() -> None:
    assert bandit_findings(PACKAGE) == []


def test_no_sql_is_built_by_string_formatting(tmp_path: Path) -> None:
    assert formatted_sql(PACKAGE) == []
    bad = tmp_path / "bad.py"
    bad.write_text(
        'conn.execute(text(f"SELECT * FROM t WHERE id = {x}"))\nconn.execute("DELETE FROM t WHERE a = %s" % a)\n'  # noqa: E501
    )
    assert sorted(formatted_sql(tmp_path)) == [f"{bad}:1", f"{bad}:2"]


# operation -> the roles allowed to do it (everyone else must be refused)
OPERATIONS = {
    "import_employees": {"clerk"},
    "record_timesheets": {"clerk"},
    "create_pay_run": {"clerk"},
    "calculate": {"clerk"},
    "approve": {"approver"},
    "reject": {"approver"},
    "mark_paid": {"approver"},
    "audit_log": {"auditor", "admin"},
    "set_engine_scope": {"admin"},
    "add_users": {"admin"},
}
ROLES = ["clerk", "approver", "auditor", "admin", "nobody"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[PayrollService, int]:
    store = PayrollStore(sqlite_url(tmp_path_factory.mktemp("authz") / "p.db"))
    store.upgrade()
    service = PayrollService(store)
    users = {"admin": ["admin"], "prep": ["clerk"], **{r: [r] for r in ROLES if r != "nobody"}}
    service.add_users("admin", users)
    staff = synthetic_company(20, "fortnightly", seed=5)
    service.import_employees("prep", staff)
    service.record_timesheets("prep", PERIOD, synthetic_timesheets(staff, PERIOD, 5).values())
    run_id = service.create_pay_run("prep", PERIOD).id
    service.calculate("prep", run_id)
    return service, run_id


def _attempt(service: PayrollService, operation: str, actor: str, run_id: int) -> None:
    staff = synthetic_company(20, "fortnightly", seed=5)
    calls = {
        "import_employees": lambda: service.import_employees(actor, staff[:1]),
        "record_timesheets": lambda: service.record_timesheets(actor, PERIOD.next(), []),
        "create_pay_run": lambda: service.create_pay_run(actor, PERIOD),
        "calculate": lambda: service.calculate(actor, run_id),
        "approve": lambda: service.approve(actor, run_id),
        "reject": lambda: service.reject(actor, run_id, "checking access"),
        "mark_paid": lambda: service.mark_paid(actor, run_id),
        "audit_log": lambda: service.audit_log(actor),
        "set_engine_scope": lambda: service.set_engine_scope(actor, []),
        "add_users": lambda: service.add_users(actor, {"extra": ["auditor"]}),
    }
    calls[operation]()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_access_control_matrix(world, operation: str, role: str) -> None:
    service, run_id = world
    if role in OPERATIONS[operation]:
        try:
            _attempt(service, operation, role, run_id)
        except PermissionDenied:  # pragma: no cover - the failure this test exists to catch
            pytest.fail(f"{role} was refused {operation}")
        except ValueError:
            pass  # allowed, but the run's state forbids it now (e.g. paid already)
    else:
        with pytest.raises(PermissionDenied):
            _attempt(service, operation, role, run_id)
