"""Withholding against tax tables the engine did not make: every reference row, every scale.

References (``data/payroll/references/tax_tables.csv``, sources in ``SOURCES.md``): G1, the
ATO's weekly tax table for the schedule of 13 October 2020, as reprinted in Taxpayers
Australia's Tax Summary 2023-24 (both columns: tax-free threshold claimed and not);
F1, the expected values of an independent implementation's test suite
(manageitwa/payg-tax) for the 2020, 2024 and 2026 schedules, every formula scale and
scale 4, weekly, fortnightly and monthly, and the study and training support loan tables
from 24 September 2025 and 1 July 2026.
"""

from __future__ import annotations

import pytest

from deploybook.payroll.engine.references import (
    check_tax_table_rows,
    generator_check,
    load_tax_table_rows,
)

ROWS = check_tax_table_rows()


def test_the_references_cover_every_rule_set_period_and_scale() -> None:
    covered = set(zip(ROWS["rule_set"], ROWS["period"], ROWS["scale"], ROWS["stsl"], strict=True))
    for rule_set in ("ato-schedule1-2020-10-13", "ato-schedule1-2024-07-01",
                     "ato-schedule1-2026-07-01"):  # fmt: skip
        for period in ("weekly", "fortnightly", "monthly"):
            for scale in "12356":
                assert (rule_set, period, scale, "false") in covered
    for rule_set in ("ato-schedule1-2024-07-01", "ato-schedule1-2026-07-01"):
        for scale in "12356":
            assert (rule_set, "weekly", scale, "true") in covered
    assert len(ROWS[ROWS["publisher"] == "G1"]) == 170  # 85 published rows, two columns


@pytest.mark.parametrize(
    "rule_set", ["ato-schedule1-2020-10-13", "ato-schedule1-2024-07-01", "ato-schedule1-2026-07-01"]
)
def test_every_reference_row_is_withheld_exactly(rule_set: str) -> None:
    rows = ROWS[ROWS["rule_set"] == rule_set]
    wrong = rows[~rows["agrees"]]
    assert len(rows) > 500
    assert wrong.empty, wrong.head(10).to_string()


def test_a_malformed_reference_file_is_named(tmp_path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("rule_set,period\n")
    with pytest.raises(ValueError, match=r"t\.csv: expected columns"):
        load_tax_table_rows(path)


def test_the_generator_check_shows_every_table_it_did_not_make() -> None:
    """The report's table: the ATO's 2020 and 2024 tables reproduced bracket for bracket;
    2026-27 (no ATO copy stored) against F1, equal but for four scale-6 brackets."""
    check = generator_check()
    published = check[check["reference"] == "ATO, published"]
    assert set(published["rule set"]) == {"ato-schedule1-2020-10-13", "ato-schedule1-2024-07-01"}
    assert (published["equal"] == published["brackets"]).all()
    assert published["brackets"].sum() == 2 * (7 + 9 + 3 + 7 + 9)
    later = check[check["rule set"] == "ato-schedule1-2026-07-01"].set_index("scale")
    assert set(later["reference"]) == {"F1, independent"}
    assert (later.loc["6", "brackets"], later.loc["6", "equal"]) == (9, 5)
    assert (later.drop("6")["equal"] == later.drop("6")["brackets"]).all()
