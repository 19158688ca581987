"""The controls an auditor signs off, on SQLite and PostgreSQL.

Each test states a control as an auditor would test it (a payroll audit checklist: bank
details frozen at calculation, changes logged with before and after values, no approving
one's own changes, two administrators for a role grant, a tamper-evident log, every bank
file accounted for, no new engine paying without a clean parallel run), then tries to get
round it.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from deploybook.payroll.engine.domain import Employee, PayPeriod, Timesheet
from deploybook.payroll.engine.synthetic import synthetic_company, synthetic_timesheets
from deploybook.payroll.service.audit import verify_audit
from deploybook.payroll.service.payruns import (
    InvalidState,
    PayrollService,
    PermissionDenied,
)
from deploybook.payroll.service.schema import audit_log, employees, payslips
from deploybook.payroll.service.settings import Employer
from deploybook.payroll.service.store import PayrollStore, load_employees

PERIOD = PayPeriod.starting("fortnightly", date(2026, 11, 30))  # paid 3 December 2026
USERS = {"root": ["admin"], "ross": ["admin"], "clara": ["clerk"], "alex": ["approver"],
         "audrey": ["auditor"], "casey": ["clerk", "approver"]}  # fmt: skip


def _service(store: PayrollStore, *, inject_defect: bool = False) -> PayrollService:
    store.upgrade()
    service = PayrollService(store, inject_defect=inject_defect)
    service.add_users("root", USERS)
    service.import_employees("clara", synthetic_company(20, "fortnightly", seed=3))
    return service


def _calculated(service: PayrollService, period: PayPeriod = PERIOD) -> int:
    staff = synthetic_company(20, "fortnightly", seed=3)
    service.record_timesheets("clara", period, synthetic_timesheets(staff, period, 3).values())
    run_id = service.create_pay_run("clara", period).id
    service.calculate("clara", run_id)
    return run_id


def _employee(service: PayrollService, employee_id: str = "E000001") -> Employee:
    with service.store.transaction() as conn:
        (found,) = load_employees(conn, [employee_id])
    return found


def test_bank_details_are_frozen_when_the_run_is_approved(store: PayrollStore) -> None:
    """The redirect-the-pay attempt: after approval the bank file pays the account the run
    was calculated with, whether the change is refused by the service or made directly in
    the database."""
    service = _service(store)
    run_id = _calculated(service)
    service.approve("alex", run_id)
    before = service.bank_file("alex", run_id, Employer()).text
    first = _employee(service)
    with pytest.raises(InvalidState, match=r"E000001 \(pay run 1\)"):
        service.import_employees("clara", [replace(first, bsb="999-999", account_number="66666")])
    with store.transaction() as conn:  # round the service, straight into the table
        conn.execute(
            update(employees).where(employees.c.id == "E000001")
            .values(bsb="999-999", account_number="66666")
        )  # fmt: skip
    after = service.bank_file("alex", run_id, Employer())
    assert after.text == before
    assert "\r\n1999-999" not in after.text  # no credit to the new account
    assert after.generation == 1  # the same file, downloaded again


def test_employee_changes_are_logged_with_before_and_after(store: PayrollStore) -> None:
    service = _service(store)
    first = _employee(service)
    service.import_employees("clara", [replace(first, account_number="55555", rate=first.rate + 1)])
    entries = [e for e in service.audit_log("audrey", entity="employee")
               if e["action"] == "employee.change"]  # fmt: skip
    (entry,) = entries
    assert entry["entity_id"] == "E000001"
    assert entry["detail"]["changes"] == {
        "account_number": [first.account_number, "55555"],
        "rate": [str(first.rate), str(first.rate + 1)],
    }


def test_whoever_changed_pay_or_bank_details_may_not_approve(store: PayrollStore) -> None:
    service = _service(store)
    run_id = _calculated(service)
    first = _employee(service)
    service.import_employees("casey", [replace(first, bsb="062-111")])  # casey: clerk too
    service.calculate("clara", run_id)
    with pytest.raises(
        PermissionDenied, match=r"'casey' changed the pay or bank details of E000001"
    ):
        service.approve("casey", run_id)
    assert service.approve("alex", run_id).approved_by == "alex"


def test_role_grants_need_a_second_admin(store: PayrollStore) -> None:
    service = _service(store)
    (request,) = service.add_users("root", {"mallory": ["admin", "approver"]})
    assert request.status == "pending"
    with pytest.raises(PermissionDenied, match="needs the approver role"):
        service.approve("mallory", 1)  # nothing applies before a second admin approves
    with pytest.raises(PermissionDenied, match="a second administrator must decide it"):
        service.decide_role_request("root", request.id, approve=True)
    (self_grant,) = service.add_users("ross", {"ross": ["admin", "clerk"]})
    with pytest.raises(PermissionDenied, match="receives its roles"):
        service.decide_role_request("ross", self_grant.id, approve=True)
    assert service.decide_role_request("ross", request.id, approve=True).status == "approved"
    assert service.role_requests("root") == [service.role_requests("root")[0]]  # ross's own
    assert service.add_users("root", {"mallory": ["approver"]}) == []  # taking away: at once


def test_tampering_with_the_audit_log_is_detected(store: PayrollStore, tmp_path: Path) -> None:
    service = _service(store)
    run_id = _calculated(service)
    service.approve("alex", run_id)
    url = store.url.render_as_string(hide_password=False)
    command = [sys.executable, "-m", "deploybook.cli", "payroll", "audit", "verify", "--url", url]
    intact = subprocess.run(command, capture_output=True, text=True, check=False)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "audit log intact" in intact.stdout
    with store.transaction() as conn:
        assert verify_audit(conn).intact
        entries = verify_audit(conn).entries
        conn.execute(  # an insider rewrites who approved the run
            update(audit_log).where(audit_log.c.action == "pay_run.approved").values(actor="audrey")
        )
    with store.transaction() as conn:
        broken = verify_audit(conn)
    assert not broken.intact
    assert broken.broken_at is not None
    assert "was changed after it was written" in (broken.problem or "")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"entry {broken.broken_at} was changed" in done.stderr
    assert entries > 20


@pytest.mark.parametrize("which", ["middle", "newest"])
def test_deleting_audit_entries_is_detected(store: PayrollStore, which: str) -> None:
    service = _service(store)
    _calculated(service)
    with store.transaction() as conn:
        ids = list(conn.scalars(select(audit_log.c.id).order_by(audit_log.c.id)))
        gone = ids[len(ids) // 2] if which == "middle" else ids[-1]
        conn.execute(delete(audit_log).where(audit_log.c.id == gone))
    with store.transaction() as conn:
        found = verify_audit(conn)
    assert not found.intact
    expected = "does not follow the entry before it" if which == "middle" else "newest entries"
    assert expected in (found.problem or "")


def test_bank_files_are_hashed_recorded_and_a_second_generation_is_flagged(
    store: PayrollStore,
) -> None:
    service = _service(store)
    run_id = _calculated(service)
    with pytest.raises(InvalidState, match="draft: only approved runs are paid"):
        service.bank_file("alex", run_id, Employer())
    service.approve("alex", run_id)
    with pytest.raises(PermissionDenied, match="approver or auditor"):
        service.bank_file("clara", run_id, Employer())
    first = service.bank_file("alex", run_id, Employer())
    again = service.bank_file("audrey", run_id, Employer())
    assert (first.generation, again.generation, again.sha256) == (1, 1, first.sha256)
    assert not again.regenerated
    other = service.bank_file("alex", run_id, Employer(bank="NAB"))  # settings changed since
    assert (other.generation, other.previous_sha256) == (2, first.sha256)
    actions = [(e["actor"], e["action"]) for e in service.audit_log("audrey", entity="pay_run")
               if e["action"].startswith("pay_run.bank_file")]  # fmt: skip
    assert actions == [("alex", "pay_run.bank_file"), ("audrey", "pay_run.bank_file"),
                       ("alex", "pay_run.bank_file.regenerated")]  # fmt: skip
    assert service.exceptions("alex", run_id).bank_file_generations == 2


def test_a_run_paid_by_an_engine_under_rollout_needs_a_clean_parallel_run(
    store: PayrollStore,
) -> None:
    from deploybook.payroll.service.parallel import parallel_run

    service = _service(store)
    service.set_engine_scope("root", [{"department": ["Warehouse"]}])
    run_id = _calculated(service)
    with pytest.raises(InvalidState, match=r"go/no-go: .*\(no parallel run is recorded"):
        service.approve("alex", run_id)
    assert parallel_run(service, "clara", run_id).reconciliation.mismatched_employees == 0
    service.calculate("clara", run_id)  # a calculation after the parallel run voids it
    with pytest.raises(InvalidState, match="since its last calculation"):
        service.approve("alex", run_id)
    parallel_run(service, "clara", run_id)
    assert service.approve("alex", run_id).status.value == "approved"


def test_a_parallel_run_that_finds_differences_is_a_no_go(store: PayrollStore) -> None:
    from deploybook.payroll.service.parallel import parallel_run

    service = _service(store, inject_defect=True)
    service.set_engine_scope("root", [{"department": ["Warehouse"]}])
    run_id = _calculated(service)
    warehouse = next(e for e in service.inputs(run_id).employees if e.department == "Warehouse")
    sunday = Timesheet(warehouse.id, ordinary_hours=Decimal(76), overtime_20_hours=Decimal(8))
    service.record_timesheets("clara", PERIOD, [sunday])
    service.calculate("clara", run_id)
    found = parallel_run(service, "clara", run_id)
    assert found.reconciliation.mismatched_employees > 0  # double time paid at 1.5
    with pytest.raises(InvalidState, match="employees whose payslips differ"):
        service.approve("alex", run_id)


def test_the_approver_sees_the_exceptions(store: PayrollStore) -> None:
    service = _service(store)
    first_run = _calculated(service)
    service.approve("alex", first_run)
    service.mark_paid("alex", first_run)
    staff = {e.id: e for e in service.inputs(first_run).employees}
    newcomer = replace(staff["E000001"], id="E000099", name="New Starter")
    service.import_employees("clara", [
        replace(staff["E000001"], bsb="062-999"),  # new bank details
        replace(staff["E000002"], active=False),  # a leaver
        newcomer,  # a starter
    ])  # fmt: skip
    second = _calculated(service, PERIOD.next())
    report = service.exceptions("alex", second)
    assert report.previous_run_id == first_run
    assert report.starters == ["E000099"]
    assert report.leavers == ["E000002"]
    assert [(b["employee_id"], b["after"].split()[0]) for b in report.new_bank_details] == [
        ("E000001", "062-999")
    ]
    changed = {c["employee_id"]: c for c in report.changes}
    assert set(changed) == {"E000001", "E000002", "E000099"}
    assert changed["E000001"]["changes"]["bsb"][1] == "062-999"
    assert changed["E000002"]["actor"] == "clara"
    assert report.count == 1 + 1 + 1 + 3
    with store.transaction() as conn:  # what the payslips were calculated with
        assert conn.scalar(
            select(payslips.c.bsb).where(payslips.c.pay_run_id == second,
                                         payslips.c.employee_id == "E000001")
        ) == "062-999"  # fmt: skip
