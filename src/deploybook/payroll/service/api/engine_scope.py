"""Who engine 2.0 pays: the feature flag (admin; ``/api/v1/engine-scope``)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from deploybook.payroll.service.api.access import Admin, service_of, store_of
from deploybook.payroll.service.api.models import EngineScope
from deploybook.payroll.service.api.problems import ApiError, responses, translated
from deploybook.payroll.service.payruns import ENGINE_FLAG
from deploybook.payroll.service.store import get_flag

router = APIRouter(prefix="/api/v1")
R = responses


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
