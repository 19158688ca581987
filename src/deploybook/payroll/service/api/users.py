"""Users and their roles (admin; ``/api/v1/users``), and role grants that wait for a second
administrator (``/api/v1/role-requests``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse

from deploybook.payroll.service.api import queries
from deploybook.payroll.service.api.access import Admin, service_of, store_of
from deploybook.payroll.service.api.accounts import hash_password, save_account
from deploybook.payroll.service.api.models import (
    USER_PATTERN,
    Page,
    RoleRequestOut,
    UserIn,
    UserOut,
)
from deploybook.payroll.service.api.paging import Paging, page
from deploybook.payroll.service.api.problems import ApiError, responses, translated

router = APIRouter(prefix="/api/v1")
R = responses


@router.get("/users", summary="Users (admin)", tags=["users"], responses=R(401, 403, 422))
def list_users(request: Request, user: Admin, at: Paging) -> Page[UserOut]:
    """Users, their roles and logins (admin)."""
    with store_of(request).transaction() as conn:
        rows, total = queries.user_page(conn, at.limit, at.offset)
    return Page[UserOut].model_validate(page(request, rows, total, at))


@router.put(
    "/users/{name}",
    summary="Create or change a user (admin)",
    tags=["users"],
    response_model=UserOut,
    responses={
        **R(401, 403, 422),
        202: {"description": "a role grant waiting for a second admin", "model": RoleRequestOut},
    },
)
def put_user(
    request: Request,
    user: Admin,
    name: Annotated[str, Path(pattern=USER_PATTERN)],
    body: UserIn,
) -> Response:
    """Create or change a user (admin): roles, and optionally a password and the employee
    they are (the employee role needs one); leaving ``employee_id`` out keeps the link.

    A change that gives the user a role they do not hold yet is filed as a role request
    (202): it applies once a second admin approves it. The login is set at once.
    """
    store = store_of(request)
    roles = sorted({r.value for r in body.roles})
    with store.transaction() as conn:
        existing = next(iter(queries.user_page(conn, 1, 0, name)[0]), None)
        linked = existing["employee_id"] if existing else None
        employee_id = body.employee_id if "employee_id" in body.model_fields_set else linked
        if employee_id is not None and queries.employee(conn, employee_id) is None:
            raise ApiError(
                422, "validation", f"employee_id: no employee {employee_id}", field="employee_id"
            )
    can_log_in = bool(existing and existing["can_log_in"])
    if "employee" in roles and employee_id is None:
        raise ApiError(
            422,
            "validation",
            "employee_id: the employee role needs the employee this user is",
            field="employee_id",
        )
    if employee_id != linked and body.password is None and not can_log_in:
        raise ApiError(
            422,
            "validation",
            f"password: {name} has no login yet; give a password to create one",
            field="password",
        )
    with translated(["password"]):
        hashed = hash_password(body.password) if body.password is not None else None
    with translated(["roles"]):
        filed = service_of(request).add_users(user.name, {name: roles})
    if hashed is not None or employee_id != linked:
        with store.transaction() as conn:
            save_account(conn, user.name, name, password_hash=hashed, employee_id=employee_id)
    if filed:
        body_out = RoleRequestOut.model_validate(asdict(filed[0])).model_dump(mode="json")
        return JSONResponse(body_out, status_code=202)
    with store.transaction() as conn:
        found = UserOut.model_validate(queries.user_page(conn, 1, 0, name)[0][0])
    return JSONResponse(found.model_dump(mode="json"))


@router.get(
    "/role-requests",
    summary="Role grants waiting for a second admin (admin)",
    tags=["users"],
    responses=R(401, 403),
)
def list_role_requests(request: Request, user: Admin) -> list[RoleRequestOut]:
    """The role grants no second admin has decided yet, oldest first."""
    with translated():
        pending = service_of(request).role_requests(user.name)
    return [RoleRequestOut.model_validate(asdict(r)) for r in pending]


@router.post(
    "/role-requests/{request_id}/{decision}",
    summary="Approve or reject a role grant (another admin)",
    tags=["users"],
    responses=R(401, 403, 404, 409, 422),
)
def decide_role_request(
    request: Request,
    user: Admin,
    request_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    decision: Annotated[Literal["approve", "reject"], Path()],
) -> RoleRequestOut:
    """Approve (the roles apply) or reject a role grant: an admin other than the one who
    filed it, and not the user it gives roles to.
    """
    with translated():
        decided = service_of(request).decide_role_request(
            user.name, request_id, approve=decision == "approve"
        )
    return RoleRequestOut.model_validate(asdict(decided))
