"""Rollback safety: every row kept through ``alembic downgrade``, old rows and new ones.

:func:`snapshot` takes every table's columns and every row; :func:`check_rollback` compares
a snapshot taken before ``alembic upgrade`` (every row must come back unchanged) and one
taken just before ``alembic downgrade`` (every row written under the new revision must come
back too, in the columns the old schema has) with one taken after the downgrade. Rows of
tables only the new schema has are kept in the audit log by the downgrade
(:func:`kept_by_downgrade`). :func:`rehearse_fallback` rehearses all this on a copy of
production, on SQLite (its online backup) or PostgreSQL (a database made from production
as a template).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypedDict

from psycopg import sql
from sqlalchemy import MetaData, Table, create_engine, inspect, select

from deploybook.payroll.service.schema import audit_log
from deploybook.payroll.service.store import (
    ENGINE_1_REVISION,
    PayrollStore,
    sqlite_url,
)

Snapshot = dict[str, dict[str, Any]]  # table -> {"columns": [...], "rows": {key: {column: text}}}


def snapshot(store: PayrollStore) -> Snapshot:
    """Every table's columns and every row (each value as its ``repr``), by primary key."""
    tables: Snapshot = {}
    with store.engine.connect() as conn:
        inspector = inspect(conn)
        for name in sorted(inspector.get_table_names()):
            if name == "alembic_version":
                continue
            table = Table(name, MetaData(), autoload_with=conn)
            key = [c.name for c in table.primary_key.columns]
            rows = {
                repr(tuple(row[k] for k in key)): {c.name: repr(row[c.name]) for c in table.columns}
                for row in conn.execute(select(table)).mappings()
            }
            tables[name] = {"columns": sorted(c.name for c in table.columns), "rows": rows}
    return tables


@dataclass(frozen=True)
class RollbackCheck:
    """What the downgrade left of the data written before the upgrade and after it."""

    tables: int
    rows_before: int
    rows_missing: int
    rows_changed: int
    schema_restored: bool
    revision: str | None
    rows_since_upgrade: int = 0  # written under the new revision, in tables both schemas have
    rows_since_missing: int = 0
    rows_since_changed: int = 0  # in the columns the old schema has
    engine_2_payslips_kept: int = 0  # written into the audit log by the downgrade
    reconciliation_items_kept: int = 0

    @property
    def intact(self) -> bool:
        """Every row, old or new, is there unchanged and the schema is the old one."""
        return self.schema_restored and not (
            self.rows_missing or self.rows_changed
            or self.rows_since_missing or self.rows_since_changed
        )  # fmt: skip


def _compare(rows: dict[str, dict[str, str]], after: dict[str, Any] | None) -> tuple[int, int]:
    """(missing, changed) of ``rows`` in the ``after`` table, in the columns it has."""
    kept = after["rows"] if after else {}
    columns = after["columns"] if after else []
    missing = changed = 0
    for key, values in rows.items():
        if key not in kept:
            missing += 1
        elif any(values.get(c) != kept[key][c] for c in columns if c in values):
            changed += 1
    return missing, changed


def check_rollback(
    before: Snapshot, after: Snapshot, revision: str | None, during: Snapshot | None = None
) -> RollbackCheck:
    """Compare a snapshot taken before the upgrade (and one just before the downgrade) with
    one taken after the downgrade.
    """
    missing = changed = total = 0
    for name, table in before.items():
        lost, altered = _compare(table["rows"], after.get(name))
        missing, changed, total = missing + lost, changed + altered, total + len(table["rows"])
    since = since_missing = since_changed = 0
    for name, table in (during or {}).items():
        if name not in after:  # a table of the new schema: the downgrade keeps it elsewhere
            continue
        new = {
            k: v
            for k, v in table["rows"].items()
            if k not in before.get(name, {"rows": {}})["rows"]
        }
        lost, altered = _compare(new, after[name])
        since, since_missing, since_changed = (
            since + len(new),
            since_missing + lost,
            since_changed + altered,
        )
    schema = {n: t["columns"] for n, t in before.items()} == {
        n: t["columns"] for n, t in after.items()
    }
    return RollbackCheck(len(before), total, missing, changed, schema, revision, since,
                         since_missing, since_changed)  # fmt: skip


class Kept(TypedDict):
    """What a downgrade kept in the audit log (see :func:`kept_by_downgrade`)."""

    engine_2_payslips_kept: int
    reconciliation_items_kept: int


def kept_by_downgrade(store: PayrollStore) -> Kept:
    """What downgrades kept in the audit log of what only revision 0002 can hold: payslips
    computed by engine 2.0 and reconciliation items (see migration 0002).
    """
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


def _copy(store: PayrollStore, workdir: Path) -> tuple[PayrollStore, Callable[[], None]]:
    """A copy of the database of ``store`` and a function that removes it."""
    if store.is_sqlite:
        path = workdir / "fallback-drill.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        raw = store.engine.raw_connection()
        try:
            target = sqlite3.connect(path)
            source = raw.driver_connection
            if not isinstance(source, sqlite3.Connection):
                raise TypeError(f"a SQLite store's driver connection, not {type(source)}")
            source.backup(target)  # SQLite's online backup: a consistent copy
            target.close()
        finally:
            raw.close()
        return PayrollStore(sqlite_url(path)), lambda: path.unlink(missing_ok=True)
    source = store.url.database or ""
    name = f"{source}_drill"[:63]
    server = create_engine(store.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    store.close()  # a template database must have no other session
    with server.connect() as conn:
        conn.exec_driver_sql(
            sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)).as_string()
        )
        conn.exec_driver_sql(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}")
            .format(sql.Identifier(name), sql.Identifier(source))
            .as_string()
        )

    def drop() -> None:
        with server.connect() as conn:
            conn.exec_driver_sql(
                sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)).as_string()
            )
        server.dispose()

    return PayrollStore(store.url.set(database=name).render_as_string(hide_password=False)), drop


def rehearse_fallback(store: PayrollStore, before: Snapshot, workdir: Path) -> RollbackCheck:
    """Rehearse the fallback on a copy of production (SQLite or PostgreSQL): downgrade it to
    engine 1.0's revision and check every row, written before the upgrade or after it.
    """
    during = snapshot(store)
    copy, remove = _copy(store, workdir)
    try:
        copy.downgrade(ENGINE_1_REVISION)
        return replace(check_rollback(before, snapshot(copy), copy.revision(), during),
                       **kept_by_downgrade(copy))  # fmt: skip
    finally:
        copy.close()
        remove()
