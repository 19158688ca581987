"""The payroll service as one ASGI app: the JSON API under ``/api/v1``, its OpenAPI document
at ``/openapi.json``, and the payroll officer's web pages at ``/``.

:func:`create_app` migrates the database to the newest revision (``PayrollStore.upgrade``)
and answers every error with a problem response (:mod:`.problems`). Every response carries
security headers: a content security policy without scripts (the pages use none), no
framing, no MIME sniffing, no referrer, and ``Cache-Control: no-store`` (pay data is not to
be cached).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse

from deploybook.payroll.service.api import (
    audit,
    auth,
    employees,
    engine_scope,
    pay_runs,
    rule_sets,
    timesheets,
    users,
)
from deploybook.payroll.service.api.problems import PROBLEMS, FieldError, Problem, install
from deploybook.payroll.service.payruns import PayrollService
from deploybook.payroll.service.settings import ServiceSettings
from deploybook.payroll.service.store import PayrollStore
from deploybook.payroll.service.web import pages

TITLE = "deploybook payroll"
VERSION = "1.0.0"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=TITLE, version=VERSION, description=__doc__, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (FieldError, Problem):
            components[model.__name__] = model.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        problem = {"$ref": "#/components/schemas/Problem"}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                found = operation.get("responses", {}).get("422")
                if found is not None:  # FastAPI's default validation error: ours is a problem
                    found["content"] = {"application/problem+json": {"schema": problem}}
        app.openapi_schema = schema
        return schema

    return build


def create_app(settings: ServiceSettings) -> FastAPI:
    """The payroll service on ``settings.database_url`` (migrated to the newest revision)."""
    store = PayrollStore(settings.database_url)
    store.upgrade()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title=TITLE,
        version=VERSION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.service = PayrollService(store, inject_defect=settings.inject_defect)
    app.state.revision = store.revision()
    install(app)
    for routes in (auth, users, employees, timesheets, rule_sets, audit, engine_scope):
        app.include_router(routes.router)
    app.include_router(pay_runs.router)
    pages.mount(app)
    app.openapi = _openapi(app)  # type: ignore[method-assign]

    @app.middleware("http")
    async def secure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.get("/problems/{slug}", include_in_schema=False, response_class=HTMLResponse)
    def problem_page(slug: str) -> HTMLResponse:
        title, text = PROBLEMS.get(slug, PROBLEMS["not-found"])
        return pages.render_text(title, text, 200 if slug in PROBLEMS else 404)

    return app
