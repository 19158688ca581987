"""Two engines' payslips for the same employees, compared employee by employee, line by line."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

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


COLUMNS = ["employee_id", "line", "official", "shadow", "difference", "official_engine",
           "shadow_engine"]  # fmt: skip


def reconcile(
    official: list[Payslip], shadow: list[Payslip], tolerance_cents: int = 0
) -> Reconciliation:
    """Compare two engines' payslips, in ``Decimal``, employee by employee and line by line.

    Every employee either engine paid is compared: a payslip (or a line) only one engine
    produced is a mismatch, whichever engine it is. A line differs when the two amounts are
    more than ``tolerance_cents`` apart.
    """
    tolerance = Decimal(tolerance_cents) / 100
    mine = {p.employee_id: p for p in official}
    theirs = {p.employee_id: p for p in shadow}
    items = []
    lines = 0
    for employee_id in sorted(mine.keys() | theirs.keys()):
        ours, other = mine.get(employee_id), theirs.get(employee_id)
        a_lines = ours.money_lines() if ours else {}
        b_lines = other.money_lines() if other else {}
        for name in sorted(a_lines.keys() | b_lines.keys()):
            lines += 1
            a, b = a_lines.get(name), b_lines.get(name)
            if a is None or b is None or abs(a - b) > tolerance:
                items.append({
                    "employee_id": employee_id,
                    "line": name,
                    "official": a,
                    "shadow": b,
                    "difference": None if a is None or b is None else a - b,
                    "official_engine": ours.engine if ours else "",
                    "shadow_engine": other.engine if other else "",
                })  # fmt: skip
    employees = len(mine.keys() | theirs.keys())
    return Reconciliation(employees, lines, pd.DataFrame(items, columns=COLUMNS))
