"""Logins: argon2id password hashes, sessions, and who is asking.

A user (``users``, with roles) may hold a login account (``service_accounts``): a password
hash in the PHC string format (argon2id with argon2-cffi's RFC 9106 defaults; hashes made
with weaker parameters are upgraded at the next login) and, for the employee role, the
employee whose payslips they may read. A login opens a session: a random token (256 bits)
that the client sends as a bearer token or a cookie; only its SHA-256 digest is stored, with
an expiry and the session's CSRF token for the web forms. Failed logins are throttled: five
within 15 minutes lock a user name, and twenty from one client address (whatever names it
tries) lock that address, for the rest of the window (the audit log holds the failures).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, delete, insert, select, update

from deploybook.payroll.service.audit import write_audit
from deploybook.payroll.service.schema import (
    audit_log,
    employees,
    service_accounts,
    service_sessions,
    users,
)
from deploybook.payroll.service.store import PayrollStore, now

HASHER = PasswordHasher()
MIN_PASSWORD = 12
MAX_PASSWORD = 128
MAX_FAILURES = 5  # for one user name
MAX_CLIENT_FAILURES = 20  # from one client address, over any names
FAILURE_WINDOW = timedelta(minutes=15)


class TooManyAttempts(PermissionError):
    """The user name is locked after repeated failed logins."""


@dataclass(frozen=True)
class Principal:
    """The user behind a request."""

    name: str
    roles: frozenset[str]
    employee_id: str | None
    csrf_token: str

    def has_any(self, roles: Iterable[str]) -> bool:
        """Whether the user holds at least one of ``roles``."""
        return bool(self.roles & set(roles))


@cache
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


def check_password(password: str) -> None:
    """``ValueError`` naming the password if it is too short or too long."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValueError(f"password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters")


def hash_password(password: str) -> str:
    """The argon2id hash of an acceptable password."""
    check_password(password)
    return HASHER.hash(password)


def save_account(
    conn: Connection,
    actor: str,
    user: str,
    *,
    password_hash: str | None,
    employee_id: str | None,
) -> None:
    """Create or change ``user``'s login (a new one needs a password); audited, never the hash."""
    if (
        employee_id is not None
        and conn.scalar(select(employees.c.id).where(employees.c.id == employee_id)) is None
    ):
        raise ValueError(f"employee_id: no employee {employee_id}")
    exists = conn.scalar(
        select(service_accounts.c.user_name).where(service_accounts.c.user_name == user)
    )
    values: dict[str, object] = {"employee_id": employee_id, "updated_at": now()}
    if password_hash is not None:
        values["password_hash"] = password_hash
    if exists:
        conn.execute(
            update(service_accounts).where(service_accounts.c.user_name == user).values(**values)
        )
    elif password_hash is None:
        raise ValueError(f"password: {user} has no login yet; give a password to create one")
    else:
        conn.execute(insert(service_accounts).values(user_name=user, **values))
    write_audit(
        conn,
        actor,
        "account.set",
        "user",
        user,
        employee_id=employee_id,
        password_changed=password_hash is not None,
    )
    if password_hash is not None:  # a new password ends the user's other sessions
        conn.execute(delete(service_sessions).where(service_sessions.c.user_name == user))


def account_links(conn: Connection) -> dict[str, str | None]:
    """Every login and the employee it is linked to."""
    rows = conn.execute(select(service_accounts.c.user_name, service_accounts.c.employee_id))
    return {row.user_name: row.employee_id for row in rows}


def _failures(conn: Connection, user: str, client: str | None) -> tuple[int, int]:
    """Failed logins within the window: of ``user``, and from ``client`` (any user)."""
    details = conn.execute(
        select(audit_log.c.actor, audit_log.c.detail).where(
            audit_log.c.action == "auth.failed", audit_log.c.at >= now() - FAILURE_WINDOW
        )
    ).all()
    of_user = sum(actor == user for actor, _ in details)
    from_client = sum(client is not None and json.loads(d).get("client") == client
                      for _, d in details)  # fmt: skip
    return of_user, from_client


def authenticate(store: PayrollStore, user: str, password: str, client: str | None = None) -> bool:
    """Whether ``password`` is ``user``'s; every attempt is audited (with the ``client``
    address it came from).

    Raises :class:`TooManyAttempts` while the user name, or the client address, is locked.
    An unknown user costs the same time as a wrong password (a dummy hash is verified), so
    timing does not tell them apart.
    """
    with store.transaction() as conn:
        of_user, from_client = _failures(conn, user, client)
        if of_user >= MAX_FAILURES:
            raise TooManyAttempts(f"{user!r} is locked for {FAILURE_WINDOW} after failed logins")
        if from_client >= MAX_CLIENT_FAILURES:
            raise TooManyAttempts(
                f"too many failed logins from this address: wait {FAILURE_WINDOW} and try again"
            )
        stored = conn.scalar(
            select(service_accounts.c.password_hash).where(service_accounts.c.user_name == user)
        )
    try:
        ok = HASHER.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    with store.transaction() as conn:
        if ok and stored is not None and HASHER.check_needs_rehash(stored):
            conn.execute(
                update(service_accounts)
                .where(service_accounts.c.user_name == user)
                .values(password_hash=HASHER.hash(password))
            )
        write_audit(conn, user, "auth.login" if ok else "auth.failed", "user", user, client=client)
    return ok


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(store: PayrollStore, user: str, minutes: int) -> tuple[str, str]:
    """A new session of ``user``: its token and its CSRF token. Expired sessions are removed."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    started = now()
    with store.transaction() as conn:
        conn.execute(delete(service_sessions).where(service_sessions.c.expires_at < started))
        conn.execute(
            insert(service_sessions).values(
                token_hash=_digest(token),
                user_name=user,
                csrf_token=csrf,
                created_at=started,
                expires_at=started + timedelta(minutes=minutes),
            )
        )
    return token, csrf


def close_session(store: PayrollStore, token: str) -> None:
    """End the session of ``token`` (logging out)."""
    with store.transaction() as conn:
        conn.execute(
            delete(service_sessions).where(service_sessions.c.token_hash == _digest(token))
        )


def resolve(store: PayrollStore, token: str) -> Principal | None:
    """The user of a live session, with their current roles (``None``: no such session)."""
    query = (
        select(
            service_sessions.c.user_name,
            service_sessions.c.csrf_token,
            users.c.roles,
            service_accounts.c.employee_id,
        )
        .select_from(
            service_sessions.join(users, users.c.name == service_sessions.c.user_name).outerjoin(
                service_accounts, service_accounts.c.user_name == service_sessions.c.user_name
            )
        )
        .where(
            service_sessions.c.token_hash == _digest(token), service_sessions.c.expires_at > now()
        )
    )
    with store.transaction() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    roles = frozenset(r for r in row.roles.split(",") if r)
    return Principal(row.user_name, roles, row.employee_id, row.csrf_token)
