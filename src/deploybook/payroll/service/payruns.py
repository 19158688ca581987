"""Pay runs as a service: prepare, calculate, approve, pay, with roles and an audit trail.

:class:`PayrollService` is the business layer an HTTP API or a web UI calls. Every method
takes the acting user's name, checks their role, does its work in one database transaction
and writes the audit log in that same transaction. The rules:

- clerks import employees, record timesheets, create and calculate pay runs;
- approvers approve, reject and mark pay runs paid, but never a run they created or
  calculated themselves, whose hours they recorded, or whose employees' pay or bank
  details they changed since the period began (segregation of duties), whatever roles
  they hold;
- a run with payslips computed by an engine version under rollout (engine 2.0 while it
  pays only part of the company) is approved only after a parallel run recorded since its
  last calculation found no difference: go/no-go lives here, not in a rollout script;
- auditors read the audit log (hash-chained, :mod:`.audit`); admins manage users and
  feature flags, and a role an admin grants waits for a second admin (:mod:`.roles`);
  employees hold no right here (the HTTP API lets them read their own payslips);
- employee records are changed with their before and after values audited, and not at all
  while an approved run that pays the employee awaits payment (:mod:`.master_data`);
- each payslip keeps the bank details it was calculated with; the bank file pays there,
  and every bank file is hashed and its downloads audited (:mod:`.bankfile`);
- a period has at most one pay run (creating it again returns the same run), so a
  period can never be paid twice; calculating replaces a draft's payslips atomically; a
  run with an employee whose pay cannot be computed is not written at all;
- changing a period's hours or any employee sends a calculated draft back to be
  calculated again, and a calculation that overlaps such a change is refused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from deploybook.payroll.engine.calculation import Engine, PayContext, compute_payslips, get_engine
from deploybook.payroll.engine.domain import Employee, PayFrequency, PayPeriod, Payslip, Timesheet
from deploybook.payroll.engine.money import ZERO
from deploybook.payroll.engine.rules import RuleSet, rule_set_named
from deploybook.payroll.service import bankfile, roles
from deploybook.payroll.service.audit import (
    AuditVerification,
    append_audit,
    latest_entry,
    read_audit,
    verify_audit,
    write_audit,
)
from deploybook.payroll.service.exceptions import ExceptionReport, exception_report
from deploybook.payroll.service.master_data import (
    awaiting_payment,
    change_entries,
    pay_or_bank_changed_by,
    start_of,
)
from deploybook.payroll.service.roles import RoleRequest
from deploybook.payroll.service.schema import audit_log, feature_flags, pay_runs, payslips, users
from deploybook.payroll.service.settings import Employer
from deploybook.payroll.service.store import (
    PayrollStore,
    delete_payslips,
    get_flag,
    insert_payslips,
    load_employees,
    load_roles,
    load_timesheets,
    now,
    paid_totals,
    save_employees,
    save_timesheets,
    save_users,
    table_columns,
)

ENGINE_FLAG = "engine.2.0.scope"  # feature flag: who is paid by engine 2.0


class Role(StrEnum):
    """What a user may do."""

    CLERK = "clerk"
    APPROVER = "approver"
    AUDITOR = "auditor"
    ADMIN = "admin"
    EMPLOYEE = "employee"


STAFF_ROLES = (Role.CLERK, Role.APPROVER, Role.AUDITOR)


class Status(StrEnum):
    """A pay run's life: draft (prepared, calculated) -> approved -> paid."""

    DRAFT = "draft"
    APPROVED = "approved"
    PAID = "paid"


class PermissionDenied(PermissionError):
    """The acting user may not do this."""


class NotFound(LookupError):
    """No such record."""


class InvalidState(ValueError):
    """The record is not in a state that allows this."""


