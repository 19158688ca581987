"""The report's tables: named columns, readable numbers, no index, the right rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from deploybook.payroll.engine.aba import Payment, aba_file
from deploybook.payroll.engine.examples import reproduce_examples
from deploybook.payroll.engine.rules import Status, default_rule_sets
from deploybook.payroll.report import tables
from deploybook.payroll.report.mutation import MODULES, Mutant, MutationResult, MutationRun
from deploybook.payroll.report.pyramid import LevelResult
from deploybook.payroll.rollout.plan import load_plan
from deploybook.payroll.rollout.run import run_rollout
from deploybook.payroll.service.reports import journal, summary


def _html(styler) -> str:
    return styler.to_html()


def test_formats() -> None:
    assert tables.money(Decimal("1234567.5")) == "1,234,567.50"
    assert tables.money(None) == tables.money(float("nan")) == tables.DASH
    assert tables.count(12345.0) == "12,345"
    assert tables.decimals(1)(29.70681) == "29.7"
    with pytest.raises(KeyError, match="no columns"):
        tables.styled(pd.DataFrame({"a": [1]}), {"b": tables.count})


def test_rule_and_example_tables() -> None:
    counts = tables.provenance_table(default_rule_sets()).data.set_index("rule set")
    assert list(counts.columns) == ["V", "E", "O", "S", "D", "NC"]
    assert counts.loc["ato-schedule1-2024-07-01", "S"] > 0
    assert counts.loc["ato-schedule1-2026-07-01", "D"] >= 3  # coefficients, STSL table, constants
    assumed = tables.assumptions_table(default_rule_sets()).data
    assert set(assumed["rule set"]) == {"ato-schedule1-2024-07-01", "ato-schedule1-2026-07-01"}
    assert len(assumed) == sum(
        p.status is Status.NC for r in default_rule_sets() for p in r.provenance
    )
    shown = tables.examples_table(reproduce_examples()).data
    assert list(shown.columns) == ["example", "pay", "earnings", "figure", "published",
                                   "computed", "agrees"]  # fmt: skip
    assert shown.loc[0, "pay"] == "weekly, scale 2"
    sop = shown[shown["figure"] == "shading out point"]
    assert (sop["earnings"] == tables.DASH).all()  # not an input of the threshold
    assert set(shown["agrees"]) == {"yes", tables.DASH}  # the cut-off rows are not judged
    assert (shown.loc[shown["agrees"] == tables.DASH, "published"] == "cut off").all()
    assert "weekly family threshold" in set(shown["figure"])
    assert 'class="row_heading' not in _html(tables.examples_table(reproduce_examples()))


def test_test_tables(tmp_path: Path) -> None:
    level = LevelResult("unit", 3, 2, 1, 0, 1.54, 80.0, tmp_path, (("a", "passed"),))
    html = _html(tables.pyramid_table([level]))
    assert "1.5<" in html
    assert "80.0<" in html
    run = MutationRun({m: MutationResult(311, 8, 0, 0, 0, 0, 319, 400) for m in MODULES}, (),
                      29.7)  # fmt: skip
    shown = tables.mutation_table(run).data
    assert list(shown["module"]) == [*MODULES, "all modules"]
    assert shown.iloc[-1]["tested"] == 319 * len(MODULES)
    assert shown.iloc[-1]["mutants made"] == 400 * len(MODULES)
    assert ">97.5<" in _html(tables.mutation_table(run))  # 311 of 319
    mutant = Mutant("withholding", "bracket_index 5", "if x < bracket.upper:",
                    "if x <= bracket.upper:")  # fmt: skip
    assert mutant.x_comparison
    assert not Mutant("withholding", "bracket_index 7", "return len(b) - 1",
                      "return len(b) - 2").x_comparison  # fmt: skip
    survivors = tables.survivors_table([mutant]).data
    assert (survivors.loc[0, "module"], survivors.loc[0, "mutated"]) == (
        "withholding", "if x <= bracket.upper:")  # fmt: skip
    feature = """Feature: pay
  Scenario: A salaried employee's first fortnight under the 2024-25 tax rates
  Scenario Outline: The ATO's published examples
    Examples:
      | example | earnings |
      | B-GE1   | 1103.45  |
