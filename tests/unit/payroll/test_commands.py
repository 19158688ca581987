"""``deploybook payroll rules`` and ``coefficients``: the rule sets' dates and their check."""

from __future__ import annotations

from datetime import date

import pytest

from deploybook.cli import main
from deploybook.payroll.engine.rules import default_rule_sets
from deploybook.payroll.service.commands import expiry_problem, rules_listing


def test_the_check_warns_60_days_before_the_newest_rule_set_ends() -> None:
    rule_sets = default_rule_sets()
    assert expiry_problem(rule_sets, date(2026, 12, 6), 60) is None
    assert expiry_problem(rule_sets, date(2027, 4, 30), 60) is None  # 61 days left
    soon = expiry_problem(rule_sets, date(2027, 5, 1), 60)
    assert soon == ("the newest rule set, ato-schedule1-2026-07-01, ends on 2027-06-30, in 60 "
                    "days (within 60): add the schedule that follows it")  # fmt: skip
    ended = expiry_problem(rule_sets, date(2027, 7, 1), 60)
    assert ended == ("the newest rule set, ato-schedule1-2026-07-01, ended on 2027-06-30: no "
                     "payday after it can be paid")  # fmt: skip


def test_the_listing_marks_the_rule_set_in_force() -> None:
    lines = rules_listing(default_rule_sets(), date(2026, 12, 6))
    assert lines[0].startswith("ato-schedule1-2020-10-13: 2020-10-13 to 2024-06-30 (")
    assert [line for line in lines if line.endswith("<- in force today")] == [
        "ato-schedule1-2026-07-01: 2026-07-01 to 2027-06-30 (D=3 NC=12 S=8 V=2)  <- in force today"
    ]
    assert "  study and training support loans from 2025-09-24" in lines


def test_the_command_exits_1_when_the_rules_run_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["payroll", "rules", "--today", "2026-12-06"]) == 0
    assert "rules check passed" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stopped:
        main(["payroll", "rules", "--today", "2027-06-01", "--warn-days", "60"])
    assert stopped.value.code == 1
    assert "ends on 2027-06-30, in 29 days" in capsys.readouterr().err


def test_the_derived_coefficient_files_are_as_the_generator_writes_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["payroll", "coefficients"]) == 0
    assert "every derived coefficient file is as the legislated values give it" in (
        capsys.readouterr().out
    )
