"""Logins: argon2id hashes, accounts, failed-login lockout, sessions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from deploybook.payroll.engine.synthetic import synthetic_company
from deploybook.payroll.service.api import accounts
from deploybook.payroll.service.api.accounts import (
    MAX_CLIENT_FAILURES,
    MAX_FAILURES,
    TooManyAttempts,
    account_links,
    authenticate,
    check_password,
    close_session,
    hash_password,
    open_session,
    resolve,
    save_account,
)
from deploybook.payroll.service.payruns import PayrollService
from deploybook.payroll.service.schema import service_accounts, service_sessions
from deploybook.payroll.service.store import PayrollStore, now, sqlite_url

PRODUCTION = accounts.HASHER  # as imported, before the tests make hashing cheap
SECRET = "a long enough password"  # noqa: S105 - a test password


@pytest.fixture
def store(tmp_path: Path) -> Iterator[PayrollStore]:
    payroll = PayrollStore(sqlite_url(tmp_path / "p.db"))
    payroll.upgrade()
    service = PayrollService(payroll)
    service.add_users("root", {"root": ["admin"], "clara": ["clerk"], "erin": ["employee"]})
    service.import_employees("clara", synthetic_company(3, "fortnightly", seed=1))
    with payroll.transaction() as conn:
        save_account(conn, "root", "clara", password_hash=hash_password(SECRET), employee_id=None)
    yield payroll
    payroll.close()


def test_passwords_are_hashed_with_argon2id() -> None:
    assert (PRODUCTION.time_cost, PRODUCTION.memory_cost, PRODUCTION.parallelism) == (3, 65536, 4)
    hashed = hash_password(SECRET)
    assert hashed.startswith("$argon2id$")
    assert SECRET not in hashed
    assert hash_password(SECRET) != hashed  # salted
    with pytest.raises(ValueError, match="password must have 12 to 128"):
        check_password("short")
    with pytest.raises(ValueError, match="password"):
        check_password("x" * 129)


def test_accounts_need_a_password_and_a_real_employee(store: PayrollStore) -> None:
    with store.transaction() as conn:
        with pytest.raises(ValueError, match=r"^password: erin has no login"):
            save_account(conn, "root", "erin", password_hash=None, employee_id="E000001")
        with pytest.raises(ValueError, match=r"^employee_id: no employee E9"):
            save_account(conn, "root", "erin", password_hash="x", employee_id="E9")  # noqa: S106
        save_account(
            conn, "root", "erin", password_hash=hash_password(SECRET), employee_id="E000002"
        )
        save_account(conn, "root", "erin", password_hash=None, employee_id="E000003")
        assert account_links(conn) == {"clara": None, "erin": "E000003"}


def test_logging_in_and_locking_out(store: PayrollStore) -> None:
    assert authenticate(store, "clara", SECRET)
    assert not authenticate(store, "clara", "wrong password")
    assert not authenticate(store, "nobody", SECRET)
    for _ in range(MAX_FAILURES - 1):
        authenticate(store, "clara", "wrong again")
    with pytest.raises(TooManyAttempts, match="'clara' is locked"):
        authenticate(store, "clara", SECRET)


def test_one_address_guessing_many_names_is_locked_out(store: PayrollStore) -> None:
    """Spreading guesses over user names (fewer than five each) does not escape the lockout:
    the address is throttled too, and only that address."""
    names = [f"guess{i}" for i in range(MAX_CLIENT_FAILURES)]
    for name in names:
        assert not authenticate(store, name, "password123456", client="203.0.113.9")
    with pytest.raises(TooManyAttempts, match="from this address"):
        authenticate(store, "clara", SECRET, client="203.0.113.9")
    assert authenticate(store, "clara", SECRET, client="198.51.100.4")


def test_weak_hashes_are_upgraded_at_login(
    store: PayrollStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "HASHER", PRODUCTION)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(SECRET)
    with store.transaction() as conn:
        conn.execute(update(service_accounts).values(password_hash=weak))
    assert authenticate(store, "clara", SECRET)
    with store.transaction() as conn:
        upgraded = conn.scalar(select(service_accounts.c.password_hash))
    assert upgraded != weak
    assert "m=65536" in upgraded
    with store.transaction() as conn:
        conn.execute(update(service_accounts).values(password_hash="not a hash"))  # noqa: S106
    assert not authenticate(store, "clara", SECRET)


def test_sessions_resolve_expire_and_close(store: PayrollStore) -> None:
    token, csrf = open_session(store, "clara", 5)
    user = resolve(store, token)
    assert user is not None
    assert (user.name, user.roles, user.employee_id, user.csrf_token) == (
        "clara",
        frozenset({"clerk"}),
        None,
        csrf,
    )
    assert user.has_any(["clerk", "admin"])
    assert not user.has_any(["admin"])
    assert resolve(store, token + "x") is None
    close_session(store, token)
    assert resolve(store, token) is None
    token, _ = open_session(store, "clara", 5)
    with store.transaction() as conn:
        conn.execute(update(service_sessions).values(expires_at=now() - timedelta(seconds=1)))
    assert resolve(store, token) is None
    open_session(store, "clara", 5)  # a new login sweeps expired sessions away
    with store.transaction() as conn:
        assert len(conn.execute(select(service_sessions)).all()) == 1


def test_a_new_password_ends_every_session(store: PayrollStore) -> None:
    token, _ = open_session(store, "clara", 5)
    with store.transaction() as conn:
        save_account(
            conn, "root", "clara", password_hash=hash_password(SECRET + "!"), employee_id=None
        )
    assert resolve(store, token) is None
