"""The payroll schema of engine 1.0: employees, timesheets, users, pay runs, payslips and
their lines, the audit log and feature flags. Money in cents, hours in hundredths.
Downgrade drops the tables only while they are empty: it refuses to destroy records.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _cents(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


def upgrade() -> None:
    """Create every table of engine 1.0."""
    op.create_table(
        "employees",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("department", sa.String(60), nullable=False),
        sa.Column("location", sa.String(60), nullable=False),
        sa.Column("frequency", sa.String(12), nullable=False),
        sa.Column("basis", sa.String(10), nullable=False),
        _cents("rate"),
        sa.Column("scale", sa.String(20), nullable=False),
        sa.Column("tax_free_threshold", sa.Boolean(), nullable=False),
        _cents("tax_offsets"),
        sa.Column("medicare_spouse", sa.Boolean(), nullable=False),
        sa.Column("medicare_children", sa.Integer(), nullable=False),
        _cents("salary_sacrifice"),
        _cents("post_tax_deductions"),
        sa.Column("bsb", sa.String(7), nullable=False),
        sa.Column("account_number", sa.String(9), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_employees"),
    )
    op.create_table(
        "timesheets",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("employee_id", sa.String(20), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("ordinary_hours", sa.BigInteger(), nullable=False),
        sa.Column("overtime_15_hours", sa.BigInteger(), nullable=False),
        sa.Column("overtime_20_hours", sa.BigInteger(), nullable=False),
        _cents("allowances"),
        sa.PrimaryKeyConstraint("id", name="pk_timesheets"),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name="fk_timesheets_employee_id_employees"
        ),
        sa.UniqueConstraint("employee_id", "period_start", name="uq_timesheets_employee_id"),
    )
    op.create_table(
        "users",
        sa.Column("name", sa.String(50)),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_users"),
    )
    op.create_table(
        "pay_runs",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("frequency", sa.String(12), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("rule_set", sa.String(60), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=False),
        _cents("gross"),
        _cents("withholding"),
        _cents("super_guarantee"),
        _cents("net"),
        sa.Column("created_by", sa.String(50), nullable=False),
        sa.Column("calculated_by", sa.String(50), nullable=True),
        sa.Column("approved_by", sa.String(50), nullable=True),
        sa.Column("paid_by", sa.String(50), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pay_runs"),
        sa.UniqueConstraint("frequency", "period_start", name="uq_pay_runs_frequency"),
    )
    op.create_table(
        "payslips",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("pay_run_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.String(20), nullable=False),
        *(
            _cents(name)
            for name in (
                "gross",
                "taxable",
                "withholding",
                "salary_sacrifice",
                "deductions",
                "deduction_shortfall",
                "super_guarantee",
                "ote",
                "net",
                "weekly_earnings",
            )
        ),
        sa.Column("bracket", sa.Integer(), nullable=False),
        *(_cents(name) for name in ("ytd_gross", "ytd_withholding", "ytd_super", "ytd_net")),
        sa.PrimaryKeyConstraint("id", name="pk_payslips"),
        sa.ForeignKeyConstraint(
            ["pay_run_id"], ["pay_runs.id"], name="fk_payslips_pay_run_id_pay_runs"
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name="fk_payslips_employee_id_employees"
        ),
        sa.UniqueConstraint("pay_run_id", "employee_id", name="uq_payslips_pay_run_id"),
    )
    op.create_index("ix_payslips_pay_run_id", "payslips", ["pay_run_id"])
    op.create_index("ix_payslips_employee_id", "payslips", ["employee_id"])
    op.create_table(
        "payslip_lines",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("payslip_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("description", sa.String(80), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=True),
        sa.Column("rate", sa.BigInteger(), nullable=True),
        _cents("amount"),
        sa.PrimaryKeyConstraint("id", name="pk_payslip_lines"),
        sa.ForeignKeyConstraint(
            ["payslip_id"], ["payslips.id"], name="fk_payslip_lines_payslip_id_payslips"
        ),
    )
    op.create_index("ix_payslip_lines_payslip_id", "payslip_lines", ["payslip_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(50), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("entity", sa.String(30), nullable=False),
        sa.Column("entity_id", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_table(
        "feature_flags",
        sa.Column("name", sa.String(60)),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(50), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_feature_flags"),
    )


TABLES = ("feature_flags", "audit_log", "payslip_lines", "payslips", "pay_runs", "users",
          "timesheets", "employees")  # in the order they can be dropped  # fmt: skip


def downgrade() -> None:
    """Drop every table, but only if they are all empty: before this revision there was no
    place for payroll records, so a downgrade holding any would lose them (pay records must
    be kept for years). Empty the tables deliberately first, after a backup.
    """
    conn = op.get_bind()
    held = {t: conn.scalar(sa.select(sa.func.count()).select_from(sa.table(t))) for t in TABLES}
    held = {t: n for t, n in held.items() if n}
    if held:
        rows = ", ".join(f"{t} {n}" for t, n in held.items())
        raise RuntimeError(
            f"downgrade to base refused: it would drop payroll records ({rows} rows); back "
            "the database up and empty these tables first if they really are to go"
        )
    for table in TABLES:
        op.drop_table(table)
