"""The coefficient generator against tables it did not make.

References: the ATO's published Schedule 1 coefficient tables of 13 October 2020 (B2, B3)
and 1 July 2024 (A3), as transcribed in ``data/payroll/coefficients_*.csv`` from the stored
ATO pages; and, where no ATO copy was stored (2026-27, Schedule 8 from 24 September 2025 and
from 1 July 2026), an independent implementation's tables (F1, manageitwa/payg-tax). The
generator reads only the legislated values in the rule sets, never these tables.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from deploybook.paths import data_dir
from deploybook.payroll.engine.legislation import (
    Legislation,
    Lito,
    Stsl,
    derive_coefficients,
    scale_4_rates,
)
from deploybook.payroll.engine.references import load_reference_coefficients
from deploybook.payroll.engine.rules import derived_files, rule_set_named, rules_dir

PUBLISHED = {
    "ato-schedule1-2020-10-13": "coefficients_2020-10-13_to_2024-06-30.csv",
    "ato-schedule1-2024-07-01": "coefficients_2024-25.csv",
}


def _published(name: str) -> dict[str, list[tuple]]:
    rows: dict[str, list[tuple]] = {}
    with (data_dir() / "payroll" / name).open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["scale"].startswith("4"):
                continue
            upper = None if row["x_upper"].startswith("and over") else int(row["x_upper"])
            a = Decimal(row["a"]) if row["a"] else None
            b = Decimal(row["b"]) if row["b"] else None
            rows.setdefault(row["scale"], []).append((upper, a, b))
    return rows


@pytest.mark.parametrize("rule_set", sorted(PUBLISHED))
def test_the_published_tables_follow_from_the_law(rule_set: str) -> None:
    """Every bracket, every a and b, of all five formula scales, exactly."""
    law = rule_set_named(rule_set).legislation
    assert law is not None
    assert derive_coefficients(law) == _published(PUBLISHED[rule_set])
    assert scale_4_rates(law) == {"4-resident": Decimal("0.4700"),
                                  "4-foreign-resident": Decimal("0.4500")}  # fmt: skip


def test_2026_27_agrees_with_the_independent_tables_but_four_scale_6_intercepts() -> None:
    """2026-27 is derived (no ATO copy stored). The independent tables (F1) agree in every
    bracket of scales 1, 2, 3 and 5; on scale 6 above the half levy's shading-out point
    they take scale 5's intercepts where 2020's published table took scale 2's (the two
    differ by $0.0011 or $0.0012 a week in 2026-27, changing no weekly amount: see the next
    test)."""
    law = rule_set_named("ato-schedule1-2026-07-01").legislation
    assert law is not None
    ours = derive_coefficients(law)
    theirs = load_reference_coefficients()[("schedule 1", "2026-07-01")]
    assert {s: ours[s] for s in "1235"} == {s: theirs[s] for s in "1235"}
    differ = [(o, t) for o, t in zip(ours["6"], theirs["6"], strict=True) if o != t]
    assert [o[0] for o, _ in differ] == [1282, 2596, 3653, None]
    assert {o[2] - t[2] for o, t in differ} == {Decimal("0.0012"), Decimal("0.0011")}


def test_the_scale_6_difference_changes_no_weekly_amount() -> None:
    law = rule_set_named("ato-schedule1-2026-07-01").legislation
    assert law is not None
    ours = derive_coefficients(law)["6"]
    theirs = load_reference_coefficients()[("schedule 1", "2026-07-01")]["6"]

    def weekly(rows: list[tuple], dollars: int) -> Decimal:
        x = Decimal(dollars) + Decimal("0.99")
        _, a, b = next(r for r in rows if r[0] is None or x < r[0])
        return (
            Decimal(0)
            if a is None
            else max(Decimal(0), (a * x - b).quantize(Decimal(1), "ROUND_HALF_UP"))
        )

    assert [d for d in range(20_000) if weekly(ours, d) != weekly(theirs, d)] == []


@pytest.mark.parametrize(
    ("rule_set", "applies_from"),
    [("ato-schedule1-2024-07-01", "2025-09-24"), ("ato-schedule1-2026-07-01", "2026-07-01")],
)
def test_study_loan_tables_follow_from_the_marginal_repayment_law(
    rule_set: str, applies_from: str
) -> None:
    """Schedule 8's combined coefficients (F1), from the rule set's law and the repayment
    thresholds and rates (A12): equal except, in 2026-27, the same four scale 6 intercepts."""
    rules = rule_set_named(rule_set)
    assert rules.legislation is not None
    (schedule,) = [s for s in rules.stsl if str(s.applies_from) == applies_from]
    ours = derive_coefficients(rules.legislation, schedule.law)
    theirs = load_reference_coefficients()[("schedule 8", applies_from)]
    same = "12356" if applies_from == "2025-09-24" else "1235"
    assert {s: ours[s] for s in same} == {s: theirs[s] for s in same}


def test_the_marginal_repayment_crosses_to_ten_percent_where_the_law_says() -> None:
    """A12: 15c a dollar over $67,000, $8,700 plus 17c over $125,000, 10% of the whole
    income from $179,286."""
    law = Stsl(Fraction(67000), Fraction(15, 100), Fraction(125000), Fraction(17, 100),
               Fraction(1, 10))  # fmt: skip
    ((first, _), (second, _), (total, _)) = law.kinks()
    assert (first, second) == (67000, 125000)
    assert int(total) == 179285  # 0.15 x 58,000 + 0.17 x (I - 125,000) = 0.10 I at 179,285.71


def test_every_derived_file_is_what_the_generator_writes() -> None:
    """The committed derived tables (2026-27, both Schedule 8 tables) are the generator's."""
    files = {}
    for path in sorted(rules_dir().glob("*.yaml")):
        files |= derived_files(path)
    assert {p.name for p in files} == {"coefficients_2026-27.csv",
                                        "coefficients_stsl_2025-09-24.csv",
                                        "coefficients_stsl_2026-27.csv"}  # fmt: skip
    for path, text in files.items():
        assert Path(path).read_text(encoding="utf-8") == text, path.name


