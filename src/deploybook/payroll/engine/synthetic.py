"""A synthetic company to pay: employees across departments and locations, and their timesheets.

No real payroll data can be published, so the report pays a generated workforce whose
mix is set out here: salaried head-office departments, hourly operations staff with
overtime, and hourly warehouse staff who also work double-time (Sunday) shifts; most
employees on scale 2, some on every other scale, a few with Medicare levy variations,
tax offsets, salary sacrifice, post-tax deductions and (where the paydays have a Schedule 8)
study and training support loans. Some names are spelt outside ASCII, as names are. The
same seed gives the same company.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from deploybook.payroll.engine.domain import Employee, PayBasis, PayFrequency, PayPeriod, Timesheet

LOCATIONS = ("Perth", "Sydney", "Melbourne", "Brisbane")
SALARIED_DEPARTMENTS = ("Finance", "Sales", "Engineering")
HOURLY_DEPARTMENTS = ("Operations", "Warehouse")
DEPARTMENTS = SALARIED_DEPARTMENTS + HOURLY_DEPARTMENTS
DEPARTMENT_WEIGHTS = (0.12, 0.18, 0.2, 0.28, 0.22)
SCALES = ("2", "1", "3", "5", "6", "4-resident")
SCALE_WEIGHTS = (0.84, 0.06, 0.03, 0.02, 0.04, 0.01)
HOURS_PER_WEEK = Decimal(38)
BANK_PREFIXES = ("032", "062", "083", "013", "033", "082", "012", "063")  # the BSBs' bank digits
_FIRST = ("Alex", "Sam", "Jordan", "Chris", "Zoë", "Morgan", "José", "Casey", "Riley", "Søren")
_LAST = ("Nguyen", "Smith", "O'Brien", "Brown", "Núñez", "Singh", "Chen", "Đặng", "Wilson")


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def synthetic_company(
    employees: int,
    frequency: PayFrequency | str = PayFrequency.FORTNIGHTLY,
    seed: int = 0,
    *,
    study_loans: bool = False,
) -> list[Employee]:
    """``employees`` generated employees, all paid at ``frequency``; with ``study_loans``,
    about one in ten who may have one declares a study and training support loan.
    """
    if employees < 1:
        raise ValueError(f"employees must be at least 1, got {employees}")
    frequency = PayFrequency(frequency)
    rng = np.random.default_rng(seed)
    n = employees
    departments = rng.choice(len(DEPARTMENTS), size=n, p=DEPARTMENT_WEIGHTS)
    locations = rng.choice(len(LOCATIONS), size=n, p=(0.3, 0.3, 0.25, 0.15))
    scales = rng.choice(len(SCALES), size=n, p=SCALE_WEIGHTS)
    salary = np.clip(rng.lognormal(np.log(95_000), 0.35, n), 55_000, 320_000)
    hourly = rng.uniform(29.5, 52.0, n)
    u = rng.random((n, 6))
    children = rng.integers(0, 5, n)
    result = []
    for i in range(n):
        department = DEPARTMENTS[departments[i]]
        scale = SCALES[scales[i]]
        salaried = department in SALARIED_DEPARTMENTS
        levy_ok = scale in ("2", "6") and u[i, 0] < 0.06
        offsets_ok = scale in ("2", "5", "6") and u[i, 1] < 0.05
        loan = study_loans and not levy_ok and scale != "4-resident" and u[i, 5] < 0.1
        result.append(
            Employee(
                id=f"E{i + 1:06d}",
                name=f"{_FIRST[i % len(_FIRST)]} {_LAST[(i * 7) % len(_LAST)]}",
                department=department,
                location=LOCATIONS[locations[i]],
                frequency=frequency,
                basis=PayBasis.SALARIED if salaried else PayBasis.HOURLY,
                rate=_money(round(salary[i], -2)) if salaried else _money(hourly[i]),
                scale=scale,
                tax_free_threshold=scale in ("2", "5", "6"),
                bsb=f"{BANK_PREFIXES[i % len(BANK_PREFIXES)]}-{(i * 53) % 1000:03d}",
                account_number=f"{10_000_000 + i * 7919 % 89_999_999}",
                tax_offsets=Decimal(1645) if offsets_ok else Decimal(0),
                medicare_spouse=bool(levy_ok and u[i, 2] < 0.7),
                medicare_children=int(children[i]) if levy_ok else 0,
                stsl=bool(loan),
                salary_sacrifice=_money(50 + 450 * u[i, 3]) if u[i, 3] < 0.1 else Decimal(0),
                post_tax_deductions=_money(20 + 20 * u[i, 4]) if u[i, 4] < 0.15 else Decimal(0),
            )
        )
    return result


def synthetic_timesheets(
    employees: list[Employee], period: PayPeriod, seed: int = 0
) -> dict[str, Timesheet]:
    """Timesheets for ``period``: ordinary hours for hourly staff, overtime, some allowances."""
    rng = np.random.default_rng([seed, period.start.toordinal()])
    weeks: Decimal = {"weekly": Decimal(1), "fortnightly": Decimal(2),
                      "monthly": Decimal(52) / 12}[period.frequency.value]  # fmt: skip
    standard = (HOURS_PER_WEEK * Decimal(weeks)).quantize(Decimal("0.25"))
    u = rng.random((len(employees), 5))
    sheets = {}
    for i, employee in enumerate(employees):
        hourly = employee.basis is PayBasis.HOURLY
        overtime = hourly and u[i, 0] < 0.4
        double = hourly and employee.department == "Warehouse" and u[i, 1] < 0.3
        sheets[employee.id] = Timesheet(
            employee_id=employee.id,
            ordinary_hours=standard - (Decimal(int(u[i, 2] * 16)) / 4 if u[i, 2] < 0.2 else 0)
            if hourly
            else Decimal(0),
            overtime_15_hours=Decimal(int(u[i, 3] * 40)) / 4 if overtime else Decimal(0),
            overtime_20_hours=Decimal(int(4 + u[i, 1] * 40)) / 4 if double else Decimal(0),
            allowances=_money(10 + 140 * u[i, 4]) if u[i, 4] < 0.2 else Decimal(0),
        )
    return sheets
