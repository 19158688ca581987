"""A period's hours: record (clerk) and read (staff) (``/api/v1/timesheets``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from deploybook.payroll.engine.domain import PayFrequency, PayPeriod, Timesheet
from deploybook.payroll.service.api import queries
from deploybook.payroll.service.api.access import Clerk, Staff, service_of, store_of
from deploybook.payroll.service.api.models import Count, Page, TimesheetOut, TimesheetsIn
from deploybook.payroll.service.api.paging import Paging, page
from deploybook.payroll.service.api.problems import (
    ApiError,
    refuse_duplicates,
    responses,
    translated,
)

router = APIRouter(prefix="/api/v1")
R = responses


@router.post(
    "/timesheets",
    summary="Record a period's hours (clerk)",
    tags=["timesheets"],
    responses=R(401, 403, 409, 422),
)
def record_timesheets(request: Request, user: Clerk, body: TimesheetsIn) -> Count:
    """Record a period's hours (clerk), replacing those recorded before for these employees;
    a calculated draft run of the period must then be calculated again.
    """
    ids = [t.employee_id for t in body.timesheets]
    refuse_duplicates(ids, "timesheets", "employee_id")
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
