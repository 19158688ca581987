"""Two engines' payslips for the same employees, compared employee by employee, line by line."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from deploybook.payroll.engine.domain import Payslip


@dataclass
class Reconciliation:
    """Old and new payslips compared employee by employee, line by line."""

    employees: int
    lines: int
    items: pd.DataFrame  # the lines that differ: employee_id, line, official, shadow, difference

    @property
    def mismatched_employees(self) -> int:
        """Employees with at least one line beyond the tolerance."""
        return int(self.items["employee_id"].nunique()) if len(self.items) else 0


def reconcile(
    official: list[Payslip], shadow: list[Payslip], tolerance_cents: int = 0
) -> Reconciliation:
    """Compare two engines' payslips for the same employees; a line missing on one side counts."""
    shadow_by_id = {p.employee_id: p for p in shadow}
    items = []
    lines = 0
    tolerance = tolerance_cents / 100
    for slip in official:
        other = shadow_by_id.get(slip.employee_id)
        mine = slip.money_lines()
        theirs = other.money_lines() if other else {}
        for name in sorted(mine.keys() | theirs.keys()):
            lines += 1
            a, b = mine.get(name), theirs.get(name)
            if a is None or b is None or abs(float(a - b)) > tolerance:
                items.append({
                    "employee_id": slip.employee_id,
                    "line": name,
                    "official": a,
                    "shadow": b,
                    "difference": None if a is None or b is None else a - b,
                    "official_engine": slip.engine,
                    "shadow_engine": other.engine if other else "",
                })  # fmt: skip
    columns = [
        "employee_id",
        "line",
        "official",
        "shadow",
        "difference",
        "official_engine",
        "shadow_engine",
    ]
    return Reconciliation(len(official), lines, pd.DataFrame(items, columns=columns))
