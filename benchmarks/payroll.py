"""Load benchmark of the payroll engine: payslips per second for 1k, 10k and 100k employees.

For each size a synthetic company (fortnightly, July 2024) is imported into a fresh SQLite
database with its timesheets (not timed); then one pay run is calculated through the
service layer, timing the computation (engine 1.0, and engine 2.0 on the same inputs) and
the persistence (payslips and lines written in one transaction) separately. Ratios are
against the smallest size, run in the same process. The last line is one JSON object:
{"employees": [...], "compute_s": [...], "persist_s": [...]} (engine 1.0, the default).

    .venv/bin/python benchmarks/payroll.py [--sizes 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from deploybook.payroll.calculation import compute_payslips, get_engine
from deploybook.payroll.domain import PayPeriod
from deploybook.payroll.payruns import PayrollService
from deploybook.payroll.store import PayrollStore, sqlite_url
from deploybook.payroll.synthetic import synthetic_company, synthetic_timesheets

PERIOD = PayPeriod.starting("fortnightly", date(2024, 7, 1))


def measure(employees: int, folder: Path) -> dict[str, float]:
    """Compute and persist one pay run of ``employees``; seconds for each step."""
    store = PayrollStore(sqlite_url(folder / f"bench-{employees}.db"))
    store.upgrade()
    service = PayrollService(store)
    service.add_users("bench", {"bench": ["admin"], "clerk": ["clerk"]})
    staff = synthetic_company(employees, "fortnightly", seed=1)
    service.import_employees("clerk", staff)
    service.record_timesheets("clerk", PERIOD, synthetic_timesheets(staff, PERIOD, 1).values())
    run = service.create_pay_run("clerk", PERIOD)
    started = time.perf_counter()
    calc = service.calculate("clerk", run.id)
    total = time.perf_counter() - started
    inputs = calc.inputs
    started = time.perf_counter()
    compute_payslips(
        get_engine("2.0"), inputs.employees, inputs.timesheets, inputs.context, inputs.quarter_ote
    )
    v2 = time.perf_counter() - started
    assert calc.run.employees == employees
    store.close()
    return {"compute_s": calc.compute_seconds, "persist_s": calc.persist_seconds,
            "calculate_s": total, "compute_v2_s": v2}  # fmt: skip


def main() -> None:
    """Run the sizes, print a table with ratios, then the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    sizes = parser.parse_args().sizes
    with tempfile.TemporaryDirectory(prefix="payroll-bench-") as tmp:
        results = [measure(n, Path(tmp)) for n in sizes]
    base = results[0]["calculate_s"] / sizes[0]
    print(f"{'employees':>10} {'compute s':>10} {'persist s':>10} {'payslips/s':>11} "
          f"{'per-slip vs first':>18} {'engine 2.0 / 1.0':>17}")  # fmt: skip
    for n, r in zip(sizes, results, strict=True):
        rate = n / (r["compute_s"] + r["persist_s"])
        ratio, engines = (r["calculate_s"] / n) / base, r["compute_v2_s"] / r["compute_s"]
        print(f"{n:>10} {r['compute_s']:>10.2f} {r['persist_s']:>10.2f} {rate:>11,.0f} "
              f"{ratio:>18.2f} {engines:>17.2f}")  # fmt: skip
    print(json.dumps({
        "employees": sizes,
        "compute_s": [round(r["compute_s"], 3) for r in results],
        "persist_s": [round(r["persist_s"], 3) for r in results],
    }))  # fmt: skip


if __name__ == "__main__":
    main()
