"""Rule sets as data: loading, choosing by date, and clear errors for malformed files."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from deploybook.paths import data_dir
from deploybook.payroll.engine.rules import (
    ContributionBase,
    RuleFileError,
    Status,
    default_super_rules,
    financial_year,
    load_coefficients,
    load_rule_set,
    load_rule_sets,
    load_super_rules,
    rule_set_for,
    rule_set_named,
    rules_dir,
)
from deploybook.payroll.engine.withholding import calculate


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled rule sets and their coefficient files."""
    folder = tmp_path / "payroll"
    shutil.copytree(rules_dir().parent, folder)
    return folder / "rulesets"


def test_bundled_rule_sets_cover_every_schedule_to_today() -> None:
    sets = load_rule_sets()
    assert [r.name for r in sets] == [
        "ato-schedule1-2020-10-13",
        "ato-schedule1-2024-07-01",
        "ato-schedule1-2026-07-01",
    ]
    assert rule_set_for(date(2020, 10, 13)).name == "ato-schedule1-2020-10-13"
    assert rule_set_for(date(2024, 6, 30)).name == "ato-schedule1-2020-10-13"
    assert rule_set_for(date(2024, 7, 1)).name == "ato-schedule1-2024-07-01"
    assert rule_set_for(date(2026, 12, 10)).name == "ato-schedule1-2026-07-01"
    with pytest.raises(
        ValueError,
        match=r"paid_on: no rule set covers 2020-10-12; the nearest "
        r"are after it: ato-schedule1-2020-10-13 \(2020-10-13 to 2024-06-30\)$",
    ):
        rule_set_for(date(2020, 10, 12))
    with pytest.raises(
        ValueError,
        match=r"before it: ato-schedule1-2026-07-01 \(2026-07-01 "
        r"to 2027-06-30\)$",
    ):
        rule_set_for(date(2027, 7, 1))
    assert rule_set_named("ato-schedule1-2024-07-01").applies_from == date(2024, 7, 1)
    with pytest.raises(ValueError, match="unknown"):
        rule_set_named("nope")


def test_every_value_says_how_sure_it_is() -> None:
    new = rule_set_for(date(2024, 7, 1))
    statuses = {p.rule: p.status for p in new.provenance}
    assert statuses["tax offsets fortnightly: 0.038"] is Status.E
    assert statuses["tax offsets weekly: 0.019"] is Status.NC
    assert all(p.note for p in new.provenance if p.status is Status.NC)


def test_secondary_scale_6_top_coefficient() -> None:
    # E1: 650.6154, the top b of scales 2 and 5 too
    new = rule_set_for(date(2024, 7, 1))
    assert new.brackets["6"][-1].b == Decimal("650.6154") == new.brackets["2"][-1].b


def test_user_rule_set_changes_a_threshold_without_code(rules_copy: Path) -> None:
    path = rules_copy / "ato-schedule1-2024-07-01.yaml"
    path.write_text(path.read_text().replace('entry: "500"', 'entry: "600"'))
    custom = load_rule_set(path)
    assert custom.medicare.scales["2"].entry == 600
    # x = 550.99 now sits below the new entry threshold: no adjustment
    base = rule_set_for(date(2024, 7, 1))
    kw = {"period": "weekly", "scale": 2, "medicare_spouse": True}
    assert calculate("550", rules=base, **kw).levy_adjustment == 5
    assert calculate("550", rules=custom, **kw).levy_adjustment == 0


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'entry: "500"',
            'entry: "abc"',
            r"ato-schedule1-2024-07-01.yaml:35: medicare.scale_2.entry",
        ),
        (
            "applies_from: 2024-07-01",
            "applies_from: 2027-07-01",
            r":11: applies_to: .*applies_to is before",
        ),
        (
            "  weekly: {value",
            "  wekly: {value",
            r":21: tax_offsets.weekly: Field required\n.*:23: tax_offsets.wekly: Extra",
        ),
        (
            'fortnightly: {value: "0.038"',
            'fortnightly: {value: "1.5"',
            r":24: tax_offsets.fortnightly.value",
        ),
        ("status: E, source: A6", "status: X, source: A6", r":24: tax_offsets.fortnightly.status"),
        (
            "scales: {value: [2, 5, 6]",
            "scales: {value: [2, 9]",
            r":22: tax_offsets.scales: unknown scales \[9\]",
        ),
        ("name: ato-schedule1-2024-07-01", "name: [unclosed", r":9: not valid YAML"),
    ],
)
def test_malformed_rule_set_names_the_line(
    rules_copy: Path, old: str, new: str, message: str
) -> None:
    path = rules_copy / "ato-schedule1-2024-07-01.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(RuleFileError, match=message):
        load_rule_set(path)


def test_rule_set_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(RuleFileError, match=r"x.yaml:1: the file must hold a YAML mapping"):
        load_rule_set(path)


def test_overlapping_rule_sets_are_refused(rules_copy: Path) -> None:
    path = rules_copy / "ato-schedule1-2024-07-01.yaml"
    path.write_text(
        path.read_text().replace("applies_from: 2024-07-01", "applies_from: 2024-06-01")
    )
    with pytest.raises(RuleFileError, match="overlaps ato-schedule1-2020-10-13"):
        load_rule_sets(rules_copy)


def test_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="no rule set files"):
        load_rule_sets(tmp_path)


