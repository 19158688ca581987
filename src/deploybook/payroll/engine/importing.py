"""Employee master data as CSV: read with every row checked, written back the same way.

The columns are the fields of :class:`~deploybook.payroll.engine.domain.Employee`. A bad row is
refused with an error naming the file, the line and the problem; nothing is imported
from a file with any bad row.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import MISSING, asdict, fields
from pathlib import Path
from typing import Any

from deploybook.payroll.engine.domain import Employee

COLUMNS = [f.name for f in fields(Employee)]
_BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}
_BOOL_FIELDS = {f.name for f in fields(Employee) if f.type in ("bool", bool)}


def _value(name: str, text: str) -> Any:
    if name in _BOOL_FIELDS:
        if text.strip().lower() not in _BOOLEANS:
            raise ValueError(f"{name} must be true or false, got {text!r}")
        return _BOOLEANS[text.strip().lower()]
    if name == "medicare_children":
        if not text.strip().isdigit():
            raise ValueError(f"medicare_children must be a whole number, got {text!r}")
        return int(text)
    return text


def read_employees(path: Path) -> list[Employee]:
    """Every employee of a CSV file; ``ValueError`` naming the line of the first bad row."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        return parse_employees(handle, str(path))


def parse_employees(lines: Iterable[str], source: str) -> list[Employee]:
    """Every employee of CSV text (``source`` names it in errors, with the line)."""
    reader = csv.DictReader(lines)
    required = [f.name for f in fields(Employee) if f.default is MISSING]
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    unknown = [c for c in reader.fieldnames or [] if c not in COLUMNS]
    if missing or unknown:
        problems = [f"{what} columns {names}" for what, names in
                    (("missing", missing), ("unknown", unknown)) if names]  # fmt: skip
        raise ValueError(f"{source}:1: {', '.join(problems)}")
    employees = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        if None in row or None in row.values():
            raise ValueError(f"{source}:{line}: expected {len(COLUMNS)} fields")
        try:
            employee = Employee(**{k: _value(k, v) for k, v in row.items()})
        except ValueError as exc:
            raise ValueError(f"{source}:{line}: {exc}") from None
        if employee.id in seen:
            raise ValueError(f"{source}:{line}: employee id {employee.id} appears twice")
        seen.add(employee.id)
        employees.append(employee)
    return employees


def write_employees(path: Path, employees: Iterable[Employee]) -> None:
    """Write employees as CSV, readable by :func:`read_employees`."""
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for employee in employees:
            row = asdict(employee)
            writer.writerow(
                {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in row.items()}
            )
