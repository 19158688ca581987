"""Employee CSV import: round trip, and the line of the first bad row."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploybook.payroll.engine.importing import read_employees, write_employees
from deploybook.payroll.engine.synthetic import synthetic_company


def test_round_trip(tmp_path: Path) -> None:
    staff = synthetic_company(30, "weekly", seed=4)
    write_employees(tmp_path / "e.csv", staff)
    assert read_employees(tmp_path / "e.csv") == staff


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (
            lambda rows: [rows[0].replace(",active", ",enabled"), *rows[1:]],
            r":1: unknown columns \['enabled'\]",
        ),
        (
            lambda rows: [*rows[:3], rows[3].replace(",fortnightly,", ",daily,"), *rows[4:]],
            ":4: frequency",
        ),
        (
            lambda rows: [*rows[:2], rows[2].replace(",true", ",maybe", 1), *rows[3:]],
            ":3: .* must be true or false",
        ),
        (lambda rows: [*rows, rows[1]], ":7: employee id E000001 appears twice"),
    ],
)
def test_bad_rows_are_named(tmp_path: Path, mangle, message) -> None:
    write_employees(tmp_path / "e.csv", synthetic_company(5, "fortnightly", seed=1))
    rows = (tmp_path / "e.csv").read_text().splitlines()
    (tmp_path / "e.csv").write_text("\n".join(mangle(rows)) + "\n")
    with pytest.raises(ValueError, match=message):
        read_employees(tmp_path / "e.csv")


def test_children_must_be_whole(tmp_path: Path) -> None:
    write_employees(tmp_path / "e.csv", synthetic_company(2, "fortnightly", seed=1))
    text = (tmp_path / "e.csv").read_text()
    header, *rows = text.splitlines()
    index = header.split(",").index("medicare_children")
    cells = rows[0].split(",")
    cells[index] = "two"
    (tmp_path / "e.csv").write_text("\n".join([header, ",".join(cells), *rows[1:]]) + "\n")
    with pytest.raises(ValueError, match=":2: medicare_children must be a whole number"):
        read_employees(tmp_path / "e.csv")
