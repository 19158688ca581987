"""API routes for logging in, users, employees, timesheets, rule sets, the audit log and the
engine flag (``/api/v1``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import fields
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from deploybook.payroll.engine.domain import Employee, PayFrequency, PayPeriod, Timesheet
from deploybook.payroll.engine.importing import parse_employees
from deploybook.payroll.engine.rules import RuleSet, default_rule_sets
from deploybook.payroll.service.api import queries
from deploybook.payroll.service.api.access import (
    STAFF,
    Admin,
    Clerk,
    Staff,
    User,
    oauth2,
    requires,
    service_of,
    store_of,
    unauthenticated,
)
from deploybook.payroll.service.api.accounts import (
    Principal,
    TooManyAttempts,
    authenticate,
    close_session,
    hash_password,
    open_session,
    save_account,
)
from deploybook.payroll.service.api.models import (
    EMPLOYEE_PATTERN,
    RULE_SET_PATTERN,
    USER_PATTERN,
    AuditEntry,
    Bracket,
    Count,
    EmployeeOut,
    EmployeesIn,
    EngineScope,
    Health,
    Me,
    Page,
    PasswordIn,
    PayslipSummary,
    RuleSetDetail,
    RuleSetSummary,
    Text60,
    TimesheetOut,
    TimesheetsIn,
    Token,
    UserIn,
    UserOut,
)
from deploybook.payroll.service.api.paging import Paging, page
from deploybook.payroll.service.api.problems import ApiError, responses, translated
from deploybook.payroll.service.payruns import ENGINE_FLAG
from deploybook.payroll.service.store import get_flag

router = APIRouter(prefix="/api/v1")
EMPLOYEE_FIELDS = [f.name for f in fields(Employee)]
VISIBLE_STATUSES = ("approved", "paid")  # an employee sees a payslip once its run is approved
MAX_CSV_BYTES = 50 * 1024 * 1024
R = responses


# --- logging in ---------------------------------------------------------------------------


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
        ok = authenticate(store, username, password)
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
        ok = authenticate(store, user.name, body.current_password)
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


# --- users --------------------------------------------------------------------------------


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


# --- employees ----------------------------------------------------------------------------


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


def _unique(ids: list[str], what: str, key: str) -> None:
    seen: set[str] = set()
    for position, value in enumerate(ids):
        if value in seen:
            path = f"{what}[{position}].{key}"
            raise ApiError(422, "validation", f"{path}: {value} appears more than once", field=path)
        seen.add(value)


def _import(request: Request, actor: str, records: list[Employee]) -> Count:
    _unique([e.id for e in records], "employees", "id")
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
    An error names the line; nothing is written from a file with any bad row."""
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


# --- timesheets ---------------------------------------------------------------------------


@router.post(
    "/timesheets",
    summary="Record a period's hours (clerk)",
    tags=["timesheets"],
    responses=R(401, 403, 409, 422),
)
def record_timesheets(request: Request, user: Clerk, body: TimesheetsIn) -> Count:
    """Record a period's hours (clerk), replacing those recorded before for these employees;
    a calculated draft run of the period must then be calculated again."""
    ids = [t.employee_id for t in body.timesheets]
    _unique(ids, "timesheets", "employee_id")
    with store_of(request).transaction() as conn:
        known = queries.existing_employees(conn, ids)
    unknown = next((i for i, e in enumerate(ids) if e not in known), None)
    if unknown is not None:
        raise ApiError(
            422,
            "validation",
            f"timesheets[{unknown}].employee_id: no employee {ids[unknown]}",
            field=f"timesheets[{unknown}].employee_id",
        )
    with translated(["period_start"]):
        period = PayPeriod.starting(body.frequency, body.period_start)
    sheets = [Timesheet(**t.model_dump()) for t in body.timesheets]
    with translated():
        return Count(count=service_of(request).record_timesheets(user.name, period, sheets))


@router.get(
    "/timesheets",
    summary="A period's hours (staff)",
    tags=["timesheets"],
    responses=R(401, 403, 422),
)
def list_timesheets(
    request: Request,
    user: Staff,
    at: Paging,
    frequency: Annotated[PayFrequency, Query()],
    period_start: Annotated[date, Query()],
) -> Page[TimesheetOut]:
    """The recorded hours of one period (payroll staff)."""
    with store_of(request).transaction() as conn:
        rows, total = queries.timesheet_page(
            conn, frequency.value, period_start, at.limit, at.offset
        )
    return Page[TimesheetOut].model_validate(page(request, rows, total, at))


