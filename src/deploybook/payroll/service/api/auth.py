"""Logging in and out, who am I, changing one's password, one's own payslips, and the
service's health (``/api/v1/auth``, ``/api/v1/me``, ``/api/v1/health``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response

from deploybook.payroll.service.api import queries
from deploybook.payroll.service.api.access import User, oauth2, store_of, unauthenticated
from deploybook.payroll.service.api.accounts import (
    TooManyAttempts,
    authenticate,
    close_session,
    hash_password,
    open_session,
    save_account,
)
from deploybook.payroll.service.api.models import (
    USER_PATTERN,
    Health,
    Me,
    Page,
    PasswordIn,
    PayslipSummary,
    Token,
)
from deploybook.payroll.service.api.paging import Paging, page
from deploybook.payroll.service.api.problems import ApiError, responses, translated

router = APIRouter(prefix="/api/v1")
VISIBLE_STATUSES = ("approved", "paid")  # an employee sees a payslip once its run is approved
R = responses


def _client(request: Request) -> str | None:
    """The address a request came from (failed logins are throttled by it, too)."""
    return request.client.host if request.client else None


@router.get("/health", summary="Service status (no login)", tags=["service"])
def health(request: Request) -> Health:
    """Whether the service is up, and the database revision (no login needed)."""
    return Health(status="ok", revision=request.app.state.revision)


@router.post(
    "/auth/token", summary="Log in for a bearer token", tags=["auth"], responses=R(401, 422, 429)
)
def log_in(
    request: Request,
    username: Annotated[str, Form(pattern=USER_PATTERN)],
    password: Annotated[str, Form(min_length=1, max_length=128)],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> Token:
    """Log in with a user name and password (OAuth 2 password flow) for a bearer token."""
    store, minutes = store_of(request), request.app.state.settings.session_minutes
    try:
        ok = authenticate(store, username, password, _client(request))
    except TooManyAttempts as exc:
        raise ApiError(429, "too-many-attempts", str(exc), headers={"Retry-After": "900"}) from None
    if not ok:
        raise unauthenticated("wrong user name or password")
    token, _ = open_session(store, username, minutes)
    return Token(access_token=token, expires_in=minutes * 60)


@router.post(
    "/auth/logout", summary="End this session", status_code=204, tags=["auth"], responses=R(401)
)
def log_out(
    request: Request, user: User, token: Annotated[str | None, Depends(oauth2)]
) -> Response:
    """End the session of the bearer token."""
    close_session(store_of(request), token or "")
    return Response(status_code=204)


@router.get("/me", summary="Who am I", tags=["auth"], responses=R(401))
def me(user: User) -> Me:
    """The user behind the token: name, roles and linked employee."""
    return Me(name=user.name, roles=sorted(user.roles), employee_id=user.employee_id)


@router.put(
    "/me/password",
    summary="Change my password",
    status_code=204,
    tags=["auth"],
    responses=R(401, 403, 422, 429),
)
def change_password(request: Request, user: User, body: PasswordIn) -> Response:
    """Change one's own password (the current one is asked again); other sessions end."""
    store = store_of(request)
    try:
        ok = authenticate(store, user.name, body.current_password, _client(request))
    except TooManyAttempts as exc:
        raise ApiError(429, "too-many-attempts", str(exc), headers={"Retry-After": "900"}) from None
    if not ok:
        raise ApiError(
            403, "permission-denied", "the current password is wrong", field="current_password"
        )
    with translated(["password"]):
        hashed = hash_password(body.new_password)
    with store.transaction() as conn:
        save_account(conn, user.name, user.name, password_hash=hashed, employee_id=user.employee_id)
    return Response(status_code=204)


@router.get(
    "/me/payslips", summary="My payslips (employee)", tags=["payslips"], responses=R(401, 403, 422)
)
def my_payslips(request: Request, user: User, at: Paging) -> Page[PayslipSummary]:
    """The caller's own payslips of approved and paid runs, newest first."""
    if user.employee_id is None:
        raise ApiError(403, "permission-denied", f"{user.name!r} is not linked to an employee")
    with store_of(request).transaction() as conn:
        rows, total = queries.employee_payslip_page(
            conn, user.employee_id, VISIBLE_STATUSES, at.limit, at.offset
        )
    return Page[PayslipSummary].model_validate(page(request, rows, total, at))
