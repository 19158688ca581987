"""The pay-run service on SQLite, fast: each test starts from a copy of one migrated database.

The integration tests run the same service on SQLite and PostgreSQL through its real
migrations; these pin its rules one by one (who may do what, in which state, and what a
refusal leaves behind), quickly enough for mutation testing to run them per mutant.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from deploybook.payroll.engine.domain import PayPeriod, Timesheet
from deploybook.payroll.engine.synthetic import synthetic_company, synthetic_timesheets
from deploybook.payroll.service.parallel import parallel_run
from deploybook.payroll.service.payruns import (
    InvalidState,
    NotFound,
    PayrollService,
    PayRunError,
    PermissionDenied,
    Status,
)
from deploybook.payroll.service.settings import Employer
from deploybook.payroll.service.store import PayrollStore, load_employees, sqlite_url

PERIOD = PayPeriod.starting("fortnightly", date(2026, 11, 30))  # paid 16 December 2026
USERS = {"root": ["admin"], "ross": ["admin"], "clara": ["clerk"], "cleo": ["clerk"],
         "alex": ["approver"], "audrey": ["auditor"], "casey": ["clerk", "approver"]}  # fmt: skip
STAFF = synthetic_company(12, "fortnightly", seed=3)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the users and employees, copied by every test."""
    path = tmp_path_factory.mktemp("payruns") / "template.db"
    store = PayrollStore(sqlite_url(path))
    store.upgrade()
    service = PayrollService(store)
    service.add_users("root", USERS)
    service.import_employees("clara", STAFF)
    store.close()
    return path


@pytest.fixture
def service(template: Path, tmp_path: Path) -> Iterator[PayrollService]:
    shutil.copy(template, tmp_path / "payroll.db")
    store = PayrollStore(sqlite_url(tmp_path / "payroll.db"))
    yield PayrollService(store, inject_defect=True)
    store.close()


def _calculated(service: PayrollService, period: PayPeriod = PERIOD, actor: str = "clara") -> int:
    service.record_timesheets(actor, period, synthetic_timesheets(STAFF, period, 3).values())
    run_id = service.create_pay_run(actor, period).id
    service.calculate(actor, run_id)
    return run_id


def _actions(service: PayrollService) -> list[str]:
    return [e["action"] for e in service.audit_log("audrey")]


# --- users and roles -------------------------------------------------------------------


def test_only_an_empty_database_takes_users_without_an_admin(service: PayrollService) -> None:
    with pytest.raises(PermissionDenied, match="'clara' needs the admin role"):
        service.add_users("clara", {"clara": ["clerk", "approver"]})
    with pytest.raises(ValueError, match=r"roles of zed: unknown \['boss'\]"):
        service.add_users("root", {"zed": ["boss"]})
    (request,) = service.add_users("root", {"zed": ["clerk"]})
    assert (request.user_name, request.roles, request.status) == ("zed", ("clerk",), "pending")
    assert service.role_requests("ross") == [request]
    assert service.add_users("root", {"casey": ["clerk"]}) == []  # taking a role away: at once
    with pytest.raises(PermissionDenied, match="'casey' needs the approver role"):
        service.approve("casey", _calculated(service))


def test_the_only_admin_names_a_second_and_then_needs_them(tmp_path: Path) -> None:
    store = PayrollStore(sqlite_url(tmp_path / "fresh.db"))
    store.upgrade()
    service = PayrollService(store)
    service.add_users("root", {"root": ["admin"]})  # as a new service starts
    (request,) = service.add_users("root", {"zed": ["admin", "approver"]})  # more than admin
    assert service.add_users("root", {"ross": ["admin"]}) == []  # the second admin, at once
    assert [e["action"] for e in service.audit_log("ross")][-1] == "users.second_admin"
    (third,) = service.add_users("root", {"tess": ["admin"]})  # now two are needed
    assert service.decide_role_request("ross", third.id, approve=True).status == "approved"
    assert service.decide_role_request("ross", request.id, approve=True).status == "approved"
    store.close()


