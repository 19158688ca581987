"""Dev and staging samples that pay what production pays.

A payslip exercises features: the employee's scale, salary or hours, time and a half,
double time, allowances, salary sacrifice, post-tax deductions, tax offsets, a Medicare
levy adjustment, a study loan. A defect in one of them shows only on payslips that have
it, so a sample drawn at random from a population where the feature is rare can miss it
and let the defect through to production. :func:`covering_sample` first takes one employee
for each feature the population has (at random among those who have it), then fills the
sample at random; :func:`missing_features` says what a sample still lacks of production's
pay, which the report prints for each phase.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from deploybook.payroll.engine.domain import Employee, PayBasis, Timesheet


def payslip_features(employee: Employee, timesheet: Timesheet | None) -> frozenset[str]:
    """The features an employee's payslip for a period exercises."""
    found = {f"scale {employee.scale}",
             "salary" if employee.basis is PayBasis.SALARIED else "hourly pay"}  # fmt: skip
    if timesheet is not None:
        found |= {name for name, present in (
            ("time and a half", timesheet.overtime_15_hours > 0),
            ("double time", timesheet.overtime_20_hours > 0),
            ("allowances", timesheet.allowances > 0),
        ) if present}  # fmt: skip
    found |= {name for name, present in (
        ("salary sacrifice", employee.salary_sacrifice > 0),
        ("post-tax deductions", employee.post_tax_deductions > 0),
        ("tax offsets", employee.tax_offsets > 0),
        ("Medicare levy adjustment", employee.medicare_spouse or employee.medicare_children > 0),
        ("study loan", employee.stsl),
    ) if present}  # fmt: skip
    return frozenset(found)


def features_of(employees: Iterable[Employee], sheets: Mapping[str, Timesheet]) -> set[str]:
    """Every feature the payslips of ``employees`` exercise."""
    return set().union(*(payslip_features(e, sheets.get(e.id)) for e in employees))


def covering_sample(
    employees: list[Employee],
    sheets: Mapping[str, Timesheet],
    size: int | None,
    rng: np.random.Generator,
) -> list[Employee]:
    """At most ``size`` of ``employees`` (all if ``None``): one for each feature they have
    first, the rest at random; in id order.
    """
    if size is None or size >= len(employees):
        return list(employees)
    order = [employees[i] for i in rng.permutation(len(employees))]
    features = {e.id: payslip_features(e, sheets.get(e.id)) for e in employees}
    chosen: dict[str, Employee] = {}
    covered: set[str] = set()
    for feature in sorted(features_of(employees, sheets)):
        if feature in covered or len(chosen) == size:
            continue
        pick = next(e for e in order if feature in features[e.id])
        chosen[pick.id] = pick
        covered |= features[pick.id]
    for employee in order:
        if len(chosen) == size:
            break
        chosen.setdefault(employee.id, employee)
    return sorted(chosen.values(), key=lambda e: e.id)


def missing_features(
    sample: Iterable[Employee], production: set[str], sheets: Mapping[str, Timesheet]
) -> list[str]:
    """The features of production's pay that the sample's payslips do not exercise."""
    return sorted(production - features_of(sample, sheets))
