"""The audit log and its hash chain (auditor, admin; ``/api/v1/audit-log``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from deploybook.payroll.service.api.access import requires, service_of
from deploybook.payroll.service.api.accounts import Principal
from deploybook.payroll.service.api.models import AuditCheck, AuditEntry, Page
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


@router.get(
    "/audit-log/verify",
    summary="Recompute the audit log's hash chain (auditor, admin)",
    tags=["audit"],
    responses=R(401, 403),
)
def verify(
    request: Request, user: Annotated[Principal, Depends(requires("auditor", "admin"))]
) -> AuditCheck:
    """Whether every entry of the audit log still hashes to what was chained when it was
    written, and the first entry that does not.
    """
    with translated():
        found = service_of(request).verify_audit_log(user.name)
    return AuditCheck(intact=found.intact, entries=found.entries, broken_at=found.broken_at,
                      problem=found.problem)  # fmt: skip
