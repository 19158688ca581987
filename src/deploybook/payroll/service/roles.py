"""Role grants that need a second administrator.

Once a database has users, an administrator who gives anyone a role they do not hold yet
(themself included) only files a request; another administrator approves or rejects it.
Taking roles away needs no second pair of eyes and applies at once. Requests live in
``role_requests`` (database revision 0004) and every step is audited.

A service starts with one administrator, who could never have a grant approved; so while
there is only one, that administrator may name a second (a new user given the admin role
alone), at once and audited as such. From then on every grant needs the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from deploybook.payroll.service.audit import write_audit
from deploybook.payroll.service.schema import role_requests, users
from deploybook.payroll.service.store import load_roles, now, save_users, table_names


class GrantRefused(PermissionError):
    """The role request may not be decided by this administrator."""


@dataclass(frozen=True)
class RoleRequest:
    """A pending (or decided) change of a user's roles that adds at least one role."""

    id: int
    user_name: str
    roles: tuple[str, ...]  # the user's roles once approved
    requested_by: str
    requested_at: datetime
    status: str  # pending, approved, rejected
    decided_by: str | None
    decided_at: datetime | None


def _request(row: Any) -> RoleRequest:
    values = dict(row._mapping)
    values["roles"] = tuple(r for r in values["roles"].split(",") if r)
    return RoleRequest(**values)


def set_roles(conn: Connection, actor: str, user: str, roles: set[str]) -> RoleRequest | None:
    """Apply ``roles`` to ``user`` at once if they add nothing, else file a request and
    return it (``ValueError`` if this database cannot hold requests yet).
    """
    current = load_roles(conn, user)
    added = roles - current
    if roles == {"admin"} and not current and _admins(conn) == [actor]:
        save_users(conn, {user: roles})
        write_audit(conn, actor, "users.second_admin", "user", user, roles=["admin"])
        return None
    if not added:
        save_users(conn, {user: roles})
        write_audit(conn, actor, "users.set", "user", user, roles=sorted(roles),
                    removed=sorted(current - roles))  # fmt: skip
        return None
    if "role_requests" not in table_names(conn):
        raise ValueError("roles: granting roles needs database revision 0004: upgrade first")
    result = conn.execute(
        insert(role_requests).values(
            user_name=user, roles=",".join(sorted(roles)), requested_by=actor,
            requested_at=now(), status="pending",
        ).returning(role_requests.c.id)
    )  # fmt: skip
    request_id = result.scalar_one()
    write_audit(conn, actor, "users.request", "role_request", request_id, user=user,
                roles=sorted(roles), added=sorted(added))  # fmt: skip
    return get_request(conn, request_id)


def _admins(conn: Connection) -> list[str]:
    """The users who hold the admin role."""
    rows = conn.execute(select(users.c.name, users.c.roles)).all()
    return sorted(name for name, held in rows if "admin" in held.split(","))


def get_request(conn: Connection, request_id: int) -> RoleRequest:
    """The role request ``request_id``; ``LookupError`` if there is none."""
    row = conn.execute(select(role_requests).where(role_requests.c.id == request_id)).first()
    if row is None:
        raise LookupError(f"role request {request_id} does not exist")
    return _request(row)


def pending_requests(conn: Connection) -> list[RoleRequest]:
    """The role requests waiting for a second administrator, oldest first."""
    if "role_requests" not in table_names(conn):
        return []
    query = select(role_requests).where(role_requests.c.status == "pending")
    return [_request(row) for row in conn.execute(query.order_by(role_requests.c.id))]


def decide(conn: Connection, actor: str, request_id: int, *, approve: bool) -> RoleRequest:
    """Approve (apply) or reject a pending request: never by the administrator who filed it,
    nor by the user it gives roles to.
    """
    request = get_request(conn, request_id)
    if request.status != "pending":
        raise ValueError(f"role request {request_id} is {request.status}, not pending")
    if actor in (request.requested_by, request.user_name):
        raise GrantRefused(
            f"{actor!r} filed role request {request_id} or receives its roles: a second "
            "administrator must decide it"
        )
    status = "approved" if approve else "rejected"
    conn.execute(
        update(role_requests)
        .where(role_requests.c.id == request_id)
        .values(status=status, decided_by=actor, decided_at=now())
    )
    if approve:
        save_users(conn, {request.user_name: set(request.roles)})
    write_audit(conn, actor, f"users.request.{status}", "role_request", request_id,
                user=request.user_name, roles=list(request.roles),
                requested_by=request.requested_by)  # fmt: skip
    return get_request(conn, request_id)
