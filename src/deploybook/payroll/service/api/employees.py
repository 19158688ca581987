"""Employees: read (staff, or the employee themself) and add or update (clerk), also from
CSV (``/api/v1/employees``).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from deploybook.payroll.engine.domain import Employee
from deploybook.payroll.engine.importing import parse_employees
from deploybook.payroll.service.api import queries
from deploybook.payroll.service.api.access import STAFF, Clerk, Staff, User, service_of, store_of
from deploybook.payroll.service.api.models import (
    EMPLOYEE_PATTERN,
    Count,
    EmployeeOut,
    EmployeesIn,
    Page,
    Text60,
)
from deploybook.payroll.service.api.paging import Paging, page
from deploybook.payroll.service.api.problems import (
    ApiError,
    refuse_duplicates,
    responses,
    translated,
)

router = APIRouter(prefix="/api/v1")
EMPLOYEE_FIELDS = [f.name for f in fields(Employee)]
MAX_CSV_BYTES = 50 * 1024 * 1024
R = responses


@router.get(
    "/employees", summary="Employees (staff)", tags=["employees"], responses=R(401, 403, 422)
)
def list_employees(
    request: Request,
    user: Staff,
    at: Paging,
    department: Annotated[Text60 | None, Query()] = None,
    location: Annotated[Text60 | None, Query()] = None,
) -> Page[EmployeeOut]:
    """Employees by id (payroll staff), optionally of one department and/or location."""
    with store_of(request).transaction() as conn:
        rows, total = queries.employee_page(
            conn, at.limit, at.offset, department=department, location=location
        )
    return Page[EmployeeOut].model_validate(page(request, rows, total, at))


@router.get(
    "/employees/{employee_id}",
    summary="An employee (staff, or themself)",
    tags=["employees"],
    responses=R(401, 403, 404, 422),
)
def get_employee(
    request: Request, user: User, employee_id: Annotated[str, Path(pattern=EMPLOYEE_PATTERN)]
) -> EmployeeOut:
    """One employee (payroll staff, or the employee themself)."""
    if not (user.has_any(STAFF) or user.employee_id == employee_id):
        raise ApiError(
            403, "permission-denied", f"{user.name!r} may see only their own employee record"
        )
    with store_of(request).transaction() as conn:
        found = queries.employee(conn, employee_id)
    if found is None:
        raise ApiError(404, "not-found", f"employee {employee_id} does not exist")
    return EmployeeOut.model_validate(found)


def _import(request: Request, actor: str, records: list[Employee]) -> Count:
    refuse_duplicates([e.id for e in records], "employees", "id")
    with translated(EMPLOYEE_FIELDS):
        return Count(count=service_of(request).import_employees(actor, records))


@router.post(
    "/employees",
    summary="Add or update employees (clerk)",
    tags=["employees"],
    responses=R(401, 403, 422),
)
def import_employees(request: Request, user: Clerk, body: EmployeesIn) -> Count:
    """Add or update employees by id (clerk); nothing is written if any is invalid."""
    records = []
    for i, item in enumerate(body.employees):
        try:
            records.append(Employee.from_mapping(item.model_dump()))
        except ValueError as exc:
            field = next((f for f in EMPLOYEE_FIELDS if str(exc).startswith(f)), None)
            path = f"employees[{i}].{field}" if field else f"employees[{i}]"
            raise ApiError(422, "validation", f"{path}: {exc}", field=path) from None
    return _import(request, user.name, records)


@router.post(
    "/employees/csv",
    summary="Import employees from CSV (clerk)",
    tags=["employees"],
    responses=R(401, 403, 415, 422),
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
async def import_employee_csv(request: Request, user: Clerk) -> Count:
    """Add or update employees from a CSV file (the columns of ``EmployeeIn``; clerk).
    An error names the line; nothing is written from a file with any bad row.
    """
    if request.headers.get("content-type", "").split(";")[0].strip() != "text/csv":
        raise ApiError(415, "unsupported-media-type", "send the file as text/csv")
    body = await request.body()
    if len(body) > MAX_CSV_BYTES:
        raise ApiError(
            422, "validation", f"body: the file is larger than {MAX_CSV_BYTES} bytes", field="body"
        )
    try:
        text = body.decode("utf-8-sig")
        records = parse_employees(text.splitlines(keepends=True), "employees.csv")
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(422, "validation", f"body: {exc}", field="body") from None
    return await run_in_threadpool(_import, request, user.name, records)
