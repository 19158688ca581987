"""Who may call what: the bearer-token dependency and role requirements of the API.

Every route checks the caller's roles before it reads its body: payroll staff (clerks,
approvers, auditors) read payroll data, clerks prepare, approvers approve and pay, admins
manage users and the engine flag, and an employee reads only their own record and payslips.
The pay-run service checks the roles of every change again, and segregation of duties
(nobody approves or pays a run they prepared).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from deploybook.payroll.service.api.accounts import Principal, resolve
from deploybook.payroll.service.api.problems import ApiError
from deploybook.payroll.service.payruns import PayrollService
from deploybook.payroll.service.store import PayrollStore

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - an address  # nosec B105
STAFF = ("clerk", "approver", "auditor")
oauth2 = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


def store_of(request: Request) -> PayrollStore:
    """The app's payroll store."""
    return request.app.state.store


def service_of(request: Request) -> PayrollService:
    """The app's pay-run service."""
    return request.app.state.service


def unauthenticated(detail: str) -> ApiError:
    """A 401 problem asking for a bearer token."""
    return ApiError(401, "unauthenticated", detail, headers={"WWW-Authenticate": "Bearer"})


def principal(request: Request, token: Annotated[str | None, Depends(oauth2)]) -> Principal:
    """The user of the request's bearer token; 401 without a live one."""
    if not token:
        raise unauthenticated("send a bearer token: POST /api/v1/auth/token gives one")
    found = resolve(store_of(request), token)
    if found is None:
        raise unauthenticated("the token is unknown or has expired: log in again")
    return found


def requires(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency admitting users who hold at least one of ``roles`` (else 403)."""

    def check(user: Annotated[Principal, Depends(principal)]) -> Principal:
        if not user.has_any(roles):
            needed = (
                f"the {roles[0]} role"
                if len(roles) == 1
                else f"one of the roles {', '.join(roles)}"
            )
            raise ApiError(403, "permission-denied", f"{user.name!r} needs {needed} for this")
        return user

    return check


User = Annotated[Principal, Depends(principal)]
Staff = Annotated[Principal, Depends(requires(*STAFF))]
Admin = Annotated[Principal, Depends(requires("admin"))]
Clerk = Annotated[Principal, Depends(requires("clerk"))]
Approver = Annotated[Principal, Depends(requires("approver"))]
