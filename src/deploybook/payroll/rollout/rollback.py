"""Rollback safety: a digest of every row before the upgrade, compared after the downgrade.

:func:`snapshot` takes every table's columns and a digest of every row; :func:`check_rollback`
compares a snapshot taken before ``alembic upgrade`` with one taken after ``alembic
downgrade``; :func:`rehearse_fallback` rehearses the fallback on a copy of production.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, inspect, select

from deploybook.payroll.service.schema import audit_log
from deploybook.payroll.service.store import (
    ENGINE_1_REVISION,
    PayrollStore,
    sqlite_url,
)


def snapshot(store: PayrollStore) -> dict[str, dict[str, Any]]:
    """Every table's columns and a digest of every row, keyed by primary key."""
    tables: dict[str, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        inspector = inspect(conn)
        for name in sorted(inspector.get_table_names()):
            if name == "alembic_version":
                continue
            table = Table(name, MetaData(), autoload_with=conn)
            key = [c.name for c in table.primary_key.columns]
            rows = {}
            for row in conn.execute(select(table)):
                values = row._mapping
                digest = hashlib.sha256(repr(tuple(values[c.name] for c in table.columns)).encode())
                rows[repr(tuple(values[k] for k in key))] = digest.hexdigest()
            tables[name] = {"columns": sorted(c.name for c in table.columns), "rows": rows}
    return tables


@dataclass(frozen=True)
class RollbackCheck:
    """What the downgrade left of the data written before the upgrade."""

    tables: int
    rows_before: int
    rows_missing: int
    rows_changed: int
    schema_restored: bool
    revision: str | None
    engine_2_payslips_kept: int = 0  # written into the audit log by the downgrade
    reconciliation_items_kept: int = 0

    @property
    def intact(self) -> bool:
        """Every earlier row is there unchanged and the schema is the old one."""
        return self.schema_restored and self.rows_missing == 0 and self.rows_changed == 0


def check_rollback(
    before: Mapping[str, Mapping[str, Any]],
    after: Mapping[str, Mapping[str, Any]],
    revision: str | None,
) -> RollbackCheck:
    """Compare a snapshot taken before the upgrade with one taken after the downgrade."""
    missing = changed = total = 0
    for name, table in before.items():
        rows_after = after.get(name, {"rows": {}})["rows"]
        for key, digest in table["rows"].items():
            total += 1
            if key not in rows_after:
                missing += 1
            elif rows_after[key] != digest:
                changed += 1
    schema = {n: t["columns"] for n, t in before.items()} == {
        n: t["columns"] for n, t in after.items()
    }
    return RollbackCheck(len(before), total, missing, changed, schema, revision)


def kept_by_downgrade(store: PayrollStore) -> dict[str, int]:
    """What downgrades kept in the audit log of what only revision 0002 can hold: payslips
    computed by engine 2.0 and reconciliation items (see migration 0002)."""
    with store.transaction() as conn:
        details = conn.scalars(
            select(audit_log.c.detail).where(
                audit_log.c.action == "downgrade.preserve", audit_log.c.entity == "pay_run"
            )
        ).all()
    kept = [json.loads(d) for d in details]
    return {
        "engine_2_payslips_kept": sum(len(d.get("employees_by_engine_2_0", [])) for d in kept),
        "reconciliation_items_kept": sum(len(d.get("reconciliation", [])) for d in kept),
    }


def rehearse_fallback(
    store: PayrollStore, before: dict[str, dict[str, Any]], workdir: Path
) -> RollbackCheck:
    """Rehearse the fallback on a copy of production: downgrade it and check the data."""
    copy = workdir / "fallback-drill.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    raw = store.engine.raw_connection()
    try:
        target = sqlite3.connect(copy)
        raw.driver_connection.backup(target)  # SQLite's online backup: a consistent copy
        target.close()
    finally:
        raw.close()
    rehearsal = PayrollStore(sqlite_url(copy))
    rehearsal.downgrade(ENGINE_1_REVISION)
    check = replace(check_rollback(before, snapshot(rehearsal), rehearsal.revision()),
                    **kept_by_downgrade(rehearsal))  # fmt: skip
    rehearsal.close()
    return check
