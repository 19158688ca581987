"""Engine 2.0: record which engine computed each payslip, and keep the reconciliation of
parallel runs.

Upgrade adds ``payslips.engine`` (existing payslips were all computed by engine 1.0) and
the ``reconciliation_items`` table. Downgrade keeps what only this schema can hold in the
``audit_log`` (which both schemas have): for every pay run with payslips computed by engine
2.0 or reconciliation items, one row naming those employees and holding every
reconciliation item; then it drops the column and the table. Every row that existed before
the upgrade comes back unchanged. A later upgrade puts the reconciliation items back from
the latest such rows (the engine of each payslip is not put back: the payslips may have
been recalculated by engine 1.0 meanwhile; the audit rows keep who engine 2.0 paid).

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
    _restore_reconciliation(op.get_bind())


ACTOR = "migration-0002"
ITEM_COLUMNS = ("employee_id", "line", "official", "shadow", "official_engine", "shadow_engine")
_AUDIT = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("detail", sa.Text),
)
_ITEMS = sa.table(
    "reconciliation_items",
    sa.column("id", sa.Integer),
    sa.column("pay_run_id", sa.Integer),
    *(sa.column(c) for c in ITEM_COLUMNS),
)


def _restore_reconciliation(conn: sa.Connection) -> None:
    """Put back the reconciliation items the latest downgrade kept in the audit log."""
    ours = (_AUDIT.c.actor == ACTOR) & (_AUDIT.c.entity == "pay_run")
    restored = conn.scalar(
        sa.select(sa.func.max(_AUDIT.c.id)).where(ours, _AUDIT.c.action == "upgrade.restore")
    )
    kept = conn.execute(
        sa.select(_AUDIT.c.entity_id, _AUDIT.c.detail)
        .where(ours, _AUDIT.c.action == "downgrade.preserve", _AUDIT.c.id > (restored or 0))
        .order_by(_AUDIT.c.id)
    ).all()
    for run_id, detail in kept:
        items = json.loads(detail).get("reconciliation", [])
        if items:
            conn.execute(
                sa.insert(_ITEMS),
                [
                    dict(zip(ITEM_COLUMNS, i, strict=True)) | {"pay_run_id": int(run_id)}
                    for i in items
                ],
            )
        conn.execute(
            sa.insert(_AUDIT).values(
                at=datetime.now(UTC),
                actor=ACTOR,
                action="upgrade.restore",
                entity="pay_run",
                entity_id=run_id,
                detail=json.dumps({"reconciliation_items": len(items)}),
            )
        )


def downgrade() -> None:
    """Write what only the 2.0 schema can hold into the audit log, then remove it."""
    conn = op.get_bind()
    engine_2: dict[int, list[str]] = {}
    for run_id, employee_id in conn.execute(
        sa.text(
            "SELECT pay_run_id, employee_id FROM payslips WHERE engine <> :v1 "
            "ORDER BY pay_run_id, employee_id"
        ),
        {"v1": "1.0"},
    ):
        engine_2.setdefault(run_id, []).append(employee_id)
    items: dict[int, list[list[object]]] = {}
    for row in conn.execute(
        sa.select(_ITEMS.c.pay_run_id, *(_ITEMS.c[c] for c in ITEM_COLUMNS)).order_by(_ITEMS.c.id)
    ):
        items.setdefault(row[0], []).append(list(row[1:]))
    now = datetime.now(UTC)
    for run_id in sorted(set(engine_2) | set(items)):
        detail = {
            "payslips_by_engine_2_0": len(engine_2.get(run_id, [])),
            "employees_by_engine_2_0": engine_2.get(run_id, []),
            "reconciliation_items": len(items.get(run_id, [])),
            "reconciliation_columns": list(ITEM_COLUMNS),
            "reconciliation": items.get(run_id, []),
            "reason": "schema downgraded to 0001 (engine 1.0)",
        }
        conn.execute(
            sa.insert(_AUDIT).values(
                at=now,
                actor=ACTOR,
                action="downgrade.preserve",
                entity="pay_run",
                entity_id=str(run_id),
                detail=json.dumps(detail, sort_keys=True),
            )
        )
    op.drop_index("ix_reconciliation_items_pay_run_id", table_name="reconciliation_items")
    op.drop_table("reconciliation_items")
    with op.batch_alter_table("payslips") as batch:
        batch.drop_column("engine")
