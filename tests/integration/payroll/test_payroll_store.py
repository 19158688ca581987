"""The database layer on SQLite and on PostgreSQL: migrations, pay runs, access control, audit."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import ROUND_CEILING, Decimal

import pytest
from sqlalchemy import func, select

from deploybook.payroll.engine.aba import aba_file, parse_aba
from deploybook.payroll.engine.domain import Employee, PayPeriod, Timesheet
from deploybook.payroll.engine.synthetic import synthetic_company, synthetic_timesheets
from deploybook.payroll.rollout.rollback import check_rollback, snapshot
from deploybook.payroll.service.payruns import (
    InvalidState,
    NotFound,
    PayrollService,
    PayRunError,
    PermissionDenied,
    Status,
)
from deploybook.payroll.service.reports import journal, lines_frame, payments, payslip_html, summary
from deploybook.payroll.service.schema import audit_log, employees, payslips, reconciliation_items
from deploybook.payroll.service.store import PayrollStore, save_reconciliation

USERS = {"root": ["admin"], "clara": ["clerk"], "alex": ["approver"], "both": ["clerk", "approver"],
         "audrey": ["auditor"]}  # fmt: skip
JULY = PayPeriod.starting("fortnightly", date(2024, 7, 1))


def _service(store: PayrollStore, revision: str = "head", n: int = 60) -> PayrollService:
    store.upgrade(revision)
    service = PayrollService(store)
    service.add_users("root", USERS)
    service.import_employees("clara", synthetic_company(n, "fortnightly", seed=7))
    return service


def _prepare(service: PayrollService, period: PayPeriod = JULY, actor: str = "clara") -> int:
    staff = synthetic_company(60, "fortnightly", seed=7)
    service.record_timesheets(actor, period, synthetic_timesheets(staff, period, seed=7).values())
    return service.create_pay_run(actor, period).id


def test_migrations_round_trip_and_keep_data(store: PayrollStore) -> None:
    assert store.revisions() == ["0001", "0002", "0003", "0004"]
    service = _service(store, "0001")
    run_id = _prepare(service)
    service.calculate("clara", run_id)
    service.approve("alex", run_id)
    before = snapshot(store)
    store.upgrade()
    assert store.revision() == "0004"
    assert store.has_engine_column()
    with store.transaction() as conn:  # existing payslips were all computed by engine 1.0
        assert set(conn.scalars(select(payslips.c.engine))) == {"1.0"}
    store.downgrade("0001")
    check = check_rollback(before, snapshot(store), store.revision())
    assert check.intact
    assert check.rows_before > 60 * 5
    with pytest.raises(RuntimeError, match=r"downgrade to base refused: .*employees 60 rows"):
        store.downgrade("base")  # before 0001 there is nowhere to keep pay records
    assert store.revision() == "0001"
    assert check_rollback(before, snapshot(store), store.revision()).intact
    store.upgrade()
    assert store.revision() == "0004"


def test_an_empty_database_downgrades_to_nothing(store: PayrollStore) -> None:
    store.upgrade()
    store.downgrade("base")
    assert store.table_columns() == {}
    store.upgrade()
    assert store.revision() == "0004"
    if store.is_sqlite:  # the failed-or-not migration left foreign keys checked
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_downgrade_preserves_engine_2_attribution_in_the_audit_log(store: PayrollStore) -> None:
    service = _service(store)
    service.set_engine_scope("root", [{"department": ["Warehouse"]}])
    run_id = _prepare(service)
    calc = service.calculate("clara", run_id)
    assert calc.engine_counts.get("2.0", 0) > 0
    assert set(calc.engine_seconds) == set(calc.engine_counts) == {"1.0", "2.0"}  # timed apart
    assert sum(calc.engine_seconds.values()) <= calc.compute_seconds
    store.downgrade("0001")
    with store.transaction() as conn:
        rows = conn.execute(
            select(audit_log.c.detail).where(
                audit_log.c.action == "downgrade.preserve", audit_log.c.entity == "pay_run"
            )
        ).all()
    assert len(rows) == 1
    assert f'"payslips_by_engine_2_0": {calc.engine_counts["2.0"]}' in rows[0].detail


def test_downgrade_keeps_the_reconciliation_and_upgrade_restores_it(store: PayrollStore) -> None:
    service = _service(store)
    service.set_engine_scope("root", [{"department": ["Warehouse"]}])
    run_id = _prepare(service)
    calc = service.calculate("clara", run_id)
    paid_by_2 = sorted(p.employee_id for p in calc.payslips if p.engine == "2.0")
    items = [
        {"employee_id": paid_by_2[0], "line": "gross", "official": Decimal("2424.98"),
         "shadow": Decimal("2440.62"), "official_engine": "2.0", "shadow_engine": "1.0"},
        {"employee_id": paid_by_2[0], "line": "net", "official": Decimal("2002.98"),
         "shadow": None, "official_engine": "2.0", "shadow_engine": "1.0"},
    ]  # fmt: skip
    with store.transaction() as conn:
        save_reconciliation(conn, run_id, items)
    store.downgrade("0001")
    with store.transaction() as conn:
        (kept,) = conn.execute(
            select(audit_log.c.detail).where(
                audit_log.c.action == "downgrade.preserve", audit_log.c.entity == "pay_run"
            )
        ).all()
    detail = json.loads(kept.detail)
    assert detail["employees_by_engine_2_0"] == paid_by_2
    assert detail["reconciliation"] == [
        [paid_by_2[0], "gross", 242498, 244062, "2.0", "1.0"],
        [paid_by_2[0], "net", 200298, None, "2.0", "1.0"],
    ]
    for _ in range(2):  # a second round trip neither loses nor doubles the items
        store.upgrade()
        with store.transaction() as conn:
            rows = conn.execute(
                select(*(reconciliation_items.c[k] for k in items[0]))
                .where(reconciliation_items.c.pay_run_id == run_id)
                .order_by(reconciliation_items.c.id)
            ).all()
        assert [dict(r._mapping) for r in rows] == items
        store.downgrade("0001")


def test_engine_2_needs_the_new_schema(store: PayrollStore) -> None:
    service = _service(store, "0001")
    service.set_engine_scope("root", [{"all": True}])
    with pytest.raises(InvalidState, match="revision 0002"):
        service.calculate("clara", _prepare(service))


def test_full_cycle_reports_and_payment_file(store: PayrollStore) -> None:
    service = _service(store)
    run_id = _prepare(service)
    calc = service.calculate("clara", run_id)
    assert calc.run.employees == 60 == service.payslip_count(run_id)
    service.approve("alex", run_id)
    run = service.mark_paid("alex", run_id)
    assert run.status is Status.PAID
    assert (run.created_by, run.approved_by, run.paid_by) == (
        "clara",
        "alex",
        "alex",
    )
    table = summary(store, run_id)
    assert table.loc[("Total", ""), "employees"] == 60
    assert table.loc[("Total", ""), "net"] == run.net
    ledger = journal(store, run_id)
    assert ledger.iloc[-1]["debit"] == ledger.iloc[-1]["credit"] == run.gross + run.super_guarantee
    text = aba_file(payments(store, run_id, "PAY"), bank="WBC", user_name="ACME", apca_id=1,
                    description="PAYROLL", process_on=run.paid_on, trace_bsb="032-000",
                    trace_account="1234567", remitter="ACME")  # fmt: skip
    _, totals = parse_aba(text)
    assert totals.credit_cents == int(run.net * 100)
    html = payslip_html(store, run_id, "E000001", "Acme <Pty> Ltd")
    assert "Acme &lt;Pty&gt; Ltd" in html
    assert "Net pay" in html
    assert len(lines_frame(store, run_id, "E000001")) >= 3
    with pytest.raises(LookupError, match="no payslip for E999999"):
        payslip_html(store, run_id, "E999999", "Acme")


def test_year_to_date_accumulates_over_paid_runs(store: PayrollStore) -> None:
    service = _service(store)
    first = _prepare(service)
    service.calculate("clara", first)
    service.approve("alex", first)
    service.mark_paid("alex", first)
    second = _prepare(service, JULY.next())
    service.calculate("clara", second)
    with store.transaction() as conn:
        rows = conn.execute(
            select(payslips.c.pay_run_id, payslips.c.gross, payslips.c.ytd_gross)
            .where(payslips.c.employee_id == "E000001").order_by(payslips.c.pay_run_id)
        ).all()  # fmt: skip
    assert rows[0].ytd_gross == rows[0].gross
    assert rows[1].ytd_gross == rows[0].gross + rows[1].gross


def test_super_base_is_capped_per_quarter_across_runs(store: PayrollStore) -> None:
    # $1,000,000 a year paid fortnightly: $38,461.54 of OTE a run; the 2024-25 maximum super
    # contribution base is $65,070 a quarter of payments (1 July - 30 September ...)
    service = _service(store, n=1)
    rich = Employee(id="E900001", name="Rich Person", department="Finance", location="Perth",
                    frequency="fortnightly", basis="salaried", rate=Decimal(1_000_000), scale="2",
                    tax_free_threshold=True, bsb="032-000", account_number="12345678")  # fmt: skip
    service.import_employees("clara", [rich])

    def run(period: PayPeriod, *, pay: bool = True) -> Decimal:
        run_id = service.create_pay_run("clara", period).id
        slips = service.calculate("clara", run_id).payslips
        (slip,) = [p for p in slips if p.employee_id == rich.id]
        service.approve("alex", run_id)
        if pay:
            service.mark_paid("alex", run_id)
        return slip.super_guarantee

    rate = Decimal("0.115")
    assert run(JULY) == (Decimal("38461.54") * rate).quantize(Decimal("0.01"), ROUND_CEILING)
    # paid 31 July: only $26,608.46 of the quarter's base is left; approved, not yet marked paid
    assert run(JULY.next(), pay=False) == Decimal("3059.98")  # 26,608.46 x 11.5% = 3,059.9729
    assert run(JULY.next().next()) == 0  # paid 14 August: the base is used up
    october = PayPeriod.starting("fortnightly", date(2024, 9, 23))  # paid 9 October: Q2
    assert october.paid_on == date(2024, 10, 9)
    assert run(october) == Decimal("4423.08")  # a new quarter: 38,461.54 x 11.5% = 4,423.077


def test_a_period_is_never_paid_twice(store: PayrollStore) -> None:
    service = _service(store)
    run_id = _prepare(service)
    assert service.create_pay_run("clara", JULY).id == run_id  # same period: same run
    service.calculate("clara", run_id)
    service.calculate("clara", run_id)  # recalculating replaces, never adds
    assert service.payslip_count(run_id) == 60
    service.approve("alex", run_id)
    with pytest.raises(InvalidState, match="only drafts are calculated"):
        service.calculate("clara", run_id)
    service.mark_paid("alex", run_id)
    with pytest.raises(InvalidState, match="is paid, not approved"):
        service.mark_paid("alex", run_id)
    with pytest.raises(InvalidState, match="already has pay run"):
        service.create_pay_run(
            "clara", PayPeriod.starting("fortnightly", JULY.start, date(2024, 7, 20))
        )
    assert len(service.pay_runs()) == 1


def test_a_failed_calculation_writes_nothing(store: PayrollStore) -> None:
    service = _service(store)
    run_id = _prepare(service)
    service.calculate("clara", run_id)
    before = snapshot(store)["payslips"]
    salaried = next(
        e for e in synthetic_company(60, "fortnightly", seed=7) if e.basis.value == "salaried"
    )
    service.record_timesheets("clara", JULY, [Timesheet(salaried.id, overtime_15_hours=Decimal(3))])
    with pytest.raises(PayRunError, match=f"{salaried.id}: overtime hours"):
        service.calculate("clara", run_id)
    assert snapshot(store)["payslips"] == before


def test_segregation_of_duties_and_roles(store: PayrollStore) -> None:
    service = _service(store)
    run_id = _prepare(service, actor="both")
    with pytest.raises(PermissionDenied, match="clerk role"):
        service.calculate("alex", run_id)
    service.calculate("both", run_id)
    with pytest.raises(PermissionDenied, match="segregation of duties"):
        service.approve("both", run_id)  # holds the approver role, but prepared this run
    with pytest.raises(PermissionDenied, match="approver role"):
        service.approve("clara", run_id)
    with pytest.raises(PermissionDenied, match="auditor role"):
        service.audit_log("clara")
    with pytest.raises(PermissionDenied, match="admin role"):
        service.add_users("clara", {"mallory": ["admin"]})
    with pytest.raises(PermissionDenied, match="admin role"):
        service.set_engine_scope("alex", [{"all": True}])
    with pytest.raises(ValueError, match="unknown"):
        service.add_users("root", {"x": ["superuser"]})
    with pytest.raises(NotFound):
        service.pay_run(999)
    service.approve("alex", run_id)
    assert service.pay_run(run_id).approved_by == "alex"


def test_who_recorded_the_hours_may_not_approve_them(store: PayrollStore) -> None:
    service = _service(store)
    staff = synthetic_company(60, "fortnightly", seed=7)
    service.record_timesheets("both", JULY, synthetic_timesheets(staff, JULY, seed=7).values())
    run_id = service.create_pay_run("clara", JULY).id
    service.calculate("clara", run_id)  # clara prepared and calculated: 'both' only entered hours
    with pytest.raises(
        PermissionDenied, match=r"segregation of duties: 'both' .*recorded its hours"
    ):
        service.approve("both", run_id)
    service.approve("alex", run_id)
    with pytest.raises(PermissionDenied, match="segregation of duties"):
        service.mark_paid("both", run_id)
    service.mark_paid("alex", run_id)


def test_changed_hours_need_recalculation_and_rejection_needs_a_reason(store: PayrollStore) -> None:
    service = _service(store)
    run_id = _prepare(service)
    service.calculate("clara", run_id)
    _prepare(service)  # hours recorded again for the same period
    with pytest.raises(InvalidState, match="not been calculated since its last change"):
        service.approve("alex", run_id)
    service.calculate("clara", run_id)
    with pytest.raises(ValueError, match="reason"):
        service.reject("alex", run_id, " ")
    service.reject("alex", run_id, "overtime for E000002 looks wrong")
    with pytest.raises(InvalidState):
        service.approve("alex", run_id)
    service.calculate("clara", run_id)
    service.approve("alex", run_id)
    with pytest.raises(InvalidState, match="hours are final"):
        _prepare(service)
    with pytest.raises(InvalidState, match="only drafts are rejected"):
        service.reject("alex", run_id, "too late")


def test_changed_employees_need_recalculation(store: PayrollStore) -> None:
    service = _service(store)
    run_id = _prepare(service)
    service.calculate("clara", run_id)
    first = synthetic_company(60, "fortnightly", seed=7)[0]
    service.import_employees("clara", [replace(first, rate=first.rate + 1)])  # a pay rise
    with pytest.raises(InvalidState, match="not been calculated since its last change"):
        service.approve("alex", run_id)
    service.calculate("clara", run_id)
    service.approve("alex", run_id)


def test_hours_changed_during_a_calculation_refuse_it(
    store: PayrollStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = _service(store)
    run_id = _prepare(service)
    read_inputs = service.inputs

    def inputs_then_new_hours(*args, **kwargs):
        found = read_inputs(*args, **kwargs)
        _prepare(service)  # another clerk records the period's hours again meanwhile
        return found

    monkeypatch.setattr(service, "inputs", inputs_then_new_hours)
    with pytest.raises(InvalidState, match="changed while it was being calculated"):
        service.calculate("clara", run_id)
    assert service.payslip_count(run_id) == 0
    monkeypatch.undo()
    service.calculate("clara", run_id)
    service.approve("alex", run_id)


def test_every_change_is_audited(store: PayrollStore) -> None:
    service = _service(store)
    run_id = _prepare(service)
    service.calculate("clara", run_id)
    service.approve("alex", run_id)
    actions = [(e["actor"], e["action"]) for e in service.audit_log("audrey")]
    assert actions == [
        ("root", "users.set"),
        *[("clara", "employee.create")] * 60,  # each with its fields (before: none)
        ("clara", "employees.import"),
        ("clara", "timesheets.record"),
        ("clara", "pay_run.create"),
        ("clara", "pay_run.calculate"),
        ("alex", "pay_run.approved"),
    ]
    assert service.audit_log("audrey", entity="pay_run")[-1]["detail"]["net"] == str(
        service.pay_run(run_id).net
    )


def test_sql_injection_is_stored_as_text(store: PayrollStore) -> None:
    service = _service(store, n=3)
    evil = synthetic_company(1, "fortnightly", seed=1)[0]
    payload = "Robert'); DROP TABLE employees;--"
    service.import_employees(
        "clara", [type(evil)(**{**vars(evil), "id": "E900001", "name": payload})]
    )
    with store.transaction() as conn:
        assert conn.scalar(select(employees.c.name).where(employees.c.id == "E900001")) == payload
        assert conn.scalar(select(func.count()).select_from(employees)) == 4


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="SQLite or PostgreSQL"):
        PayrollStore("mysql://localhost/payroll")
