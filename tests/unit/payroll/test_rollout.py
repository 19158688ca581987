"""Rollout plans, reconciliation and the rollback check (the parts that need no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from deploybook.payroll.engine.calculation import CentsEngine, PayContext, ReferenceEngine
from deploybook.payroll.engine.domain import PayPeriod, Timesheet
from deploybook.payroll.engine.reconcile import reconcile
from deploybook.payroll.engine.rules import RuleFileError
from deploybook.payroll.rollout.plan import Population, default_plan_path, load_plan
from deploybook.payroll.rollout.rollback import check_rollback
from deploybook.payroll.service.payruns import EngineScope

from .conftest import employee

CTX = PayContext.for_period(PayPeriod.starting("fortnightly", date(2024, 7, 1)))


def test_default_plan() -> None:
    plan = load_plan()
    assert [p.environment for p in plan.phases][:3] == ["dev", "staging", "production"]
    assert plan.phases[-1].population.all
    assert plan.tolerance_cents == 0
    assert load_plan("rollout_plan.yaml") == plan


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("tolerance_cents: 0", "tolerance_cents: -1", r":7: tolerance_cents"),
        ("environment: dev", "environment: qa", r":16: phases.0.environment"),
        (
            "population: {all: true}",
            "population: {departments: [Finance]}",
            r"last phase must be production",
        ),
        ("    population: {locations: [Perth]}", "    population: {}", r":28: phases.3.population"),
        (
            "  - name: dev\n    environment: dev",
            "  - name: dev\n    environment: production",
            "phases must go dev",
        ),
        ("name: pilot", "name: dev", "unique"),
        ("population: {all: true}", "population: {all: true, locations: [Perth]}", "leave out"),
    ],
)
def test_malformed_plan_names_the_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = default_plan_path().read_text()
    assert old in text
    (tmp_path / "plan.yaml").write_text(text.replace(old, new, 1))
    with pytest.raises(RuleFileError, match=message):
        load_plan(tmp_path / "plan.yaml")


def test_missing_plan() -> None:
    with pytest.raises(FileNotFoundError, match="rollout plan"):
        load_plan("no-such-plan.yaml")


def test_population_as_scope() -> None:
    assert Population(all=True).scope_filter() == {"all": True}
    flt = Population(departments=["Warehouse"], locations=["Perth"]).scope_filter()
    scope = EngineScope((flt,))
    assert scope.matches(employee(department="Warehouse", location="Perth"))
    assert not scope.matches(employee(department="Warehouse", location="Sydney"))
    assert not EngineScope(()).matches(employee())
    assert not EngineScope(({},)).matches(employee())


def test_reconcile_finds_every_differing_line() -> None:
    worker = employee(basis="hourly", rate=Decimal("40"))
    sheets = [
        Timesheet(worker.id, ordinary_hours=Decimal(76), overtime_20_hours=Decimal(h))
        for h in (0, 4)
    ]
    for sheet, expected in zip(sheets, (0, 1), strict=True):
        new = [CentsEngine(inject_defect=True).compute(worker, sheet, CTX, Decimal(0))]
        old = [ReferenceEngine().compute(worker, sheet, CTX, Decimal(0))]
        result = reconcile(new, old)
        assert result.mismatched_employees == expected
    assert set(result.items["line"]) >= {"gross", "line:overtime_2.0", "net"}
    assert result.items.loc[result.items["line"] == "gross", "difference"].iloc[0] == Decimal(-80)
    assert reconcile(new, old, tolerance_cents=100_000).mismatched_employees == 0


def test_reconcile_counts_missing_payslips() -> None:
    slip = ReferenceEngine().compute(employee(), None, CTX, Decimal(0))
    result = reconcile([slip], [])
    assert result.mismatched_employees == 1
    assert result.items["shadow"].isna().all()


def test_reconcile_counts_a_payslip_only_the_shadow_engine_made() -> None:
    """Both directions: an employee the official engine did not pay is a mismatch too."""
    slip = ReferenceEngine().compute(employee(), None, CTX, Decimal(0))
    result = reconcile([], [slip])
    assert result.mismatched_employees == 1
    assert result.employees == 1
    assert result.items["official"].isna().all()
    assert set(result.items["shadow_engine"]) == {"1.0"}


def test_reconcile_tolerance_is_exact_to_the_cent() -> None:
    """In Decimal: a difference of exactly the tolerance passes, one cent more does not."""
    slip = ReferenceEngine().compute(employee(), None, CTX, Decimal(0))
    for cents, mismatched in ((7, 0), (8, 1)):
        other = replace(slip, net=slip.net + Decimal(cents) / 100, engine="2.0")
        result = reconcile([other], [slip], tolerance_cents=7)
        assert result.mismatched_employees == mismatched
        if mismatched:
            (difference,) = result.items["difference"]
            assert isinstance(difference, Decimal)
            assert difference == Decimal("0.08")


def _table(columns: list[str], rows: dict[str, tuple[str, ...]]) -> dict:
    return {"columns": columns, "rows": {k: dict(zip(columns, v, strict=True))
                                         for k, v in rows.items()}}  # fmt: skip


def test_check_rollback() -> None:
    before = {"t": _table(["a", "b"], {"1": ("x", "1"), "2": ("y", "2"), "3": ("z", "3")})}
    same = {"t": _table(["a", "b"], {"1": ("x", "1"), "2": ("y", "2"), "3": ("z", "3"),
                                     "4": ("new", "4")})}  # fmt: skip
    assert check_rollback(before, same, "0001").intact
    lost = {"t": _table(["a", "b"], {"1": ("x", "1"), "2": ("CHANGED", "2")})}
    check = check_rollback(before, lost, "0001")
    assert (check.rows_missing, check.rows_changed, check.intact) == (1, 1, False)
    rows = {k: (*v.values(), "1.0") for k, v in before["t"]["rows"].items()}
    wider = {"t": _table(["a", "b", "engine"], rows)}
    assert not check_rollback(before, wider, "0002").schema_restored


def test_check_rollback_covers_rows_written_under_the_new_revision() -> None:
    """A row written after the upgrade must survive the downgrade too, in the columns the
    old schema has (its new columns go, and tables only the new schema has are kept in the
    audit log instead)."""
    before = {"t": _table(["a"], {"1": ("x",)})}
    during = {
        "t": _table(["a", "engine"], {"1": ("x", "1.0"), "2": ("y", "2.0"), "3": ("z", "2.0")}),
        "new_only": _table(["id"], {"9": ("9",)}),
    }
    kept = {"t": _table(["a"], {"1": ("x",), "2": ("y",), "3": ("z",)})}
    assert check_rollback(before, kept, "0001", during).intact
    assert check_rollback(before, kept, "0001", during).rows_since_upgrade == 2
    lost = {"t": _table(["a"], {"1": ("x",), "2": ("CHANGED",)})}
    check = check_rollback(before, lost, "0001", during)
    assert (check.rows_since_missing, check.rows_since_changed, check.intact) == (1, 1, False)
    assert (check.rows_missing, check.rows_changed) == (0, 0)
