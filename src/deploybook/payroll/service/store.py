"""The payroll database: connecting, migrating with Alembic, and reading and writing records.

SQLite (a file) by default, PostgreSQL by URL (``postgresql+psycopg://...``). Every
statement is built with SQLAlchemy, so values always travel as bound parameters. Writes
happen inside :meth:`PayrollStore.transaction`: all of it commits, or none of it does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import make_url

from deploybook.payroll.engine.domain import Employee, PayPeriod, Payslip, Timesheet
from deploybook.payroll.engine.money import ZERO
from deploybook.payroll.engine.rules import financial_year
from deploybook.payroll.service.schema import (
    employees,
    feature_flags,
    pay_runs,
    payslip_lines,
    payslips,
    reconciliation_items,
    timesheets,
    users,
)

MIGRATIONS = Path(__file__).with_name("migrations")
ENGINE_1_REVISION = "0001"
ENGINE_2_REVISION = "0002"
COMMITTED = ("approved", "paid")  # pay-run statuses whose payslips can no longer change


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{Path(path).resolve()}"


def alembic_config() -> Config:
    """Alembic's configuration for the migrations shipped inside this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


class PayrollStore:
    """One payroll database: its migrations and its tables."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        if self.url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError(f"database url: SQLite or PostgreSQL expected, got {url!r}")
        self.engine: Engine = create_engine(self.url, echo=echo)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite."""
        return self.url.get_backend_name() == "sqlite"

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    # --- schema --------------------------------------------------------------------------

    def revision(self) -> str | None:
        """The Alembic revision the database is at (``None``: not migrated yet)."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def _migrate(self, action: str, revision: str) -> None:
        config = alembic_config()
        with self.engine.connect() as conn:
            if self.is_sqlite:  # SQLite rebuilds tables to alter them: no FK checks meanwhile
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            try:
                config.attributes["connection"] = conn
                getattr(command, action)(config, revision)
                conn.commit()
            finally:  # the connection goes back to the pool: never without its FK checks
                conn.rollback()
                if self.is_sqlite:
                    conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        self.engine.dispose()  # no pooled connection keeps what it knew of the old schema

    def upgrade(self, revision: str = "head") -> None:
        """Migrate up to ``revision`` (the newest by default)."""
        self._migrate("upgrade", revision)

    def downgrade(self, revision: str) -> None:
        """Migrate down to ``revision``; each migration's downgrade keeps the data before it."""
        self._migrate("downgrade", revision)

    @staticmethod
    def revisions() -> list[str]:
        """Every revision, oldest first."""
        script = ScriptDirectory.from_config(alembic_config())
        return [r.revision for r in reversed(list(script.walk_revisions()))]

    def has_engine_column(self) -> bool:
        """Whether ``payslips.engine`` exists (revision 0002 and later)."""
        with self.engine.connect() as conn:
            return "engine" in {c["name"] for c in inspect(conn).get_columns("payslips")}

    def table_columns(self) -> dict[str, list[str]]:
        """Every table and its columns, as the database has them."""
        with self.engine.connect() as conn:
            inspector = inspect(conn)
            return {
                t: sorted(c["name"] for c in inspector.get_columns(t))
                for t in sorted(inspector.get_table_names())
                if t != "alembic_version"
            }

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a transaction: committed on success, rolled back on any error."""
        with self.engine.begin() as conn:
            yield conn


# --- records ----------------------------------------------------------------------------


def now() -> datetime:
    """The current time in UTC (what the audit log records)."""
    return datetime.now(UTC)


def table_names(conn: Connection) -> frozenset[str]:
    """The tables of this database (cached like :func:`table_columns`)."""
    if "deploybook_tables" not in conn.info:
        conn.info["deploybook_tables"] = frozenset(inspect(conn).get_table_names())
    return conn.info["deploybook_tables"]


def table_columns(conn: Connection, table: str) -> frozenset[str]:
    """The columns ``table`` has in this database (cached on the pooled connection; the
    store drops its pool after every migration, so the cache never outlives a schema).
    """
    cache = conn.info.setdefault("deploybook_columns", {})
    if table not in cache:
        cache[table] = frozenset(c["name"] for c in inspect(conn).get_columns(table))
    return cache[table]


def _employee_row(employee: Employee) -> dict[str, Any]:
    row = asdict(employee)
    row["frequency"] = employee.frequency.value
    row["basis"] = employee.basis.value
    return row


def save_employees(conn: Connection, records: Iterable[Employee]) -> int:
    """Insert or replace employees (by id); return how many were written."""
    rows = [_employee_row(e) for e in records]
    if not rows:
        return 0
    if "stsl" not in table_columns(conn, "employees"):  # a schema before revision 0004
        with_loan = [r["id"] for r in rows if r.pop("stsl")]
        if with_loan:
            raise ValueError(
                f"stsl: this database (before revision 0004) cannot record study loans "
                f"({', '.join(with_loan[:5])}): upgrade it first"
            )
    ids = [r["id"] for r in rows]
    existing = set()
    for start in range(0, len(ids), 900):  # stay under SQLite's bound-parameter limit
        chunk = ids[start : start + 900]
        existing |= set(conn.scalars(select(employees.c.id).where(employees.c.id.in_(chunk))))
    new = [r for r in rows if r["id"] not in existing]
    if new:
        conn.execute(insert(employees), new)
    for row in (r for r in rows if r["id"] in existing):
        conn.execute(update(employees).where(employees.c.id == row["id"]).values(**row))
    return len(rows)


def load_employees(conn: Connection, ids: Iterable[str] | None = None) -> list[Employee]:
    """Employees by id order (all, or those in ``ids``)."""
    have = table_columns(conn, "employees")
    query = select(*(c for c in employees.columns if c.name in have)).order_by(employees.c.id)
    rows = conn.execute(query).all()
    wanted = set(ids) if ids is not None else None
    return [Employee(**dict(row._mapping)) for row in rows if wanted is None or row.id in wanted]


def save_timesheets(conn: Connection, period: PayPeriod, sheets: Iterable[Timesheet]) -> int:
    """Replace the period's timesheets of the given employees; return how many were written."""
    rows = [asdict(s) | {"period_start": period.start} for s in sheets]
    ids = [r["employee_id"] for r in rows]
    for start in range(0, len(ids), 900):
        conn.execute(
            delete(timesheets).where(
                timesheets.c.period_start == period.start,
                timesheets.c.employee_id.in_(ids[start : start + 900]),
            )
        )
    if rows:
        conn.execute(insert(timesheets), rows)
    return len(rows)


