"""Users and their roles (admin; ``/api/v1/users``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from deploybook.payroll.service.api import queries
from deploybook.payroll.service.api.access import Admin, service_of, store_of
from deploybook.payroll.service.api.accounts import hash_password, save_account
from deploybook.payroll.service.api.models import USER_PATTERN, Page, UserIn, UserOut
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
    responses=R(401, 403, 422),
)
def put_user(
    request: Request,
    user: Admin,
    name: Annotated[str, Path(pattern=USER_PATTERN)],
    body: UserIn,
) -> UserOut:
    """Create or change a user (admin): roles, and optionally a password and the employee
    they are (the employee role needs one); leaving ``employee_id`` out keeps the link."""
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
        service_of(request).add_users(user.name, {name: roles})
    if hashed is not None or employee_id != linked:
        with store.transaction() as conn:
            save_account(conn, user.name, name, password_hash=hashed, employee_id=employee_id)
    with store.transaction() as conn:
        return UserOut.model_validate(queries.user_page(conn, 1, 0, name)[0][0])