@pytest.mark.parametrize(
    ("line", "replacement", "message"),
    [
        (3, "2,371,0.2348,abc", r":3: column 'b' is not a number"),
        (3, "9,371,0.2348,3.9639", r":3: unknown scale '9'"),
        (3, "1,50,0.2348,3.9639", r":3: x_upper must increase"),
        (3, "1,371,0.2348", r":3: expected 4 fields"),
        (3, "1,371,0.2348,", r":3: give both 'a' and 'b'"),
        (
            8,
            "1,and over,0.4700,398.9324\n1,99999,0.5,1",
            r":9: scale 1 has a row after 'and over'",
        ),
        (1, "scale,upper,a,b", r":1: expected columns"),
        (
            21,
            "4-resident,and over (from $1),0.47,1",
            r":21: scale 4-resident needs a rate in 'a' only",
        ),
    ],
)
def test_malformed_coefficients_name_the_line(
    rules_copy: Path, line: int, replacement: str, message: str
) -> None:
    path = rules_copy.parent / "coefficients_2020-10-13_to_2024-06-30.csv"
    lines = path.read_text().splitlines()
    lines[line - 1] = replacement
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RuleFileError, match=message):
        load_coefficients(path)


def test_coefficients_need_every_scale(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("scale,x_upper,a,b\n1,100,0.1,0.1\n")
    with pytest.raises(RuleFileError, match="scales missing: 2, 3, 5, 6, 4-resident"):
        load_coefficients(path)
    path.write_text("scale,x_upper,a,b\n" + "".join(f"{s},100,0.1,0.1\n" for s in "12356")
                    + "4-resident,x,0.47,\n4-foreign-resident,x,0.45,\n")  # fmt: skip
    with pytest.raises(RuleFileError, match="scale 1 must end with an 'and over' row"):
        load_coefficients(path)
    with pytest.raises(RuleFileError, match="not found"):
        load_coefficients(tmp_path / "missing.csv")


def test_super_guarantee_by_payment_date() -> None:
    rules = default_super_rules()
    assert rules.rate_on(date(2024, 6, 30)) == Decimal("0.11")
    assert rules.rate_on(date(2024, 7, 1)) == Decimal("0.115")
    assert rules.rate_on(date(2025, 7, 1)) == Decimal("0.12")
    assert rules.rate_on(date(2026, 12, 10)) == Decimal("0.12")
    assert rules.base_on(date(2024, 9, 30)) == ContributionBase(Decimal(65070), "quarter")
    assert rules.base_on(date(2026, 1, 15)) == ContributionBase(Decimal(62500), "quarter")
    assert rules.base_on(date(2024, 1, 15)).amount == 62270  # derived from a secondary quote
    # Payday Super: from 1 July 2026 the base is a financial year's (ATO formula, D7):
    # concessional cap 32,500 x 100 / 12 = 270,833.33, down to a multiple of $10
    assert rules.base_on(date(2026, 12, 10)) == ContributionBase(Decimal(270830), "year")
    assert rules.base_on(date(2026, 12, 10)).start(date(2026, 12, 10)) == date(2026, 7, 1)
    assert rules.base_on(date(2026, 1, 15)).start(date(2026, 2, 15)) == date(2026, 1, 1)
    with pytest.raises(ValueError, match="no super guarantee rate for 2023-06-30"):
        rules.rate_on(date(2023, 6, 30))
    with pytest.raises(ValueError, match="no maximum super contribution base for 2027-28"):
        rules.base_on(date(2027, 7, 1))
    assert financial_year(date(2024, 6, 30)) == 2023
    assert financial_year(date(2024, 7, 1)) == 2024


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("super_guarantee_rate,July 2024,11.5,%,t,u,s,x", r":11: period must read"),
        ("super_guarantee_rate,1 July 2024 - 30 Jun 2025,11.5,%,t,u,s,x", r":11: not a date"),
        (
            "super_guarantee_rate,1 July 2030 - 30 June 2031,150,%,t,u,s,x",
            r":11: a rate is a percentage",
        ),
        (
            "maximum_super_contribution_base,2024-26,1,$,t,u,s,x",
            r":11: period must be a financial year",
        ),
        (
            "maximum_super_contribution_base,2027-28,1,$ per fortnight,t,u,s,x",
            r":11: unit must be one of",
        ),
        ("bonus,2024-25,1,$,t,u,s,x", r":11: unknown item 'bonus'"),
        (
            "super_guarantee_rate,1 July 2024 - 30 June 2025,x,%,t,u,s,x",
            r":11: column 'value' is not a number",
        ),
        ("super_guarantee_rate,1 January 2025 - 30 June 2025,11.5,%,t,u,s,x", r"overlap"),
    ],
)
def test_malformed_super_rows_name_the_line(tmp_path: Path, row: str, message: str) -> None:
    source = default_super_rules().path
    path = tmp_path / "super.csv"
    path.write_text(source.read_text(encoding="utf-8") + row + "\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match=message):
        load_super_rules(path)


def test_the_2024_schedule_covers_2025_26_and_says_on_what_source() -> None:
    rules = rule_set_for(date(2026, 6, 30))
    assert rules.name == "ato-schedule1-2024-07-01"
    (span,) = [p for p in rules.provenance if "1 July 2025 to 30 June 2026" in p.rule]
    assert span.status is Status.S
    assert "F2025L00647" in (data_dir() / "payroll" / "SOURCES.md").read_text()
