"""Throughput of a pay run: compute and persist timed apart, through the service layer."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pandas as pd

from deploybook.payroll.engine.calculation import compute_payslips, get_engine
from deploybook.payroll.engine.domain import PayPeriod
from deploybook.payroll.engine.synthetic import synthetic_company, synthetic_timesheets
from deploybook.payroll.service.payruns import PayrollService
from deploybook.payroll.service.store import PayrollStore, sqlite_url

PERIOD = PayPeriod.starting("fortnightly", date(2024, 7, 1))


def measure(employees: int, folder: Path, seed: int = 1) -> dict[str, float]:
    """Calculate one fortnightly pay run of ``employees`` in a fresh SQLite database.

    Setting up (importing employees and hours) is not timed. Returns the seconds spent
    computing payslips (engine 1.0, and engine 2.0 on the same inputs) and persisting them.
    """
    path = folder / f"throughput-{employees}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = PayrollStore(sqlite_url(path))
    store.upgrade()
    service = PayrollService(store)
    service.add_users("bench", {"bench": ["admin"], "clerk": ["clerk"]})
    staff = synthetic_company(employees, "fortnightly", seed=seed)
    service.import_employees("clerk", staff)
    service.record_timesheets("clerk", PERIOD, synthetic_timesheets(staff, PERIOD, seed).values())
    run = service.create_pay_run("clerk", PERIOD)
    calc = service.calculate("clerk", run.id)
    inputs = calc.inputs
    started = time.perf_counter()
    compute_payslips(
        get_engine("2.0"), inputs.employees, inputs.timesheets, inputs.context, inputs.base_used
    )
    v2 = time.perf_counter() - started
    if calc.run.employees != employees:
        raise RuntimeError(f"pay run paid {calc.run.employees} of {employees} employees")
    store.close()
    path.unlink(missing_ok=True)
    return {"employees": employees, "compute_s": calc.compute_seconds,
            "persist_s": calc.persist_seconds, "compute_v2_s": v2}  # fmt: skip


def throughput(sizes: list[int], folder: Path, seed: int = 1) -> pd.DataFrame:
    """:func:`measure` for each size, with payslips per second for compute, persist and both."""
    frame = pd.DataFrame([measure(n, folder, seed) for n in sizes])
    frame["payslips_per_second"] = frame["employees"] / (frame["compute_s"] + frame["persist_s"])
    frame["compute_per_second"] = frame["employees"] / frame["compute_s"]
    frame["persist_per_second"] = frame["employees"] / frame["persist_s"]
    return frame