def load_timesheets(conn: Connection, period: PayPeriod) -> dict[str, Timesheet]:
    """The timesheets of ``period`` by employee id."""
    query = select(
        timesheets.c.employee_id,
        timesheets.c.ordinary_hours,
        timesheets.c.overtime_15_hours,
        timesheets.c.overtime_20_hours,
        timesheets.c.allowances,
    ).where(timesheets.c.period_start == period.start)
    return {row.employee_id: Timesheet(**dict(row._mapping)) for row in conn.execute(query)}


def paid_totals(
    conn: Connection, paid_on: date, base_from: date
) -> tuple[dict[str, dict[str, Decimal]], dict[str, Decimal]]:
    """Year-to-date totals, and the OTE paid since ``base_from``, by employee, from earlier
    pay runs.

    Counts pay runs approved or paid with a payment date before ``paid_on`` in the same
    financial year (and, for OTE, since ``base_from``: the first day of the quarter or year
    whose payments the maximum super contribution base caps together). An approved run
    counts even before its bank file is marked sent: it can no longer change, and its
    employees will be paid.
    """
    year = financial_year(paid_on)
    fy_start = date(year, 7, 1)
    quarter_start = base_from
    base = payslips.join(pay_runs, payslips.c.pay_run_id == pay_runs.c.id)
    ytd_query = (
        select(
            payslips.c.employee_id,
            func.sum(payslips.c.gross).label("gross"),
            func.sum(payslips.c.withholding).label("withholding"),
            func.sum(payslips.c.super_guarantee).label("super"),
            func.sum(payslips.c.net).label("net"),
        )
        .select_from(base)
        .where(
            pay_runs.c.status.in_(COMMITTED),
            pay_runs.c.paid_on >= fy_start,
            pay_runs.c.paid_on < paid_on,
        )
        .group_by(payslips.c.employee_id)
    )
    ytd = {
        row.employee_id: {
            k: row._mapping[k] or ZERO for k in ("gross", "withholding", "super", "net")
        }
        for row in conn.execute(ytd_query)
    }
    ote_query = (
        select(payslips.c.employee_id, func.sum(payslips.c.ote).label("ote"))
        .select_from(base)
        .where(
            pay_runs.c.status.in_(COMMITTED),
            pay_runs.c.paid_on >= quarter_start,
            pay_runs.c.paid_on < paid_on,
        )
        .group_by(payslips.c.employee_id)
    )
    quarter = {row.employee_id: row.ote or ZERO for row in conn.execute(ote_query)}
    return ytd, quarter


