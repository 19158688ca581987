"""Errors as problem details (RFC 9457, ``application/problem+json``) naming the field at fault.

Every error the API returns has the same shape: a ``type`` (a relative URI, ``/problems/<slug>``,
whose page says what it means), a ``title``, the HTTP ``status``, a ``detail`` saying what went
wrong, the ``instance`` (the request path), the ``field`` at fault when there is one, and
``errors``: one entry per field (or per employee, when a pay run cannot be calculated).

The pay-run service's exceptions map onto statuses: ``PermissionDenied`` 403, ``NotFound`` 404,
``InvalidState`` 409, ``PayRunError`` and ``ValueError`` 422.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from deploybook.payroll.service.payruns import InvalidState, NotFound, PayRunError, PermissionDenied

MEDIA_TYPE = "application/problem+json"
KEY = "Idempotency-Key"
LOG = logging.getLogger("deploybook.payroll.service.api")

# slug -> (title, what it means): served at /problems/<slug>
PROBLEMS: dict[str, tuple[str, str]] = {
    "unauthenticated": (
        "Not authenticated",
        "Send a valid bearer token (POST /api/v1/auth/token).",
    ),
    "permission-denied": (
        "Permission denied",
        "Your roles do not allow this, or segregation of "
        "duties forbids it (nobody approves or pays a run they prepared).",
    ),
    "not-found": ("Not found", "No such record, or no such address."),
    "method-not-allowed": ("Method not allowed", "The address exists but not with this method."),
    "invalid-state": (
        "Invalid state",
        "The record is not in a state that allows this (e.g. "
        "approving a run that is not a calculated draft).",
    ),
    "validation": (
        "Invalid request",
        "A field is missing or has a value it cannot take; 'errors' names each field.",
    ),
    "pay-run-error": (
        "Pay run cannot be calculated",
        "Some employees' pay cannot be computed; "
        "nothing was written. 'errors' names each employee.",
    ),
    "idempotency-key-missing": (
        "Idempotency-Key required",
        "This operation pays: send an Idempotency-Key header so that a retry cannot pay twice.",
    ),
    "idempotency-key-reused": (
        "Idempotency-Key reused",
        "The key was used for a different request; use a new key for a new request.",
    ),
    "idempotency-key-in-flight": (
        "Request in progress",
        "A request with this key is still running; retry later.",
    ),
    "too-many-attempts": ("Too many failed logins", "Wait before trying again."),
    "unsupported-media-type": (
        "Unsupported media type",
        "Send the body in the media type the operation documents.",
    ),
    "internal": ("Internal error", "The server failed; nothing was changed by this request."),
}


class FieldError(BaseModel):
    """One field (or employee) at fault."""

    field: str | None
    message: str


class Problem(BaseModel):
    """An error response (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    field: str | None = None
    errors: list[FieldError] = []


class ApiError(Exception):
    """An error to answer with a problem response."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        *,
        field: str | None = None,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.slug, self.detail = status, slug, detail
        self.errors = list(errors) or ([FieldError(field=field, message=detail)] if field else [])
        self.field = field or (self.errors[0].field if self.errors else None)
        self.headers = dict(headers or {})


_LEADING = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)")


def field_of(message: str, known: Iterable[str], default: str | None = None) -> str | None:
    """The field a ``ValueError`` message starts with, if it is one of ``known``."""
    match = _LEADING.match(message)
    return match.group(1) if match and match.group(1) in set(known) else default


def location(loc: Sequence[str | int]) -> str:
    """A validation error's location as a field path: ``("body", "employees", 0, "rate")``
    becomes ``employees[0].rate``; query, path and header names stay as they are.
    """
    parts = list(loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def problem(status: int, slug: str, detail: str, instance: str, **extra: Any) -> Problem:
    """A problem of kind ``slug``."""
    title = PROBLEMS[slug][0]
    return Problem(
        type=f"/problems/{slug}",
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        **extra,
    )


def from_exception(exc: Exception, known: Iterable[str] = ()) -> ApiError:
    """The :class:`ApiError` an exception of the service layer stands for."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, PermissionDenied):
        return ApiError(403, "permission-denied", str(exc))
    if isinstance(exc, NotFound) or type(exc) is LookupError:  # not KeyError: that is a bug
        return ApiError(404, "not-found", str(exc))
    if isinstance(exc, InvalidState):
        return ApiError(409, "invalid-state", str(exc))
    if isinstance(exc, PayRunError):
        errors = [FieldError(field=k, message=v) for k, v in sorted(exc.errors.items())]
        return ApiError(422, "pay-run-error", str(exc), errors=errors)
    if isinstance(exc, ValueError):
        return ApiError(422, "validation", str(exc), field=field_of(str(exc), known))
    raise exc


@contextmanager
def translated(known: Iterable[str] = ()) -> Iterator[None]:
    """Turn the service layer's errors raised inside into :class:`ApiError`; ``known`` are
    the field names a ``ValueError`` message may start with.
    """
    try:
        yield
    except ValidationError:
        raise  # a response that does not fit its model is a bug, not bad input
    except (ValueError, NotFound, PermissionDenied) as exc:
        raise from_exception(exc, known) from exc
    except LookupError as exc:
        if type(exc) is not LookupError:
            raise
        raise from_exception(exc, known) from exc


def response(error: ApiError, instance: str) -> JSONResponse:
    """The problem response of ``error``."""
    body = problem(
        error.status, error.slug, error.detail, instance, field=error.field, errors=error.errors
    )
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=error.status,
        media_type=MEDIA_TYPE,
        headers=error.headers,
    )


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` with a problem response."""

    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        return response(from_exception(exc), request.url.path)

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it  # nosec B101
        errors = [
            FieldError(field=location(e.get("loc", ())), message=str(e.get("msg", "invalid")))
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        missing_key = [
            e
            for e in exc.errors()
            if tuple(e.get("loc", ())) == ("header", KEY) and e.get("type") == "missing"
        ]
        if missing_key:  # the draft IETF standard answers a missing required key with 400
            return response(
                ApiError(
                    400,
                    "idempotency-key-missing",
                    f"{KEY}: {PROBLEMS['idempotency-key-missing'][1]}",
                    field=KEY,
                ),
                request.url.path,
            )
        return response(ApiError(422, "validation", detail, errors=errors), request.url.path)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101  # nosec B101
        slug = {
            401: "unauthenticated",
            403: "permission-denied",
            404: "not-found",
            405: "method-not-allowed",
            415: "unsupported-media-type",
        }.get(exc.status_code, "validation")
        headers = dict(exc.headers or {})
        if exc.status_code == 400:  # FastAPI could not read the body (not JSON, not UTF-8)
            return response(
                ApiError(422, "validation", f"body: {exc.detail}", field="body"), request.url.path
            )
        return response(
            ApiError(exc.status_code, slug, str(exc.detail), headers=headers), request.url.path
        )

    async def crash(request: Request, exc: Exception) -> JSONResponse:
        LOG.exception("unhandled error on %s %s", request.method, request.url.path)
        return response(
            ApiError(500, "internal", "the server failed on this request"), request.url.path
        )

    for kind in (ApiError, PermissionDenied, NotFound, InvalidState, PayRunError):
        app.add_exception_handler(kind, api_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, crash)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries declaring problem bodies for ``statuses``."""
    described = {
        400: "Bad request",
        401: "Not authenticated",
        403: "Permission denied",
        404: "Not found",
        409: "Invalid state",
        415: "Unsupported media type",
        422: "Invalid request",
        429: "Too many attempts",
    }
    return {
        status: {
            "description": described[status],
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def refuse_duplicates(ids: list[str], what: str, key: str) -> None:
    """A 422 problem naming the first id of ``ids`` that appears twice (``what[i].key``)."""
    seen: set[str] = set()
    for position, value in enumerate(ids):
        if value in seen:
            path = f"{what}[{position}].{key}"
            raise ApiError(422, "validation", f"{path}: {value} appears more than once", field=path)
        seen.add(value)
