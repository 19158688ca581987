"""The payroll service (HTTP API and web UI): accounts with password hashes and a link to
an employee, login sessions, and idempotency keys of the paying operations.

Upgrade creates the three tables. Downgrade keeps what they hold: the accounts (with their
argon2 hashes) and the completed idempotency keys are parked as one JSON row in
``feature_flags`` (a table both schemas have, never served by the API), an ``audit_log`` row
says how many of each were parked, and the tables are dropped. A later upgrade restores the
parked rows and removes the parking row. Sessions are not kept: a downgrade logs everyone out.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PARKING = "migration.0003.parked"  # the feature_flags row holding parked rows while downgraded
ACTOR = "migration-0003"

_ACCOUNTS = sa.table(
    "service_accounts",
    sa.column("user_name", sa.String),
    sa.column("password_hash", sa.String),
    sa.column("employee_id", sa.String),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_KEYS = sa.table(
    "idempotency_keys",
    sa.column("user_name", sa.String),
    sa.column("key", sa.String),
    sa.column("method", sa.String),
    sa.column("path", sa.String),
    sa.column("fingerprint", sa.String),
    sa.column("status_code", sa.Integer),
    sa.column("response", sa.Text),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_FLAGS = sa.table(
    "feature_flags",
    sa.column("name", sa.String),
    sa.column("value", sa.Text),
    sa.column("updated_by", sa.String),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_AUDIT = sa.table(
    "audit_log",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("detail", sa.Text),
)
_TIMES = ("updated_at", "created_at")


def upgrade() -> None:
    """Create the service tables and bring back rows parked by an earlier downgrade."""
    op.create_table(
        "service_accounts",
        sa.Column("user_name", sa.String(50)),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("employee_id", sa.String(20), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_name", name="pk_service_accounts"),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name="fk_service_accounts_employee_id_employees"
        ),
    )
    op.create_table(
        "service_sessions",
        sa.Column("token_hash", sa.String(64)),
        sa.Column("user_name", sa.String(50), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_service_sessions"),
    )
    op.create_index("ix_service_sessions_user_name", "service_sessions", ["user_name"])
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("user_name", sa.String(50), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),  # None: still running
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_idempotency_keys"),
        sa.UniqueConstraint("user_name", "key", name="uq_idempotency_keys_user_name"),
    )
    conn = op.get_bind()
    parked = conn.execute(sa.select(_FLAGS.c.value).where(_FLAGS.c.name == PARKING)).scalar()
    if parked is None:
        return
    rows = json.loads(parked)
    for table, key in ((_ACCOUNTS, "accounts"), (_KEYS, "idempotency_keys")):
        values = [
            {k: datetime.fromisoformat(v) if k in _TIMES else v for k, v in row.items()}
            for row in rows[key]
        ]
        if values:
            conn.execute(sa.insert(table), values)
    conn.execute(sa.delete(_FLAGS).where(_FLAGS.c.name == PARKING))


def downgrade() -> None:
    """Park accounts and completed idempotency keys in ``feature_flags``, then drop the tables."""
    conn = op.get_bind()

    def rows(table: sa.TableClause, *where: sa.ColumnElement[bool]) -> list[dict[str, object]]:
        found = conn.execute(sa.select(table).where(*where)).mappings().all()
        return [
            {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}
            for row in found
        ]

    parked = {
        "accounts": rows(_ACCOUNTS),
        "idempotency_keys": rows(_KEYS, _KEYS.c.status_code.is_not(None)),
    }
    now = datetime.now(UTC)
    if parked["accounts"] or parked["idempotency_keys"]:
        conn.execute(sa.delete(_FLAGS).where(_FLAGS.c.name == PARKING))
        conn.execute(
            sa.insert(_FLAGS).values(
                name=PARKING,
                value=json.dumps(parked, sort_keys=True),
                updated_by=ACTOR,
                updated_at=now,
            )
        )
        detail = {k: len(v) for k, v in parked.items()} | {
            "reason": "schema downgraded to 0002: rows parked in feature_flags until upgraded",
            "parked_in": PARKING,
        }
        conn.execute(
            sa.insert(_AUDIT).values(
                at=now,
                actor=ACTOR,
                action="downgrade.preserve",
                entity="service",
                entity_id="0003",
                detail=json.dumps(detail, sort_keys=True),
            )
        )
    op.drop_table("idempotency_keys")
    op.drop_index("ix_service_sessions_user_name", table_name="service_sessions")
    op.drop_table("service_sessions")
    op.drop_table("service_accounts")