def insert_payslips(
    conn: Connection,
    pay_run_id: int,
    results: list[Payslip],
    ytd: Mapping[str, Mapping[str, Decimal]],
    *,
    with_engine: bool,
    accounts: Mapping[str, tuple[str, str, str]] | None = None,
) -> None:
    """Write payslips and their lines for a pay run (bulk, bound parameters); ``accounts``
    (BSB, account number, name by employee) are the bank details net pay goes to, kept on
    each payslip where the schema has room for them (revision 0004).
    """
    if not results:
        return
    snapshot = accounts is not None and "bsb" in table_columns(conn, "payslips")
    rows = []
    for p in results:
        prior = ytd.get(p.employee_id, {})
        row = {
            "pay_run_id": pay_run_id,
            "employee_id": p.employee_id,
            "gross": p.gross,
            "taxable": p.taxable,
            "withholding": p.withholding,
            "salary_sacrifice": p.salary_sacrifice,
            "deductions": p.deductions,
            "deduction_shortfall": p.deduction_shortfall,
            "super_guarantee": p.super_guarantee,
            "ote": p.ote,
            "net": p.net,
            "weekly_earnings": p.weekly_earnings,
            "bracket": p.bracket,
            "ytd_gross": prior.get("gross", ZERO) + p.gross,
            "ytd_withholding": prior.get("withholding", ZERO) + p.withholding,
            "ytd_super": prior.get("super", ZERO) + p.super_guarantee,
            "ytd_net": prior.get("net", ZERO) + p.net,
        }
        if with_engine:
            row["engine"] = p.engine
        if snapshot and accounts is not None:
            row["bsb"], row["account_number"], row["account_name"] = accounts[p.employee_id]
        rows.append(row)
    conn.execute(insert(payslips), rows)
    ids = dict(
        conn.execute(
            select(payslips.c.employee_id, payslips.c.id).where(payslips.c.pay_run_id == pay_run_id)
        ).all()
    )
    line_rows = [
        {
            "payslip_id": ids[p.employee_id],
            "position": position,
            "kind": line.kind.value,
            "description": line.description,
            "quantity": line.quantity,
            "rate": line.rate,
            "amount": line.amount,
        }
        for p in results
        for position, line in enumerate(p.lines)
    ]
    conn.execute(insert(payslip_lines), line_rows)


def delete_payslips(conn: Connection, pay_run_id: int) -> None:
    """Remove a draft pay run's payslips and lines (before it is recalculated)."""
    slip_ids = select(payslips.c.id).where(payslips.c.pay_run_id == pay_run_id)
    conn.execute(delete(payslip_lines).where(payslip_lines.c.payslip_id.in_(slip_ids)))
    conn.execute(delete(payslips).where(payslips.c.pay_run_id == pay_run_id))


def get_flag(conn: Connection, name: str, default: Any = None) -> Any:
    """A feature flag's value (JSON-decoded), or ``default`` if it was never set."""
    value = conn.scalar(select(feature_flags.c.value).where(feature_flags.c.name == name))
    return default if value is None else json.loads(value)


def save_reconciliation(conn: Connection, pay_run_id: int, items: list[dict[str, Any]]) -> None:
    """Store the lines of a parallel run that did not reconcile (schema 0002 and later)."""
    conn.execute(
        delete(reconciliation_items).where(reconciliation_items.c.pay_run_id == pay_run_id)
    )
    if items:
        conn.execute(insert(reconciliation_items), [i | {"pay_run_id": pay_run_id} for i in items])


def save_users(conn: Connection, roles_by_user: Mapping[str, Iterable[str]]) -> None:
    """Create or replace users with their roles."""
    for name, roles in roles_by_user.items():
        conn.execute(delete(users).where(users.c.name == name))
        conn.execute(insert(users).values(name=name, roles=",".join(sorted(roles))))


def load_roles(conn: Connection, name: str) -> set[str]:
    """The roles of user ``name`` (empty if unknown)."""
    roles = conn.scalar(select(users.c.roles).where(users.c.name == name))
    return set(roles.split(",")) if roles else set()