class PayRunError(ValueError):
    """Some employees' pay could not be computed; nothing was written."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        sample = "; ".join(f"{k}: {v}" for k, v in list(self.errors.items())[:3])
        super().__init__(f"{len(self.errors)} employee(s) could not be paid: {sample}")


@dataclass(frozen=True)
class PayRun:
    """A pay run as stored."""

    id: int
    frequency: PayFrequency
    period_start: date
    period_end: date
    paid_on: date
    status: Status
    rule_set: str | None
    employees: int
    gross: Decimal
    withholding: Decimal
    super_guarantee: Decimal
    net: Decimal
    created_by: str
    calculated_by: str | None
    approved_by: str | None
    paid_by: str | None

    @property
    def period(self) -> PayPeriod:
        """The period this run pays."""
        return PayPeriod(self.frequency, self.period_start, self.period_end, self.paid_on)


@dataclass(frozen=True)
class EngineScope:
    """Which employees engine 2.0 pays: everyone, or those matching any of the filters.

    A filter is a mapping of employee attributes (``department``, ``location``) to a value
    or a list of values; ``{"all": true}`` matches everyone.
    """

    filters: tuple[Mapping[str, Any], ...] = ()

    def matches(self, employee: Employee) -> bool:
        """Whether ``employee`` falls in the scope."""
        return any(_matches(f, employee) for f in self.filters)

    @property
    def covers_everyone(self) -> bool:
        """Whether engine 2.0 pays everyone (its rollout is complete)."""
        return any(f.get("all") for f in self.filters)


def _matches(flt: Mapping[str, Any], employee: Employee) -> bool:
    if flt.get("all"):
        return True
    for key, wanted in flt.items():
        values = wanted if isinstance(wanted, list | tuple) else [wanted]
        if getattr(employee, key) not in values:
            return False
    return bool(flt)


@dataclass
class PayInputs:
    """Everything a calculation of one pay run reads, loaded once."""

    run: PayRun
    employees: list[Employee]
    timesheets: dict[str, Timesheet]
    context: PayContext
    ytd: dict[str, dict[str, Decimal]]
    base_used: dict[str, Decimal]


@dataclass
class Calculation:
    """What calculating a pay run produced."""

    run: PayRun
    payslips: list[Payslip]
    inputs: PayInputs
    engine_counts: dict[str, int] = field(default_factory=dict)
    compute_seconds: float = 0.0  # every engine together
    persist_seconds: float = 0.0
    engine_seconds: dict[str, float] = field(default_factory=dict)  # computing, by engine


def _version(conn: Connection, run_id: int) -> Any:
    """When pay run ``run_id`` last changed (its hours, its status or the employees)."""
    return conn.scalar(select(pay_runs.c.updated_at).where(pay_runs.c.id == run_id))


def _recorded_hours(conn: Connection, actor: str, run: PayRun) -> bool:
    """Whether ``actor`` recorded hours for ``run``'s period (the audit log says who did)."""
    query = select(audit_log.c.id).where(
        audit_log.c.actor == actor,
        audit_log.c.action == "timesheets.record",
        audit_log.c.entity == "period",
        audit_log.c.entity_id == str(run.period_start),
    )
    return conn.execute(query.limit(1)).first() is not None


def _row_to_run(row: Any) -> PayRun:
    values = dict(row._mapping)
    values.pop("updated_at", None)
    values["frequency"] = PayFrequency(values["frequency"])
    values["status"] = Status(values["status"])
    return PayRun(**values)


