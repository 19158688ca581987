"""Idempotency keys: one execution per key, replayed; misuse refused; failures release."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from deploybook.payroll.service.api.idempotency import REPLAYED, fingerprint, run_once
from deploybook.payroll.service.api.problems import ApiError
from deploybook.payroll.service.schema import idempotency_keys
from deploybook.payroll.service.store import PayrollStore, now, sqlite_url


@pytest.fixture
def store(tmp_path: Path) -> Iterator[PayrollStore]:
    payroll = PayrollStore(sqlite_url(tmp_path / "p.db"))
    payroll.upgrade()
    yield payroll
    payroll.close()


class Work:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> tuple[int, dict[str, int]]:
        self.calls += 1
        return 201, {"id": self.calls}


REQUEST = ("POST", "/api/v1/pay-runs/1/approve", None)


def test_without_a_key_the_work_runs_every_time(store: PayrollStore) -> None:
    work = Work()
    run_once(store, "alex", None, REQUEST, work)
    assert json.loads(run_once(store, "alex", None, REQUEST, work).body) == {"id": 2}


def test_a_key_runs_once_and_replays(store: PayrollStore) -> None:
    work = Work()
    first = run_once(store, "alex", "k", REQUEST, work)
    again = run_once(store, "alex", "k", REQUEST, work)
    assert work.calls == 1
    assert (again.status_code, again.body, again.headers[REPLAYED]) == (201, first.body, "true")
    assert REPLAYED not in first.headers
    run_once(store, "casey", "k", REQUEST, work)  # keys belong to their user
    assert work.calls == 2


def test_a_key_for_another_request_is_refused(store: PayrollStore) -> None:
    run_once(store, "alex", "k", REQUEST, Work())
    with pytest.raises(ApiError) as caught:
        run_once(store, "alex", "k", ("POST", "/api/v1/pay-runs/1/mark-paid", None), Work())
    assert (caught.value.status, caught.value.slug) == (422, "idempotency-key-reused")
    assert caught.value.field == "Idempotency-Key"


def test_a_key_still_running_is_refused(store: PayrollStore) -> None:
    with store.transaction() as conn:
        conn.execute(
            insert(idempotency_keys).values(
                user_name="alex",
                key="k",
                method="POST",
                path=REQUEST[1],
                fingerprint=fingerprint(*REQUEST),
                created_at=now(),
            )
        )
    with pytest.raises(ApiError) as caught:
        run_once(store, "alex", "k", REQUEST, Work())
    assert (caught.value.status, caught.value.slug) == (409, "idempotency-key-in-flight")


def test_a_failure_releases_the_key_and_old_keys_expire(store: PayrollStore) -> None:
    def fail() -> tuple[int, dict[str, int]]:
        raise ApiError(409, "invalid-state", "not yet")

    with pytest.raises(ApiError):
        run_once(store, "alex", "k", REQUEST, fail)
    work = Work()
    run_once(store, "alex", "k", REQUEST, work)
    assert work.calls == 1
    with store.transaction() as conn:
        conn.execute(update(idempotency_keys).values(created_at=now() - timedelta(hours=25)))
    run_once(store, "alex", "other", REQUEST, Work())
    with store.transaction() as conn:
        assert list(conn.scalars(select(idempotency_keys.c.key))) == ["other"]
