"""Idempotency keys on the operations that pay (draft IETF ``Idempotency-Key`` header).

A client sends a unique key with a request; if the same user sends the same key again, the
first successful response is replayed (with ``Idempotent-Replayed: true``) instead of doing
the work twice. The same key on a different request is refused (422), and so is a repeat while
the first is still running (409). Failed requests keep no key, so they may be retried with
it. Keys live 24 hours.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from deploybook.payroll.service.api.problems import ApiError
from deploybook.payroll.service.schema import idempotency_keys as keys
from deploybook.payroll.service.store import PayrollStore, now

HEADER = "Idempotency-Key"
PATTERN = r"^[\x21-\x7e]{1,255}$"  # printable ASCII without spaces
REPLAYED = "Idempotent-Replayed"
LIFETIME = timedelta(hours=24)


def fingerprint(method: str, path: str, body: Any) -> str:
    """A digest of what a request asks for."""
    text = json.dumps([method, path, body], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _claim(store: PayrollStore, user: str, key: str, method: str, path: str, digest: str) -> Any:
    """Record the key as running; return the row already there if there is one."""
    where = (keys.c.user_name == user, keys.c.key == key)
    try:
        with store.transaction() as conn:
            conn.execute(delete(keys).where(keys.c.created_at < now() - LIFETIME))
            existing = conn.execute(select(keys).where(*where)).first()
            if existing is None:
                conn.execute(
                    insert(keys).values(
                        user_name=user,
                        key=key,
                        method=method,
                        path=path,
                        fingerprint=digest,
                        created_at=now(),
                    )
                )
            return existing
    except IntegrityError:  # another request claimed the key meanwhile
        with store.transaction() as conn:
            return conn.execute(select(keys).where(*where)).first()


def run_once(
    store: PayrollStore,
    user: str,
    key: str | None,
    request: tuple[str, str, Any],
    work: Callable[[], tuple[int, Any]],
) -> JSONResponse:
    """Do ``work`` (returning status and JSON body) once per ``key``; replay it afterwards.

    ``request`` is the method, path and body, whose digest must match the key's first use.
    """
    if key is None:
        status, body = work()
        return JSONResponse(body, status_code=status)
    method, path, payload = request
    digest = fingerprint(method, path, payload)
    existing = _claim(store, user, key, method, path, digest)
    if existing is not None:
        if existing.fingerprint != digest:
            raise ApiError(
                422,
                "idempotency-key-reused",
                f"{HEADER} {key!r} was first used for another request "
                f"({existing.method} {existing.path}): a new request needs a new key",
                field=HEADER,
            )
        if existing.status_code is None:
            raise ApiError(
                409,
                "idempotency-key-in-flight",
                f"the request with {HEADER} {key!r} is still running",
                field=HEADER,
            )
        return JSONResponse(
            json.loads(existing.response),
            status_code=existing.status_code,
            headers={REPLAYED: "true"},
        )
    where = (keys.c.user_name == user, keys.c.key == key)
    try:
        status, body = work()
    except BaseException:
        with store.transaction() as conn:
            conn.execute(delete(keys).where(*where))
        raise
    with store.transaction() as conn:
        conn.execute(
            update(keys).where(*where).values(status_code=status, response=json.dumps(body))
        )
    return JSONResponse(body, status_code=status)
