"""Engine 2.0: record which engine computed each payslip, and keep the reconciliation of
parallel runs.

Upgrade adds ``payslips.engine`` (existing payslips were all computed by engine 1.0) and
the ``reconciliation_items`` table. Downgrade reverts both without losing information
written before or after: for every pay run that has payslips computed by engine 2.0 or
reconciliation items, it first writes an ``audit_log`` row saying how many (the audit log
exists in both schemas), then drops the column and the table. Every row that existed
before the upgrade comes back unchanged.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the engine column and the reconciliation table."""
    with op.batch_alter_table("payslips") as batch:
        batch.add_column(sa.Column("engine", sa.String(10), nullable=False, server_default="1.0"))
    op.create_table(
        "reconciliation_items",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("pay_run_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.String(20), nullable=False),
        sa.Column("line", sa.String(40), nullable=False),
        sa.Column("official", sa.BigInteger(), nullable=True),
        sa.Column("shadow", sa.BigInteger(), nullable=True),
        sa.Column("official_engine", sa.String(10), nullable=False),
        sa.Column("shadow_engine", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reconciliation_items"),
        sa.ForeignKeyConstraint(
            ["pay_run_id"], ["pay_runs.id"], name="fk_reconciliation_items_pay_run_id_pay_runs"
        ),
    )
    op.create_index("ix_reconciliation_items_pay_run_id", "reconciliation_items", ["pay_run_id"])


def downgrade() -> None:
    """Write what only the 2.0 schema can hold into the audit log, then remove it."""
    conn = op.get_bind()
    engine_2 = conn.execute(
        sa.text(
            "SELECT pay_run_id, COUNT(*) FROM payslips WHERE engine <> :v1 "
            "GROUP BY pay_run_id ORDER BY pay_run_id"
        ),
        {"v1": "1.0"},
    ).all()
    items = dict(
        conn.execute(
            sa.text("SELECT pay_run_id, COUNT(*) FROM reconciliation_items GROUP BY pay_run_id")
        ).all()
    )
    now = datetime.now(UTC)
    for run_id in sorted({r for r, _ in engine_2} | set(items)):
        detail = {
            "payslips_by_engine_2_0": dict(engine_2).get(run_id, 0),
            "reconciliation_items": items.get(run_id, 0),
            "reason": "schema downgraded to 0001 (engine 1.0)",
        }
        conn.execute(
            sa.text(
                "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail) "
                "VALUES (:at, :actor, :action, :entity, :entity_id, :detail)"
            ),
            {
                "at": now,
                "actor": "migration-0002",
                "action": "downgrade.preserve",
                "entity": "pay_run",
                "entity_id": str(run_id),
                "detail": json.dumps(detail, sort_keys=True),
            },
        )
    op.drop_index("ix_reconciliation_items_pay_run_id", table_name="reconciliation_items")
    op.drop_table("reconciliation_items")
    with op.batch_alter_table("payslips") as batch:
        batch.drop_column("engine")
