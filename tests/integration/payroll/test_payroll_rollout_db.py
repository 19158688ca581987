"""The phased rollout against a real database: the defect is caught and rolled back safely."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from deploybook.payroll.rollout.plan import load_plan
from deploybook.payroll.rollout.run import run_rollout
from deploybook.payroll.service.schema import pay_runs


@pytest.mark.parametrize(
    ("plan", "inject_defect"),
    [("rollout_plan.yaml", True), ("rollout_plan_office_first.yaml", True),
     ("rollout_plan.yaml", False)],
    ids=["defect", "defect-office-first", "clean"],
)  # fmt: skip
def test_rollout(db_url: str, tmp_path: Path, plan: str, inject_defect: bool) -> None:
    url = None if db_url.startswith("sqlite") else db_url
    result = run_rollout(load_plan(plan), employees=150, frequency="fortnightly",
                         period_start=date(2024, 7, 1), workdir=tmp_path,
                         inject_defect=inject_defect, seed=2, production_url=url)  # fmt: skip
    decisions = {p.name: p.decision for p in result.phases}
    with result.production.transaction() as conn:
        statuses = set(conn.scalars(select(pay_runs.c.status)))
    assert statuses == {"paid"}  # every period was paid, by one engine or the other
    dev = result.phases[0]
    if inject_defect and plan == "rollout_plan.yaml":
        # dev's sample covers every feature of production's pay, double time included
        assert dev.missing_features == []
        assert result.defect_caught_at == "dev"
        assert decisions["dev"] == "no-go"
        assert set(decisions.values()) == {"no-go", "not run"}
        assert result.rollback is None  # production was never upgraded
        assert result.production.revision() == "0001"
    elif inject_defect:
        assert {"double time", "hourly pay"} <= set(dev.missing_features)  # said, not hidden
        assert result.defect_caught_at == "pilot"
        assert decisions["dev"] == decisions["staging"] == "go"  # no double time there
        assert decisions["pilot"] == "no-go"
        assert decisions["all"] == "not run"
        assert result.rollback is not None
        assert result.rollback.intact
        assert result.rollback.rows_since_upgrade > 0  # the pilot's rows, kept too
        assert not result.rollback_was_drill
        assert result.production.revision() == "0001"
        assert set(result.reconciliation.items["line"]) >= {"line:overtime_2.0", "gross", "net"}
        # the evidence of the no-go outlives the rollback: the pilot's reconciliation items and
        # who engine 2.0 paid are in the audit log of the downgraded database
        assert result.rollback.reconciliation_items_kept == len(result.reconciliation.items)
        pilot = next(p for p in result.phases if p.name == "pilot")
        assert result.rollback.engine_2_payslips_kept == pilot.new_engine_employees > 0
    else:
        assert result.defect_caught_at is None
        assert set(decisions.values()) == {"go"}
        assert result.production.revision() == "0002"
        # the fallback drill, on a copy of this database (SQLite or PostgreSQL), after engine
        # 2.0 paid every production phase: old rows and the rows engine 2.0 wrote survive
        assert result.rollback_was_drill
        assert result.rollback is not None
        assert result.rollback.intact
        assert result.rollback.rows_since_upgrade > 0
        production = [p for p in result.phases if p.environment == "production"]
        assert result.rollback.engine_2_payslips_kept == sum(
            p.new_engine_employees for p in production
        )
    result.production.close()
