"""Controls an auditor signs off: study loans on employees, the bank details each payslip was
calculated with, a tamper-evident audit log, the bank files made, and role grants that wait
for a second administrator.

Upgrade adds ``employees.stsl``; ``payslips.bsb``, ``account_number`` and ``account_name``
(filled for existing payslips from the employee's current details, or from what a downgrade
parked); ``audit_log.previous_hash`` and ``row_hash`` with the ``audit_head`` row, chaining
every existing entry (SHA-256 of the previous hash and the entry); and the ``aba_files``
and ``role_requests`` tables. Downgrade parks what only this schema holds (study loan
flags, payslip bank details, bank files, role requests) as one JSON row in
``feature_flags``, notes it in the audit log, and drops the columns and tables; a later
upgrade puts it back. The hash chain itself is recomputed by every upgrade.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PARKING = "migration.0004.parked"
ACTOR = "migration-0004"

_FLAGS = sa.table(
    "feature_flags",
    sa.column("name", sa.String),
    sa.column("value", sa.Text),
    sa.column("updated_by", sa.String),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_AUDIT = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("detail", sa.Text),
    sa.column("previous_hash", sa.String),
    sa.column("row_hash", sa.String),
)
_HEAD = sa.table(
    "audit_head", sa.column("id", sa.Integer), sa.column("last_id", sa.Integer),
    sa.column("last_hash", sa.String),
)  # fmt: skip
_EMPLOYEES = sa.table(
    "employees",
    sa.column("id", sa.String),
    sa.column("name", sa.String),
    sa.column("bsb", sa.String),
    sa.column("account_number", sa.String),
    sa.column("stsl", sa.Boolean),
)
_PAYSLIPS = sa.table(
    "payslips",
    sa.column("id", sa.Integer),
    sa.column("employee_id", sa.String),
    sa.column("bsb", sa.String),
    sa.column("account_number", sa.String),
    sa.column("account_name", sa.String),
)
_ABA = sa.table(
    "aba_files",
    *(sa.column(c) for c in ("id", "pay_run_id", "generation", "sha256", "records",
                             "credit_cents", "created_by")),
    sa.column("created_at", sa.DateTime(timezone=True)),
)  # fmt: skip
_REQUESTS = sa.table(
    "role_requests",
    *(sa.column(c) for c in ("id", "user_name", "roles", "requested_by", "status", "decided_by")),
    sa.column("requested_at", sa.DateTime(timezone=True)),
    sa.column("decided_at", sa.DateTime(timezone=True)),
)
_TIMES = ("created_at", "requested_at", "decided_at")
GENESIS = "0" * 64


def entry_hash(previous: str, row: sa.Row[Any]) -> str:
    """SHA-256 of the previous hash and one audit entry (the same as the store's)."""
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    fields = [row.id, at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f"), row.actor,
              row.action, row.entity, row.entity_id, row.detail]  # fmt: skip
    text = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()


def _chain(conn: sa.Connection) -> None:
    previous, last_id = GENESIS, 0
    for row in conn.execute(sa.select(_AUDIT).order_by(_AUDIT.c.id)):
        digest = entry_hash(previous, row)
        conn.execute(
            sa.update(_AUDIT)
            .where(_AUDIT.c.id == row.id)
            .values(previous_hash=previous, row_hash=digest)
        )
        previous, last_id = digest, row.id
    conn.execute(sa.insert(_HEAD).values(id=1, last_id=last_id, last_hash=previous))


def upgrade() -> None:
    """Add the columns and tables, restore what a downgrade parked, chain the audit log."""
    with op.batch_alter_table("employees") as batch:
        batch.add_column(sa.Column("stsl", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("payslips") as batch:
        batch.add_column(sa.Column("bsb", sa.String(7), nullable=True))
        batch.add_column(sa.Column("account_number", sa.String(9), nullable=True))
        batch.add_column(sa.Column("account_name", sa.String(120), nullable=True))
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("previous_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("row_hash", sa.String(64), nullable=True))
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    op.create_table(
        "aba_files",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("pay_run_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("credit_cents", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_aba_files"),
        sa.ForeignKeyConstraint(["pay_run_id"], ["pay_runs.id"],
                                name="fk_aba_files_pay_run_id_pay_runs"),
        sa.UniqueConstraint("pay_run_id", "generation", name="uq_aba_files_pay_run_id"),
    )  # fmt: skip
    op.create_table(
        "role_requests",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("user_name", sa.String(50), nullable=False),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("requested_by", sa.String(50), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("decided_by", sa.String(50), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_role_requests"),
    )
    conn = op.get_bind()
    parked_text = conn.execute(sa.select(_FLAGS.c.value).where(_FLAGS.c.name == PARKING)).scalar()
    parked = json.loads(parked_text) if parked_text else {}
    if parked.get("stsl"):
        conn.execute(
            sa.update(_EMPLOYEES).where(_EMPLOYEES.c.id.in_(parked["stsl"])).values(stsl=True)
        )

    def current(column: str) -> sa.ScalarSelect[Any]:
        return (
            sa.select(_EMPLOYEES.c[column])
            .where(_EMPLOYEES.c.id == _PAYSLIPS.c.employee_id)
            .scalar_subquery()
        )

    conn.execute(  # payslips calculated before this revision: the employee's current details
        sa.update(_PAYSLIPS).values(
            bsb=current("bsb"), account_number=current("account_number"),
            account_name=current("name"),
        )
    )  # fmt: skip
    for slip_id, (bsb, account, name) in parked.get("payslip_bank_details", {}).items():
        conn.execute(  # ... or the details they were calculated with, parked by a downgrade
            sa.update(_PAYSLIPS)
            .where(_PAYSLIPS.c.id == int(slip_id))
            .values(bsb=bsb, account_number=account, account_name=name)
        )
    for table, key in ((_ABA, "aba_files"), (_REQUESTS, "role_requests")):
        rows = [
            {k: datetime.fromisoformat(v) if k in _TIMES and v else v for k, v in row.items()}
            for row in parked.get(key, [])
        ]
        if rows:
            conn.execute(sa.insert(table), rows)
    if parked_text is not None:
        conn.execute(sa.delete(_FLAGS).where(_FLAGS.c.name == PARKING))
    _chain(conn)


def downgrade() -> None:
    """Park what only this schema holds in ``feature_flags``, then drop it."""
    conn = op.get_bind()

    def rows(table: sa.TableClause) -> list[dict[str, object]]:
        return [
            {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}
            for row in conn.execute(sa.select(table)).mappings()
        ]

    parked = {
        "stsl": sorted(conn.scalars(sa.select(_EMPLOYEES.c.id).where(_EMPLOYEES.c.stsl)).all()),
        "payslip_bank_details": {
            str(row.id): [row.bsb, row.account_number, row.account_name]
            for row in conn.execute(sa.select(_PAYSLIPS))
        },
        "aba_files": rows(_ABA),
        "role_requests": rows(_REQUESTS),
    }
    if any(parked.values()):  # an empty database downgrades without a trace
        now = datetime.now(UTC)
        conn.execute(sa.delete(_FLAGS).where(_FLAGS.c.name == PARKING))
        conn.execute(
            sa.insert(_FLAGS).values(
                name=PARKING, value=json.dumps(parked, sort_keys=True), updated_by=ACTOR,
                updated_at=now,
            )
        )  # fmt: skip
        detail = {k: len(v) for k, v in parked.items()} | {
            "reason": "schema downgraded to 0003: rows parked in feature_flags until upgraded; "
            "the audit log's hash chain is recomputed by the next upgrade",
            "parked_in": PARKING,
        }
        conn.execute(
            sa.insert(_AUDIT).values(
                at=now, actor=ACTOR, action="downgrade.preserve", entity="controls",
                entity_id="0004", detail=json.dumps(detail, sort_keys=True),
            )
        )  # fmt: skip
    op.drop_table("role_requests")
    op.drop_table("aba_files")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("row_hash")
        batch.drop_column("previous_hash")
    with op.batch_alter_table("payslips") as batch:
        batch.drop_column("account_name")
        batch.drop_column("account_number")
        batch.drop_column("bsb")
    with op.batch_alter_table("employees") as batch:
        batch.drop_column("stsl")