"""
    cases = [("test_a_salaried_employees_first_fortnight_under_the_202425_tax_rates", "passed"),
             ("test_the_atos_published_examples[B-GE1-1103.45]", "failed")]  # fmt: skip
    assert tables.scenarios_table(cases, feature).data.to_dict("records") == [
        {"scenario": "A salaried employee's first fortnight under the 2024-25 tax rates",
         "outcome": "passed"},
        {"scenario": "The ATO's published examples: B-GE1", "outcome": "failed"},
    ]  # fmt: skip


def test_aba_table() -> None:
    text = aba_file([Payment("032-000", "12345678", "Pat Doe", Decimal("2392.00"), "PAY 170724")],
                    bank="WBC", user_name="ACME", apca_id=123456, description="PAYROLL",
                    process_on=date(2024, 7, 17), trace_bsb="032-999", trace_account="7654321",
                    remitter="ACME")  # fmt: skip
    shown = tables.aba_table(text).data
    fields = dict(zip(shown["field"], shown["value"], strict=False))
    assert fields["processing date"] == "170724"
    assert fields["amount"] == "0000239200"
    assert fields["account number"] == " 12345678"  # right-justified, blank-filled
    assert fields["record count"] == "000002"  # the credit and the balancing debit
    assert shown.loc[shown["field"] == "amount", "positions"].iloc[0] == "21-30"
    assert list(shown["record"].replace("", None).dropna()) == [
        "descriptive (0)", "first detail (1)", "file total (7)"]  # fmt: skip


def test_throughput_table() -> None:
    load = pd.DataFrame({"employees": [1000], "compute_s": [0.0241], "persist_s": [0.16],
                         "compute_v2_s": [0.015], "payslips_per_second": [5456.547],
                         "compute_per_second": [42249.9],
                         "persist_per_second": [6250.0]})  # fmt: skip
    html = _html(tables.throughput_table(load))
    for shown in ("5,457<", "0.024<", "1,000<"):
        assert shown in html


def test_the_plan_table() -> None:
    shown = tables.plan_table(load_plan()).data
    assert shown.loc[0, "at most"] == 40
    assert shown.iloc[-1]["departments"] == shown.iloc[-1]["locations"] == "all"


def test_rollout_and_pay_run_tables(tmp_path: Path) -> None:
    """The plan whose dev and staging samples only the office (no overtime): the defect
    reaches the pilot, which is rolled back."""
    plan = load_plan("rollout_plan_office_first.yaml")
    result = run_rollout(plan, employees=120, frequency="weekly", period_start=date(2024, 9, 2),
                         workdir=tmp_path, seed=3, inject_defect=True)  # fmt: skip
    monitoring = tables.monitoring_table(result).data
    assert list(monitoring["phase"]) == [p.name for p in plan.phases]
    assert monitoring.loc[0, "employees paid"] == tables.DASH  # dev pays nobody
    assert result.defect_caught_at == "pilot"
    caught = monitoring[monitoring["phase"] == result.defect_caught_at].iloc[0]
    assert caught["decision"] == "no-go, rolled back"
    after = monitoring[monitoring["decision"] == "not run"]
    assert len(after) > 0
    assert (after["errors"] == tables.DASH).all()  # no figures for a phase that did not run
    outcome = next(p for p in result.phases if p.name == result.defect_caught_at)
    assert caught["out of tolerance: employees / lines"] == (
        f"{outcome.mismatched_employees} / {outcome.mismatched_lines}"
    )
    items = result.reconciliation.items
    detail = tables.mismatch_table(items).data
    assert set(detail["line"]) >= {"gross pay", "line: overtime at double time"}
    defect = detail[detail["line"] == "line: overtime at double time"].iloc[0]
    assert defect["difference (2.0 - 1.0)"] < 0  # double time paid at time and a half
    assert defect["engine 2.0"] - defect["engine 1.0"] == defect["difference (2.0 - 1.0)"]
    by_line = tables.mismatch_summary(items).data.set_index("line")
    assert by_line.loc["gross pay", "employees"] == result.reconciliation.mismatched_employees
    rollback = tables.rollback_table(result.rollback, result.rollback_was_drill).data
    facts = dict(zip(rollback["rollback check"], rollback["result"], strict=True))
    assert facts["data intact"] == "yes"
    assert facts["checked on"] == "production"
    assert int(facts["reconciliation lines kept in the audit log"]) == len(items)
    assert list(tables.events_table(result.events).data.columns) == ["phase", "period from",
                                                                     "event"]  # fmt: skip
    store, run_id = result.production, result.last_run_id
    pay = tables.summary_table(summary(store, run_id)).data
    assert pay.iloc[-1]["department, location"] == "Total"
    assert list(pay.columns[2:]) == ["gross", "salary sacrifice", "tax withheld",
                                     "post-tax deductions", "net pay"]  # fmt: skip
    total = pay.iloc[-1]
    assert total["gross"] - total["salary sacrifice"] - total["tax withheld"] - total[
        "post-tax deductions"] == total["net pay"]  # fmt: skip
    html = _html(tables.journal_table(journal(store, run_id)))
    assert "Net wages payable (bank)" in html
    assert 'class="row_heading' not in html
    store.close()
