"""Load benchmark of the payroll engine: payslips per second for 1k, 10k and 100k employees.

For each size a synthetic company (fortnightly, July 2024) is imported into a fresh SQLite
database with its timesheets (not timed); then one pay run is calculated through the
service layer, timing the computation (engine 1.0, and engine 2.0 on the same inputs) and
the persistence (payslips and lines written in one transaction) separately
(:func:`deploybook.payroll.report.throughput.measure`). Ratios are against the first size, run in
the same process. The last line is one JSON object:
{"employees": [...], "compute_s": [...], "persist_s": [...]} (engine 1.0, the default).

    .venv/bin/python benchmarks/payroll.py [--sizes 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from deploybook.payroll.report.throughput import throughput


def main() -> None:
    """Run the sizes, print a table with ratios, then the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    sizes = parser.parse_args().sizes
    with tempfile.TemporaryDirectory(prefix="payroll-bench-") as tmp:
        table = throughput(sizes, Path(tmp))
    first = table.iloc[0]
    per_slip = (table["compute_s"] + table["persist_s"]) / table["employees"]
    table["per_slip_vs_first"] = per_slip / per_slip.iloc[0]
    table["engine_2_over_1"] = table["compute_v2_s"] / table["compute_s"]
    rate = first["payslips_per_second"]
    print(f"baseline: {int(first['employees'])} employees, {rate:,.0f} payslips/s")
    print(table.round(3).to_string(index=False))
    print(json.dumps({
        "employees": [int(n) for n in table["employees"]],
        "compute_s": [round(float(s), 3) for s in table["compute_s"]],
        "persist_s": [round(float(s), 3) for s in table["persist_s"]],
    }))  # fmt: skip


if __name__ == "__main__":
    main()
