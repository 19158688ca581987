"""Migration 0003 (the service's tables) on SQLite and PostgreSQL: its downgrade keeps the
accounts and idempotency keys, parked, and the next upgrade brings them back."""

from __future__ import annotations

import json

from sqlalchemy import select

from deploybook.payroll.engine.synthetic import synthetic_company
from deploybook.payroll.rollout.rollback import check_rollback, snapshot
from deploybook.payroll.service.api.accounts import hash_password, open_session, save_account
from deploybook.payroll.service.api.idempotency import run_once
from deploybook.payroll.service.payruns import PayrollService
from deploybook.payroll.service.schema import (
    audit_log,
    feature_flags,
    idempotency_keys,
    service_accounts,
)
from deploybook.payroll.service.store import PayrollStore


def _rows(store: PayrollStore) -> tuple[list[tuple], list[tuple]]:
    with store.transaction() as conn:
        accounts = conn.execute(
            select(
                service_accounts.c.user_name,
                service_accounts.c.password_hash,
                service_accounts.c.employee_id,
            ).order_by(service_accounts.c.user_name)
        ).all()
        keys = conn.execute(
            select(
                idempotency_keys.c.user_name,
                idempotency_keys.c.key,
                idempotency_keys.c.status_code,
                idempotency_keys.c.response,
            )
        ).all()
    return [tuple(r) for r in accounts], [tuple(r) for r in keys]


def test_downgrade_parks_accounts_and_keys_and_upgrade_restores_them(store: PayrollStore) -> None:
    store.upgrade("0002")
    service = PayrollService(store)
    service.add_users("root", {"root": ["admin"], "erin": ["employee"], "clara": ["clerk"]})
    service.import_employees("clara", synthetic_company(3, "fortnightly", seed=1))
    before = snapshot(store)
    store.upgrade()
    assert store.revision() == "0004"
    with store.transaction() as conn:
        save_account(
            conn,
            "root",
            "erin",
            password_hash=hash_password("a long password"),
            employee_id="E000002",
        )
        save_account(
            conn, "root", "clara", password_hash=hash_password("another password"), employee_id=None
        )
    open_session(store, "erin", 5)
    run_once(store, "clara", "key-1", ("POST", "/x", {"a": 1}), lambda: (201, {"id": 7}))
    kept = _rows(store)
    assert len(kept[0]) == 2
    assert len(kept[1]) == 1

    store.downgrade("0002")
    assert "service_accounts" not in store.table_columns()
    check = check_rollback(before, snapshot(store), store.revision())
    assert check.intact  # everything from before the upgrade is there, unchanged
    with store.transaction() as conn:
        parked = json.loads(
            conn.scalar(
                select(feature_flags.c.value).where(feature_flags.c.name == "migration.0003.parked")
            )
        )
        note = conn.execute(
            select(audit_log.c.detail).where(
                audit_log.c.action == "downgrade.preserve", audit_log.c.entity == "service"
            )
        ).one()
    assert {a["user_name"] for a in parked["accounts"]} == {"erin", "clara"}
    assert json.loads(note.detail) | {"accounts": 2, "idempotency_keys": 1} == json.loads(
        note.detail
    )
    assert "argon2" not in note.detail  # the audit log says how many, never the hashes

    store.upgrade()
    assert _rows(store) == kept
    with store.transaction() as conn:
        assert (
            conn.scalar(
                select(feature_flags.c.name).where(feature_flags.c.name == "migration.0003.parked")
            )
            is None
        )


def test_an_empty_service_downgrades_without_a_trace(store: PayrollStore) -> None:
    store.upgrade()
    store.downgrade("0002")
    with store.transaction() as conn:
        assert conn.execute(select(feature_flags)).all() == []
        assert conn.execute(select(audit_log.c.id)).all() == []
    store.upgrade()
    assert store.revision() == "0004"
