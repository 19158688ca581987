"""The audit log (auditor, admin; ``/api/v1/audit-log``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from deploybook.payroll.service.api.access import requires, service_of
from deploybook.payroll.service.api.accounts import Principal
from deploybook.payroll.service.api.models import AuditEntry, Page
from deploybook.payroll.service.api.paging import Paging, page
from deploybook.payroll.service.api.problems import responses, translated

router = APIRouter(prefix="/api/v1")
R = responses


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