class PayrollService:
    """The payroll's business operations on one :class:`PayrollStore`."""

    def __init__(self, store: PayrollStore, *, inject_defect: bool = False) -> None:
        self.store = store
        self.engines: dict[str, Engine] = {
            "1.0": get_engine("1.0"),
            "2.0": get_engine("2.0", inject_defect=inject_defect),
        }

    # --- access control -------------------------------------------------------------------

    def _require(self, conn: Connection, actor: str, role: Role) -> None:
        if role.value not in load_roles(conn, actor):
            raise PermissionDenied(f"{actor!r} needs the {role.value} role for this")

    def add_users(
        self, actor: str, roles_by_user: Mapping[str, Iterable[str]]
    ) -> list[RoleRequest]:
        """Create or change users (admin). The users of an empty database are created at
        once (bootstrap); after that a change that grants a role is filed as a request for
        a second admin (returned), and one that grants nothing applies at once.
        """
        with self.store.transaction() as conn:
            bootstrap = conn.execute(select(users.c.name).limit(1)).first() is None
            if not bootstrap:
                self._require(conn, actor, Role.ADMIN)
            for name, wanted in roles_by_user.items():
                unknown = set(wanted) - {r.value for r in Role}
                if unknown:
                    raise ValueError(f"roles of {name}: unknown {sorted(unknown)}")
            if bootstrap:
                save_users(conn, roles_by_user)
                write_audit(conn, actor, "users.set", "user", ",".join(roles_by_user),
                            roles={k: sorted(v) for k, v in roles_by_user.items()})  # fmt: skip
                return []
            filed = [roles.set_roles(conn, actor, name, set(wanted))
                     for name, wanted in roles_by_user.items()]  # fmt: skip
            return [r for r in filed if r is not None]

    def role_requests(self, actor: str) -> list[RoleRequest]:
        """The role grants waiting for a second admin (admin)."""
        with self.store.transaction() as conn:
            self._require(conn, actor, Role.ADMIN)
            return roles.pending_requests(conn)

    def decide_role_request(self, actor: str, request_id: int, *, approve: bool) -> RoleRequest:
        """Approve or reject a role grant (an admin other than the one who filed it, and not
        the user it gives roles to).
        """
        with self.store.transaction() as conn:
            self._require(conn, actor, Role.ADMIN)
            try:
                return roles.decide(conn, actor, request_id, approve=approve)
            except roles.GrantRefused as exc:
                raise PermissionDenied(str(exc)) from None
            except LookupError as exc:
                raise NotFound(str(exc)) from None
            except ValueError as exc:  # decided already
                raise InvalidState(str(exc)) from None

    def audit_log(self, actor: str, entity: str | None = None) -> list[dict[str, Any]]:
        """The audit log (auditors and admins)."""
        with self.store.transaction() as conn:
            roles = load_roles(conn, actor)
            if not roles & {Role.AUDITOR.value, Role.ADMIN.value}:
                raise PermissionDenied(f"{actor!r} needs the auditor role to read the audit log")
            return read_audit(conn, entity=entity)

    def verify_audit_log(self, actor: str) -> AuditVerification:
        """Recompute the audit log's hash chain (auditors and admins)."""
        with self.store.transaction() as conn:
            if not load_roles(conn, actor) & {Role.AUDITOR.value, Role.ADMIN.value}:
                raise PermissionDenied(f"{actor!r} needs the auditor role to verify the audit log")
            return verify_audit(conn)

    def set_engine_scope(self, actor: str, filters: Iterable[Mapping[str, Any]]) -> None:
        """Set who engine 2.0 pays (admin); an empty list returns everyone to engine 1.0."""
        value = [dict(f) for f in filters]
        with self.store.transaction() as conn:
            self._require(conn, actor, Role.ADMIN)
            old = get_flag(conn, ENGINE_FLAG)
            conn.execute(delete(feature_flags).where(feature_flags.c.name == ENGINE_FLAG))
            conn.execute(
                insert(feature_flags).values(
                    name=ENGINE_FLAG, value=json.dumps(value, sort_keys=True), updated_by=actor,
                    updated_at=now(),
                )
            )  # fmt: skip
            write_audit(conn, actor, "flag.set", "feature_flag", ENGINE_FLAG, old=old, new=value)

    def engine_scope(self) -> EngineScope:
        """Who engine 2.0 pays, from the feature flag."""
        with self.store.transaction() as conn:
            return EngineScope(tuple(get_flag(conn, ENGINE_FLAG, [])))

    # --- master data ----------------------------------------------------------------------

    def import_employees(self, actor: str, records: Iterable[Employee]) -> int:
        """Add or update employees (clerk), auditing each one's changes before and after.

        An employee paid by an approved run that is not yet paid cannot be changed (that
        run was approved on their current details): :class:`InvalidState` names them.
        """
        records = list(records)
        with self.store.transaction() as conn:
            self._require(conn, actor, Role.CLERK)
            existing = {e.id: e for e in load_employees(conn, [r.id for r in records])}
            changed = [r for r in records if existing.get(r.id) not in (None, r)]
            frozen = awaiting_payment(conn, [r.id for r in changed])
            if frozen:
                shown = ", ".join(f"{e} (pay run {run})" for e, run in sorted(frozen.items())[:5])
                raise InvalidState(
                    f"employees paid by an approved run not yet paid cannot change until it "
                    f"is paid: {shown}"
                )
            count = save_employees(conn, records)
            append_audit(conn, change_entries(actor, existing, records))
            if count:  # calculated drafts no longer match the master data: recalculate them
                conn.execute(
                    update(pay_runs)
                    .where(pay_runs.c.status == Status.DRAFT.value,
                           pay_runs.c.calculated_by.is_not(None))
                    .values(calculated_by=None, updated_at=now())
                )  # fmt: skip
            write_audit(conn, actor, "employees.import", "employee", f"{count} records",
                        ids=[e.id for e in records[:50]], count=count)  # fmt: skip
            return count

    def record_timesheets(self, actor: str, period: PayPeriod, sheets: Iterable[Timesheet]) -> int:
        """Record hours for a period (clerk); a calculated draft run of it must be recalculated."""
        sheets = list(sheets)
        with self.store.transaction() as conn:
            self._require(conn, actor, Role.CLERK)
            run = self._find(conn, period)
            if run is not None and run.status is not Status.DRAFT:
                raise InvalidState(f"pay run {run.id} is {run.status.value}: its hours are final")
            count = save_timesheets(conn, period, sheets)
            if run is not None:
                conn.execute(
                    update(pay_runs)
                    .where(pay_runs.c.id == run.id)
                    .values(calculated_by=None, updated_at=now())
                )
            write_audit(conn, actor, "timesheets.record", "period", period.start, count=count)
            return count

    # --- pay runs -------------------------------------------------------------------------

    @staticmethod
    def _find(conn: Connection, period: PayPeriod) -> PayRun | None:
        row = conn.execute(
            select(pay_runs).where(
                pay_runs.c.frequency == period.frequency.value,
                pay_runs.c.period_start == period.start,
            )
        ).first()
        return _row_to_run(row) if row else None

    @staticmethod
    def _get(conn: Connection, run_id: int) -> PayRun:
        row = conn.execute(select(pay_runs).where(pay_runs.c.id == run_id)).first()
        if row is None:
            raise NotFound(f"pay run {run_id} does not exist")
        return _row_to_run(row)

    def pay_run(self, run_id: int) -> PayRun:
        """The pay run ``run_id``."""
        with self.store.transaction() as conn:
            return self._get(conn, run_id)

    def pay_runs(self) -> list[PayRun]:
        """Every pay run, newest period first."""
        with self.store.transaction() as conn:
            rows = conn.execute(select(pay_runs).order_by(pay_runs.c.period_start.desc()))
            return [_row_to_run(r) for r in rows]

    def create_pay_run(self, actor: str, period: PayPeriod) -> PayRun:
        """The draft pay run of ``period`` (clerk); if the period already has one, that one."""
        with self.store.transaction() as conn:
            self._require(conn, actor, Role.CLERK)
            existing = self._find(conn, period)
            if existing is not None:
                if existing.paid_on != period.paid_on:
                    raise InvalidState(
                        f"the {period.frequency.value} period from {period.start} already has "
                        f"pay run {existing.id}, paid on {existing.paid_on}"
                    )
                return existing
            result = conn.execute(
                pay_runs.insert()
                .values(
                    frequency=period.frequency.value,
                    period_start=period.start,
                    period_end=period.end,
                    paid_on=period.paid_on,
                    status=Status.DRAFT.value,
                    employees=0,
                    gross=ZERO,
                    withholding=ZERO,
                    super_guarantee=ZERO,
                    net=ZERO,
                    created_by=actor,
                    updated_at=now(),
                )
                .returning(pay_runs.c.id)
            )
            run_id = result.scalar_one()
            write_audit(conn, actor, "pay_run.create", "pay_run", run_id,
                        period=str(period.start), frequency=period.frequency.value)  # fmt: skip
            return self._get(conn, run_id)

    def inputs(self, run_id: int, rules: RuleSet | None = None) -> PayInputs:
        """Everything calculating ``run_id`` reads: employees, hours, rules, year-to-date."""
        with self.store.transaction() as conn:
            run = self._get(conn, run_id)
            context = PayContext.for_period(run.period, rules)
            ytd, used = paid_totals(conn, run.paid_on, context.base.start(run.paid_on))
            return PayInputs(
                run=run,
                employees=[
                    e for e in load_employees(conn) if e.active and e.frequency is run.frequency
                ],
                timesheets=load_timesheets(conn, run.period),
                context=context,
                ytd=ytd,
                base_used=used,
            )

    def calculate(
        self,
        actor: str,
        run_id: int,
        *,
        rule_set: str | None = None,
        engine_for: Callable[[Employee], str] | None = None,
    ) -> Calculation:
        """Compute every payslip of a draft run and store them in one transaction (clerk).

        ``rule_set`` names a rule set to use instead of the one in force on the payment
        date; ``engine_for`` picks each employee's engine version (default: the feature
        flag). If any employee's pay cannot be computed, :class:`PayRunError` lists them
        and the stored run is left exactly as it was.
        """
        with self.store.transaction() as conn:
            self._require(conn, actor, Role.CLERK)
            run = self._get(conn, run_id)
            if run.status is not Status.DRAFT:
                raise InvalidState(
                    f"pay run {run_id} is {run.status.value}; only drafts are calculated"
                )
            changed_at = _version(conn, run_id)
        inputs = self.inputs(run_id, rule_set_named(rule_set) if rule_set else None)
        if engine_for is None:
            scope = self.engine_scope()
            engine_for = lambda e: "2.0" if scope.matches(e) else "1.0"  # noqa: E731
        started = time.perf_counter()
        groups: dict[str, list[Employee]] = {}
        for employee in inputs.employees:
            groups.setdefault(engine_for(employee), []).append(employee)
        results: list[Payslip] = []
        errors: dict[str, str] = {}
        engine_seconds: dict[str, float] = {}
        for version, group in groups.items():
            begun = time.perf_counter()
            found, failed = compute_payslips(
                self.engines[version], group, inputs.timesheets, inputs.context, inputs.base_used
            )
            engine_seconds[version] = time.perf_counter() - begun
            results += found
            errors |= failed
        compute_seconds = time.perf_counter() - started
        if errors:
            raise PayRunError(errors)
        results.sort(key=lambda p: p.employee_id)
        started = time.perf_counter()
        with_engine = self.store.has_engine_column()
        if not with_engine and "2.0" in groups:
            raise InvalidState("engine 2.0 needs database revision 0002: run the upgrade first")
        with self.store.transaction() as conn:
            current = self._get(conn, run_id)
            if current.status is not Status.DRAFT:  # changed meanwhile
                raise InvalidState(f"pay run {run_id} is {current.status.value}")
            if _version(conn, run_id) != changed_at:  # hours or employees changed meanwhile
                raise InvalidState(
                    f"pay run {run_id} changed while it was being calculated: calculate it again"
                )
            delete_payslips(conn, run_id)
            accounts = {e.id: (e.bsb, e.account_number, e.name) for e in inputs.employees}
            insert_payslips(conn, run_id, results, inputs.ytd, with_engine=with_engine,
                            accounts=accounts)  # fmt: skip
            totals = {
                "employees": len(results),
                "gross": sum((p.gross for p in results), ZERO),
                "withholding": sum((p.withholding for p in results), ZERO),
                "super_guarantee": sum((p.super_guarantee for p in results), ZERO),
                "net": sum((p.net for p in results), ZERO),
            }
            conn.execute(
                update(pay_runs)
                .where(pay_runs.c.id == run_id)
                .values(
                    **totals,
                    rule_set=inputs.context.rules.name,
                    calculated_by=actor,
                    updated_at=now(),
                )
            )
            counts = {v: len(g) for v, g in groups.items()}
            write_audit(conn, actor, "pay_run.calculate", "pay_run", run_id, engines=counts,
                        rule_set=inputs.context.rules.name, **{k: str(v) for k, v in totals.items()})  # fmt: skip  # noqa: E501
            run = self._get(conn, run_id)
        return Calculation(
            run,
            results,
            inputs,
            counts,
            compute_seconds,
            time.perf_counter() - started,
            engine_seconds,
        )

    def _transition(
        self, actor: str, run_id: int, *, expect: Status, to: Status, column: str
    ) -> PayRun:
        with self.store.transaction() as conn:
            self._require(conn, actor, Role.APPROVER)
            run = self._get(conn, run_id)
            if run.status is not expect:
                raise InvalidState(f"pay run {run_id} is {run.status.value}, not {expect.value}")
            if actor in (run.created_by, run.calculated_by) or _recorded_hours(conn, actor, run):
                raise PermissionDenied(
                    f"segregation of duties: {actor!r} prepared pay run {run_id} (or recorded "
                    f"its hours) and may not {'approve' if to is Status.APPROVED else 'pay'} it"
                )
            if run.calculated_by is None or run.employees == 0:
                raise InvalidState(
                    f"pay run {run_id} has not been calculated since its last change"
                )
            paid = conn.scalars(
                select(payslips.c.employee_id).where(payslips.c.pay_run_id == run_id)
            ).all()
            touched = pay_or_bank_changed_by(conn, actor, paid, start_of(run.period_start))
            if touched:
                raise PermissionDenied(
                    f"segregation of duties: {actor!r} changed the pay or bank details of "
                    f"{', '.join(touched[:5])} since the period began and may not "
                    f"{'approve' if to is Status.APPROVED else 'pay'} pay run {run_id}"
                )
            if to is Status.APPROVED:
                self._require_clean_parallel_run(conn, run_id)
            conn.execute(
                update(pay_runs)
                .where(pay_runs.c.id == run_id, pay_runs.c.status == expect.value)
                .values(status=to.value, **{column: actor}, updated_at=now())
            )
            write_audit(conn, actor, f"pay_run.{to.value}", "pay_run", run_id, net=str(run.net))
            return self._get(conn, run_id)

    def _require_clean_parallel_run(self, conn: Connection, run_id: int) -> None:
        """Refuse a run with payslips by an engine version under rollout (engine 2.0 while
        it pays only part of the company) unless a parallel run recorded since the run's
        last calculation found no difference.
        """
        if "engine" not in table_columns(conn, "payslips"):
            return  # engine 1.0's schema: every payslip is engine 1.0's
        new = conn.scalar(
            select(func.count())
            .select_from(payslips)
            .where(payslips.c.pay_run_id == run_id, payslips.c.engine != "1.0")
        )
        scope = EngineScope(tuple(get_flag(conn, ENGINE_FLAG, [])))
        if not new or scope.covers_everyone:
            return
        calculated = latest_entry(conn, "pay_run.calculate", "pay_run", run_id)
        checked = latest_entry(conn, "pay_run.parallel_run", "pay_run", run_id)
        if checked is None or calculated is None or checked["id"] < calculated["id"]:
            raise InvalidState(
                f"go/no-go: pay run {run_id} has {new} payslips by engine 2.0, which is under "
                "rollout; run both engines in parallel on it (no parallel run is recorded "
                "since its last calculation)"
            )
        if checked["detail"]["mismatched_employees"]:
            raise InvalidState(
                f"go/no-go: the parallel run of pay run {run_id} found "
                f"{checked['detail']['mismatched_employees']} employees whose payslips differ "
                "between the engines: no-go"
            )

    def approve(self, actor: str, run_id: int) -> PayRun:
        """Approve a calculated draft (approver, not its preparer)."""
        return self._transition(
            actor, run_id, expect=Status.DRAFT, to=Status.APPROVED, column="approved_by"
        )

    def mark_paid(self, actor: str, run_id: int) -> PayRun:
        """Record that an approved run's payment file went to the bank (approver, not its preparer)."""  # noqa: E501
        return self._transition(
            actor, run_id, expect=Status.APPROVED, to=Status.PAID, column="paid_by"
        )

    def reject(self, actor: str, run_id: int, reason: str) -> PayRun:
        """Send a calculated draft back to its preparer with a reason (approver)."""
        if not reason.strip():
            raise ValueError("reason: say why the pay run is rejected")
        with self.store.transaction() as conn:
            self._require(conn, actor, Role.APPROVER)
            run = self._get(conn, run_id)
            if run.status is not Status.DRAFT:
                raise InvalidState(
                    f"pay run {run_id} is {run.status.value}; only drafts are rejected"
                )
            conn.execute(
                update(pay_runs)
                .where(pay_runs.c.id == run_id)
                .values(calculated_by=None, updated_at=now())
            )
            write_audit(conn, actor, "pay_run.reject", "pay_run", run_id, reason=reason)
            return self._get(conn, run_id)

    def bank_file(self, actor: str, run_id: int, employer: Employer) -> bankfile.BankFile:
        """The bank file of an approved or paid run (approvers and auditors), made from the
        bank details the payslips were calculated with, hashed, recorded and audited.
        """
        with self.store.transaction() as conn:
            if not load_roles(conn, actor) & {Role.APPROVER.value, Role.AUDITOR.value}:
                raise PermissionDenied(f"{actor!r} needs the approver or auditor role for this")
            run = self._get(conn, run_id)
        if run.status is Status.DRAFT:
            raise InvalidState(f"pay run {run_id} is draft: only approved runs are paid")
        text = bankfile.build(self.store, run_id, run.paid_on, employer)
        with self.store.transaction() as conn:
            return bankfile.record(conn, actor, run_id, text)

    def exceptions(self, actor: str, run_id: int) -> ExceptionReport:
        """The approver's exception report of ``run_id`` (payroll staff)."""
        with self.store.transaction() as conn:
            if not load_roles(conn, actor) & {r.value for r in STAFF_ROLES}:
                raise PermissionDenied(f"{actor!r} needs a payroll role to read exceptions")
            self._get(conn, run_id)
            return exception_report(conn, run_id)

    def payslip_count(self, run_id: int) -> int:
        """How many payslips the run holds."""
        with self.store.transaction() as conn:
            return len(
                conn.execute(select(payslips.c.id).where(payslips.c.pay_run_id == run_id)).all()
            )
