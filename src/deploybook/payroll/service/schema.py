"""The payroll database tables (SQLAlchemy Core), as of the newest migration.

Money is stored as whole cents in ``BIGINT`` columns (exact on SQLite, which has no
decimal type, and on PostgreSQL); hours as hundredths and rates as ten-thousandths. The
:class:`Cents`, :class:`Hundredths` and :class:`TenThousandths` column types convert to and
from ``Decimal`` so the rest of the code only sees ``Decimal``.

The migrations in ``migrations/versions`` create these tables; they never import this
module (a migration is frozen at the schema it writes). ``payslips.engine`` and
``reconciliation_items`` come with migration 0002; :meth:`PayrollStore.has_engine_column`
tells whether a database has them. The service tables (``service_accounts``,
``service_sessions``, ``idempotency_keys``) come with migration 0003; the controls
(``employees.stsl``, the bank details on ``payslips``, the audit log's hash chain with
``audit_head``, ``aba_files``, ``role_requests``) with migration 0004.
:func:`deploybook.payroll.service.store.table_columns` tells the code which a database has.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


class _Scaled(TypeDecorator[Decimal]):
    impl = BigInteger
    cache_ok = True
    places = 2

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value).scaleb(self.places)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value).scaleb(-self.places)


class Cents(_Scaled):
    """Money in whole cents."""

    cache_ok = True
    places = 2


class Hundredths(_Scaled):
    """Hours in hundredths of an hour."""

    cache_ok = True
    places = 2


class TenThousandths(_Scaled):
    """Rates (dollars per hour, overtime rates) in ten-thousandths."""

    cache_ok = True
    places = 4


employees = Table(
    "employees",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("department", String(60), nullable=False),
    Column("location", String(60), nullable=False),
    Column("frequency", String(12), nullable=False),
    Column("basis", String(10), nullable=False),
    Column("rate", Cents, nullable=False),
    Column("scale", String(20), nullable=False),
    Column("tax_free_threshold", Boolean, nullable=False),
    Column("tax_offsets", Cents, nullable=False),
    Column("medicare_spouse", Boolean, nullable=False),
    Column("medicare_children", Integer, nullable=False),
    # added by migration 0004: a study and training support loan was declared
    Column("stsl", Boolean, nullable=False, server_default="0"),
    Column("salary_sacrifice", Cents, nullable=False),
    Column("post_tax_deductions", Cents, nullable=False),
    Column("bsb", String(7), nullable=False),
    Column("account_number", String(9), nullable=False),
    Column("active", Boolean, nullable=False),
)

timesheets = Table(
    "timesheets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("employee_id", String(20), ForeignKey("employees.id"), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("ordinary_hours", Hundredths, nullable=False),
    Column("overtime_15_hours", Hundredths, nullable=False),
    Column("overtime_20_hours", Hundredths, nullable=False),
    Column("allowances", Cents, nullable=False),
    UniqueConstraint("employee_id", "period_start"),
)

users = Table(
    "users",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("roles", String(200), nullable=False),  # comma-separated: clerk, approver, auditor
)

pay_runs = Table(
    "pay_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("frequency", String(12), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("status", String(10), nullable=False),  # draft, approved, paid
    Column("rule_set", String(60), nullable=True),
    Column("employees", Integer, nullable=False),
    Column("gross", Cents, nullable=False),
    Column("withholding", Cents, nullable=False),
    Column("super_guarantee", Cents, nullable=False),
    Column("net", Cents, nullable=False),
    Column("created_by", String(50), nullable=False),
    Column("calculated_by", String(50), nullable=True),
    Column("approved_by", String(50), nullable=True),
    Column("paid_by", String(50), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("frequency", "period_start"),
)

payslips = Table(
    "payslips",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pay_run_id", Integer, ForeignKey("pay_runs.id"), nullable=False, index=True),
    Column("employee_id", String(20), ForeignKey("employees.id"), nullable=False, index=True),
    Column("gross", Cents, nullable=False),
    Column("taxable", Cents, nullable=False),
    Column("withholding", Cents, nullable=False),
    Column("salary_sacrifice", Cents, nullable=False),
    Column("deductions", Cents, nullable=False),
    Column("deduction_shortfall", Cents, nullable=False),
    Column("super_guarantee", Cents, nullable=False),
    Column("ote", Cents, nullable=False),
    Column("net", Cents, nullable=False),
    Column("weekly_earnings", Cents, nullable=False),
    Column("bracket", Integer, nullable=False),
    Column("ytd_gross", Cents, nullable=False),
    Column("ytd_withholding", Cents, nullable=False),
    Column("ytd_super", Cents, nullable=False),
    Column("ytd_net", Cents, nullable=False),
    # added by migration 0002 (engine 2.0): which engine computed the payslip
    Column("engine", String(10), nullable=False, server_default="1.0"),
    # added by migration 0004: the bank details the payslip was calculated with (its net pay
    # goes there, whatever the employee record says by the time the bank file is made)
    Column("bsb", String(7), nullable=True),
    Column("account_number", String(9), nullable=True),
    Column("account_name", String(120), nullable=True),
    UniqueConstraint("pay_run_id", "employee_id"),
)

payslip_lines = Table(
    "payslip_lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("payslip_id", Integer, ForeignKey("payslips.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("description", String(80), nullable=False),
    Column("quantity", Hundredths, nullable=True),
    Column("rate", TenThousandths, nullable=True),
    Column("amount", Cents, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(50), nullable=False),
    Column("action", String(40), nullable=False),
    Column("entity", String(30), nullable=False),
    Column("entity_id", String(40), nullable=False),
    Column("detail", Text, nullable=False),  # JSON
    # added by migration 0004: SHA-256 of the previous entry's hash and this entry
    Column("previous_hash", String(64), nullable=True),
    Column("row_hash", String(64), nullable=True),
)

# added by migration 0004: the newest audit entry and its hash (one row, id 1); writers lock
# it, so entries chain one after another, and deleting the newest entries is detected
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("last_id", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

# added by migration 0004: every bank file made for a pay run, hashed
aba_files = Table(
    "aba_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pay_run_id", Integer, ForeignKey("pay_runs.id"), nullable=False),
    Column("generation", Integer, nullable=False),  # 1 for the first file of the run
    Column("sha256", String(64), nullable=False),
    Column("records", Integer, nullable=False),  # detail records
    Column("credit_cents", BigInteger, nullable=False),
    Column("created_by", String(50), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("pay_run_id", "generation"),
)

# added by migration 0004: roles granted by one administrator, waiting for a second one
role_requests = Table(
    "role_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(50), nullable=False),
    Column("roles", String(200), nullable=False),  # the user's roles once approved
    Column("requested_by", String(50), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("status", String(10), nullable=False),  # pending, approved, rejected
    Column("decided_by", String(50), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
)

feature_flags = Table(
    "feature_flags",
    metadata,
    Column("name", String(60), primary_key=True),
    Column("value", Text, nullable=False),  # JSON
    Column("updated_by", String(50), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# added by migration 0002 (engine 2.0): every line of a parallel run that did not reconcile
reconciliation_items = Table(
    "reconciliation_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pay_run_id", Integer, ForeignKey("pay_runs.id"), nullable=False, index=True),
    Column("employee_id", String(20), nullable=False),
    Column("line", String(40), nullable=False),
    Column("official", Cents, nullable=True),
    Column("shadow", Cents, nullable=True),
    Column("official_engine", String(10), nullable=False),
    Column("shadow_engine", String(10), nullable=False),
)

# added by migration 0003 (the payroll service): login accounts, sessions, idempotency keys.
# ``user_name`` has no foreign key to ``users``: saving a user replaces its row.
service_accounts = Table(
    "service_accounts",
    metadata,
    Column("user_name", String(50), primary_key=True),
    Column("password_hash", String(255), nullable=False),  # argon2id, PHC string format
    Column("employee_id", String(20), ForeignKey("employees.id"), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

service_sessions = Table(
    "service_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the bearer token
    Column("user_name", String(50), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(50), nullable=False),
    Column("key", String(255), nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", String(200), nullable=False),
    Column("fingerprint", String(64), nullable=False),  # SHA-256 of method, path and body
    Column("status_code", Integer, nullable=True),  # None while the request runs
    Column("response", Text, nullable=True),  # the JSON body replayed for a repeated key
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("user_name", "key"),
)