def test_a_role_grant_is_decided_by_another_admin_once(service: PayrollService) -> None:
    (request,) = service.add_users("root", {"zed": ["auditor"]})
    with pytest.raises(PermissionDenied, match="'clara' needs the admin role"):
        service.role_requests("clara")
    with pytest.raises(PermissionDenied, match="'clara' needs the admin role"):
        service.decide_role_request("clara", request.id, approve=True)
    with pytest.raises(PermissionDenied, match="a second administrator must decide it"):
        service.decide_role_request("root", request.id, approve=True)
    with pytest.raises(NotFound, match="role request 99 does not exist"):
        service.decide_role_request("ross", 99, approve=True)
    decided = service.decide_role_request("ross", request.id, approve=True)
    assert (decided.status, decided.decided_by) == ("approved", "ross")
    assert service.audit_log("zed")  # the auditor role now holds
    with pytest.raises(InvalidState, match=f"role request {request.id} is approved"):
        service.decide_role_request("ross", request.id, approve=False)
    (second,) = service.add_users("root", {"zed": ["auditor", "clerk"]})
    assert service.decide_role_request("ross", second.id, approve=False).status == "rejected"
    with pytest.raises(PermissionDenied, match="'zed' needs the clerk role"):
        service.create_pay_run("zed", PERIOD)
    assert service.role_requests("root") == []


def test_the_audit_log_is_for_auditors_and_admins(service: PayrollService) -> None:
    for actor in ("clara", "alex"):
        with pytest.raises(PermissionDenied, match="needs the auditor role to read"):
            service.audit_log(actor)
        with pytest.raises(PermissionDenied, match="needs the auditor role to verify"):
            service.verify_audit_log(actor)
    assert service.audit_log("root") == service.audit_log("audrey")
    assert {e["entity"] for e in service.audit_log("audrey", entity="user")} == {"user"}
    found = service.verify_audit_log("audrey")
    assert found.intact
    assert found.entries == len(service.audit_log("root"))


def test_the_engine_flag_is_set_by_an_admin_and_audited(service: PayrollService) -> None:
    assert service.engine_scope().filters == ()
    with pytest.raises(PermissionDenied, match="'clara' needs the admin role"):
        service.set_engine_scope("clara", [{"all": True}])
    service.set_engine_scope("root", [{"location": ["Perth"]}])
    service.set_engine_scope("root", [{"all": True}])
    assert service.engine_scope().covers_everyone
    entry = service.audit_log("audrey", entity="feature_flag")[-1]
    assert (entry["action"], entry["actor"]) == ("flag.set", "root")
    assert entry["detail"]["old"] == [{"location": ["Perth"]}]
    assert entry["detail"]["new"] == [{"all": True}]


# --- master data and hours ---------------------------------------------------------------


def test_importing_needs_a_clerk_and_sends_a_calculated_draft_back(
    service: PayrollService,
) -> None:
    first = STAFF[0]
    with pytest.raises(PermissionDenied, match="'alex' needs the clerk role"):
        service.import_employees("alex", [first])
    run_id = _calculated(service)
    assert service.import_employees("clara", [first]) == 1  # unchanged: saved, nothing logged
    assert service.pay_run(run_id).calculated_by is None  # the run must be calculated again
    assert "employee.change" not in _actions(service)
    moved = replace(first, location="Hobart")
    service.import_employees("clara", [moved])
    entry = [e for e in service.audit_log("audrey") if e["action"] == "employee.change"][-1]
    assert entry["detail"]["changes"] == {"location": [first.location, "Hobart"]}
    imported = [e for e in service.audit_log("audrey") if e["action"] == "employees.import"][-1]
    assert imported["detail"] == {"ids": [first.id], "count": 1}


def test_an_approved_run_freezes_its_employees_until_paid(service: PayrollService) -> None:
    run_id = _calculated(service)
    service.approve("alex", run_id)
    first = STAFF[0]
    with pytest.raises(InvalidState, match=rf"{first.id} \(pay run {run_id}\)"):
        service.import_employees("clara", [replace(first, rate=first.rate + 1)])
    with pytest.raises(InvalidState, match=f"pay run {run_id} is approved: its hours are final"):
        service.record_timesheets("clara", PERIOD, [Timesheet(first.id)])
    service.mark_paid("alex", run_id)
    assert service.import_employees("clara", [replace(first, rate=first.rate + 1)]) == 1


def test_recording_hours_sends_the_run_back_and_is_audited(service: PayrollService) -> None:
    run_id = _calculated(service)
    with pytest.raises(PermissionDenied, match="'alex' needs the clerk role"):
        service.record_timesheets("alex", PERIOD, [])
    assert service.record_timesheets("clara", PERIOD, [Timesheet(STAFF[0].id)]) == 1
    assert service.pay_run(run_id).calculated_by is None
    entry = service.audit_log("audrey", entity="period")[-1]
    assert (entry["action"], entry["entity_id"], entry["detail"]) == (
        "timesheets.record", str(PERIOD.start), {"count": 1})  # fmt: skip
    later = PERIOD.next()
    assert service.record_timesheets("clara", later, [Timesheet(STAFF[0].id)]) == 1  # no run