def test_the_medicare_entry_points_follow_from_the_thresholds() -> None:
    """A5 (2024) and A11 (2026) print the weekly entry points; they are the thresholds over
    52, cents ignored, and the rule sets' shade-in bases are the thresholds over 52."""
    for name in (
        "ato-schedule1-2020-10-13",
        "ato-schedule1-2024-07-01",
        "ato-schedule1-2026-07-01",
    ):
        rules = rule_set_named(name)
        law = rules.legislation
        assert law is not None
        for scale, threshold in (("2", law.low_income_threshold), ("6", law.family_threshold)):
            levy = rules.medicare.scales[scale]
            assert levy.entry == int(threshold / 52), (name, scale)
            assert levy.shade_in_base == round(Decimal(threshold.numerator) / 52, 2), (name, scale)
        assert rules.medicare.family_base == law.family_threshold


def _law(**change) -> Legislation:
    values = dict(
        tax_free_threshold=Fraction(18200),
        resident_rates=((Fraction(18200), Fraction(15, 100)), (Fraction(45000), Fraction(3, 10))),
        foreign_rates=((Fraction(0), Fraction(3, 10)),),
        lito=Lito(Fraction(700), Fraction(37500), Fraction(5, 100), Fraction(45000),
                  Fraction(15, 1000)),
        medicare_rate=Fraction(2, 100), medicare_shade_in=Fraction(1, 10),
        low_income_threshold=Fraction(28011), family_threshold=Fraction(47238),
        lito_share=Fraction(18, 100), margin=Fraction(30),
    )  # fmt: skip
    return Legislation(**(values | change))


def test_bad_legislation_is_named() -> None:
    with pytest.raises(
        ValueError, match="resident_rates: the first rate must start at the tax-free"
    ):
        _law(resident_rates=((Fraction(0), Fraction(15, 100)),))
    with pytest.raises(ValueError, match="foreign_rates: the first rate must start at 0"):
        _law(foreign_rates=((Fraction(1), Fraction(3, 10)),))
    with pytest.raises(ValueError, match="resident_rates: the thresholds must increase"):
        _law(
            resident_rates=(
                (Fraction(18200), Fraction(15, 100)),
                (Fraction(18200), Fraction(3, 10)),
            )
        )