# --- rule sets ----------------------------------------------------------------------------


def _summary(rule_set: RuleSet) -> dict[str, Any]:
    return {
        "name": rule_set.name,
        "title": rule_set.title,
        "applies_from": rule_set.applies_from,
        "applies_to": rule_set.applies_to,
        "provenance": dict(Counter(p.status.value for p in rule_set.provenance)),
    }


@router.get("/rule-sets", summary="Withholding rule sets", tags=["rules"], responses=R(401))
def list_rule_sets(user: User) -> list[RuleSetSummary]:
    """The withholding rule sets (``data/payroll/rulesets``), oldest first."""
    return [RuleSetSummary.model_validate(_summary(r)) for r in default_rule_sets()]


@router.get(
    "/rule-sets/{name}",
    summary="A rule set's coefficients",
    tags=["rules"],
    responses=R(401, 404, 422),
)
def get_rule_set(user: User, name: Annotated[str, Path(pattern=RULE_SET_PATTERN)]) -> RuleSetDetail:
    """One rule set: its coefficients by scale, scale 4 rates and tax-offset parameters."""
    found = next((r for r in default_rule_sets() if r.name == name), None)
    if found is None:
        raise ApiError(404, "not-found", f"rule set {name!r} does not exist")
    return RuleSetDetail.model_validate(
        _summary(found)
        | {
            "brackets": {
                s: [Bracket(upper=b.upper, a=b.a, b=b.b) for b in rows]
                for s, rows in found.brackets.items()
            },
            "scale4_rates": dict(found.scale4_rates),
            "offset_rates": dict(found.offset_rates),
            "offset_scales": sorted(found.offset_scales),
        }
    )


# --- audit log and engine flag ------------------------------------------------------------


@router.get(
    "/audit-log",
    summary="The audit log (auditor, admin)",
    tags=["audit"],
    responses=R(401, 403, 422),
)
def audit(
    request: Request,
    user: Annotated[Principal, Depends(requires("auditor", "admin"))],
    at: Paging,
    entity: Annotated[str | None, Query(pattern=r"^[a-z_]{1,30}$")] = None,
) -> Page[AuditEntry]:
    """The audit log, oldest first (auditors and admins), optionally of one kind of entity."""
    with translated():
        entries = service_of(request).audit_log(user.name, entity)
    return Page[AuditEntry].model_validate(
        page(request, entries[at.offset : at.offset + at.limit], len(entries), at)
    )


@router.get(
    "/engine-scope",
    summary="Who engine 2.0 pays (admin)",
    tags=["engine"],
    responses=R(401, 403),
    response_model_exclude_defaults=True,
)
def get_engine_scope(request: Request, user: Admin) -> EngineScope:
    """Who engine 2.0 pays (admin)."""
    with store_of(request).transaction() as conn:
        return EngineScope.model_validate({"filters": get_flag(conn, ENGINE_FLAG, [])})


@router.put(
    "/engine-scope",
    summary="Set who engine 2.0 pays (admin)",
    tags=["engine"],
    responses=R(401, 403, 422),
    response_model_exclude_defaults=True,
)
def put_engine_scope(request: Request, user: Admin, body: EngineScope) -> EngineScope:
    """Set who engine 2.0 pays (admin); an empty list returns everyone to engine 1.0."""
    filters = []
    for i, item in enumerate(body.filters):
        values = item.model_dump(exclude_none=True, exclude_defaults=True)
        if not values:
            raise ApiError(
                422,
                "validation",
                f"filters[{i}]: name departments, locations, or all: true",
                field=f"filters[{i}]",
            )
        if item.all and len(values) > 1:
            raise ApiError(
                422,
                "validation",
                f"filters[{i}]: 'all' covers everyone: leave out department and location",
                field=f"filters[{i}]",
            )
        filters.append(values)
    with translated():
        service_of(request).set_engine_scope(user.name, filters)
    return EngineScope.model_validate({"filters": filters})