# --- pay runs ----------------------------------------------------------------------------


def test_a_period_has_one_run(service: PayrollService) -> None:
    with pytest.raises(PermissionDenied, match="'alex' needs the clerk role"):
        service.create_pay_run("alex", PERIOD)
    run = service.create_pay_run("clara", PERIOD)
    assert (run.status, run.created_by, run.employees, run.net) == (Status.DRAFT, "clara", 0, 0)
    assert (run.period_start, run.period_end, run.paid_on) == (
        PERIOD.start, PERIOD.end, PERIOD.paid_on)  # fmt: skip
    assert service.create_pay_run("cleo", PERIOD) == run  # the same run, not a second one
    monthly = service.create_pay_run("clara", PayPeriod.starting("monthly", date(2026, 12, 1)))
    earlier = service.create_pay_run("clara", PERIOD.previous())
    weekly = service.create_pay_run("clara", PayPeriod.starting("weekly", PERIOD.start))
    assert weekly.id != run.id  # the same first day, another frequency: another run
    assert [r.id for r in service.pay_runs()][:1] == [monthly.id]
    assert {r.id for r in service.pay_runs()} == {monthly.id, run.id, earlier.id, weekly.id}
    with pytest.raises(NotFound, match="pay run 99 does not exist"):
        service.pay_run(99)
    entry = service.audit_log("audrey", entity="pay_run")[0]
    assert entry["detail"] == {"period": str(PERIOD.start), "frequency": "fortnightly"}


def test_calculating_stores_every_payslip_and_the_totals(service: PayrollService) -> None:
    with pytest.raises(PermissionDenied, match="'alex' needs the clerk role"):
        service.calculate("alex", 1)
    service.record_timesheets("clara", PERIOD, synthetic_timesheets(STAFF, PERIOD, 3).values())
    run_id = service.create_pay_run("clara", PERIOD).id
    calc = service.calculate("clara", run_id)
    run = calc.run
    assert run.employees == len(calc.payslips) == service.payslip_count(run_id) == len(STAFF)
    assert run.gross == sum(p.gross for p in calc.payslips)
    assert run.withholding == sum(p.withholding for p in calc.payslips)
    assert run.super_guarantee == sum(p.super_guarantee for p in calc.payslips)
    assert run.net == sum(p.net for p in calc.payslips)
    assert run.net == run.gross - run.withholding - sum(
        p.deductions + p.salary_sacrifice for p in calc.payslips)  # fmt: skip
    assert (run.rule_set, run.calculated_by) == ("ato-schedule1-2026-07-01", "clara")
    assert calc.engine_counts == {"1.0": len(STAFF)}
    assert [p.employee_id for p in calc.payslips] == sorted(e.id for e in STAFF)
    entry = service.audit_log("audrey", entity="pay_run")[-1]
    assert entry["action"] == "pay_run.calculate"
    assert entry["detail"]["net"] == str(run.net)
    assert entry["detail"]["engines"] == {"1.0": len(STAFF)}
    older = service.calculate("clara", run_id, rule_set="ato-schedule1-2024-07-01")
    assert older.run.rule_set == "ato-schedule1-2024-07-01"
    assert older.run.withholding != run.withholding  # 16% became 15% on 1 July 2026
    assert service.payslip_count(run_id) == len(STAFF)  # replaced, not added


def test_calculating_splits_by_engine_and_refuses_anything_but_a_draft(
    service: PayrollService,
) -> None:
    run_id = _calculated(service)
    perth = {e.id for e in STAFF if e.location == "Perth"}
    calc = service.calculate(
        "clara", run_id, engine_for=lambda e: "2.0" if e.id in perth else "1.0"
    )
    assert calc.engine_counts == {"2.0": len(perth), "1.0": len(STAFF) - len(perth)}
    service.set_engine_scope("root", [{"all": True}])
    assert service.calculate("clara", run_id).engine_counts == {"2.0": len(STAFF)}
    service.approve("alex", run_id)
    with pytest.raises(InvalidState, match=f"pay run {run_id} is approved; only drafts"):
        service.calculate("clara", run_id)


