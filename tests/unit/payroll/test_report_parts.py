"""The report's parameters, throughput measurement and figures, on small inputs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from deploybook.params import ParameterError
from deploybook.payroll.report.charts import pyramid_figure, throughput_figure, timeline_figure
from deploybook.payroll.report.params import PayrollParams
from deploybook.payroll.report.pyramid import LevelResult
from deploybook.payroll.report.throughput import throughput
from deploybook.payroll.rollout.plan import load_plan
from deploybook.payroll.rollout.run import run_rollout

GOOD = {"employees": 100, "pay_frequency": "weekly", "period_start": "2024-07-01", "rule_set": "",
        "rollout_plan": "rollout_plan.yaml", "comparison_plan": "", "inject_defect": True,
        "test_levels": ["unit"], "mutation_testing": False, "mutants_per_module": 0,
        "throughput_sizes": [300, 100], "load_test_employees": 500,
        "load_test_calculations": 2, "load_test_seconds": 3, "load_test_users": 4,
        "seed": 1}  # fmt: skip


def test_parameters() -> None:
    params = PayrollParams.validate_values(GOOD)
    assert params.period_start == date(2024, 7, 1)
    assert params.throughput_sizes == [100, 300]
    for bad, name in (({"test_levels": ["smoke"]}, "test_levels"),
                      ({"pay_frequency": "daily"}, "pay_frequency"),
                      ({"throughput_sizes": [5]}, "throughput_sizes"),
                      ({"period_start": "2019-01-01"}, "period_start"),
                      ({"load_test_users": 0}, "load_test_users")):  # fmt: skip
        with pytest.raises(ParameterError, match=name):
            PayrollParams.validate_values(GOOD | bad)


def test_throughput_and_its_figure(tmp_path: Path) -> None:
    frame = throughput([30, 60], tmp_path)
    assert frame["employees"].tolist() == [30, 60]
    assert (frame["payslips_per_second"] > 0).all()
    assert len(throughput_figure(frame).data) == 3


def test_figures(tmp_path: Path) -> None:
    level = LevelResult("unit", 3, 2, 1, 0, 1.5, 80.0, tmp_path, (("a", "passed"),))
    assert len(pyramid_figure([level]).data) == 2
    result = run_rollout(load_plan(), employees=120, frequency="weekly",
                         period_start=date(2024, 9, 2), workdir=tmp_path, seed=3,
                         inject_defect=True)  # fmt: skip
    figure = timeline_figure(result)
    rolled_back = sum(p.rolled_back for p in result.phases)
    assert len(figure.data) == len(result.phases) + (1 if rolled_back else 0)
    labels = [bar.text for bar in figure.data[: len(result.phases)]]
    assert "not run" in labels  # after the no-go, without figures
    assert any("out of tolerance" in label for label in labels)
    result.production.close()