def test_a_run_that_cannot_be_paid_is_left_as_it_was(service: PayrollService) -> None:
    run_id = _calculated(service)
    before = service.pay_run(run_id)
    salaried = next(e for e in STAFF if e.basis.value == "salaried")
    service.record_timesheets("clara", PERIOD, [Timesheet(salaried.id, overtime_15_hours=2)])
    with pytest.raises(PayRunError) as refused:
        service.calculate("clara", run_id)
    assert list(refused.value.errors) == [salaried.id]
    assert "salaried employee" in refused.value.errors[salaried.id]
    after = service.pay_run(run_id)
    assert (after.employees, after.net, after.calculated_by) == (before.employees, before.net,
                                                                None)  # fmt: skip
    assert service.payslip_count(run_id) == len(STAFF)


def test_nobody_approves_or_pays_what_they_prepared(service: PayrollService) -> None:
    run_id = _calculated(service, actor="casey")
    with pytest.raises(PermissionDenied, match="'clara' needs the approver role"):
        service.approve("clara", run_id)
    with pytest.raises(PermissionDenied, match=r"'casey' prepared pay run .* may not approve"):
        service.approve("casey", run_id)
    service.approve("alex", run_id)
    with pytest.raises(PermissionDenied, match=r"'casey' prepared pay run .* may not pay"):
        service.mark_paid("casey", run_id)
    paid = service.mark_paid("alex", run_id)
    assert (paid.status, paid.approved_by, paid.paid_by) == (Status.PAID, "alex", "alex")
    with pytest.raises(InvalidState, match=f"pay run {run_id} is paid, not approved"):
        service.mark_paid("alex", run_id)
    assert [a for a in _actions(service) if a.startswith("pay_run.")][-2:] == [
        "pay_run.approved", "pay_run.paid"]  # fmt: skip


def test_whoever_recorded_the_hours_may_not_approve(service: PayrollService) -> None:
    service.record_timesheets("casey", PERIOD, synthetic_timesheets(STAFF, PERIOD, 3).values())
    run_id = service.create_pay_run("clara", PERIOD).id
    service.calculate("clara", run_id)
    with pytest.raises(PermissionDenied, match="or recorded its hours"):
        service.approve("casey", run_id)


def test_whoever_changed_pay_may_not_approve(service: PayrollService) -> None:
    run_id = _calculated(service)
    first = STAFF[0]
    service.import_employees("casey", [replace(first, account_number="55555")])
    service.calculate("clara", run_id)
    with pytest.raises(PermissionDenied, match=f"changed the pay or bank details of {first.id}"):
        service.approve("casey", run_id)
    assert service.approve("alex", run_id).status is Status.APPROVED


def test_a_run_that_pays_nobody_cannot_be_approved(service: PayrollService) -> None:
    nobody = service.create_pay_run("clara", PayPeriod.starting("monthly", date(2026, 12, 1)))
    assert service.calculate("clara", nobody.id).run.employees == 0  # no monthly staff
    with pytest.raises(InvalidState, match="has not been calculated since its last change"):
        service.approve("alex", nobody.id)


def test_every_engines_refusals_are_listed(service: PayrollService) -> None:
    salaried = [e for e in STAFF if e.basis.value == "salaried"][:2]
    service.record_timesheets("clara", PERIOD, [Timesheet(e.id, overtime_15_hours=1)
                                                for e in salaried])  # fmt: skip
    run_id = service.create_pay_run("clara", PERIOD).id
    split = {salaried[0].id: "2.0"}
    with pytest.raises(PayRunError) as refused:
        service.calculate("clara", run_id, engine_for=lambda e: split.get(e.id, "1.0"))
    assert sorted(refused.value.errors) == sorted(e.id for e in salaried)  # from both engines


def test_a_run_must_be_calculated_since_its_last_change(service: PayrollService) -> None:
    run_id = service.create_pay_run("clara", PERIOD).id
    with pytest.raises(InvalidState, match="has not been calculated since its last change"):
        service.approve("alex", run_id)
    with pytest.raises(InvalidState, match=f"pay run {run_id} is draft, not approved"):
        service.mark_paid("alex", run_id)
    _calculated(service)
    service.record_timesheets("clara", PERIOD, [Timesheet(STAFF[0].id)])
    with pytest.raises(InvalidState, match="has not been calculated since its last change"):
        service.approve("alex", run_id)


def test_a_rejected_run_goes_back_to_its_preparer(service: PayrollService) -> None:
    run_id = _calculated(service)
    with pytest.raises(ValueError, match="reason: say why"):
        service.reject("alex", run_id, "  ")
    with pytest.raises(PermissionDenied, match="'clara' needs the approver role"):
        service.reject("clara", run_id, "hours?")
    rejected = service.reject("alex", run_id, "hours?")
    assert (rejected.status, rejected.calculated_by) == (Status.DRAFT, None)
    entry = service.audit_log("audrey", entity="pay_run")[-1]
    assert (entry["action"], entry["detail"]) == ("pay_run.reject", {"reason": "hours?"})
    service.calculate("clara", run_id)
    service.approve("alex", run_id)
    with pytest.raises(InvalidState, match=f"pay run {run_id} is approved; only drafts"):
        service.reject("alex", run_id, "too late")


def test_engine_2_under_rollout_needs_a_clean_parallel_run(service: PayrollService) -> None:
    """E000009 (Perth, hourly) works double time; engine 2.0 carries the injected defect."""
    run_id = _calculated(service)
    service.record_timesheets("clara", PERIOD, [Timesheet("E000009", ordinary_hours=76,
                                                          overtime_20_hours=4)])  # fmt: skip
    service.set_engine_scope("root", [{"location": ["Perth"]}])
    service.calculate("clara", run_id)
    with pytest.raises(InvalidState, match=r"has 4 payslips by engine 2\.0, which is under"):
        service.approve("alex", run_id)
    assert parallel_run(service, "clara", run_id).reconciliation.mismatched_employees == 1
    with pytest.raises(InvalidState, match="found 1 employees whose payslips differ"):
        service.approve("alex", run_id)
    service.calculate("clara", run_id)  # the parallel run now predates the calculation
    with pytest.raises(InvalidState, match="no parallel run is recorded since its last calc"):
        service.approve("alex", run_id)
    service.set_engine_scope("root", [{"all": True}])  # rollout complete: nothing to compare
    service.calculate("clara", run_id)
    assert service.approve("alex", run_id).status is Status.APPROVED


def test_a_clean_parallel_run_lets_the_run_through(template: Path, tmp_path: Path) -> None:
    shutil.copy(template, tmp_path / "clean.db")
    store = PayrollStore(sqlite_url(tmp_path / "clean.db"))
    service = PayrollService(store)  # no defect: the engines agree
    run_id = _calculated(service)
    service.set_engine_scope("root", [{"location": ["Perth"]}])
    service.calculate("clara", run_id)
    assert parallel_run(service, "clara", run_id).reconciliation.mismatched_employees == 0
    assert service.approve("alex", run_id).status is Status.APPROVED
    store.close()


def test_bank_files_for_approvers_and_auditors_of_approved_runs(service: PayrollService) -> None:
    run_id = _calculated(service)
    with pytest.raises(PermissionDenied, match="'clara' needs the approver or auditor role"):
        service.bank_file("clara", run_id, Employer())
    with pytest.raises(InvalidState, match=f"pay run {run_id} is draft"):
        service.bank_file("alex", run_id, Employer())
    service.approve("alex", run_id)
    first = service.bank_file("alex", run_id, Employer())
    assert service.bank_file("audrey", run_id, Employer()) == first
    assert first.generation == 1
    assert first.text.count("\r\n") == len(STAFF) + 3  # header, credits, debit, total
    with service.store.transaction() as conn:
        (employee,) = load_employees(conn, [STAFF[0].id])
    assert employee.account_number in first.text


def test_the_exception_report_is_for_payroll_staff(service: PayrollService) -> None:
    first = _calculated(service, PERIOD.previous())
    service.approve("alex", first)
    service.mark_paid("alex", first)
    run_id = _calculated(service)
    with pytest.raises(PermissionDenied, match="'zed' needs a payroll role"):
        service.exceptions("zed", run_id)
    with pytest.raises(NotFound, match="pay run 99"):
        service.exceptions("alex", 99)
    report = service.exceptions("audrey", run_id)
    assert (report.previous_run_id, report.count) == (first, 0)


def test_inputs_are_the_active_employees_of_the_runs_frequency(service: PayrollService) -> None:
    gone = replace(STAFF[0], active=False)
    monthly = replace(STAFF[1], frequency="monthly")
    service.import_employees("clara", [gone, monthly])
    run_id = service.create_pay_run("clara", PERIOD).id
    inputs = service.inputs(run_id)
    assert [e.id for e in inputs.employees] == [e.id for e in STAFF[2:]]
    assert inputs.context.super_rate == Decimal("0.12")
    assert inputs.context.rules.name == "ato-schedule1-2026-07-01"
